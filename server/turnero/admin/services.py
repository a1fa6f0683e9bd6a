"""Administration use cases, one function each: a branch's settings, services and
counters (users and devices are in users.py, deleting a branch in deletion.py). The
admin pages and the CLI call these; every one checks who acts, validates everything
on the server (field -> messages in `Invalid.errors`), commits once, and when the
displays show what changed, queues a fresh `branch.state`.

Who may do what: an admin everything; a manager only at their own branch (no new
branches, no admins); an agent nothing here.
"""
from __future__ import annotations

import difflib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from .. import branding, clock
from ..access import audit
from ..access.services import Actor
from ..db import UnitOfWork
from ..errors import N_, NotFound, Unauthorized
from ..hours import format_ranges, parse_ranges
from ..models import Branch, Counter, Device, PriorityClass, Service, User
from ..queue.lookups import find_branch, find_counter
from ..queue.places import next_calls
from ..queue.services import branch_changed
from . import validation as check
from .validation import COLOR_RE, PREFIX_RE, FieldErrors, Message

log = logging.getLogger(__name__)

LANGS = ("es", "en")
# A counter's planned hours: a shift, or one split by a break or two.
MAX_PLANNED_RANGES = 4
DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 90, 1, 3650


def managed_branch(session: Session, actor: Actor, slug: str, lock: bool = False) -> Branch:
    """The branch, once `actor` may manage it."""
    branch = find_branch(session, slug, lock=lock)
    actor.require_manager(branch)
    return branch


# ---------------------------------------------------------------- reading (plain dicts, for pages and the CLI)

BRANCH_FIELDS = ("slug", "name", "address", "timezone", "lang", "country", "priority_boost_min",
                 "appointment_boost_min", "notify_ahead", "offers_priority", "message", "retention_days", "join_hours",
                 "last_entry_min", "remote_check_in", "remote_grace_min", "no_show_after_recalls", "target_wait_min",
                 "no_show_return_min", "brand_color", "brand_logo_version")
SERVICE_FIELDS = ("slug", "prefix", "name_es", "name_en", "bring_es", "bring_en", "color", "avg_service_min",
                  "takes_appointments", "slot_minutes", "slot_capacity", "active")


def _fields(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def branch_view(branch: Branch) -> dict:
    return _fields(branch, BRANCH_FIELDS)


def service_view(service: Service) -> dict:
    return _fields(service, SERVICE_FIELDS)


def counter_view(counter: Counter) -> dict:
    return {"slug": counter.slug, "name": counter.name, "state": counter.state,
            "services": [s.slug for s in counter.services],
            "planned_hours": counter.planned_hours or "",
            "service_names": {"es": [s.name_es for s in counter.services], "en": [s.name_en for s in counter.services]}}


def user_view(user: User) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role, "active": user.active,
            "branch": user.branch.slug if user.branch else None,
            "branch_name": user.branch.name if user.branch else None}


def device_view(device: Device) -> dict:
    return {"id": device.id, "kind": device.kind, "name": device.name, "created_at": device.created_at,
            "revoked_at": device.revoked_at}


def require_staff_user(actor: Actor) -> None:
    if actor.kind != "user":
        raise Unauthorized(N_("Log in as staff to do this."))


def visible_branches(uow: UnitOfWork, actor: Actor) -> list[dict]:
    """The branches this staff member works with (all for an admin, else their own),
    with how many services and counters each has."""
    require_staff_user(actor)
    query = select(Branch).options(joinedload(Branch.services), joinedload(Branch.counters)).order_by(Branch.name)
    if actor.role != "admin":
        query = query.where(Branch.id == actor.branch_id)
    return [{**branch_view(b), "services": len(b.services), "counters": len(b.counters)}
            for b in uow.session.scalars(query).unique()]


def get_branch(uow: UnitOfWork, actor: Actor, slug: str) -> dict:
    return branch_view(managed_branch(uow.session, actor, slug))


