"""The audit log: who changed what in the administration, when, and from where.

An entry is written in the transaction of the change it tells about (one commit: no
change without its entry, no entry without its change), is never changed or removed
(database triggers refuse it, migration 0005), and outlives what it names: it keeps
the branch's short name and the username as they were, with no foreign keys.

What an entry never holds: passwords, tokens, or a customer's phone in full (an
erasure is logged with the number's last digits only, or it would not be one).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..errors import N_
from ..models import AuditEntry, Branch
from .services import Actor

# Every action an entry may name, with its words for the audit page.
ACTIONS = {
    "branch.created": N_("Branch created"),
    "branch.changed": N_("Branch settings changed"),
    "branch.deleted": N_("Branch deleted"),
    "service.created": N_("Service created"),
    "service.changed": N_("Service changed"),
    "service.joining_paused": N_("Line paused for new turns"),
    "priority_class.added": N_("Priority class added"),
    "priority_class.removed": N_("Priority class removed"),
    "service.joining_opened": N_("Line reopened for new turns"),
    "counter.created": N_("Counter created"),
    "counter.changed": N_("Counter changed"),
    "counter.opened": N_("Counter opened"),
    "counter.paused": N_("Counter paused"),
    "counter.closed": N_("Counter closed"),
    "user.created": N_("User created"),
    "user.changed": N_("User's role or branch changed"),
    "user.password": N_("Password reset"),
    "user.activated": N_("User activated"),
    "user.deactivated": N_("User deactivated"),
    "device.issued": N_("Device registered"),
    "device.revoked": N_("Device revoked"),
    "device.pairing_code": N_("Pairing code made for a new device"),
    "device.paired": N_("Device paired with a code"),
    "hours.changed": N_("Opening hours changed"),
    "checkin_window.changed": N_("Check-in window changed"),
    "closure.added": N_("Closure added"),
    "closure.removed": N_("Closure removed"),
    "ticket.priority_granted": N_("Priority granted"),
    "ticket.priority_removed": N_("Priority removed"),
    "customer.exported": N_("Customer data exported"),
    "customer.note": N_("Note about a customer changed"),
    "customer.channel": N_("A customer's messaging channel changed"),
    "webhook.added": N_("Webhook added"),
    "webhook.removed": N_("Webhook removed"),
    "customer.erased": N_("Customer data erased"),
    "data.purged": N_("Old personal data erased"),
}


def who(actor: Actor) -> str:
    if actor.kind == "device":
        return f"{actor.device_kind} {actor.device_id}"
    return actor.username or actor.kind


def record(session: Session, actor: Actor, action: str, *, branch: str | None = None, target: str | None = None,
           changes: dict | None = None) -> None:
    """Add an entry to the unit of work in progress (its commit writes both)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(AuditEntry(at=clock.utcnow(), actor=who(actor)[:80], role=actor.role or actor.device_kind,
                           address=(actor.address or None) and actor.address[:64], branch=branch,
                           action=action, target=target and target[:120], changes=changes or None))


def differences(before: dict, after: dict) -> dict:
    """field -> [before, after] for each field that changed (JSON-friendly values)."""
    return {key: [_plain(before.get(key)), _plain(after.get(key))]
            for key in after if _plain(before.get(key)) != _plain(after.get(key))}


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def masked_phone(phone: str) -> str:
    """A number as an erasure's entry keeps it: enough to answer "was it done?" when the
    customer asks again, not enough to know whose it was."""
    return "•" * max(0, len(phone) - 2) + phone[-2:]


@dataclass(frozen=True)
class Page:
    entries: list[dict]
    older: int | None  # the id to continue from, when there are older entries


def entries(session: Session, actor: Actor, *, branch: str | None = None, before: int | None = None,
            limit: int = 100) -> Page:
    """The newest entries first: every branch's for an admin (or one, `branch`), a
    manager's own branch's only."""
    actor.require_manager()
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if actor.role != "admin":
        own = session.scalar(select(Branch.slug).where(Branch.id == actor.branch_id))
        query = query.where(AuditEntry.branch == own)
    elif branch:
        query = query.where(AuditEntry.branch == branch)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(session.scalars(query))
    shown = rows[:limit]
    return Page([_view(row) for row in shown], shown[-1].id if len(rows) > limit else None)


def _view(row: AuditEntry) -> dict:
    return {"id": row.id, "at": row.at, "actor": row.actor, "role": row.role, "address": row.address,
            "branch": row.branch, "action": row.action, "what": ACTIONS.get(row.action, row.action),
            "target": row.target, "changes": row.changes or {}}
