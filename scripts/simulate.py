#!/usr/bin/env python3
"""A simulated day at the demo branch `centro`, replayed through the real use cases, and
how honest the waits it showed were.

A fresh SQLite instance with the demo data (`turnero demo`'s `load_demo`); the server's
one clock (`turnero.clock.utcnow`) is moved by the simulation. Everything that happens
goes through the service layer every door calls: taking a turn (issuing.take_ticket,
kiosk and web), appointments booked the day before and checked in at the kiosk
(appointments.checkin.check_in), counters opened, paused for lunch and closed
(set_counter_state) and call-next (queue.counters), start, done, no-show and cancel
(queue.services).

The day, all from `--seed` (same seed, same figures):
  arrivals   Poisson, a rate per hour and service (the scenario's profile)
  priority   a share of kiosk turns takes a priority class (the demo's classes)
  service    lognormal times per service (their real means differ from the configured)
  customers  some are not there when called (no-show after two minutes), some give up
             waiting (cancel), the rest walk to the counter and are served
  counters   open, pause and close by the scenario's shifts; a counter closing finishes
             its customer first; at the day's end (17:00) no one new joins and the counters empty the line

Then the figures are the reports' own (reports.services.stats over the day's log):
the share of called tickets whose real wait fell inside the range they were shown,
the mean error of the wait told (the range's median: "about 6 min (4-9)"), the naive
estimate's (people ahead x the configured average), the mean width of the range.

  scripts/simulate                       every day (quiet, busy, lunch), seed 1
  scripts/simulate --day busy --seed 7
  scripts/simulate --seeds 16            every day with seeds 1 to 16: each seed's
                                         figures in a line, then all its tickets pooled
                                         (one day's few dozen turns vary by seed)
  scripts/simulate --staffing            also: a day staffed as the staffing advice
                                         (Erlang C) says, its share called within
                                         the target next to the target
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
if __name__ == "__main__" and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() and VENV_PYTHON.exists():
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])

import argparse  # noqa: E402
import logging  # noqa: E402
import tempfile  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

# scripts/ is sys.path[0] when this file runs as a script (tests/server/reports/test_simulate.py puts it there too).
from simkit.day import Clock, Day, Outcome  # noqa: E402
from simkit.scenarios import BRANCH, DAY, SCENARIOS, SERVICES, Scenario, local  # noqa: E402

if TYPE_CHECKING:
    from turnero.reports.figures import Tally

# Memory-backed when the machine has it: a day is thousands of small commits.
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") else None


def new_instance(folder: Path):
    """A fresh SQLite database, migrated, with the demo data; the app on it."""
    from sqlalchemy import create_engine

    from turnero import create_app
    from turnero.cli import load_demo
    from turnero.migrate import upgrade

    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'turnero.db'}"
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(environ={"TURNERO_DATABASE_URL": url, "TURNERO_SECRET_KEY": "simulate",
                              "TURNERO_INSTANCE_PATH": str(folder / "instance"),
                              "TURNERO_PUBLIC_URL": "http://turnero.simulated", "TURNERO_ASYNC_MODE": "threading"})
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        load_demo(uow.session, "simulate-pass")
        uow.commit()
    return app


def simulate(scenario: str | Scenario, seed: int, folder: Path, *, day: date = DAY,
             shifts: tuple[tuple[str, float, float], ...] | None = None, app=None) -> Outcome:
    """Replay one day into the instance in `folder` (made when `app` is None) and read
    the reports' figures of it."""
    import turnero.clock

    scenario = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
    made = app is None
    app = app or new_instance(folder)
    real_clock = turnero.clock.utcnow
    clock = Clock(local(day, 0))
    turnero.clock.utcnow = clock
    try:
        sim = Day(app, scenario, seed, day, clock, shifts)
        sim.plan()
        sim.run()
        clock.now = max(clock.now, local(day, 20))
        total, by_hour, target, tally = sim.figures()
    finally:
        turnero.clock.utcnow = real_clock
        if made:
            app.extensions["turnero.db"].dispose()
    return Outcome(scenario.name, seed, day, total, by_hour, target, dict(sim.taken), str(folder / "turnero.db"),
                   tally)


