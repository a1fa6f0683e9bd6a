"""The queue's rules, without a server or a database."""
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnero.queue.rules import (Action, Place, Status, TransitionNotAllowed, day_bounds_utc, estimate_wait,
                                  format_code, local_day, mean_service_minutes, next_status, sort_time)

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("status, action, expected", [
    ("waiting", Action.CALL, Status.CALLED),
    ("called", Action.RECALL, Status.CALLED),
    ("called", Action.START, Status.SERVING),
    ("serving", Action.DONE, Status.DONE),
    ("called", Action.DONE, Status.DONE),
    ("called", Action.NO_SHOW, Status.NO_SHOW),
    ("waiting", Action.CANCEL, Status.CANCELLED),
    ("called", Action.CANCEL, Status.CANCELLED),
    ("no_show", Action.REQUEUE, Status.WAITING),
    ("called", Action.REQUEUE, Status.WAITING),
    ("serving", Action.TRANSFER, Status.WAITING),
])
def test_allowed_transitions(status, action, expected):
    assert next_status(status, action) is expected


@pytest.mark.parametrize("status, action", [
    ("cancelled", Action.CALL), ("waiting", Action.DONE), ("waiting", Action.START),
    ("done", Action.CANCEL), ("serving", Action.CANCEL), ("waiting", Action.NO_SHOW),
    ("done", Action.TRANSFER), ("waiting", Action.RECALL), ("serving", Action.REQUEUE),
])
def test_forbidden_transitions(status, action):
    with pytest.raises(TransitionNotAllowed):
        next_status(status, action)


@given(st.sampled_from(list(Status)), st.sampled_from(list(Action)))
def test_terminal_states_stay_terminal(status, action):
    """Nothing leads out of done or cancelled."""
    if status in (Status.DONE, Status.CANCELLED):
        with pytest.raises(TransitionNotAllowed):
            next_status(status, action)


def test_priority_boost_moves_the_place_back_in_time():
    assert sort_time(T0, 15) == T0 - timedelta(minutes=15)
    assert sort_time(T0, 0) == T0
    assert sort_time(T0, -5) == T0  # a negative boost is no boost


@given(st.lists(st.tuples(st.integers(0, 600), st.booleans()), min_size=1, max_size=40))
def test_order_is_issue_time_minus_boost_ties_by_issue_order(tickets):
    """A priority ticket issued at minute m stands where a plain one issued at m-15 would;
    the order is a pure function of what was fixed at issue time."""
    keyed = [(Place(sort_time(T0 + timedelta(minutes=m), 15 if p else 0), i), i, m, p)
             for i, (m, p) in enumerate(tickets)]
    ordered = [i for _, i, _, _ in sorted(keyed)]
    expected = sorted(range(len(tickets)), key=lambda i: (tickets[i][0] - (15 if tickets[i][1] else 0), i))
    assert ordered == expected


def test_codes_have_three_digits_and_grow_past_999():
    assert format_code("A", 7) == "A007"
    assert format_code("B", 42) == "B042"
    assert format_code("A", 1000) == "A1000"


def test_local_day_follows_the_branch_time_zone():
    late_evening_mexico = datetime(2026, 11, 24, 5, 30, tzinfo=timezone.utc)  # 23:30 on the 23rd
    assert local_day(late_evening_mexico, "America/Mexico_City") == date(2026, 11, 23)
    assert local_day(late_evening_mexico, "Europe/Madrid") == date(2026, 11, 24)
    start, end = day_bounds_utc(date(2026, 11, 23), "America/Mexico_City")
    assert (start.hour, end - start) == (6, timedelta(days=1))


def test_wait_is_a_range_that_grows_with_the_line():
    first = estimate_wait(0, 5, 1)
    assert first.low_min == 0 and first.high_min >= 5
    tenth = estimate_wait(10, 5, 1)
    assert tenth.low_min > first.low_min and tenth.high_min > tenth.low_min


def test_more_counters_shorten_the_wait():
    one, three = estimate_wait(12, 6, 1), estimate_wait(12, 6, 3)
    assert three.high_min < one.high_min and three.low_min < one.low_min


def test_no_open_counter_still_gives_an_estimate():
    assert estimate_wait(4, 5, 0) == estimate_wait(4, 5, 1)


@given(st.integers(0, 500), st.floats(0.5, 60), st.integers(0, 20))
def test_estimate_is_always_a_proper_range(ahead, mean, counters):
    eta = estimate_wait(ahead, mean, counters)
    assert 0 <= eta.low_min < eta.high_min
    # One more person ahead never shortens the wait.
    later = estimate_wait(ahead + 1, mean, counters)
    assert later.low_min >= eta.low_min and later.high_min >= eta.high_min


def test_mean_service_time_prefers_recent_real_times():
    assert mean_service_minutes([], 5) == 5
    assert mean_service_minutes([600, 600, 600], 5) == pytest.approx(10)
    blended = mean_service_minutes([600], 5)  # one sample: between the two
    assert 5 < blended < 10
