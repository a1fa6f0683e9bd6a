"""Who is acting: staff users, devices, or anyone; what each may do; passwords and
tokens (kept only as SHA-256)."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, literal, select, union_all
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..errors import N_, Forbidden, Unauthorized
from ..models import AuthToken, Branch, Device, User, UTCDateTime
from .rules import seen_long_ago

ROLES = ("admin", "manager", "agent")


def wall_clock() -> datetime:
    """Credentials expire by the real clock, not by `turnero.clock`: a test or a
    simulation that moves the queue's time does not log its staff out."""
    return datetime.now(timezone.utc)


DEVICE_KINDS = ("kiosk", "display")
_hasher = PasswordHasher()
# A real hash to verify against when the user does not exist, so the answer
# takes as long for a wrong name as for a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# A ticket's or an appointment's link secret: 128 random bits, 22 characters, so the
# link in a text stays short (`/t/` + 22); guessing one among 2^128 is out of reach,
# and the pages that take it are limited per address besides.
LINK_SECRET_BYTES = 16


def new_secret(nbytes: int = 32) -> str:
    """At least 128 random bits, URL-safe (by default 256), never starting with "-": a secret is
    pasted after an option on a command line (`turnero-kiosk --token ...`), where a leading
    dash reads as another option."""
    while (secret := secrets.token_urlsafe(nbytes)).startswith("-"):
        pass
    return secret


@dataclass(frozen=True)
class Actor:
    kind: str  # "anonymous" | "user" | "device"
    user_id: int | None = None
    username: str | None = None
    role: str | None = None
    device_id: int | None = None
    device_kind: str | None = None
    branch_id: int | None = None  # the user's or device's branch (None: every branch, admin)
    address: str | None = None  # the client's address (for the audit log)

    @property
    def is_staff(self) -> bool:
        return self.kind == "user"

    @property
    def may_grant_priority(self) -> bool:
        """Staff, and a kiosk (the customer stands in front of it, and staff nearby)."""
        return self.kind == "user" or (self.kind == "device" and self.device_kind == "kiosk")

    @property
    def default_channel(self) -> str:
        if self.kind == "device":
            return "kiosk"
        return "staff" if self.kind == "user" else "web"

    def can_act_on(self, branch: Branch) -> bool:
        if self.kind == "user" and self.role == "admin":
            return True
        return self.branch_id == branch.id

    def require_staff(self, branch: Branch | None = None) -> None:
        if self.kind == "anonymous":
            raise Unauthorized(N_("Log in as staff to do this."))
        if self.kind != "user":
            raise Forbidden(N_("This device may not do this."))
        if branch is not None and not self.can_act_on(branch):
            raise Forbidden(N_("You can only act on your own branch."))

    def require_manager(self, branch: Branch | None = None) -> None:
        """An admin, or a manager acting on their own branch."""
        if self.kind == "anonymous":
            raise Unauthorized(N_("Log in as staff to do this."))
        if self.kind != "user" or self.role not in ("admin", "manager"):
            raise Forbidden(N_("Only administrators and managers may do this."))
        if self.role == "manager" and self.branch_id is None:  # e.g. their branch was deleted
            raise Forbidden(N_("You are not assigned to a branch yet. Ask an administrator."))
        if branch is not None and self.role != "admin" and self.branch_id != branch.id:
            raise Forbidden(N_("You can only manage your own branch."))

    def require_admin(self) -> None:
        self.require_manager()
        if self.role != "admin":
            raise Forbidden(N_("Only administrators may do this."))


ANONYMOUS = Actor(kind="anonymous")
# The command line acts with full rights.
SYSTEM = Actor(kind="user", username="cli", role="admin")


def authenticate(session: Session, username: str, password: str) -> User:
    """The active staff user with this password, or Unauthorized (as slow for an
    unknown name as for a wrong password)."""
    user = session.scalar(select(User).options(joinedload(User.branch)).where(User.username == username))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise Unauthorized(N_("Wrong username or password."))
    if not verify_password(user.password_hash, password) or not user.active:
        raise Unauthorized(N_("Wrong username or password."))
    return user


def login(db, username: str, password: str, hours: int) -> str:
    """Check a staff password and hand out a new API token. The password is checked
    (argon2, deliberately slow) before the write transaction begins, so a login never
    holds up the branch's writes."""
    with db.unit_of_work() as uow:
        user = authenticate(uow.session, username, password)
        user_id, rehashed = user.id, (hash_password(password) if _hasher.check_needs_rehash(user.password_hash)
                                      else None)
    token = new_secret()
    now = wall_clock()
    with db.unit_of_work(write=True) as uow:
        session = uow.session
        session.execute(delete(AuthToken).where(AuthToken.user_id == user_id, AuthToken.expires_at < now))
        session.add(AuthToken(token_hash=token_digest(token), user_id=user_id, created_at=now,
                              expires_at=now + timedelta(hours=hours)))
        if rehashed is not None:
            session.get(User, user_id).password_hash = rehashed
        uow.commit()
    return token


def register_device(session: Session, branch_id: int, kind: str, name: str = "") -> tuple[Device, str]:
    """A new kiosk or display of the branch, with its token (returned once, kept hashed)."""
    token = new_secret()
    device = Device(branch_id=branch_id, kind=kind, name=name or kind, token_hash=token_digest(token))
    session.add(device)
    session.flush()
    return device, token


def actor_for_token(session: Session, token: str | None, seen: Callable[[int], None] | None = None) -> Actor:
    """The staff user or device a Bearer token belongs to; Unauthorized if none.
    `seen(device_id)` is called when a device's last sighting is old enough to be
    written again (see rules.SEEN_EVERY): the caller writes it once its own work is done."""
    if not token:
        return ANONYMOUS
    # One statement for both kinds, plain columns (no ORM objects): a kiosk's or a
    # display's every request pays this, so it costs what a lookup by index costs.
    row = session.execute(_TOKEN_OWNER, {"digest": token_digest(token)}).first()
    if row is None:
        raise Unauthorized(N_("The access token is not valid."))
    kind, owner_id, name, role, branch_id, expires_at, usable, last_seen = row
    if kind == "user":
        if usable and expires_at is not None and _utc(expires_at) > wall_clock():
            return Actor(kind="user", user_id=owner_id, username=name, role=role, branch_id=branch_id)
        raise Unauthorized(N_("Your session has expired; log in again."))
    if usable:
        if seen is not None and seen_long_ago(clock.utcnow(), last_seen):
            seen(owner_id)
        return Actor(kind="device", device_id=owner_id, device_kind=role, branch_id=branch_id)
    raise Unauthorized(N_("The access token is not valid."))


_TOKEN_OWNER = union_all(
    select(literal("user").label("kind"), User.id, User.username, User.role, User.branch_id,
           AuthToken.expires_at, User.active, literal(None, UTCDateTime))
    .join(AuthToken, AuthToken.user_id == User.id).where(AuthToken.token_hash == bindparam("digest")),
    select(literal("device"), Device.id, Device.name, Device.kind, Device.branch_id,
           literal(None, UTCDateTime), Device.revoked_at.is_(None), Device.last_seen_at)
    .where(Device.token_hash == bindparam("digest")),
)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def actor_for_user(user: User) -> Actor:
    return Actor(kind="user", user_id=user.id, username=user.username, role=user.role,
                 branch_id=user.branch_id)
