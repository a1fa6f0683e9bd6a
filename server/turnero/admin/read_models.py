"""What a manager reads about setting a branch up: the checklist of steps a new branch
needs before it takes turns (each done or to do, from the tables themselves, so a step
done by any door, or undone, shows at once)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from ..access.services import Actor
from ..db import UnitOfWork
from ..models import Counter, Device, OpeningHours, Service, Ticket, User, counter_services
from .services import managed_branch

# The steps in the order they are best done: each needs the ones before it.
STEPS = ("services", "counters", "hours", "users", "devices", "test_ticket")


@dataclass(frozen=True)
class SetupStep:
    key: str
    done: bool


@dataclass(frozen=True)
class Setup:
    slug: str
    name: str
    steps: tuple[SetupStep, ...]

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done == len(self.steps)


def setup_checklist(uow: UnitOfWork, actor: Actor, branch_slug: str) -> Setup:
    """The branch's setup: an active service; a counter serving one; opening hours; a
    manager or agent of the branch who can log in; a kiosk or display not revoked; a
    turn taken and finished (a test ticket)."""
    session = uow.session
    branch = managed_branch(session, actor, branch_slug)
    here = branch.id
    checks = {
        "services": exists().where(Service.branch_id == here, Service.active.is_(True)),
        "counters": exists().where(Counter.branch_id == here, counter_services.c.counter_id == Counter.id,
                                   counter_services.c.service_id == Service.id, Service.active.is_(True)),
        "hours": exists().where(OpeningHours.branch_id == here),
        "users": exists().where(User.branch_id == here, User.active.is_(True), User.role.in_(("manager", "agent"))),
        "devices": exists().where(Device.branch_id == here, Device.revoked_at.is_(None)),
        "test_ticket": exists().where(Ticket.branch_id == here, Ticket.status == "done"),
    }
    done = session.execute(select(*(checks[key].label(key) for key in STEPS))).one()
    return Setup(branch.slug, branch.name, tuple(SetupStep(key, bool(getattr(done, key))) for key in STEPS))
