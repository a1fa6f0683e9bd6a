"""KioskFlow taking a turn, alone (no server): the fake link of test_kiosk_support.py
hands it branch data and answers its requests, so each rule of the flow is checked on
its own: one idempotency key per customer, errors and going offline, the printer, the
ticket followed while on screen, the language, and the phone and priority steps."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from test_kiosk_support import BRANCH, TICKET, answer, flow, to_taking  # noqa: F401 - flow: a fixture

from turnero_kiosk import i18n
from turnero_kiosk.printing import PrinterFault
from turnero_kiosk.shown_ticket import CALLED_SECONDS
from turnero_kiosk.states import PrintState, Screen
from turnero_kiosk.window import KioskWindow
from turnero_qt.rest import ApiError


class FailingPrinter:
    blocking_io = False
    description = "broken"

    def print_slip(self, slip):
        raise PrinterFault("broken: paper jam")


def test_try_again_after_an_error_sends_the_same_idempotency_key(flow):
    f = flow()
    _, body, first = to_taking(f, "5512345678")
    assert body["phone"] == "+525512345678" and body["idempotency_key"]
    answer(first, error=ApiError(503, "Service Unavailable"))
    assert f.screen == Screen.ERROR and f.message
    f.retry()
    _, again, second = f.link.rest.last("ticket")
    assert again["idempotency_key"] == body["idempotency_key"]
    answer(second, TICKET)
    assert f.screen == Screen.TICKET and f.ticket["code"] == "A007"


def test_a_new_customer_gets_a_new_key(flow):
    f = flow()
    _, first, reply = to_taking(f)
    answer(reply, TICKET)
    f.finish()
    _, second, _ = to_taking(f)
    assert second["idempotency_key"] != first["idempotency_key"]


def test_the_servers_phone_complaint_goes_back_to_the_phone_step(flow):
    f = flow()
    _, _, reply = to_taking(f, "5512345678")
    answer(reply, error=ApiError(422, "Unprocessable", "Invalid input",
                                 errors={"phone": ["No es un número de teléfono válido."]}))
    assert f.screen == Screen.PHONE
    assert f.message == "No es un número de teléfono válido."


@pytest.mark.parametrize("outcome, said", [
    ({"error": ApiError(None, "server unreachable", timeout=True)}, "error.busy"),
    ({"data": {"unexpected": True}}, "error.generic"),
], ids=["lost-connection-while-online", "answer-without-a-ticket"])
def test_no_ticket_offers_to_try_again_with_the_same_key(flow, outcome, said):
    f = flow()
    _, body, reply = to_taking(f)
    answer(reply, **outcome)
    assert f.screen == Screen.ERROR and f.message == i18n.text(said, "es")
    f.retry()
    assert f.link.rest.last("ticket")[1]["idempotency_key"] == body["idempotency_key"]


def test_going_offline_keeps_the_ticket_on_screen_until_done(flow):
    f = flow()
    _, _, reply = to_taking(f)
    answer(reply, TICKET)
    f.link.online_changed.emit(False)
    assert f.screen == Screen.TICKET
    f.finish()
    assert f.screen == Screen.OFFLINE
    f.link.online_changed.emit(True)
    assert f.screen == Screen.WELCOME


def test_offline_drops_a_half_taken_turn(flow):
    f = flow()
    to_taking(f)
    f.link.online_changed.emit(False)
    assert f.screen == Screen.OFFLINE and f.attempt_key is None
    f.choose_service("caja")
    assert f.screen == Screen.OFFLINE  # nothing to tap while out of service


def test_a_printer_fault_keeps_the_ticket_longer(flow, qtbot):
    f = flow(printer=FailingPrinter(), ticket_seconds=10, fault_ticket_seconds=50)
    _, _, reply = to_taking(f)
    answer(reply, TICKET)
    qtbot.waitUntil(lambda: f.print_state == PrintState.FAILED, timeout=10_000)
    assert f.screen == Screen.TICKET and f.countdown > 10


def test_no_printer_says_to_photograph_the_qr(flow):
    f = flow()
    _, _, reply = to_taking(f)
    answer(reply, TICKET)
    assert f.print_state == PrintState.NONE


def test_the_ticket_on_screen_is_followed_until_the_screen_goes(flow):
    f = flow(ticket_seconds=5)
    _, _, reply = to_taking(f)
    answer(reply, TICKET)
    assert f.link.watched == ["tok-7"]
    f.link.ticket_updated.emit({**TICKET, "id": "someone-else", "ahead": 0})
    assert f.ticket["ahead"] == 2
    update = {k: v for k, v in TICKET.items() if k not in ("token", "track_url")}
    f.link.ticket_updated.emit({**update, "ahead": 1, "position": 2, "eta": {"low_min": 1, "high_min": 4}})
    assert f.ticket["ahead"] == 1 and f.ticket["eta"]["high_min"] == 4
    assert f.ticket["token"] == "tok-7" and f.ticket["track_url"] == TICKET["track_url"]
    f.link.ticket_updated.emit({**update, "status": "called", "ahead": None, "counter": {"id": "v2", "name": "Caja 2"}})
    assert f.ticket["status"] == "called" and f.countdown >= CALLED_SECONDS  # time to read where to go
    f.finish()
    assert f.link.watched == []
    f.link.ticket_updated.emit({**update, "status": "serving"})
    assert f.ticket["status"] == "called"  # no longer on screen: nothing changes


def test_language_follows_the_branch_and_resets_for_the_next_customer(flow):
    f = flow()
    assert f.lang == "es"
    f.set_lang("en")
    _, body, reply = to_taking(f)
    assert body["lang"] == "en" and f.link.rest.lang == "en"  # server messages come in English too
    answer(reply, TICKET)
    f.finish()
    assert f.lang == "es"


CLASSES = [{"id": 7, "name": "Adulto mayor", "names": {"es": "Adulto mayor", "en": "Older adult"},
            "boost_min": 15, "at_kiosk": True},
           {"id": 8, "name": "Embarazo", "names": {"es": "Embarazo", "en": "Pregnancy"},
            "boost_min": 15, "at_kiosk": True},
           {"id": 9, "name": "Urgencia", "names": {"es": "Urgencia", "en": "Urgency"},
            "boost_min": 60, "at_kiosk": False}]


def test_the_phone_step_offers_priority_too_so_neither_takes_two_taps(qtbot, flow):
    """Service, then "No thanks": a regular ticket in two taps. Priority is a toggle on
    the same screen (one per class the kiosk offers; staff-only classes are not)."""
    f = flow()
    window = KioskWindow(f)
    qtbot.addWidget(window)
    window.resize(1080, 1920)
    window.show()
    page = window.screens[Screen.PHONE]
    f.choose_service("caja")                                 # tap 1
    window.show_screen()
    assert [t.text() for t, _ in page.toggles] == ["♿  Atención preferente"]
    assert page.toggles[0][0].accessibleName().startswith("Atención preferente: personas mayores")
    page.skip.click()                                        # tap 2
    _, body, reply = f.link.rest.last("ticket")
    assert f.screen == Screen.TAKING and body["priority"] is False and body.get("priority_class") is None
    answer(reply, TICKET)
    f.finish()

    f.link.branch_changed.emit({**BRANCH, "priority_classes": CLASSES})
    f.choose_service("caja")
    window.show_screen()
    toggles = [t for t, _ in page.toggles]
    assert [t.text() for t in toggles] == ["♿  Adulto mayor", "♿  Embarazo"]
    toggles[0].click()
    toggles[1].click()                                       # one class at a time
    assert [t.isChecked() for t in toggles] == [False, True] and toggles[1].text() == "✓  Embarazo"
    qtbot.waitExposed(window)
    from conftest import ARTIFACTS
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / "screenshots" / "kiosk-phone-priority-es-portrait.png"))
    f.set_priority(True, 9)                                  # not offered at the kiosk: ignored
    assert f.priority_class == 8
    for d in "5512345678":
        f.press_digit(d)
    page.go.click()
    _, body, reply = f.link.rest.last("ticket")
    assert (body["priority"], body["priority_class"], body["phone"]) == (True, 8, "+525512345678")
    answer(reply, TICKET)
    f.finish()
    f.choose_service("caja")                                 # the next customer starts without it
    assert not f.priority and not any(t.isChecked() for t, _ in page.toggles)
    window.allow_close()


def test_a_kiosk_that_does_not_ask_for_a_phone_asks_priority_on_its_own_step(qtbot, flow):
    f = flow(ask_phone=False)
    window = KioskWindow(f)
    qtbot.addWidget(window)
    window.resize(1080, 1920)
    window.show()
    f.link.branch_changed.emit({**BRANCH, "priority_classes": CLASSES})
    f.choose_service("caja")
    assert f.screen == Screen.PRIORITY
    page = window.screens[Screen.PRIORITY]
    assert [b.text() for b in page.classes] == ["Adulto mayor", "Embarazo"]
    assert not page.yes.isVisible() and page.no.isVisible()
    f.back()
    assert f.screen == Screen.WELCOME
    f.choose_service("caja")
    page.classes[0].click()
    _, body, _reply = f.link.rest.last("ticket")
    assert (body["priority"], body["priority_class"]) == (True, 7)
    window.allow_close()


def test_where_the_server_sends_by_whatsapp_the_phone_step_asks_sms_or_whatsapp(qtbot, flow):
    f = flow()
    window = KioskWindow(f)
    qtbot.addWidget(window)
    phone_screen = window.screens[Screen.PHONE]

    def served(reply):
        answer(reply, TICKET)
        f.finish()
        assert f.screen == Screen.WELCOME

    _, body, reply = to_taking(f, "5512345678")
    assert body["notify_by"] is None  # the branch offers SMS only: no choice to make
    assert phone_screen.whatsapp.isHidden()
    served(reply)
    f.link.branch_changed.emit({**BRANCH, "whatsapp": True})
    f.choose_service("caja")
    assert not phone_screen.whatsapp.isHidden()
    assert (phone_screen.go.text(), phone_screen.whatsapp.text()) == ("SMS", "WhatsApp")
    assert phone_screen.whatsapp.accessibleName() == "Avisos por WhatsApp"
    for d in "5512345678":
        f.press_digit(d)
    f.submit_phone_whatsapp()
    f.choose_priority(False)
    _, body, reply = f.link.rest.last("ticket")
    assert (body["phone"], body["notify_by"]) == ("+525512345678", "whatsapp")
    served(reply)
    _, body, reply = to_taking(f, "5512345678")
    assert body["notify_by"] == "sms"
    served(reply)
    _, body, _ = to_taking(f)  # no number: nothing to send anywhere
    assert body.get("phone") is None and body["notify_by"] is None
