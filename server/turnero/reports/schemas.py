"""Request and response schemas of the reports API."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Date, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import OneOf, Range

from ..fields import TimeZone
from .figures import BY
from .services import BAD_GROUPING


class PeriodQuery(Schema):
    first = Date(data_key="from", metadata={"description": "first local day, YYYY-MM-DD (default: today)"})
    last = Date(data_key="to", metadata={"description": "last local day, included (default: `from`); "
                                                         "366 days at most"})


class StatsQuery(PeriodQuery):
    by = String(load_default="day", validate=OneOf(BY, error=BAD_GROUPING),
                metadata={"description": "how the groups are made"})
    target_wait_min = Integer(validate=Range(1, 240), metadata={
        "description": "the wait `within_target` counts against (default: the branch's setting)"})


class Figures(Schema):
    arrivals = Integer(metadata={"description": "tickets taken"})
    served = Integer(metadata={"description": "tickets whose service was done"})
    cancelled = Integer()
    no_show = Integer()
    expired = Integer(metadata={"description": "closed by the end of the day unserved"})
    active = Integer(metadata={"description": "still waiting, called or being served"})
    called = Integer(metadata={"description": "tickets called at least once (those with a wait)"})
    wait_p50_min = Float(allow_none=True, metadata={"description": "median minutes from taking the ticket to "
                                                                   "its first call"})
    wait_p90_min = Float(allow_none=True)
    service_p50_min = Float(allow_none=True, metadata={"description": "median minutes from the start of service "
                                                                      "to done"})
    service_p90_min = Float(allow_none=True)
    within_target = Float(allow_none=True, metadata={"description": "share (0-1) of the called tickets called "
                                                                    "within the target wait"})
    feedback_avg = Float(allow_none=True, metadata={"description": "average score, 1-5"})
    feedback_count = Integer()
    feedback_scores = List(Integer(), metadata={"description": "how many scores of 1, 2, 3, 4 and 5"})
    estimated = Integer(metadata={"description": "called tickets that were shown a wait when taken"})
    estimate_inside = Float(allow_none=True, metadata={"description": "share of them whose real wait fell inside "
                                                                      "the range shown"})
    estimate_error_min = Float(allow_none=True, metadata={"description": "mean distance of the real wait from the "
                                                                         "wait told (`about_min`; the range's middle "
                                                                         "where a range alone was shown)"})
    naive_error_min = Float(allow_none=True, metadata={"description": "the same for the naive estimate: people "
                                                                      "ahead x the configured average"})
    estimate_width_min = Float(allow_none=True, metadata={"description": "mean width of the ranges shown"})
    appointment_show_rate = Float(allow_none=True, metadata={
        "description": "of the appointments whose time came, the share checked in (totals, and groups by day "
                       "or service)"})


class Group(Figures):
    key = String(allow_none=True, metadata={"description": "hour `09`, day, service or counter id, username, "
                                                           "channel; null: none (e.g. never called)"})
    label = String(allow_none=True)


class StatsOut(Schema):
    branch = String()
    timezone = TimeZone()
    first = Date(data_key="from")
    last = Date(data_key="to")
    by = String()
    target_wait_min = Integer()
    total = Nested(Figures)
    groups = List(Nested(Group))


class StaffingQuery(Schema):
    date = Date(metadata={"description": "the local day to staff (default: today); its history is the same "
                                         "weekday of the weeks before it"})
    target_wait_min = Integer(validate=Range(1, 240), metadata={"description": "default: the branch's setting"})
    target_share = Float(load_default=0.8, validate=Range(0.5, 0.99), metadata={
        "description": "the share of customers to call within the target wait"})
    weeks = Integer(load_default=8, validate=Range(1, 26), metadata={"description": "weeks of history"})


class StaffingHour(Schema):
    hour = Integer(metadata={"description": "local hour, 0-23"})
    arrivals = Float(metadata={"description": "turns taken in this hour, the mean of the history's days"})
    traffic = Float(metadata={"description": "offered load in erlangs (arrivals x mean service time)"})
    counters = Integer(metadata={"description": "counters needed for the target (Erlang C)"})
    share = Float(metadata={"description": "the share called within the target wait with that many"})
    share_one_fewer = Float(allow_none=True)
    share_one_more = Float()
    planned = Float(allow_none=True, metadata={
        "description": "counters planned in this hour by their planned hours (one planned half the hour counts "
                       "0.5); null when no counter of the branch has planned hours"})


class StaffingOut(Schema):
    branch = String()
    date = Date()
    weekday = Integer(metadata={"description": "0 Monday ... 6 Sunday"})
    weeks = Integer()
    days_with_turns = Integer(metadata={"description": "days of the history that had turns"})
    target_wait_min = Integer()
    target_share = Float()
    service_min = Float(metadata={"description": "mean service time used (the history's, else the services' "
                                                 "configured averages)"})
    hours = List(Nested(StaffingHour))


class NowLine(Schema):
    slug = String()
    name = String()
    waiting = Integer()
    longest_wait_min = Integer(allow_none=True, metadata={"description": "how long the first in line has waited"})
    serving = Integer(metadata={"description": "open counters serving this line"})


class NowCounter(Schema):
    slug = String()
    name = String()
    state = String(metadata={"description": "open | paused | closed"})
    reason = String(allow_none=True, metadata={"description": "why it is paused"})
    agent = String(allow_none=True, metadata={"description": "the username of who is at it"})
    ticket = String(allow_none=True, metadata={"description": "the code it has called or is serving"})


class NowOut(Schema):
    branch = String()
    at = DateTime()
    services = List(Nested(NowLine))
    counters = List(Nested(NowCounter))
    open = Integer()
    paused = Integer()
