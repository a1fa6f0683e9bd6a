"""Kiosks and lobby displays: pairing one with a short code instead of its token, and
knowing whether each is online.

A manager makes a pairing code for a kind and a name (admin.users.issue_pairing_code);
the device sends it to `POST /api/v1/devices/pair` and gets its own new token, once.
Unknown, mistyped, used, expired and burnt codes all get the same answer, so a try
tells nothing about which codes exist (rules.py says why guessing is hopeless).

A device is seen when it uses its token (written at most once a minute, after the
request's own work) and while it holds a Socket.IO connection (`online_sid`: set when
it connects, cleared when that same connection ends). A process that dies with
connections open leaves their devices "online" until each connects again (which a
kiosk or display does within seconds of the server coming back).
"""
from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..db import Database
from ..errors import N_, Conflict, DomainError, Invalid
from ..models import Branch, Device, PairingCode
from . import audit
from .rules import CODE_LIFETIME, MAX_ATTEMPTS, SEEN_EVERY, grouped, lookup, new_code, normalize
from .services import Actor, actor_for_token, register_device, token_digest

log = logging.getLogger(__name__)

NOT_A_CODE = N_("This pairing code is not valid: it may be mistyped, already used or expired. "
                "Ask for a new one on the devices page.")

WRONG_KIND = N_("This pairing code was made for the other kind of device (a kiosk or a lobby display). "
                "It still works on the right one.")


@dataclass(frozen=True)
class NewCode:
    code: str  # grouped, "ABCD-EFGH": shown once, kept only hashed
    kind: str
    name: str
    expires_at: datetime


@dataclass(frozen=True)
class Paired:
    device_id: int
    token: str
    branch: str
    kind: str
    name: str

    def to_json(self) -> dict:
        return {"id": self.device_id, "token": self.token, "branch": self.branch, "kind": self.kind,
                "name": self.name}


def new_pairing_code(session: Session, branch_id: int, kind: str, name: str, created_by: str) -> NewCode:
    """A new code for the branch (no checks: the caller made them)."""
    now = clock.utcnow()
    while True:
        code = new_code()
        digest = token_digest(code)
        if session.scalar(select(PairingCode.id).where(PairingCode.code_hash == digest)) is None:
            break
    session.add(PairingCode(branch_id=branch_id, kind=kind, name=name or kind, lookup=lookup(code),
                            code_hash=digest, created_by=created_by[:80], created_at=now,
                            expires_at=now + CODE_LIFETIME, attempts=0))
    session.flush()
    return NewCode(grouped(code), kind, name or kind, now + CODE_LIFETIME)


def _live_codes(code: str, now: datetime):
    return (select(PairingCode).where(PairingCode.lookup == lookup(code), PairingCode.used_at.is_(None),
                                      PairingCode.expires_at > now, PairingCode.attempts < MAX_ATTEMPTS)
            .order_by(PairingCode.id))


def pair_device(db: Database, typed: str, address: str | None = None, kind: str | None = None) -> Paired:
    """Exchange a pairing code for a new device token, exactly once. A wrong code that
    shares its first characters with live codes counts as a wrong try against each;
    MAX_ATTEMPTS of them burn a code. `kind`, when the device says what it is: a code
    made for the other kind is refused and stays usable (only its holder learns that)."""
    code = normalize(typed)
    if code is None:
        raise _not_a_code()
    with db.unit_of_work() as uow:  # most wrong tries meet no live code: no write for them
        if uow.session.scalar(_live_codes(code, clock.utcnow()).with_only_columns(PairingCode.id).limit(1)) is None:
            raise _not_a_code()
    digest = token_digest(code)
    with db.unit_of_work(write=True) as uow:
        session = uow.session
        now = clock.utcnow()
        candidates = list(session.scalars(_live_codes(code, now).with_for_update()))
        match = next((c for c in candidates if hmac.compare_digest(c.code_hash, digest)), None)
        if match is None:
            for candidate in candidates:
                candidate.attempts += 1
            uow.commit()
            log.warning("wrong pairing code from %s (%d live codes counted a try)", address, len(candidates))
            raise _not_a_code()
        if kind is not None and kind != match.kind:
            raise Conflict(WRONG_KIND)
        match.used_at = now
        branch = session.get(Branch, match.branch_id)
        device, token = register_device(session, branch.id, match.kind, match.name)
        audit.record(session, Actor(kind="device", device_id=device.id, device_kind=device.kind, address=address),
                     "device.paired", branch=branch.slug, target=f"{device.kind} {device.id}: {device.name}")
        uow.commit()
    log.info("%s device %s paired at %s from %s", device.kind, device.id, branch.slug, address)
    return Paired(device.id, token, branch.slug, device.kind, device.name)


def _not_a_code() -> DomainError:
    return Invalid(NOT_A_CODE, errors={"code": [NOT_A_CODE]})


# ---------------------------------------------------------------- presence

def note_seen(db: Database, device_id: int) -> None:
    """Write down that the device used its token now, unless that was done less than a
    minute ago (by this process or another). Never fails the request it follows."""
    now = clock.utcnow()
    try:
        with db.unit_of_work(write=True) as uow:
            uow.session.execute(update(Device).where(
                Device.id == device_id,
                or_(Device.last_seen_at.is_(None), Device.last_seen_at <= now - SEEN_EVERY)).values(last_seen_at=now))
            uow.commit()
    except Exception:  # noqa: BLE001 - busy or down: the request it follows has its answer already
        log.info("device %s seen, not written", device_id, exc_info=True)


def socket_connected(db: Database, token: str | None, sid: str) -> int | None:
    """A Socket.IO connection opened with this token: the device it belongs to (now
    online), or None (anyone else: a phone, a browser, a wrong token)."""
    if not token or not isinstance(token, str):
        return None
    try:
        with db.unit_of_work() as uow:
            actor = actor_for_token(uow.session, token)
    except DomainError:
        return None
    except Exception:  # noqa: BLE001 - the database is busy or down: the connection stays up
        log.info("Socket.IO connection %s: its device is not known now", sid, exc_info=True)
        return None
    if actor.kind != "device":
        return None
    _set_presence(db, actor.device_id, sid, online=True)
    return actor.device_id


def socket_gone(db: Database, device_id: int, sid: str) -> None:
    """That connection ended: seen now, and offline unless a newer connection took over."""
    _set_presence(db, device_id, sid, online=False)


def _set_presence(db: Database, device_id: int, sid: str, online: bool) -> None:
    statement = update(Device).where(Device.id == device_id)
    if not online:
        statement = statement.where(Device.online_sid == sid)
    try:
        with db.unit_of_work(write=True) as uow:
            uow.session.execute(statement.values(last_seen_at=clock.utcnow(), online_sid=sid if online else None))
            uow.commit()
    except Exception:  # noqa: BLE001 - busy or down: presence is a hint, never a failed connection
        log.info("device %s presence not written", device_id, exc_info=True)
