"""The queue's rules, without a server or a database."""
import math
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnero.queue.estimate import (EXACT_PLACES, Desk, Eta, LineWaits, back_in, estimate_wait, line_shares, mean_service_minutes,
                                     racing, remaining_turn, service_spread, time_to_be_called)
from turnero.queue.rules import (Action, Place, Status, TransitionNotAllowed, day_bounds_utc, format_code, local_day,
                                 next_status, sort_time)

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


def test_a_counter_free_in_next_to_no_time_gives_a_range_not_an_overflow():
    """Found by the property test below: a middle of a few hundred-thousandths of
    a minute squared its ratio to the deviation past what a float holds."""
    for free_in in (1e-310, 1e-320):
        eta = estimate_wait(0, 5, 1, desks=(Desk(free_in),))
        assert (eta.low_min, eta.high_min) == (0, 1)


def test_a_free_counter_calls_at_once_and_one_ending_its_turn_soon_before_one_just_started():
    assert estimate_wait(0, 5, 1, desks=(Desk(0.0),)) == estimate_wait(0, 12, 1, desks=(Desk(0.0),))
    assert estimate_wait(0, 5, 1, desks=(Desk(0.0),)).high_min == 1
    ending = estimate_wait(2, 10, 1, desks=(Desk(remaining_turn(10, 0.5, 9)),))
    starting = estimate_wait(2, 10, 1, desks=(Desk(remaining_turn(10, 0.5, 0)),))
    assert ending.high_min < starting.high_min and ending.low_min <= starting.low_min


def test_the_rest_of_a_turn_shrinks_as_it_runs_but_never_to_nothing():
    rests = [remaining_turn(10, 0.5, minutes) for minutes in (0, 2, 5, 8, 12)]
    assert rests[0] == 10 and rests == sorted(rests, reverse=True)
    assert remaining_turn(10, 0.5, 60) > 0


CAJA, PLATAFORMA = 1, 2


def test_a_counter_shared_with_another_line_moves_this_one_slower():
    own = estimate_wait(6, 5, 2, desks=(Desk(0.0, frozenset({CAJA})), Desk(0.0, frozenset({CAJA}))), line=CAJA)
    shared = estimate_wait(6, 5, 2, desks=(Desk(0.0, frozenset({CAJA})), Desk(0.0, frozenset({CAJA, PLATAFORMA}))),
                           line=CAJA, older={PLATAFORMA: 4}, means={PLATAFORMA: 12})
    assert shared.low_min > own.low_min and shared.high_min > own.high_min


# One counter serving both lines, free now; caja's turns last 5 minutes, plataforma's 10.
SHARED = (Desk(0.0, frozenset({CAJA, PLATAFORMA})),)
MEANS = {CAJA: 5.0, PLATAFORMA: 10.0}


def called_at(ahead, pool, older, here=None, working=1.0):
    """When a caja ticket with `ahead` before it in caja and `older` in plataforma is called."""
    return time_to_be_called(ahead, 5.0, pool, CAJA, older, here or {}, MEANS, working)


@pytest.mark.parametrize("ahead, older, expected", [
    # Alone: called at once. Only tickets of the other line before it: each is a turn of theirs.
    (0, {}, 0), (0, {PLATAFORMA: 2}, 20),
    # Both lines' tickets before it, one order for the counter: 10 + 5, 10 + 5 + 5.
    (1, {PLATAFORMA: 1}, 15), (2, {PLATAFORMA: 1}, 20),
    # The other line's tickets placed after it (not in `older`) do not count.
    (2, {PLATAFORMA: 0}, 10),
])
def test_a_shared_counter_calls_both_lines_in_one_order(ahead, older, expected):
    assert called_at(ahead, SHARED, older) == pytest.approx(expected)


def test_a_counter_of_this_line_alone_calls_it_while_the_shared_one_takes_the_other():
    # caja's own counter is free in 3 minutes, the shared one now; two of caja and one of
    # plataforma before the ticket: the shared counter takes plataforma's (0-10), caja's
    # own counter both of caja (3-8, 8-13); the shared one, free again, calls the ticket.
    pool = (Desk(0.0, frozenset({CAJA, PLATAFORMA})), Desk(3.0, frozenset({CAJA})))
    assert called_at(2, pool, {PLATAFORMA: 1}) == pytest.approx(10)
    assert called_at(1, pool, {PLATAFORMA: 1}) == pytest.approx(8)
    assert called_at(0, pool, {PLATAFORMA: 1}) == pytest.approx(3)


