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

@dataclass
class CustomerRecords:
    """What one part of Turnero keeps about a customer (a phone number): its records
    for the customer's copy (name -> list of dicts), and what stops erasing them now
    (field -> messages)."""
    records: dict = field(default_factory=dict)
    blockers: dict = field(default_factory=dict)


personal_data_expiring = _signals.signal("personal-data-expiring")
"""`send(session, branch_id=int|None, before=datetime)` while `turnero purge` runs:
each receiver erases the phones, names and texts of its rows of that branch (None:
rows of no branch) made before `before`, keeping the rows for the figures, and
returns how many rows it changed."""

customer_records = _signals.signal("customer-records")
"""`send(session, customer_id=int|None, phone=E.164, now=datetime)`: each receiver
returns a `CustomerRecords` of what it keeps about that customer."""

customer_erasing = _signals.signal("customer-erasing")
"""`send(session, customer_id=int|None, phone=E.164)` inside the transaction that
erases a customer's data on request, before the core forgets the customer: each
receiver erases its own rows' phones, names and texts and returns how many rows it
changed."""

customer_text = _signals.signal("customer-text")
"""`send(session, phone=E.164, body=str, kind=str, lang=str, branch_id=int|None,
template=str|None, values=dict|None, notify_by=str|None)` inside the transaction of the
change that causes a text to a customer (an appointment's confirmation, a reminder);
`template` names the WhatsApp template that says the same with `values`. Messaging
queues it in its outbox by `notify_by` (the appointment's own choice) or else the
customer's channel and returns True; no receiver, or an opted-out number, leaves it
unsent."""

customer_channel_chosen = _signals.signal("customer-channel-chosen")
"""`send(session, customer_id=int, channel=str|None)` inside the transaction where the
number's holder (a text or call from it) or staff chose where the customer's messages
go: each receiver drops the choices made for single turns of that customer (its rows'
`notify_by`) that still have messages to come, so that the customer's own choice
holds for them too."""


def send_customer_text(session, **message) -> bool:
    """Ask for a text to a customer; True when some channel queued it."""
    return any(bool(queued) for _receiver, queued in customer_text.send(session, **message))
