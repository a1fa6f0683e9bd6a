"""The ticket: its code big, people ahead and the wait (live), where to go once it
is called, its QR code to follow it on a phone, and what the printer did."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QLabel, QLayout, QWidget

from turnero_qt.widgets import FitLabel

from .. import i18n
from ..flow import KioskFlow
from ..qr import paint_qr, qr_matrix
from ..states import CALLED_STATES, PrintState
from ..style import BLACK, LOOKS, MIN_TARGET, PERFORATION, TICKET_EDGE, TICKET_RADIUS, paint_card, rounded
from .page import Page
from .parts import button, hbox, label, set_text, vbox, widget_of


class QrView(QWidget):
    """The ticket's tracking link as a QR code, to scan or photograph."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._matrix: list[list[bool]] = []

    def set_content(self, content: str, name: str) -> None:
        if content != self.accessibleDescription() or not self._matrix:
            self._matrix = qr_matrix(content) if content else []
        self.setAccessibleName(name)
        self.setAccessibleDescription(content)
        self.update()

    def paintEvent(self, _event) -> None:
        side = min(self.width(), self.height())
        p = QPainter(self)
        paint_qr(p, QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side), self._matrix, quiet=2)
        p.end()


class TicketCard(QFrame):
    """A white ticket with a perforated line between the turn and its QR stub."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.stub: QWidget | None = None
        self.vertical = False

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        shape = rounded(r, TICKET_RADIUS)
        notch = 26.0
        if self.stub is not None:
            geo = self.stub.geometry()
            if self.vertical:
                x = geo.x() - self.layout().spacing() / 2
                holes = [QRectF(x - notch, r.top() - notch, 2 * notch, 2 * notch),
                         QRectF(x - notch, r.bottom() - notch, 2 * notch, 2 * notch)]
                line = (QPointF(x, r.top() + notch + 14), QPointF(x, r.bottom() - notch - 14))
            else:
                y = geo.y() - self.layout().spacing() / 2
                holes = [QRectF(r.left() - notch, y - notch, 2 * notch, 2 * notch),
                         QRectF(r.right() - notch, y - notch, 2 * notch, 2 * notch)]
                line = (QPointF(r.left() + notch + 14, y), QPointF(r.right() - notch - 14, y))
            for hole in holes:
                cut = QPainterPath()
                cut.addEllipse(hole)
                shape = shape.subtracted(cut)
        paint_card(p, shape, edge=TICKET_EDGE)
        if self.stub is not None:
            p.setPen(QPen(QColor(PERFORATION), 4, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap))
            p.drawLine(*line)
        p.end()


class StatusBanner(QLabel):
    """The printer's news on the ticket screen, coloured by what it means."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(MIN_TARGET + 40)
        self.kind = "ok"

    def show_status(self, text: str, kind: str) -> None:
        """`kind`: "ok", "warn" or "bad"."""
        self.kind = kind
        self.setText(text)
        self.setAccessibleName(text)
        self.setStyleSheet(LOOKS[f"status.{kind}"])