def test_where_the_other_line_has_counters_of_its_own_this_one_takes_its_share():
    # The shared counter (free in 4) makes half of plataforma's calls (its own counter,
    # not serving caja, the rest): of the two plataforma tickets before the caja ticket,
    # one is its turn (4-14); of one, half a turn.
    pool = (Desk(4.0, frozenset({CAJA, PLATAFORMA})),)
    assert called_at(0, pool, {PLATAFORMA: 2}, {PLATAFORMA: 0.5}) == pytest.approx(14)
    assert called_at(0, pool, {PLATAFORMA: 1}, {PLATAFORMA: 0.5}) == pytest.approx(9)
    assert called_at(0, pool, {}, {PLATAFORMA: 0.5}) == pytest.approx(4)


def test_a_counter_planned_to_open_takes_turns_from_when_it_opens():
    # caja's counter is free now, turns of 5 minutes; a second one opens in 7 minutes:
    # of four before the ticket, the first counter takes those at 0 and 5, the second
    # the one at 7, the first the one at 10; the ticket is called at 12, by the second.
    alone = (Desk(0.0, frozenset({CAJA})),)
    planned = alone + (Desk(7.0, frozenset({CAJA})),)
    assert called_at(4, alone, {}) == pytest.approx(20)
    assert called_at(4, planned, {}) == pytest.approx(12)
    # Opening after the ticket's call, it changes nothing.
    assert called_at(1, planned, {}) == pytest.approx(called_at(1, alone, {})) == pytest.approx(5)
    assert estimate_wait(4, 5, 1, desks=planned, line=CAJA).about_min \
        < estimate_wait(4, 5, 1, desks=alone, line=CAJA).about_min


def test_a_counter_planned_to_close_takes_no_turn_from_then_on():
    # Two counters free now, turns of 5 minutes; the second closes in 3 minutes: it takes
    # the turn at 0 and no more; the first takes those at 0, 5 and 10: the ticket with
    # four before it is called at 15, not at 10.
    both = (Desk(0.0, frozenset({CAJA})), Desk(0.0, frozenset({CAJA})))
    closing = (Desk(0.0, frozenset({CAJA})), Desk(0.0, frozenset({CAJA}), hours=((0.0, 3.0),)))
    assert called_at(4, both, {}) == pytest.approx(10)
    assert called_at(4, closing, {}) == pytest.approx(15)
    # A turn it begins before closing counts: closing at 5.5, it takes the one at 5 too.
    assert called_at(4, (both[0], Desk(0.0, frozenset({CAJA}), hours=((0.0, 5.5),))), {}) == pytest.approx(10)
    # A shared counter closing soon leaves the other line's tickets to the rest as well.
    shared = (Desk(0.0, frozenset({CAJA})), Desk(0.0, frozenset({CAJA, PLATAFORMA}), hours=((0.0, 3.0),)))
    assert called_at(1, shared, {PLATAFORMA: 1}) == pytest.approx(5)


def test_a_counter_on_a_planned_break_takes_turns_again_when_it_ends():
    # Free now, turns of 5 minutes, a break planned from minute 3 to minute 20: it takes
    # the turn at 0, then those at 20, 25 and 30; the ticket with four before it is
    # called at 35 (20 without the break). Beside a counter without a plan, that one
    # takes the turns at 0, 5 and 10 and calls the ticket at 15, before the break ends.
    lunch = Desk(0.0, frozenset({CAJA}), hours=((0.0, 3.0), (20.0, 60.0)))
    assert called_at(4, (lunch,), {}) == pytest.approx(35)
    assert called_at(4, (Desk(0.0, frozenset({CAJA})),), {}) == pytest.approx(20)
    assert called_at(4, (lunch, Desk(0.0, frozenset({CAJA}))), {}) == pytest.approx(15)


def test_when_every_counter_is_past_its_planned_close_the_first_free_serves_the_line_to_its_end():
    # Both close in a minute: the first takes the turn at 0 in time; then, neither there
    # as planned, they take the rest as they are free (the second at 2, the first at 5),
    # as though unplanned: the ticket with three before it is called at 7, by the second.
    closing = (Desk(0.0, frozenset({CAJA}), hours=((0.0, 1.0),)), Desk(2.0, frozenset({CAJA}), hours=((0.0, 1.0),)))
    unplanned = (Desk(0.0, frozenset({CAJA})), Desk(2.0, frozenset({CAJA})))
    assert called_at(3, closing, {}) == pytest.approx(called_at(3, unplanned, {})) == pytest.approx(7)


