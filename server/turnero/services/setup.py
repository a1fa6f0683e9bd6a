"""Administration use cases shared by the CLI and admin: demo data, users, devices."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import N_, Conflict, Invalid, NotFound
from ..models import Branch, Counter, Device, Service, User
from .access import DEVICE_KINDS, ROLES, hash_password, new_secret, token_digest

DEMO_SERVICES = [
    dict(slug="caja", prefix="A", name_es="Caja", name_en="Cashier", color="#1f6feb",
         avg_service_min=4.0, takes_appointments=False),
    dict(slug="plataforma", prefix="B", name_es="Atención a clientes", name_en="Customer service",
         color="#8250df", avg_service_min=12.0, takes_appointments=True, slot_minutes=20, slot_capacity=2),
]
DEMO_BRANCHES = [
    dict(slug="centro", name="Sucursal Centro", counters=[("v1", "Ventanilla 1", ["caja"]),
                                                          ("v2", "Ventanilla 2", ["caja", "plataforma"]),
                                                          ("v3", "Ventanilla 3", ["plataforma"])]),
    dict(slug="norte", name="Sucursal Norte", counters=[("v1", "Ventanilla 1", ["caja", "plataforma"])]),
]


def load_demo(session: Session, password: str | None = None) -> str | None:
    """Create the demo branches, services, counters and users if missing.

    Returns the staff password when it was generated here (None when given or when
    the users already existed and kept theirs)."""
    generated = None
    if password is None:
        password = generated = secrets.token_urlsafe(9)
    for spec in DEMO_BRANCHES:
        branch = session.scalar(select(Branch).where(Branch.slug == spec["slug"]))
        if branch is None:
            branch = Branch(slug=spec["slug"], name=spec["name"], timezone="America/Mexico_City",
                            lang="es", country="MX", priority_boost_min=15, appointment_boost_min=10,
                            notify_ahead=3, offers_priority=True, seq=0)
            session.add(branch)
            session.flush()
        services = {}
        for svc in DEMO_SERVICES:
            service = session.scalar(select(Service).where(Service.branch_id == branch.id,
                                                           Service.slug == svc["slug"]))
            if service is None:
                service = Service(branch_id=branch.id, **svc)
                session.add(service)
                session.flush()
            services[svc["slug"]] = service
        for slug, name, serves in spec["counters"]:
            counter = session.scalar(select(Counter).where(Counter.branch_id == branch.id, Counter.slug == slug))
            if counter is None:
                counter = Counter(branch_id=branch.id, slug=slug, name=name, state="closed",
                                  services=[services[s] for s in serves])
                session.add(counter)
    session.flush()
    centro = session.scalar(select(Branch).where(Branch.slug == "centro"))
    created_any = False
    for username, role, branch in (("admin", "admin", None), ("agente", "agent", centro)):
        if session.scalar(select(User).where(User.username == username)) is None:
            session.add(User(username=username, role=role, branch_id=branch.id if branch else None,
                             password_hash=hash_password(password)))
            created_any = True
        elif not generated:
            # An explicit --password resets the demo users' password.
            session.scalar(select(User).where(User.username == username)).password_hash = hash_password(password)
    from ..appointments.setup import load_demo_hours
    load_demo_hours(session)
    return generated if created_any else None


def create_user(session: Session, username: str, role: str, password: str,
                branch_slug: str | None = None) -> User:
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
    token = new_secret()
    device = Device(branch_id=branch.id, kind=kind, name=name or kind, token_hash=token_digest(token))
    session.add(device)
    session.flush()
    return device, token
