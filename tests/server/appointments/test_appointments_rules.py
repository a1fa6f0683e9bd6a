"""Appointment rules as plain functions, no database: slots from opening hours,
closures, capacity, time zones across daylight-saving changes, overlaps, the
check-in window, reminders and codes."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from turnero import hours
from turnero.appointments import rules
from turnero.appointments.rules import CheckIn
from turnero.hours import TimeRange

UTC = timezone.utc
MEXICO = "America/Mexico_City"
NINE_TO_FIVE = [TimeRange(time(9), time(17))]


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def starts(slots):
    return [s.start for s in slots]


# ---------------------------------------------------------------- slots from hours

def test_a_day_is_cut_into_whole_slots_within_its_hours():
    slots = rules.day_slots(date(2031, 3, 3), MEXICO, NINE_TO_FIVE, 20, 2)
    assert len(slots) == 24  # 8 hours of 20-minute slots
    # Mexico City is UTC-6 all year: 09:00 local is 15:00 UTC.
    assert slots[0].start == at(2031, 3, 3, 15, 0) and slots[0].end == at(2031, 3, 3, 15, 20)
    assert slots[-1].start == at(2031, 3, 3, 22, 40) and slots[-1].end == at(2031, 3, 3, 23, 0)
    assert all(s.free == 2 and s.capacity == 2 for s in slots)


def test_several_ranges_a_day_and_no_slot_running_past_closing():
    ranges = [TimeRange(time(14), time(15, 50)), TimeRange(time(9), time(10))]
    slots = rules.day_slots(date(2031, 3, 3), "UTC", ranges, 30, 1)
    assert starts(slots) == [at(2031, 3, 3, 9), at(2031, 3, 3, 9, 30), at(2031, 3, 3, 14),
                             at(2031, 3, 3, 14, 30), at(2031, 3, 3, 15)]  # 15:30-16:00 would pass 15:50


def test_overlapping_ranges_do_not_offer_a_slot_twice():
    ranges = [TimeRange(time(9), time(11)), TimeRange(time(10), time(12))]
    slots = rules.day_slots(date(2031, 3, 3), "UTC", ranges, 60, 1)
    assert starts(slots) == [at(2031, 3, 3, h) for h in (9, 10, 11)]


def test_a_closed_day_or_a_day_without_hours_has_no_slots():
    day = date(2031, 12, 25)
    assert rules.day_slots(day, MEXICO, NINE_TO_FIVE, 20, 2, closures=[(day, day)]) == []
    assert rules.day_slots(day, MEXICO, NINE_TO_FIVE, 20, 2, closures=[(date(2031, 12, 24), date(2032, 1, 1))]) == []
    assert rules.day_slots(day, MEXICO, [], 20, 2) == []
    assert rules.day_slots(day, MEXICO, NINE_TO_FIVE, 20, 2, closures=[(date(2031, 12, 26), date(2031, 12, 31))])


def test_free_places_count_every_booking_that_overlaps_the_slot():
    day = date(2031, 3, 3)
    nine = at(2031, 3, 3, 15)
    bookings = [(nine, nine + timedelta(minutes=20)), (nine, nine + timedelta(minutes=20)),
                # made when slots were 40 minutes long: it takes a place in two 20-minute slots
                (nine + timedelta(minutes=20), nine + timedelta(minutes=60))]
    slots = rules.day_slots(day, MEXICO, NINE_TO_FIVE, 20, 2, bookings=bookings)
    assert [s.free for s in slots[:4]] == [0, 1, 1, 2]
    assert slots[0].booked == 2


def test_slots_that_already_began_are_not_offered():
    slots = rules.day_slots(date(2031, 3, 3), MEXICO, NINE_TO_FIVE, 20, 2, now=at(2031, 3, 3, 15, 5))
    assert slots[0].start == at(2031, 3, 3, 15, 20)


# ---------------------------------------------------------------- time zones and daylight saving

def test_madrid_keeps_its_wall_times_across_the_spring_change():
    """Europe/Madrid moves from UTC+1 to UTC+2 on 30 March 2031: 09:00 stays 09:00 on
    the wall, and is an hour earlier in UTC."""
    madrid = "Europe/Madrid"
    before = rules.day_slots(date(2031, 3, 28), madrid, NINE_TO_FIVE, 30, 1)
    after = rules.day_slots(date(2031, 3, 31), madrid, NINE_TO_FIVE, 30, 1)
    assert before[0].start == at(2031, 3, 28, 8) and after[0].start == at(2031, 3, 31, 7)
    assert hours.to_local(before[0].start, madrid).strftime("%H:%M %z") == "09:00 +0100"
    assert hours.to_local(after[0].start, madrid).strftime("%H:%M %z") == "09:00 +0200"
    assert len(before) == len(after) == 16


def test_new_york_on_the_night_of_the_change_skips_the_hour_that_does_not_exist():
    """On 9 March 2031 New York's clocks jump from 02:00 to 03:00: a branch open
    01:00-04:00 has no 02:xx slots, and its 03:00 slot is an hour after 01:00 in UTC+1."""
    ny = "America/New_York"
    slots = rules.day_slots(date(2031, 3, 9), ny, [TimeRange(time(1), time(4))], 30, 1)
    walls = [hours.to_local(s.start, ny).strftime("%H:%M") for s in slots]
    assert walls == ["01:00", "01:30", "03:00", "03:30"]
    assert slots[0].start == at(2031, 3, 9, 6) and slots[2].start == at(2031, 3, 9, 7)


def test_new_york_in_autumn_shows_the_repeated_hour_once():
    ny = "America/New_York"
    slots = rules.day_slots(date(2031, 11, 2), ny, [TimeRange(time(0, 30), time(2))], 30, 1)
    assert [hours.to_local(s.start, ny).strftime("%H:%M") for s in slots] == ["00:30", "01:00", "01:30"]
    assert len({s.start for s in slots}) == 3


def test_two_branches_in_different_zones_show_their_own_nine_oclock():
    day = date(2031, 3, 3)
    mexico = rules.day_slots(day, MEXICO, NINE_TO_FIVE, 20, 1)[0]
    madrid = rules.day_slots(day, "Europe/Madrid", NINE_TO_FIVE, 20, 1)[0]
    assert mexico.start - madrid.start == timedelta(hours=7)
    assert hours.to_local(mexico.start, MEXICO).hour == hours.to_local(madrid.start, "Europe/Madrid").hour == 9


def test_a_requested_start_without_offset_is_the_branchs_wall_time():
    assert rules.parse_start("2031-03-03T09:00", MEXICO) == at(2031, 3, 3, 15)
    assert rules.parse_start("2031-03-03T15:00:00Z", MEXICO) == at(2031, 3, 3, 15)
    assert rules.parse_start("2031-03-03T09:00:00-06:00", MEXICO) == at(2031, 3, 3, 15)
    with pytest.raises(ValueError):
        rules.parse_start("2031-03-09T02:30", "America/New_York")  # skipped by the change
    with pytest.raises(ValueError):
        rules.parse_start("tomorrow", MEXICO)


# ---------------------------------------------------------------- overlaps, window, reminders

def test_overlaps_are_half_open():
    a = (at(2031, 3, 3, 15), at(2031, 3, 3, 15, 20))
    assert rules.overlaps(*a, at(2031, 3, 3, 15, 10), at(2031, 3, 3, 15, 30))
    assert not rules.overlaps(*a, at(2031, 3, 3, 15, 20), at(2031, 3, 3, 15, 40))
    assert not rules.overlaps(*a, at(2031, 3, 3, 14, 40), at(2031, 3, 3, 15))


@pytest.mark.parametrize("minutes, state", [(-31, CheckIn.EARLY), (-30, CheckIn.OPEN), (0, CheckIn.OPEN),
                                            (10, CheckIn.OPEN), (11, CheckIn.LATE)])
def test_check_in_window_is_30_minutes_before_to_10_after_by_default(minutes, state):
    start = at(2031, 3, 3, 16)
    now = start + timedelta(minutes=minutes)
    assert rules.checkin_state(now, start, rules.DEFAULT_CHECKIN_BEFORE_MIN, rules.DEFAULT_CHECKIN_AFTER_MIN) is state


def test_check_in_window_follows_the_branch_setting():
    start = at(2031, 3, 3, 16)
    assert rules.checkin_state(start + timedelta(minutes=25), start, 5, 30) is CheckIn.OPEN
    assert rules.checkin_state(start - timedelta(minutes=6), start, 5, 30) is CheckIn.EARLY


def test_place_in_line_is_the_appointment_time_minus_the_boost():
    assert rules.place_in_line(at(2031, 3, 3, 16), 10) == at(2031, 3, 3, 15, 50)


def test_reminders_the_day_before_and_an_hour_before_each_once():
    start = at(2031, 3, 3, 16)
    booked = start - timedelta(days=5)
    due = lambda now, day=False, hour=False: rules.due_reminders(now, start, booked, day_sent=day, hour_sent=hour)  # noqa: E731
    assert due(start - timedelta(hours=24, minutes=1)) == []
    assert due(start - timedelta(hours=24)) == ["day"]
    assert due(start - timedelta(hours=3), day=True) == []
    assert due(start - timedelta(hours=1), day=True) == ["hour"]
    assert due(start - timedelta(minutes=30), day=True, hour=True) == []
    # The day reminder is dropped, not sent late, once the hour one is due.
    assert due(start - timedelta(minutes=50)) == ["hour"]
    assert due(start) == []


def test_a_booking_made_on_the_day_gets_no_day_reminder():
    start = at(2031, 3, 3, 16)
    booked = start - timedelta(hours=5)
    assert rules.due_reminders(start - timedelta(hours=4), start, booked, day_sent=False, hour_sent=False) == []
    assert rules.due_reminders(start - timedelta(minutes=59), start, booked, day_sent=False, hour_sent=False) == ["hour"]
    late = start - timedelta(minutes=30)
    assert rules.due_reminders(start - timedelta(minutes=10), start, late, day_sent=False, hour_sent=False) == []


# ---------------------------------------------------------------- codes and hours text

def test_codes_have_six_characters_without_look_alikes():
    codes = [rules.new_code() for _ in range(500)]
    # Drawn from the whole alphabet (3,000 characters: every one of the 22 letters and
    # digits shows up; a missing one would be a 1-in-10^58 chance). Uniqueness is the
    # database's job: the booking retries a code that is taken.
    assert set("".join(codes)) == set(rules.CODE_ALPHABET)
    for code in codes:
        assert len(code) == 6 and not set(code) & set("0O1IL2Z5S8BG6")
        assert rules.looks_like_code(code)
    assert rules.normalize_code(" hk7-mx r ") == "HK7MXR"


def test_opening_hours_text_is_parsed_and_checked():
    assert hours.parse_ranges("14:00-17:00, 9:00 - 13:00") == [TimeRange(time(9), time(13)), TimeRange(time(14), time(17))]
    assert hours.parse_ranges("") == []
    assert hours.format_ranges(hours.parse_ranges("14:00-17:00,09:00-13:00")) == "09:00-13:00, 14:00-17:00"
    for bad in ("9-13", "13:00-09:00", "09:00-13:00, 12:00-15:00", "25:00-26:00", "09:00-09:00"):
        with pytest.raises(ValueError):
            hours.parse_ranges(bad)


# ---------------------------------------------------------------- the ends of the calendar

@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59",
                                  "9999-12-31T23:00:00+00:00"])
def test_a_start_beyond_the_ends_of_the_calendar_is_not_a_time(text):
    with pytest.raises(ValueError):
        rules.parse_start(text, "Etc/GMT-14" if text.endswith("+00:00") else MEXICO)


def test_the_first_and_last_days_have_bounds_in_any_zone():  # Etc/GMT-14 is UTC+14
    from turnero.queue.rules import day_bounds_utc
    assert day_bounds_utc(date.max, MEXICO) == (datetime(9999, 12, 31, 6), datetime.max)
    assert day_bounds_utc(date.min, "Etc/GMT-14") == (datetime.min, datetime(1, 1, 1, 10))
    assert day_bounds_utc(date(2031, 3, 3), MEXICO) == (datetime(2031, 3, 3, 6), datetime(2031, 3, 4, 6))