def staffing_check(name: str, seed: int, folder: Path) -> None:
    """The staffing advice, tried: a day of the scenario a week before, then the advice
    for the day (reports.services.staffing: Erlang C over that week's arrivals and
    service time), then the day itself with that many counters in each hour (counters
    s1, s2... serving both lines, as Erlang C's one line); prints, per hour, the share
    called within the target wait that Erlang C promised and the one achieved."""
    from turnero.access.services import SYSTEM
    from turnero.admin.services import create_counter
    from turnero.reports.services import staffing

    scenario = SCENARIOS[name]
    app = new_instance(folder)
    db = app.extensions["turnero.db"]
    try:
        simulate(scenario, seed, folder, day=DAY - timedelta(days=7), app=app)
        with app.app_context(), db.unit_of_work() as uow:
            advice = staffing(uow, BRANCH, SYSTEM, day=DAY, weeks=1, now=local(DAY, 8))
        needed = {h["hour"]: h["counters"] for h in advice["hours"]}
        most = max(needed.values(), default=0)
        for k in range(1, most + 1):
            with app.app_context(), db.unit_of_work(write=True) as uow:
                create_counter(uow, SYSTEM, BRANCH, slug=f"s{k}", name=f"Simulada {k}", services=list(SERVICES))
        shifts = []
        for k in range(1, most + 1):
            hours = [h for h in sorted(needed) if needed[h] >= k]
            for hour in hours:
                end = hour + 1 if hour + 1 < scenario.closes else scenario.closes + 1
                if shifts and shifts[-1][0] == f"s{k}" and shifts[-1][2] == hour:
                    shifts[-1] = (f"s{k}", shifts[-1][1], end)
                else:
                    shifts.append((f"s{k}", hour, end))
        outcome = simulate(scenario, seed, folder, day=DAY, shifts=tuple(shifts), app=app)
    finally:
        db.dispose()
    achieved = {int(row["key"]): row for row in outcome.by_hour}
    print(f"staffing, day {name}, seed {seed}: counters by Erlang C (target {share(advice['target_share'])} "
          f"called within {advice['target_wait_min']} min; arrivals and service time "
          f"{advice['service_min']} min from the same day a week before), then that day:")
    for hour in sorted(needed):
        row = achieved.get(hour, {})
        h = next(x for x in advice["hours"] if x["hour"] == hour)
        print(f"  {hour:02d}:00  arrivals {h['arrivals']:>5}/h  counters {needed[hour]}  "
              f"Erlang C {share(h['share'])}  achieved {share(row.get('within_target'))} "
              f"({row.get('called', 0)} called)")
    f = outcome.figures
    print(f"  all day: achieved {share(f['within_target'])} within {outcome.target_wait_min} min "
          f"(target {share(advice['target_share'])}); honest waits: inside {share(f['estimate_inside'])}, "
          f"error {minutes(f['estimate_error_min'])}, naive {minutes(f['naive_error_min'])}, "
          f"width {minutes(f['estimate_width_min'])}")


# ---------------------------------------------------------------- printing

def share(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def minutes(value) -> str:
    return "-" if value is None else f"{value:.1f} min"


def print_outcome(outcome: Outcome) -> None:
    f, t = outcome.figures, outcome.taken
    print(f"day {outcome.scenario}, seed {outcome.seed} ({BRANCH}, {outcome.day.isoformat()}):")
    print(f"  tickets {f['arrivals']} (walk-ins {t['walk_in']}, priority {t['priority']}, "
          f"appointments {t['appointment']}); served {f['served']}, no-shows {f['no_show']}, "
          f"gave up {f['cancelled']}, expired {f['expired']}")
    print(f"  wait p50 {minutes(f['wait_p50_min'])}, p90 {minutes(f['wait_p90_min'])}; "
          f"called within {outcome.target_wait_min} min: {share(f['within_target'])}")
    better = gain(outcome.tally)
    told = "" if better is None else f" (estimate {abs(better) * 100:.0f}% {'better' if better >= 0 else 'worse'})"
    print(f"  honest waits ({f['estimated']} called): inside the range {share(f['estimate_inside'])}; "
          f"error of the wait told {minutes(f['estimate_error_min'])}, naive {minutes(f['naive_error_min'])}"
          f"{told}; mean width {minutes(f['estimate_width_min'])}")


def gain(tally: Tally) -> float | None:
    """How much smaller the error of the wait told is than the naive estimate's (0.3:
    30% smaller), from a tally's unrounded sums."""
    return 1 - tally.error_s / tally.naive_error_s if tally.estimated and tally.naive_error_s else None


def pooled(outcomes: list[Outcome]) -> Tally:
    """Several days' tallies as one: every called turn of them counts once."""
    from turnero.reports.figures import Tally

    tally = Tally()
    for o in outcomes:
        tally.merge(o.tally)
    return tally


def print_seeds(name: str, outcomes: list[Outcome]) -> None:
    for o in outcomes:
        f = o.figures
        print(f"  seed {o.seed:>3}: {f['estimated']:>4} called, inside {share(f['estimate_inside'])}, "
              f"error {minutes(f['estimate_error_min'])}, naive {minutes(f['naive_error_min'])}, "
              f"better by {share(gain(o.tally))}, width {minutes(f['estimate_width_min'])}")
    tally = pooled(outcomes)
    f = tally.figures(outcomes[0].target_wait_min * 60)
    print(f"day {name}, seeds {outcomes[0].seed}-{outcomes[-1].seed} pooled ({f['estimated']} called): "
          f"inside the range {share(f['estimate_inside'])}; error of the wait told "
          f"{minutes(f['estimate_error_min'])}, naive {minutes(f['naive_error_min'])} "
          f"(estimate {share(gain(tally))} better); mean width {minutes(f['estimate_width_min'])}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/simulate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--day", action="append", choices=sorted(SCENARIOS),
                    help="the day to simulate (repeatable; default every one)")
    ap.add_argument("--seed", type=int, default=1, help="the random seed (default 1)")
    ap.add_argument("--seeds", type=int, default=1, metavar="N",
                    help="simulate each day with N seeds from --seed on and pool their figures")
    ap.add_argument("--staffing", action="store_true",
                    help="also staff each day as the staffing advice says and print the share called in time")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.seeds < 1:
        ap.error("--seeds must be at least 1")
    for name in args.day or list(SCENARIOS):
        outcomes = []
        for seed in range(args.seed, args.seed + args.seeds):
            with tempfile.TemporaryDirectory(prefix="turnero-simulate-", dir=SCRATCH) as folder:
                outcomes.append(simulate(name, seed, Path(folder)))
        if args.seeds == 1:
            print_outcome(outcomes[0])
        else:
            print_seeds(name, outcomes)
        if args.staffing:
            with tempfile.TemporaryDirectory(prefix="turnero-simulate-", dir=SCRATCH) as folder:
                staffing_check(name, args.seed, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
