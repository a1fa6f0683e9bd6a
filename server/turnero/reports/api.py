"""REST of the manager's figures under /api/v1: JSON, and the same as CSV."""
from __future__ import annotations

import csv
import io
import re

from apiflask import APIBlueprint
from flask import Response, request

from ..access.requests import BEARER
from ..access.requests import request_actor as actor
from ..web import current_lang, database
from . import services
from .schemas import NowOut, PeriodQuery, StaffingOut, StaffingQuery, StatsOut, StatsQuery

api = APIBlueprint("reports_api", __name__, url_prefix="/api/v1", tag="Reports")

TAG = {"name": "Reports", "description": "The branch's figures from its ticket log (managers and administrators)"}
FIGURE_COLUMNS = ("arrivals", "served", "cancelled", "no_show", "expired", "active", "called", "wait_p50_min",
                  "wait_p90_min", "service_p50_min", "service_p90_min", "within_target", "feedback_avg",
                  "feedback_count", "appointment_show_rate", "estimated", "estimate_inside", "estimate_error_min",
                  "naive_error_min", "estimate_width_min")
# A cell a spreadsheet would read as a formula is written as text (a leading
# apostrophe); a plain signed number (a phone in E.164) is left as it is.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _stats(branch: str, query: dict) -> dict:
    with database().unit_of_work() as uow:
        return services.stats(uow, branch, actor(uow), first=query.get("first"), last=query.get("last"),
                              by=query["by"], target_wait_min=query.get("target_wait_min"),
                              lang=current_lang() or "es")


@api.get("/branches/<branch>/stats")
@api.input(StatsQuery, location="query", arg_name="query")
@api.output(StatsOut)
@api.doc(summary="The branch's figures for a period, in all and per hour, day, service, counter, agent or "
                 "channel (managers)", responses=[401, 403, 404, 422], **BEARER,
         description="Computed from the ticket log on each request: arrivals and outcomes, waits (to the "
                     "first call) and service times as medians and 90th percentiles, the share called within "
                     "the target wait, feedback, and the appointments' show rate.")
def stats(branch, query):
    return _stats(branch, query)


@api.get("/branches/<branch>/staffing")
@api.input(StaffingQuery, location="query", arg_name="query")
@api.output(StaffingOut)
@api.doc(summary="Counters needed per hour of a day for a target, by Erlang C from the history (managers)",
         responses=[401, 403, 404, 422], **BEARER,
         description="Arrivals per hour from the same weekday of the weeks before the day, the mean service "
                     "time from the same days; for each hour the fewest counters that call `target_share` "
                     "within the target wait, and the share with one counter fewer or more.")
def staffing(branch, query):
    with database().unit_of_work() as uow:
        return services.staffing(uow, branch, actor(uow), day=query.get("date"),
                                 target_wait_min=query.get("target_wait_min"), target_share=query["target_share"],
                                 weeks=query["weeks"])


@api.get("/branches/<branch>/now")
@api.output(NowOut)
@api.doc(summary="The branch at this moment: each line's waiting and longest wait so far, each counter's "
                 "state, agent and turn (managers)", responses=[401, 403, 404], **BEARER)
def right_now(branch):
    with database().unit_of_work() as uow:
        return services.right_now(uow, branch, actor(uow), lang=current_lang() or "es")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv(columns, rows, filename: str) -> Response:
    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            if out.tell() > 64 * 1024:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()
    return Response(lines(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@api.get("/branches/<branch>/stats.csv")
@api.input(StatsQuery, location="query", arg_name="query")
@api.doc(summary="The same figures as CSV, one row per group and a last row with the totals (managers)",
         responses=[401, 403, 404, 422], **BEARER)
def stats_csv(branch, query):
    figures = _stats(branch, query)
    rows = [[g["key"], g["label"], *(g.get(c) for c in FIGURE_COLUMNS)] for g in figures["groups"]]
    rows.append(["total", "", *(figures["total"].get(c) for c in FIGURE_COLUMNS)])
    name = f"{figures['branch']}-{figures['by']}-{figures['first']}-{figures['last']}.csv"
    return _csv((figures["by"], "label", *FIGURE_COLUMNS), rows, name)


@api.get("/branches/<branch>/tickets.csv")
@api.input(PeriodQuery, location="query", arg_name="query")
@api.doc(summary="One row per ticket of a period, as CSV (managers; the customer's name and phone for "
                 "administrators only)", responses=[401, 403, 404, 422], **BEARER)
def tickets_csv(branch, query):
    with database().unit_of_work() as uow:
        columns, rows = services.ticket_rows(uow, branch, actor(uow), first=query.get("first"),
                                             last=query.get("last"), lang=current_lang() or "es")
        rows = list(rows)
    first, last = request.args.get("from", "today"), request.args.get("to", "")
    return _csv(columns, rows, f"{branch}-tickets-{first}{'-' + last if last else ''}.csv")
