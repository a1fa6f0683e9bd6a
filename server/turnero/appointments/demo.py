"""Demo opening hours for `turnero demo` (CONTRACT.md): Monday to Friday 09:00-17:00
and Saturday 09:00-13:00 at every demo branch; idempotent."""
from __future__ import annotations

from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Branch
from .models import OpeningHours

DEMO_HOURS = {**{weekday: [(time(9), time(17))] for weekday in range(5)}, 5: [(time(9), time(13))]}


def load_demo_hours(session: Session, branch_slugs=("centro", "norte")) -> None:
    """Give each demo branch the demo hours unless it already has opening hours."""
    for branch in session.scalars(select(Branch).where(Branch.slug.in_(branch_slugs))):
        if session.scalar(select(OpeningHours.id).where(OpeningHours.branch_id == branch.id).limit(1)):
            continue
        session.add_all(OpeningHours(branch_id=branch.id, weekday=weekday, opens=opens, closes=closes)
                        for weekday, ranges in DEMO_HOURS.items() for opens, closes in ranges)
    session.flush()