def list_services(uow: UnitOfWork, actor: Actor, branch_slug: str) -> list[dict]:
    branch = managed_branch(uow.session, actor, branch_slug)
    return [service_view(s) for s in uow.session.scalars(
        select(Service).where(Service.branch_id == branch.id).order_by(Service.prefix))]


def get_service(uow: UnitOfWork, actor: Actor, branch_slug: str, slug: str) -> dict:
    branch = managed_branch(uow.session, actor, branch_slug)
    return service_view(_service(uow.session, branch, slug))


def _service(session: Session, branch: Branch, slug: str) -> Service:
    service = session.scalar(select(Service).where(Service.branch_id == branch.id, Service.slug == slug))
    if service is None:
        raise NotFound(N_("There is no service “%(service)s” at this branch."), service=slug)
    return service


def list_counters(uow: UnitOfWork, actor: Actor, branch_slug: str) -> list[dict]:
    branch = managed_branch(uow.session, actor, branch_slug)
    return [counter_view(c) for c in uow.session.scalars(
        select(Counter).options(joinedload(Counter.services))
        .where(Counter.branch_id == branch.id).order_by(Counter.slug)).unique()]


def get_counter(uow: UnitOfWork, actor: Actor, branch_slug: str, slug: str) -> dict:
    branch = managed_branch(uow.session, actor, branch_slug)
    return counter_view(find_counter(uow.session, branch, slug))


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in _zone_names()}


