"""A customer's request for a ticket, as one object: a walk-in turn or an
appointment check-in, with the one Idempotency-Key all its sends share."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from turnero_qt.rest import ApiError, RestReply, new_idempotency_key

log = logging.getLogger(__name__)

TICKET, CHECK_IN = "ticket", "check-in"


class TurnRequest(QObject):
    """`kind` is TICKET (body: service, priority, lang, phone) or CHECK_IN (body: code,
    phone or the appointment page's token). The client's automatic retries and the customer's "Try again" send it
    with the same key, so the server hands back the same ticket however often the
    answer is lost.

    Signals: `answered(ticket, replayed)` with the server's ticket, or `refused(ApiError)`;
    nothing after `abort()`."""

    answered = Signal(object, bool)
    refused = Signal(object)

    def __init__(self, kind: str, body: dict, parent: QObject | None = None):
        super().__init__(parent)
        self.kind = kind
        self.body = body
        self.key = new_idempotency_key()
        self._reply: RestReply | None = None

    def send(self, rest, branch: str) -> None:
        body = self.body
        if self.kind == TICKET:
            reply = rest.take_ticket(branch, body["service"], phone=body.get("phone"),
                                     priority=body.get("priority", False), lang=body.get("lang"),
                                     priority_class=body.get("priority_class"), notify_by=body.get("notify_by"),
                                     idempotency_key=self.key)
        else:
            reply = rest.check_in(branch, code=body.get("code"), phone=body.get("phone"), token=body.get("token"),
                                  idempotency_key=self.key)
        self._reply = reply
        reply.succeeded.connect(lambda data, r=reply: self._on_answer(r, data))
        reply.failed.connect(lambda error, r=reply: self._on_refused(r, error))

    def abort(self) -> None:
        reply, self._reply = self._reply, None
        if reply is not None:
            reply.abort()

    def _on_answer(self, reply: RestReply, ticket) -> None:
        if reply is not self._reply:
            return
        self._reply = None
        if not isinstance(ticket, dict) or not ticket.get("code"):
            log.warning("the server answered %s %s without a ticket", reply.method, reply.path)
            self.refused.emit(ApiError(reply.status, ""))  # said as the generic error; "Try again" resends
            return
        self.answered.emit(ticket, reply.replayed)

    def _on_refused(self, reply: RestReply, error: ApiError) -> None:
        if reply is not self._reply:
            return
        self._reply = None
        self.refused.emit(error)
