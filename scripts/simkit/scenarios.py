"""The days scripts/simulate.py replays at the demo branch `centro`: when its customers
come to each line, how long they really take, the counters' shifts and pauses, the
share of booked slots, of priority turns, of no-shows and of those who give up."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

BRANCH = "centro"
TZ = ZoneInfo("America/Mexico_City")
DAY = date(2031, 3, 4)  # a Tuesday: the demo hours are 09:00-17:00
OPENS = 9
SERVICES = ("caja", "plataforma")


# ---------------------------------------------------------------- the scenarios

@dataclass(frozen=True)
class Scenario:
    """A day: walk-ins per hour and service (from OPENS), each service's real mean time
    (minutes) and spread (lognormal sigma), counters' shifts [(counter, from, to)] in
    local hours, and appointments booked per 20-minute slot (a share of the slots)."""
    name: str
    arrivals: dict[str, tuple[float, ...]]
    service_min: dict[str, tuple[float, float]]
    shifts: tuple[tuple[str, float, float], ...]
    booked: float = 0.3
    # Pauses at the console: (counter, from, to, reason) in local hours.
    pauses: tuple[tuple[str, float, float, str], ...] = ()
    priority: float = 0.06
    no_show: float = 0.05
    gives_up: float = 0.04

    @property
    def closes(self) -> int:
        """The hour no one new joins: the end of the longest profile."""
        return OPENS + max(len(rates) for rates in self.arrivals.values())


REAL_TIMES = {"caja": (4.8, 0.5), "plataforma": (11.0, 0.6)}
SCENARIOS = {
    "quiet": Scenario(
        "quiet",
        arrivals={"caja": (5, 7, 8, 9, 8, 6, 6, 4), "plataforma": (2, 2, 3, 3, 2, 2, 2, 1)},
        service_min=REAL_TIMES,
        shifts=(("v1", 9, 18), ("v3", 9, 18), ("v2", 12, 14)), booked=0.2),
    "busy": Scenario(
        "busy",
        arrivals={"caja": (14, 20, 24, 26, 22, 20, 18, 12), "plataforma": (4, 5, 6, 6, 5, 5, 4, 3)},
        service_min=REAL_TIMES,
        shifts=(("v1", 9, 18), ("v2", 9, 18), ("v3", 9, 18)), booked=0.35),
    "lunch": Scenario(
        "lunch",
        arrivals={"caja": (10, 12, 14, 18, 16, 12, 10, 8), "plataforma": (3, 4, 4, 5, 4, 3, 3, 2)},
        service_min=REAL_TIMES,
        # v1 and v3 go to lunch from 13:00 to 14:00, paused for "lunch" at the console as
        # staff do (v2 alone serves both lines then).
        shifts=(("v1", 9, 18), ("v2", 9, 18), ("v3", 9, 18)), booked=0.3,
        pauses=(("v1", 13, 14, "lunch"), ("v3", 13, 14, "lunch"))),
}


def local(day: date, hour: float) -> datetime:
    """A local hour of the day (13.5 = 13:30) as an aware UTC instant."""
    moment = datetime.combine(day, time(0), TZ) + timedelta(hours=hour)
    return moment.astimezone(timezone.utc)
