"""The demo branches of `turnero demo` (CONTRACT.md): `centro` and `norte`, each with
the services `caja` (A) and `plataforma` (B) and their counters. Idempotent: what
exists is kept."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Branch, Counter, PriorityClass, Service

DEMO_SERVICES = [
    dict(slug="caja", prefix="A", name_es="Caja", name_en="Cashier", color="#1f6feb",
         avg_service_min=4.0, takes_appointments=False),
    dict(slug="plataforma", prefix="B", name_es="Atención a clientes", name_en="Customer service",
         color="#8250df", avg_service_min=12.0, takes_appointments=True, slot_minutes=20, slot_capacity=2,
         bring_es="Una identificación oficial y, si viene por un trámite de su cuenta, su número de cliente.",
         bring_en="An official ID and, for anything about your account, your customer number."),
]
DEMO_BRANCHES = [
    dict(slug="centro", name="Sucursal Centro", address="Av. Juárez 100, Centro, Ciudad de México",
         counters=[("v1", "Ventanilla 1", ["caja"]), ("v2", "Ventanilla 2", ["caja", "plataforma"]),
                   ("v3", "Ventanilla 3", ["plataforma"])]),
    # Norte takes walk-ins only in its opening hours, up to 15 minutes before closing;
    # centro at any hour, so that the demo can be tried at any time.
    # It also calls remote turns once their holder says "I'm here", and marks a no-show
    # by itself after two recalls.
    dict(slug="norte", name="Sucursal Norte", address="Av. Insurgentes Norte 1500, Lindavista, Ciudad de México",
         counters=[("v1", "Ventanilla 1", ["caja", "plataforma"])],
         join_hours=True, last_entry_min=15, remote_check_in=True, no_show_after_recalls=2),
]
DEMO_BRANCH_SLUGS = tuple(spec["slug"] for spec in DEMO_BRANCHES)
# Who each demo branch serves first: (Spanish, English, boost minutes, offered at the kiosk).
DEMO_PRIORITY = [("Adulto mayor", "Older adult", 15, True), ("Embarazada", "Pregnant", 15, True),
                 ("Discapacidad", "Disability", 20, True), ("Urgencia médica", "Medical urgency", 60, False)]


def load_demo_branches(session: Session) -> None:
    """Create the demo branches, services and counters if missing."""
    for spec in DEMO_BRANCHES:
        branch = session.scalar(select(Branch).where(Branch.slug == spec["slug"]))
        if branch is None:
            branch = Branch(slug=spec["slug"], name=spec["name"], address=spec.get("address"),
                            timezone="America/Mexico_City",
                            lang="es", country="MX", priority_boost_min=15, appointment_boost_min=10,
                            notify_ahead=3, offers_priority=True, seq=0,
                            join_hours=spec.get("join_hours", False), last_entry_min=spec.get("last_entry_min", 0),
                            remote_check_in=spec.get("remote_check_in", False),
                            no_show_after_recalls=spec.get("no_show_after_recalls", 0))
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
        if session.scalar(select(PriorityClass.id).where(PriorityClass.branch_id == branch.id).limit(1)) is None:
            session.add_all(PriorityClass(branch_id=branch.id, name_es=es, name_en=en, boost_min=boost, at_kiosk=kiosk,
                                          position=n) for n, (es, en, boost, kiosk) in enumerate(DEMO_PRIORITY, 1))
        for slug, name, serves in spec["counters"]:
            counter = session.scalar(select(Counter).where(Counter.branch_id == branch.id, Counter.slug == slug))
            if counter is None:
                session.add(Counter(branch_id=branch.id, slug=slug, name=name, state="closed",
                                    services=[services[s] for s in serves]))
    session.flush()
