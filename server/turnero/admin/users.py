"""Administration of staff users and of devices (kiosks, lobby displays): create,
change role or branch, reset a password, deactivate; register and revoke a device
(its token is shown once and kept only hashed)."""
from __future__ import annotations

import logging

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..access import audit
from ..access.devices import NewCode, new_pairing_code
from ..access.rules import is_online, minutes_since
from ..access.services import DEVICE_KINDS, ROLES, Actor, hash_password, register_device
from ..db import UnitOfWork
from ..errors import N_, Conflict, Forbidden, Invalid, NotFound
from ..models import AuthToken, Branch, Device, User
from . import validation as check
from .services import device_view, managed_branch, user_view
from .validation import USERNAME_RE, FieldErrors

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- users

def list_users(uow: UnitOfWork, actor: Actor) -> list[dict]:
    actor.require_manager()
    query = select(User).options(joinedload(User.branch)).order_by(User.username)
    if actor.role != "admin":
        query = query.where(User.branch_id == actor.branch_id)
    return [user_view(u) for u in uow.session.scalars(query)]


def get_user(uow: UnitOfWork, actor: Actor, user_id: int) -> dict:
    return user_view(_user(uow.session, actor, user_id))


def _user(session: Session, actor: Actor, user_id: int) -> User:
    actor.require_manager()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("There is no such user."))
    if actor.role != "admin" and (user.branch_id != actor.branch_id or user.role == "admin"):
        raise Forbidden(N_("You can only manage the staff of your own branch."))
    return user


def list_devices(uow: UnitOfWork, actor: Actor, branch_slug: str) -> list[dict]:
    """The branch's devices, newest first and revoked last, each with `online` and, when
    it was ever seen, `seen_min` (minutes since)."""
    branch = managed_branch(uow.session, actor, branch_slug)
    now = clock.utcnow()
    rows = []
    for device in uow.session.scalars(select(Device).where(Device.branch_id == branch.id)
                                      .order_by(Device.revoked_at.is_not(None), Device.created_at.desc())):
        seen = device.last_seen_at
        rows.append({**device_view(device), "last_seen_at": seen,
                     "online": device.revoked_at is None and is_online(now, seen, device.online_sid is not None),
                     "seen_min": minutes_since(now, seen) if seen else None})
    return rows


def _role_and_branch(errors: FieldErrors, session: Session, actor: Actor, role: str | None,
                     branch_slug: str | None) -> Branch | None:
    if role not in ROLES:
        errors.add("role", N_("Unknown role."))
    elif actor.role != "admin" and role == "admin":
        errors.add("role", N_("Only administrators may give this role."))
    branch = None
    if branch_slug:
        branch = session.scalar(select(Branch).where(Branch.slug == branch_slug))
        if branch is None:
            errors.add("branch", N_("Unknown branch."))
        elif actor.role != "admin" and branch.id != actor.branch_id:
            errors.add("branch", N_("You can only manage your own branch."))
    elif role in ("manager", "agent"):
        errors.add("branch", N_("Managers and agents belong to a branch."))
    return branch


def create_user(uow: UnitOfWork, actor: Actor, *, username: str, role: str, password: str,
                branch: str | None = None) -> dict:
    actor.require_manager()
    session = uow.session
    errors = FieldErrors()
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        errors.add("username", N_("2 to 80 letters, digits, dots, hyphens or underscores."))
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        errors.add("username", N_("That username is taken."))
    target = _role_and_branch(errors, session, actor, role, branch)
    check.password(errors, password)
    errors.raise_any()
    user = add_user(session, username, role, password, target.slug if target else None)
    view = user_view(user)
    audit.record(session, actor, "user.created", branch=view["branch"], target=username,
                 changes={"role": [None, role], "branch": [None, view["branch"]]})
    uow.commit()
    log.info("user %s (%s) created by %s", username, role, actor.username)
    return view


def update_user(uow: UnitOfWork, actor: Actor, user_id: int, *, role: str, branch: str | None = None) -> dict:
    user = _user(uow.session, actor, user_id)
    errors = FieldErrors()
    target = _role_and_branch(errors, uow.session, actor, role, branch)
    if user.id == actor.user_id and role != user.role:
        errors.add("role", N_("You cannot change your own role."))
    errors.raise_any()
    before = user_view(user)
    user.role = role
    user.branch = target
    view = user_view(user)
    changes = audit.differences({k: before[k] for k in ("role", "branch")}, {k: view[k] for k in ("role", "branch")})
    if changes:
        audit.record(uow.session, actor, "user.changed", branch=view["branch"] or before["branch"],
                     target=user.username, changes=changes)
    uow.commit()
    log.info("user %s changed by %s", user.username, actor.username)
    return view