class TicketScreen(Page):
    def __init__(self, flow: KioskFlow):
        super().__init__(flow)
        self.card = TicketCard()
        self.service = label(look="ticket.service")
        self.your_turn = label(look="ticket.your_turn")
        self.code = label(wrap=False)
        self.badge = label(wrap=False, look="ticket.badge")
        self.ahead = label(look="ticket.ahead")
        self.wait = label(look="ticket.wait")
        # Called while still on screen: where to go, big, on green.
        self.called = QFrame()
        self.called.setObjectName("called")
        self.called.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.called.setStyleSheet(LOOKS["ticket.called"])
        self.called_title = label(look="ticket.called.title")
        self.called_counter = FitLabel(76, BLACK, floor=30)
        self.called_counter.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.called_counter.setStyleSheet(LOOKS["ticket.called.counter"])
        self.called.setLayout(vbox(self.called_title, self.called_counter, spacing=4, margins=(28, 18, 28, 22)))
        self.qr = QrView()
        self.follow = label(look="ticket.follow")
        self.hint = label(look="ticket.hint")
        self.status = StatusBanner()
        self.done = button("primary", flow.finish)
        self.done.setMinimumWidth(360)
        self.back_in = label(wrap=False, role="subtitle")
        self.stub: QWidget | None = None
        flow.ticketChanged.connect(lambda _t: self.refresh())
        flow.printStateChanged.connect(lambda _s: self.show_print_state())
        flow.countdownChanged.connect(lambda _n: self.show_countdown())

    def build(self, landscape: bool) -> QLayout:
        info = vbox("stretch", self.service, 4, self.your_turn, self.code, (self.badge, 0, Qt.AlignmentFlag.AlignHCenter),
                    18, self.ahead, self.wait, self.called, "stretch", spacing=6)
        self.stub = widget_of(vbox("stretch", (self.qr, 0, Qt.AlignmentFlag.AlignHCenter), 18, self.follow,
                                   self.hint, "stretch", spacing=4))
        self.code.setStyleSheet(LOOKS["ticket.code.landscape" if landscape else "ticket.code.portrait"])
        side = 380 if landscape else 420
        self.qr.setFixedSize(side, side)
        if landscape:
            card_layout = hbox((widget_of(info), 3), (self.stub, 2), spacing=80, margins=(40, 28, 40, 28))
            bottom = hbox((self.status, 1), 28, self.back_in, 28, self.done)
            layout = vbox((self.card, 1), 24, bottom, margins=(48, 32, 48, 32))
        else:
            card_layout = vbox((widget_of(info), 5), (self.stub, 4), spacing=64, margins=(40, 36, 40, 36))
            self.back_in.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            layout = vbox((self.card, 1), 24, self.status, 20, hbox((self.back_in, 1), self.done),
                          margins=(48, 36, 48, 36))
        old = self.card.layout()
        if old is not None:
            QWidget().setLayout(old)  # hand the old layout to a throwaway widget so it can be replaced
        self.card.setLayout(card_layout)
        self.card.stub, self.card.vertical = self.stub, landscape
        return layout

    def refresh(self) -> None:
        super().refresh()
        ticket, lang = self.flow.ticket or {}, self.flow.lang
        service = self.flow.service_info(ticket.get("service"))
        self.service.setText(i18n.service_name(service, lang) if service.get("names")
                             else ticket.get("service_name", ""))
        self.your_turn.setText(i18n.text("ticket.your_turn", lang).upper())
        code = ticket.get("code", "")
        self.code.setText(code)
        self.code.setAccessibleName(f"{i18n.text('ticket.your_turn', lang)}: {' '.join(code)}")
        self.badge.setText(i18n.text("priority.badge", lang).upper())
        self.badge.setVisible(bool(ticket.get("priority")))
        self.show_place(ticket, lang)
        self.qr.set_content(ticket.get("track_url", ""), i18n.text("ticket.qr.name", lang, code=code))
        self.follow.setText(i18n.text("ticket.follow", lang))
        self.hint.setText(i18n.text("ticket.follow.hint", lang))
        set_text(self.done, i18n.text("ticket.done", lang), i18n.text("ticket.done.name", lang))
        self.show_print_state()
        self.show_countdown()

    def show_place(self, ticket: dict, lang: str) -> None:
        """People ahead and the wait while it waits (live); where to go once called."""
        status = ticket.get("status") or "waiting"
        counter = (ticket.get("counter") or {}).get("name") or (ticket.get("counter") or {}).get("id") or ""
        ahead, wait = "", ""
        if status == "waiting":
            if ticket.get("ahead") is not None:
                ahead = i18n.plural("ticket.ahead", int(ticket["ahead"]), lang)
            wait = i18n.wait_line(ticket.get("eta"), lang, keep_together=True)
        elif status == "cancelled":
            ahead = i18n.text("ticket.cancelled", lang)
        elif status not in CALLED_STATES:
            ahead = i18n.text("ticket.ended", lang)
        set_text(self.ahead, ahead)
        set_text(self.wait, wait)
        self.ahead.setVisible(bool(ahead))
        self.wait.setVisible(bool(wait))
        called = status in CALLED_STATES
        if called:
            self.called_title.setText(i18n.text(f"ticket.{status}.title", lang).upper())
            self.called_counter.setText(i18n.text(f"ticket.{status}.go", lang, counter=counter))
            self.called.setAccessibleName(f"{i18n.text(f'ticket.{status}.title', lang)} "
                                          f"{self.called_counter.text()}")
        self.called.setVisible(called)

    def show_print_state(self) -> None:
        lang, state = self.flow.lang, self.flow.print_state
        if state == PrintState.PRINTED:
            self.status.show_status("✓  " + i18n.text("ticket.printed", lang), "ok")
        elif state == PrintState.PRINTING:
            self.status.show_status(i18n.text("ticket.printing", lang), "warn")
        elif state == PrintState.FAILED:
            self.status.show_status("⚠  " + i18n.text("ticket.not_printed", lang), "bad")
        else:
            self.status.show_status(i18n.text("ticket.no_printer", lang), "warn")

    def show_countdown(self) -> None:
        self.back_in.setText(i18n.text("ticket.back_in", self.flow.lang, n=max(0, self.flow.countdown)))
