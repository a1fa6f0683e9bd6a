"""Reminders in `turnero serve`: a greenlet that queues the due reminders (a day and
an hour before) every minute, in the process that leads the background jobs
(`turnero.leader`). Were several to run it, the reminder flags, taken under row
locks, would still make each reminder go out once.

Turn it off with TURNERO_REMINDERS_IN_SERVE=0 and run `turnero appointments remind`
from cron instead."""
from __future__ import annotations

import logging
from collections.abc import Callable

from ..leader import always
from .schedule import queue_due_reminders

log = logging.getLogger(__name__)

POLL_S = 60.0


def start_in_serve(app, poll_s: float = POLL_S, leads: Callable[[], bool] = always):
    if not app.config["TURNERO"].REMINDERS_IN_SERVE:
        return None
    import gevent

    db = app.extensions["turnero.db"]

    def _run():
        while True:
            try:
                if leads():
                    with app.app_context(), db.unit_of_work(write=True) as uow:
                        queue_due_reminders(uow)
            except Exception:  # a database hiccup must not stop the loop
                log.exception("queueing appointment reminders failed")
            gevent.sleep(poll_s)

    log.info("appointment reminders: checked every %s s", poll_s)
    return gevent.spawn(_run)