def test_of_several_busy_counters_the_first_is_free_before_the_soonest_expected_end():
    # Rests that varied as an exponential's (spread² = 1/2: weight 1): the first of two
    # counters each 10 minutes from the end is free after 1 / (1/10 + 1/10) = 5; the
    # other then has its own 10 left, as an exponential would.
    raced = racing((Desk(10.0), Desk(10.0)), math.sqrt(0.5))
    assert sorted(d.free_in for d in raced) == pytest.approx([5, 10])
    # Rests of lognormal turns of spread 0.5 vary less (weight 2/3): 10/3 + 2/3 x 5.
    raced = racing((Desk(10.0), Desk(10.0)), 0.5)
    assert sorted(d.free_in for d in raced) == pytest.approx([20 / 3, 10])
    # One busy counter alone, or beside an idle one, is free when its turn ends.
    assert racing((Desk(10.0),), 0.5) == (Desk(10.0),)
    assert racing((Desk(0.0), Desk(10.0)), 0.5) == (Desk(0.0), Desk(10.0))
    assert estimate_wait(0, 10, 2, desks=(Desk(10.0), Desk(10.0)), spread=0.5).high_min \
        < estimate_wait(0, 10, 1, desks=(Desk(10.0),), spread=0.5).high_min


def test_past_the_turns_counted_one_by_one_the_line_moves_at_its_steady_pace():
    one = (Desk(0.0, frozenset({CAJA})),)
    counted = called_at(EXACT_PLACES, one, {})
    assert counted == pytest.approx(EXACT_PLACES * 5)
    assert called_at(EXACT_PLACES + 10, one, {}) == pytest.approx(counted + 50)
    # Half a counter's worth at this line at its steady pace: twice as long a turn.
    assert called_at(EXACT_PLACES + 10, one, {}, working=0.5) == pytest.approx(counted + 100)


def test_a_shared_counter_goes_where_the_work_waits():
    caja, plataforma = 1, 2
    # v1 serves caja, v3 plataforma, v2 both: caja has far more work waiting.
    v1, v2, v3 = line_shares([frozenset({caja}), frozenset({caja, plataforma}), frozenset({plataforma})],
                             {caja: 100.0, plataforma: 20.0})
    assert v1 == {caja: 1.0} and v3 == {plataforma: 1.0}
    # Split evenly, each line has 1.5 counters: caja's work takes 100 / 1.5 minutes,
    # plataforma's 20 / 1.5; the shared counter's time goes five to one.
    assert v2[caja] == pytest.approx(5 / 6) and v2[plataforma] == pytest.approx(1 / 6)
    # Two lines as busy per counter: the shared counter's time is split evenly.
    _, even, _ = line_shares([frozenset({caja}), frozenset({caja, plataforma}), frozenset({plataforma})],
                             {caja: 50.0, plataforma: 50.0})
    assert even[caja] == pytest.approx(0.5)


def test_a_counter_at_lunch_counts_once_it_is_back():
    alone = estimate_wait(10, 5, 1, desks=(Desk(0.0),))
    back_soon = estimate_wait(10, 5, 1, desks=(Desk(0.0), Desk(back_in("lunch", 50))))
    both_now = estimate_wait(10, 5, 2, desks=(Desk(0.0), Desk(0.0)))
    assert both_now.high_min < back_soon.high_min < alone.high_min
    assert back_in("lunch", 0) == 60 and back_in("lunch", 90) > 0 and back_in("went home", 5) is None


def test_more_varied_service_times_widen_the_range():
    steady, varied = estimate_wait(8, 6, 2, spread=0.2), estimate_wait(8, 6, 2, spread=1.2)
    assert varied.high_min - varied.low_min > steady.high_min - steady.low_min


def test_people_placed_ahead_during_the_wait_lengthen_it():
    plain = estimate_wait(8, 6, 1, desks=(Desk(0.0),))
    jumped = estimate_wait(8, 6, 1, desks=(Desk(0.0),), placed_ahead=(0.1, 15))
    assert jumped.high_min > plain.high_min


def test_the_spread_of_service_times_is_blended_while_few_are_seen():
    assert service_spread([]) == service_spread([300]) == pytest.approx(0.6)
    assert service_spread([300] * 10) == pytest.approx(0)
    assert 0 < service_spread([300, 300]) < 0.6


