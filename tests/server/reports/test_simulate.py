"""scripts/simulate: a day replayed through the real use cases, read back by the
reports. A small day (two hours, one line each way) so that it takes seconds."""
from __future__ import annotations

import sys

from sqlalchemy import create_engine, func, select

from conftest import ROOT
from turnero.models import Ticket, TicketEvent

# As when scripts/simulate.py runs as a script: scripts/ on sys.path, for it and its parts (simkit).
sys.path.insert(0, str(ROOT / "scripts"))
import simulate  # noqa: E402
from simkit.scenarios import REAL_TIMES, Scenario  # noqa: E402

SMALL = Scenario(
    "small", arrivals={"caja": (8, 10), "plataforma": (3, 3)}, service_min=REAL_TIMES,
    shifts=(("v1", 9, 11), ("v3", 9, 11)), booked=0.4)


def test_the_same_seed_gives_the_same_day_and_another_seed_another(tmp_path):
    first = simulate.simulate(SMALL, 3, tmp_path / "a")
    again = simulate.simulate(SMALL, 3, tmp_path / "b")
    other = simulate.simulate(SMALL, 4, tmp_path / "c")
    assert first.figures == again.figures and first.taken == again.taken
    assert first.figures["arrivals"] > 10 and first.figures["estimated"] > 0
    assert other.figures != first.figures


def test_the_simulated_day_is_in_the_database_log_the_reports_read(tmp_path):
    outcome = simulate.simulate(SMALL, 5, tmp_path)
    engine = create_engine(f"sqlite:///{outcome.database}")
    try:
        with engine.connect() as conn:
            tickets = conn.scalar(select(func.count()).select_from(Ticket))
            issued = conn.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.kind == "issued"))
            called = conn.scalar(select(func.count(func.distinct(TicketEvent.ticket_seq)))
                                 .where(TicketEvent.kind == "called"))
            channels = set(conn.scalars(select(Ticket.channel).distinct()))
    finally:
        engine.dispose()
    taken = outcome.taken
    assert tickets == issued == outcome.figures["arrivals"] == taken["walk_in"] + taken["priority"] + taken["appointment"]
    assert called == outcome.figures["called"] == outcome.figures["estimated"]
    assert {"kiosk", "web", "appointment"} <= channels


def test_days_of_several_seeds_pool_every_called_turn_once(tmp_path):
    """scripts/simulate --seeds: the pooled figures are every called turn of the days
    counted once, from the sums the reports round their figures from."""
    days = [simulate.simulate(SMALL, seed, tmp_path / str(seed)) for seed in (3, 4)]
    both = simulate.pooled(days)
    assert both.estimated == sum(d.figures["estimated"] for d in days) > 0
    for day in days:  # a day's tally is the day's figures unrounded
        t, f = day.tally, day.figures
        assert round(t.error_s / t.estimated / 60, 1) == f["estimate_error_min"]
        assert round(t.naive_error_s / t.estimated / 60, 1) == f["naive_error_min"]
        assert round(t.inside / t.estimated, 3) == f["estimate_inside"]
    gains = [simulate.gain(d.tally) for d in days]
    assert min(gains) <= simulate.gain(both) <= max(gains)
    assert simulate.gain(both) == 1 - sum(d.tally.error_s for d in days) / sum(d.tally.naive_error_s for d in days)