def time_zones(now: datetime | None = None) -> list[tuple[str, str]]:
    """Every IANA time zone name with its offset from UTC now ("UTC−06:00"), for the
    branch form's searchable list."""
    now = now or clock.utcnow()
    found = []
    for name in sorted(_zone_names()):
        minutes = int(now.astimezone(ZoneInfo(name)).utcoffset().total_seconds() // 60)
        sign = "+" if minutes >= 0 else "−"
        found.append((name, f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"))
    return found


def known_time_zone(given: str | None) -> str | None:
    """The IANA name meant by `given` (spaces for underscores and any letter case
    accepted: "america/mexico city"), or None when it names no zone."""
    folded = " ".join((given or "").split()).replace(" ", "_").casefold()
    return _zones_by_folded_name().get(folded) if len(folded) <= 64 else None


def _close_time_zones(given: str) -> list[str]:
    folded = _zones_by_folded_name()
    wanted = " ".join(given.split()).replace(" ", "_").casefold()[:64]
    return [folded[n] for n in difflib.get_close_matches(wanted, folded, n=1, cutoff=0.75)]


# ---------------------------------------------------------------- branches

def _branch_fields(errors: FieldErrors, branch: Branch, values: dict) -> None:
    branch.name = check.text(errors, "name", values.get("name"), 120)
    branch.address = check.text(errors, "address", values.get("address"), 200, required=False)
    given = (values.get("timezone") or "").strip()
    tz = known_time_zone(given)
    if tz is not None:
        ZoneInfo(tz)  # loads: the name is known and its data is there
        branch.timezone = tz
    elif given and (close := _close_time_zones(given)):
        errors.add("timezone", Message(N_("“%(given)s” is not a time zone. Did you mean %(close)s? Choose one "
                                          "from the list."), given=given[:64], close=close[0]))
    else:
        errors.add("timezone", N_("Choose a time zone from the list, like America/Mexico_City."))
    lang = values.get("lang")
    if lang not in LANGS:
        errors.add("lang", N_("Choose Spanish or English."))
    branch.lang = lang
    country = (values.get("country") or "").strip().upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        errors.add("country", N_("Enter a two-letter country code, like MX."))
    branch.country = country
    branch.priority_boost_min = check.number(errors, "priority_boost_min", values.get("priority_boost_min"), 0, 240)
    branch.appointment_boost_min = check.number(errors, "appointment_boost_min",
                                           values.get("appointment_boost_min", branch.appointment_boost_min or 0),
                                           0, 240)
    branch.notify_ahead = check.number(errors, "notify_ahead", values.get("notify_ahead"), 0, 50)
    branch.retention_days = check.number(errors, "retention_days",
                                         values.get("retention_days", branch.retention_days or DEFAULT_RETENTION_DAYS),
                                         MIN_RETENTION_DAYS, MAX_RETENTION_DAYS)
    branch.offers_priority = bool(values.get("offers_priority"))
    branch.message = check.text(errors, "message", values.get("message"), 280, required=False)
    # A branch's day (a form leaves an unticked box out: off).
    branch.join_hours = bool(values.get("join_hours"))
    branch.remote_check_in = bool(values.get("remote_check_in"))
    # Left empty (or not sent): what the branch had, else the default.
    for name, default, low, high in (("last_entry_min", 0, 0, 240), ("remote_grace_min", 30, 1, 240),
                                     ("no_show_after_recalls", 0, 0, 10), ("target_wait_min", 15, 1, 240),
                                     ("no_show_return_min", 30, 0, 240)):
        given = values.get(name)
        if given is None or given == "":
            given = getattr(branch, name) if getattr(branch, name) is not None else default
        setattr(branch, name, check.number(errors, name, given, low, high))
    _branch_brand(errors, branch, values)


def _branch_brand(errors: FieldErrors, branch: Branch, values: dict) -> None:
    """The brand colour (not sent: as it was; empty: none) and the logo: `logo` the
    bytes of a new one (checked and cleaned: branding.checked_logo), `remove_logo`."""
    if "brand_color" in values:
        color = (values.get("brand_color") or "").strip().lower() or None
        if color is not None and not COLOR_RE.match(color):
            errors.add("brand_color", N_("Enter a colour like #1f6feb."))
        branch.brand_color = color
    upload = values.get("logo")
    if upload:
        try:
            logo = branding.checked_logo(upload)
        except branding.LogoRefused as refused:
            errors.add("logo", Message(refused.message, **refused.params))
            return
        branch.brand_logo, branch.brand_logo_type, branch.brand_logo_version = logo.data, logo.media_type, logo.version
    elif values.get("remove_logo"):
        branch.brand_logo = branch.brand_logo_type = branch.brand_logo_version = None


def create_branch(uow: UnitOfWork, actor: Actor, *, slug: str, **values) -> Branch:
    actor.require_admin()
    session = uow.session
    errors = FieldErrors()
    slug = check.slug(errors, slug)
    if slug and session.scalar(select(Branch.id).where(Branch.slug == slug)) is not None:
        errors.add("slug", N_("Another branch already uses this short name."))
    branch = Branch(slug=slug or "", seq=0)
    _branch_fields(errors, branch, values)
    errors.raise_any()
    session.add(branch)
    session.flush()
    view = branch_view(branch)
    audit.record(session, actor, "branch.created", branch=branch.slug, target=branch.name,
                 changes=audit.differences({}, view))
    uow.commit()
    log.info("branch %s created by %s", branch.slug, actor.username)
    return view


def update_branch(uow: UnitOfWork, actor: Actor, slug: str, **values) -> Branch:
    session = uow.session
    branch = managed_branch(session, actor, slug, lock=True)
    before = branch_view(branch)
    errors = FieldErrors()
    _branch_fields(errors, branch, values)
    errors.raise_any()
    view = branch_view(branch)
    changes = audit.differences(before, view)
    if changes:
        audit.record(session, actor, "branch.changed", branch=branch.slug, target=branch.name, changes=changes)
    branch_changed(uow, branch)
    uow.commit()
    log.info("branch %s settings changed by %s", branch.slug, actor.username)
    return view


# ---------------------------------------------------------------- services

def _service_fields(errors: FieldErrors, session: Session, branch: Branch, service: Service, values: dict) -> None:
    prefix = (values.get("prefix") or "").strip().upper()
    if not PREFIX_RE.match(prefix):
        errors.add("prefix", N_("One letter, A to Z."))
    else:
        taken = session.scalar(select(Service).where(Service.branch_id == branch.id, Service.prefix == prefix,
                                                     Service.id != (service.id or -1)))
        if taken is not None:
            errors.add("prefix", Message(N_("The service “%(service)s” already uses this letter."),
                                         service=taken.slug))
    service.prefix = prefix
    service.name_es = check.text(errors, "name_es", values.get("name_es"), 120)
    service.name_en = check.text(errors, "name_en", values.get("name_en"), 120)
    for name in ("bring_es", "bring_en"):
        setattr(service, name, check.text(errors, name, values.get(name), 300, required=False))
    color = (values.get("color") or "").strip()
    if not COLOR_RE.match(color):
        errors.add("color", N_("A colour like #1f6feb."))
    service.color = color.lower()
    service.avg_service_min = check.number(errors, "avg_service_min", values.get("avg_service_min"), 0.5, 480, float)
    service.takes_appointments = bool(values.get("takes_appointments"))
    service.slot_minutes = check.number(errors, "slot_minutes", values.get("slot_minutes"), 5, 240)
    service.slot_capacity = check.number(errors, "slot_capacity", values.get("slot_capacity"), 1, 100)
    service.active = bool(values.get("active", True))


# ---------------------------------------------------------------- counters

def _counter_fields(errors: FieldErrors, session: Session, branch: Branch, counter: Counter, values: dict) -> None:
    counter.name = check.text(errors, "name", values.get("name"), 120)
    wanted = list(dict.fromkeys(values.get("services") or []))
    services = list(session.scalars(select(Service).where(Service.branch_id == branch.id,
                                                          Service.slug.in_(wanted))))
    if len(services) != len(wanted):
        errors.add("services", N_("Unknown service."))
    elif not services:
        errors.add("services", N_("Choose at least one service."))
    counter.services = services
    # The hours it is planned to serve each day: the waits count it in them.
    given = (values.get("planned_hours") or "").strip()
    try:
        ranges = parse_ranges(given)
    except ValueError:
        errors.add("planned_hours", N_("Write the hours like 09:00-13:00, 14:00-18:00 (24-hour clock, "
                                       "ranges that do not overlap)."))
        return
    if len(ranges) > MAX_PLANNED_RANGES:
        errors.add("planned_hours", Message(N_("At most %(max)d ranges a day."), max=MAX_PLANNED_RANGES))
        return
    counter.planned_hours = format_ranges(ranges) or None


# ---------------------------------------------------------------- creating and changing services and counters

@dataclass(frozen=True)
class _Part:
    """A service or a counter of a branch: how it is made, found, checked and shown."""
    model: type
    noun: str
    taken: str
    fields: Callable
    find: Callable
    view: Callable
    defaults: dict


SERVICE = _Part(Service, "service", N_("This branch already has a service with this name."), _service_fields,
                _service, service_view, {})
COUNTER = _Part(Counter, "counter", N_("This branch already has a counter with this name."), _counter_fields,
                find_counter, counter_view, {"state": "closed"})


def create_service(uow: UnitOfWork, actor: Actor, branch_slug: str, *, slug: str, **values) -> dict:
    return _create(uow, actor, branch_slug, SERVICE, slug, values)


def update_service(uow: UnitOfWork, actor: Actor, branch_slug: str, slug: str, **values) -> dict:
    return _update(uow, actor, branch_slug, SERVICE, slug, values)


def create_counter(uow: UnitOfWork, actor: Actor, branch_slug: str, *, slug: str, **values) -> dict:
    return _create(uow, actor, branch_slug, COUNTER, slug, values)


def update_counter(uow: UnitOfWork, actor: Actor, branch_slug: str, slug: str, **values) -> dict:
    return _update(uow, actor, branch_slug, COUNTER, slug, values)


def _create(uow: UnitOfWork, actor: Actor, branch_slug: str, part: _Part, slug: str, values: dict) -> dict:
    session = uow.session
    branch = managed_branch(session, actor, branch_slug, lock=True)
    errors = FieldErrors()
    slug = check.slug(errors, slug)
    model = part.model
    if slug and session.scalar(select(model.id).where(model.branch_id == branch.id, model.slug == slug)) is not None:
        errors.add("slug", part.taken)
    return _save(uow, actor, branch, part, model(branch_id=branch.id, slug=slug or "", **part.defaults), values,
                 errors, created=True)


def _update(uow: UnitOfWork, actor: Actor, branch_slug: str, part: _Part, slug: str, values: dict) -> dict:
    branch = managed_branch(uow.session, actor, branch_slug, lock=True)
    return _save(uow, actor, branch, part, part.find(uow.session, branch, slug), values, FieldErrors(),
                 created=False)


def _save(uow: UnitOfWork, actor: Actor, branch: Branch, part: _Part, row, values: dict, errors: FieldErrors, *,
          created: bool) -> dict:
    """Check every field (all messages at once), then store the row and tell the displays."""
    session = uow.session
    before = {} if created else part.view(row)
    with session.no_autoflush:
        part.fields(errors, session, branch, row, values)
    errors.raise_any()
    if created:
        session.add(row)
        session.flush()
    changes = audit.differences(before, {k: v for k, v in part.view(row).items() if k != "service_names"})
    if changes or created:
        audit.record(session, actor, f"{part.noun}.{'created' if created else 'changed'}", branch=branch.slug,
                     target=row.slug, changes=changes)
    branch_changed(uow, branch)
    uow.commit()
    log.info("%s %s %s at %s by %s", part.noun, row.slug, "created" if created else "changed", branch.slug,
             actor.username)
    return part.view(row)



# ---------------------------------------------------------------- priority classes

def priority_classes(uow: UnitOfWork, actor: Actor, branch_slug: str) -> dict:
    """The branch's priority classes, and the next 10 calls of its line as they stand
    (what a new class or boost would change)."""
    session = uow.session
    branch = managed_branch(session, actor, branch_slug)
    rows = session.scalars(select(PriorityClass).where(PriorityClass.branch_id == branch.id)
                           .order_by(PriorityClass.position, PriorityClass.id)).all()
    return {"branch": branch.name, "classes": [_class_view(c) for c in rows],
            "next_calls": next_calls(session, branch.id)}


def _class_view(row: PriorityClass) -> dict:
    return {"id": row.id, "name_es": row.name_es, "name_en": row.name_en, "boost_min": row.boost_min,
            "at_kiosk": row.at_kiosk}


def add_priority_class(uow: UnitOfWork, actor: Actor, branch_slug: str, **values) -> dict:
    """A new class (names in both languages, boost 0-240 minutes, offered at the kiosk
    or only by staff); in the audit log; the displays and kiosks hear it."""
    session = uow.session
    branch = managed_branch(session, actor, branch_slug, lock=True)
    errors = FieldErrors()
    name_es = check.text(errors, "name_es", values.get("name_es"), 80)
    name_en = check.text(errors, "name_en", values.get("name_en"), 80)
    boost = check.number(errors, "boost_min", values.get("boost_min"), 0, 240)
    errors.raise_any()
    last = session.scalar(select(func.max(PriorityClass.position)).where(PriorityClass.branch_id == branch.id))
    row = PriorityClass(branch_id=branch.id, name_es=name_es, name_en=name_en, boost_min=boost,
                        at_kiosk=bool(values.get("at_kiosk")), position=(last or 0) + 1)
    session.add(row)
    session.flush()
    audit.record(session, actor, "priority_class.added", branch=branch.slug, target=name_es,
                 changes={"boost_min": [None, boost]})
    branch_changed(uow, branch)
    view = _class_view(row)
    uow.commit()
    return view


def remove_priority_class(uow: UnitOfWork, actor: Actor, branch_slug: str, class_id: int) -> dict:
    """Remove a class: tickets that had it keep their place and their priority."""
    session = uow.session
    branch = managed_branch(session, actor, branch_slug, lock=True)
    row = session.scalar(select(PriorityClass).where(PriorityClass.id == class_id,
                                                     PriorityClass.branch_id == branch.id))
    if row is None:
        raise NotFound(N_("There is no such priority class."))
    view = _class_view(row)
    audit.record(session, actor, "priority_class.removed", branch=branch.slug, target=row.name_es)
    session.delete(row)
    branch_changed(uow, branch)
    uow.commit()
    return view
