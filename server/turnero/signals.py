"""What the core announces and the features answer (blinker signals, as indico's
modules connect to theirs). The core never imports a feature: a feature that keeps
rows of a branch connects here and handles its own.

Receivers are plain module-level functions, connected by each feature's `init_app`
(connecting the same function again is a no-op, so several apps may coexist).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from blinker import Namespace

_signals = Namespace()


@dataclass
class BranchContents:
    """What one part of Turnero holds of a branch: counts shown before deleting it
    (name -> number), and what stops the deletion now (field -> messages)."""
    counts: dict = field(default_factory=dict)
    blockers: dict = field(default_factory=dict)

branch_contents = _signals.signal("branch-contents")
"""`send(session, branch=Branch, now=datetime)` while an admin looks at deleting a
branch. Each receiver returns a `BranchContents` of its own rows: what goes with the
branch, and what stops the deletion now."""

branch_deleting = _signals.signal("branch-deleting")
"""`send(session, branch_id=int, tickets=subquery)` inside the transaction that
deletes a branch, before the core deletes its tickets, services and counters: each
receiver deletes (or detaches) its own rows of that branch."""

customer_text = _signals.signal("customer-text")
"""`send(session, phone=E.164, body=str, kind=str, lang=str, branch_id=int|None)`
inside the transaction of the change that causes a text to a customer (an
appointment's confirmation, a reminder). Messaging queues it in its outbox and
returns True; no receiver, or an opted-out number, leaves it unsent."""


def send_customer_text(session, **message) -> bool:
    """Ask for a text to a customer; True when some channel queued it."""
    return any(bool(queued) for _receiver, queued in customer_text.send(session, **message))