def test_mean_service_time_prefers_recent_real_times():
    assert mean_service_minutes([], 5) == 5
    assert mean_service_minutes([600, 600, 600], 5) == pytest.approx(10)
    blended = mean_service_minutes([600], 5)  # one sample: between the two
    assert 5 < blended < 10


LINES = st.sampled_from([frozenset({CAJA}), frozenset({PLATAFORMA}), frozenset({CAJA, PLATAFORMA})])


@given(st.integers(0, 300), st.floats(0.5, 60), st.floats(0, 1.5),
       st.lists(st.tuples(st.floats(0, 90), LINES), min_size=1, max_size=6),
       st.integers(0, 300), st.floats(0.5, 60), st.floats(0, 1), st.floats(0, 0.5), st.floats(0, 60))
def test_estimate_over_counters_is_a_proper_range_that_grows_with_the_line(ahead, mean, spread, desks, others,
                                                                           other_mean, share, rate, start):
    desks = tuple(Desk(free_in, lines) for free_in, lines in desks)
    kwargs = dict(spread=spread, desks=desks, placed_ahead=(rate, start), line=CAJA, here={PLATAFORMA: share},
                  means={CAJA: mean, PLATAFORMA: other_mean})
    eta = estimate_wait(ahead, mean, len(desks), older={PLATAFORMA: others}, **kwargs)
    assert 0 <= eta.low_min < eta.high_min
    # One more person ahead, in this line or the other, never shortens the wait.
    for later in (estimate_wait(ahead + 1, mean, len(desks), older={PLATAFORMA: others}, **kwargs),
                  estimate_wait(ahead, mean, len(desks), older={PLATAFORMA: others + 1}, **kwargs)):
        assert later.low_min >= eta.low_min and later.high_min >= eta.high_min


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 80)), min_size=1, max_size=30),
       st.floats(0.5, 60), st.floats(0, 1.5), st.lists(st.tuples(st.floats(0, 90), LINES), min_size=0, max_size=6),
       st.floats(0.5, 60), st.floats(0, 1), st.floats(0.2, 4))
def test_a_line_reckoned_once_for_its_tickets_changes_no_estimate(tickets, mean, spread, desks, other_mean, share,
                                                                 working):
    """The turns counted one by one, kept for the tickets further back (a refresh of a
    thousand followed tickets counts them once), and what is reckoned of the line
    itself, kept for all its tickets (one LineWaits, as ServiceStats keeps), give the
    same figures as counting them for each ticket, in any order of tickets, with
    counters serving the line or none."""
    desks = tuple(Desk(free_in, lines) for free_in, lines in desks)
    here, means = {PLATAFORMA: share}, {CAJA: mean, PLATAFORMA: other_mean}
    kwargs = dict(spread=spread, desks=desks, line=CAJA, here=here, means=means, working=working)
    shared = LineWaits(mean, len(desks), spread, desks, (0.0, 0.0), CAJA, here, means, working)
    for ahead, others in tickets:
        older = {PLATAFORMA: others} if others % 3 else None
        assert shared.eta(ahead, older) == estimate_wait(ahead, mean, len(desks), older=older, **kwargs)


def test_the_wait_told_is_the_median_within_the_range():
    """"About N min": the wait's median in whole minutes, inside the range; where the
    range is cut at 0 (a wait is never below), the median sits below its middle."""
    for ahead, mean, counters in [(0, 5, 1), (1, 5, 1), (3, 12, 1), (10, 4, 2), (40, 6, 3), (200, 5, 4)]:
        eta = estimate_wait(ahead, mean, counters)
        assert eta.low_min <= eta.about_min <= eta.high_min
    free = estimate_wait(0, 5, 1, desks=(Desk(0.0),))
    assert (free.low_min, free.about_min, free.high_min) == (0, 0, 1)  # "up to 1 min": called at once
    one_turn = estimate_wait(0, 10, 1, desks=(Desk(2.0),), spread=0.6)
    assert one_turn.low_min == 0 and one_turn.about_min < (one_turn.low_min + one_turn.high_min) / 2


def test_a_wait_read_back_keeps_its_about_or_its_absence():
    assert Eta.of({"low_min": 4, "high_min": 9}) == Eta(4, 9, None)
    assert Eta.of(Eta(2, 5, 3).as_dict()) == Eta(2, 5, 3)