def reset_password(uow: UnitOfWork, actor: Actor, user_id: int, password: str) -> dict:
    """A new password; the user's API tokens and browser sessions end."""
    user = _user(uow.session, actor, user_id)
    errors = FieldErrors()
    check.password(errors, password)
    errors.raise_any()
    user.password_hash = hash_password(password)
    uow.session.execute(delete(AuthToken).where(AuthToken.user_id == user.id))
    audit.record(uow.session, actor, "user.password", branch=user.branch.slug if user.branch else None,
                 target=user.username)
    uow.commit()
    log.info("password of %s reset by %s", user.username, actor.username)
    return user_view(user)


def set_user_active(uow: UnitOfWork, actor: Actor, user_id: int, active: bool) -> dict:
    user = _user(uow.session, actor, user_id)
    if user.id == actor.user_id and not active:
        raise Conflict(N_("You cannot deactivate yourself."))
    if user.active != active:
        audit.record(uow.session, actor, "user.activated" if active else "user.deactivated",
                     branch=user.branch.slug if user.branch else None, target=user.username)
    user.active = active
    if not active:
        uow.session.execute(delete(AuthToken).where(AuthToken.user_id == user.id))
    uow.commit()
    log.info("user %s %s by %s", user.username, "activated" if active else "deactivated", actor.username)
    return user_view(user)


# ---------------------------------------------------------------- devices

def issue_device(uow: UnitOfWork, actor: Actor, branch_slug: str, *, kind: str, name: str = "") -> tuple[dict, str]:
    """Register a kiosk or display; its token is returned once and kept only hashed."""
    session = uow.session
    managed_branch(session, actor, branch_slug)
    errors = FieldErrors()
    if kind not in DEVICE_KINDS:
        errors.add("kind", N_("Unknown device kind."))
    name = check.text(errors, "name", name, 120, required=False) or ""
    errors.raise_any()
    device, token = add_device(session, branch_slug, kind, name)
    audit.record(session, actor, "device.issued", branch=branch_slug, target=f"{kind} {device.id}: {device.name}")
    uow.commit()
    log.info("%s device %s issued at %s by %s", kind, device.id, branch_slug, actor.username)
    return device_view(device), token


def issue_pairing_code(uow: UnitOfWork, actor: Actor, branch_slug: str, kind: str, name: str) -> NewCode:
    """A short code a new kiosk or display exchanges for its own token (access.devices),
    once, within 10 minutes: nobody copies a long token by hand."""
    session = uow.session
    branch = managed_branch(session, actor, branch_slug)
    errors = FieldErrors()
    if kind not in DEVICE_KINDS:
        errors.add("kind", N_("Unknown device kind."))
    name = check.text(errors, "name", name, 120, required=False) or ""
    errors.raise_any()
    made = new_pairing_code(session, branch.id, kind, name, created_by=audit.who(actor))
    audit.record(session, actor, "device.pairing_code", branch=branch.slug, target=f"{kind}: {made.name}")
    uow.commit()
    log.info("pairing code for a %s made at %s by %s", kind, branch.slug, actor.username)
    return made


def revoke_device(uow: UnitOfWork, actor: Actor, branch_slug: str, device_id: int) -> dict:
    session = uow.session
    branch = managed_branch(session, actor, branch_slug)
    device = session.get(Device, device_id)
    if device is None or device.branch_id != branch.id:
        raise NotFound(N_("There is no such device."))
    if device.revoked_at is None:
        device.revoked_at = clock.utcnow()
        audit.record(session, actor, "device.revoked", branch=branch.slug,
                     target=f"{device.kind} {device.id}: {device.name}")
    uow.commit()
    log.info("device %s at %s revoked by %s", device.id, branch.slug, actor.username)
    return device_view(device)


# ---------------------------------------------------------------- without checks (the command line, the demo)

def add_user(session: Session, username: str, role: str, password: str, branch_slug: str | None = None) -> User:
    """Add a staff user; the command line's way in (it acts with full rights)."""
    if role not in ROLES:
        raise Invalid(N_("Unknown role."), errors={"role": [N_("Unknown role.")]})
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(N_("That username is taken."))
    branch = None
    if branch_slug:
        branch = session.scalar(select(Branch).where(Branch.slug == branch_slug))
        if branch is None:
            raise NotFound(N_("There is no branch “%(branch)s”."), branch=branch_slug)
    elif role != "admin":
        raise Invalid(N_("Managers and agents belong to a branch."),
                      errors={"branch": [N_("Managers and agents belong to a branch.")]})
    user = User(username=username, role=role, branch_id=branch.id if branch else None,
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def add_device(session: Session, branch_slug: str, kind: str, name: str = "") -> tuple[Device, str]:
    """Register a kiosk or display; returns it with its token (shown once, kept hashed)."""
    if kind not in DEVICE_KINDS:
        raise Invalid(N_("Unknown device kind."), errors={"kind": [N_("Unknown device kind.")]})
    branch = session.scalar(select(Branch).where(Branch.slug == branch_slug))
    if branch is None:
        raise NotFound(N_("There is no branch “%(branch)s”."), branch=branch_slug)
    return register_device(session, branch.id, kind, name)
