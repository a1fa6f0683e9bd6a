"""The kiosk's printed ticket: ESC/POS bytes (python-escpos's Dummy printer), the
80 mm PDF (rendered to PNG with poppler's pdftoppm and looked at), and printer faults
that never lose the ticket."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import socket
import subprocess

import pytest
from conftest import ARTIFACTS
from escpos.printer import Dummy

from turnero_kiosk.printing import (EscposPrinter, NoPrinter, PrinterFault, PrintService, QtPrinter, Slip,
                                     make_printer, render_escpos)

TRACK = "http://127.0.0.1:5000/t/6dM0pW1eO1rT3WcTfP7hS9kQyq2GvJc8l0Ya4uNn3sE"
TICKET = {"code": "B007", "service": "plataforma", "service_name": "Atención a clientes",
          "created_at": "2026-11-23T15:04:05Z", "ahead": 2, "eta": {"low_min": 4, "high_min": 9, "about_min": 6},
          "track_url": TRACK, "priority": False, "lang": "es"}
BRANCH = {"slug": "centro", "name": "Sucursal Centro", "timezone": "America/Mexico_City", "lang": "es"}
QR_STORE = b"\x1d(k"  # GS ( k: the ESC/POS 2D-code command


def slip(lang="es", **changes):
    return Slip.from_ticket({**TICKET, **changes}, BRANCH, lang=lang,
                            service_name={"es": "Atención a clientes", "en": "Customer service"}[lang])


def test_slip_is_in_the_branch_time_zone_and_language():
    s = slip("es")
    # 15:04 UTC is 09:04 in Mexico City (no daylight saving time since 2022).
    assert s.date_line == "lun 23 nov 2026, 09:04"
    assert s.ahead_line == "2 personas antes que usted"
    assert s.wait_line == "Espera estimada: aprox. 6 min (4 – 9)"
    e = slip("en")
    assert e.date_line == "Mon 23 Nov 2026, 09:04"
    assert e.ahead_line == "2 people ahead of you"
    assert e.follow_line == "Follow your turn on your phone"


def test_escpos_bytes_hold_the_code_the_qr_and_the_follow_line():
    printer = Dummy()
    EscposPrinter(lambda: printer, "dummy").print_slip(slip("es", priority=True))
    out = printer.output
    assert b"B007" in out
    assert QR_STORE in out and TRACK.encode() in out  # native QR with the tracking link
    assert b"Sucursal Centro" in out
    assert b"Siga su turno en su tel" in out
    assert b"PREFERENTE" in out
    assert b"\x1dV" in out  # cut


def test_escpos_in_english():
    printer = Dummy()
    render_escpos(printer, slip("en"))
    assert b"Follow your turn on your phone" in printer.output
    assert b"2 people ahead of you" in printer.output
    assert b"Estimated wait: about 6 min (4 - 9)" in printer.output


class PaperOut(Dummy):
    def _read(self) -> bytes:
        return bytes([114])  # paper sensor: no paper


def test_paper_out_is_a_fault_and_nothing_is_printed():
    printer = PaperOut()
    with pytest.raises(PrinterFault, match="out of paper"):
        EscposPrinter(lambda: printer, "escpos-test").print_slip(slip())
    assert b"B007" not in printer.output


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_network_printer_reports_failed_without_raising(qtbot):
    service = PrintService(make_printer(f"escpos-network:127.0.0.1:{closed_port()}"))
    with qtbot.waitSignal(service.failed, timeout=20_000) as failed, \
            qtbot.assertNotEmitted(service.printed, wait=0):
        service.print_slip(slip())
    code, reason = failed.args
    assert code == "B007"
    assert "127.0.0.1" in reason
    service.shutdown()


def test_print_service_prints_on_a_worker_thread(qtbot):
    printer = Dummy()
    service = PrintService(EscposPrinter(lambda: printer, "dummy"))
    with qtbot.waitSignal(service.printed, timeout=20_000) as printed:
        service.print_slip(slip())
    assert printed.args == ["B007"]
    assert b"B007" in printer.output
    service.shutdown()


def test_printer_specs():
    assert isinstance(make_printer("none"), NoPrinter)
    assert isinstance(make_printer(None), NoPrinter)
    assert make_printer("escpos-network:192.168.1.50").description == "escpos-network:192.168.1.50"
    assert isinstance(make_printer("escpos-usb:0x04b8:0x0202"), EscposPrinter)
    assert isinstance(make_printer("escpos-serial:/dev/ttyUSB0@19200"), EscposPrinter)
    assert isinstance(make_printer("qt"), QtPrinter)
    assert make_printer("pdf:/tmp/x.pdf").pdf_path == "/tmp/x.pdf"
    for bad in ("escpos-usb:0x04b8", "laser:1", "pdf:", "escpos-network:"):
        with pytest.raises(ValueError):
            make_printer(bad)


def test_missing_usb_printer_is_a_fault():
    with pytest.raises(PrinterFault, match="escpos-usb"):
        make_printer("escpos-usb:0x0001:0x0001").print_slip(slip())


@pytest.mark.parametrize("lang,priority", [("es", False), ("en", True)])
def test_pdf_is_80mm_wide_and_rendered(qtbot, tmp_path, lang, priority):
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils (pdftoppm) is needed to look at the printed ticket"
    pdf = tmp_path / "ticket.pdf"
    printer = make_printer(f"pdf:{pdf}")
    printer.print_slip(slip(lang, priority=priority))
    assert pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width_pt = float(info.split("Page size:")[1].split("x")[0])
    assert abs(width_pt - 80 / 25.4 * 72) < 1  # 80 mm
    out = ARTIFACTS / "screenshots" / f"kiosk-slip-{lang}"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([pdftoppm, "-png", "-r", "150", "-singlefile", str(pdf), str(out)], check=True)
    png = out.with_suffix(".png")
    from PySide6.QtGui import QImage
    image = QImage(str(png))
    assert image.width() == pytest.approx(80 / 25.4 * 150, abs=2)
    assert image.height() > image.width()  # the whole slip on one page, cut to fit


def test_pdf_folder_gets_one_file_per_ticket(qtbot, tmp_path):
    printer = make_printer(f"pdf:{tmp_path / 'tickets'}")
    printer.print_slip(slip(code="A001"))
    printer.print_slip(slip(code="A002"))
    names = sorted(p.name for p in (tmp_path / "tickets").iterdir())
    assert len(names) == 2 and names[0].endswith("A001.pdf") and names[1].endswith("A002.pdf")


class FakeNetworkPrinter:
    """A thermal printer on TCP 9100, as far as ESC/POS goes: answers the paper-sensor
    query (or stays silent) and keeps every byte it is sent."""

    def __init__(self, paper: bytes | None):
        import threading
        self.paper = paper
        self.received = b""
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.server.accept()
        with conn:
            while data := conn.recv(65536):
                self.received += data
                if data.endswith(b"\x10\x04\x04") and self.paper is not None:
                    conn.sendall(self.paper)
        self.server.close()
        self.done.set()


@pytest.mark.parametrize("paper", [bytes([18]), None], ids=["paper-ok", "no-status-answer"])
def test_network_printer_gets_the_ticket(paper):
    printer = FakeNetworkPrinter(paper)
    make_printer(f"escpos-network:127.0.0.1:{printer.port}").print_slip(slip())
    assert printer.done.wait(10)
    assert b"B007" in printer.received and QR_STORE in printer.received
    assert TRACK.encode() in printer.received


def test_network_printer_out_of_paper_is_a_fault():
    printer = FakeNetworkPrinter(bytes([114]))
    with pytest.raises(PrinterFault, match="out of paper"):
        make_printer(f"escpos-network:127.0.0.1:{printer.port}").print_slip(slip())
    assert printer.done.wait(10)
    assert b"B007" not in printer.received


# ---------------------------------------------------------------- the branch's logo on the slip

def logo_png(width=300, height=100) -> bytes:
    """A red logo on a transparent ground (the slip prints it on white)."""
    from io import BytesIO

    from PIL import Image
    picture = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    picture.paste((200, 30, 30, 255), (10, 10, width - 10, height - 10))
    out = BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def test_the_logo_is_printed_above_the_name_or_left_out_when_unreadable():
    printer = Dummy()
    render_escpos(printer, Slip.from_ticket(TICKET, BRANCH, "es", logo=logo_png()))
    out = printer.output
    raster = out.find(b"\x1dv0")  # GS v 0: a raster bit image
    assert 0 <= raster < out.find(b"Sucursal Centro")
    width_bytes, height = int.from_bytes(out[raster + 4:raster + 6], "little"), \
        int.from_bytes(out[raster + 6:raster + 8], "little")
    assert width_bytes * 8 <= 384 and 0 < height <= 144
    broken = Dummy()
    render_escpos(broken, Slip.from_ticket(TICKET, BRANCH, "es", logo=b"\x89PNG\r\n\x1a\nnot really"))
    assert b"\x1dv0" not in broken.output and b"Sucursal Centro" in broken.output


def test_pdf_slip_has_the_logo_at_the_top(qtbot, tmp_path):
    pdf = tmp_path / "ticket.pdf"
    make_printer(f"pdf:{pdf}").print_slip(Slip.from_ticket(TICKET, BRANCH, "es", logo=logo_png()))
    out = ARTIFACTS / "screenshots" / "kiosk-slip-logo-es"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([shutil.which("pdftoppm"), "-png", "-r", "150", "-singlefile", str(pdf), str(out)], check=True)
    from PySide6.QtGui import QColor, QImage
    image = QImage(str(out.with_suffix(".png")))
    top = image.height() // 12  # the logo's band, above the branch's name

    def reddish(x, y):
        c = QColor(image.pixel(x, y))
        return c.red() > 150 and c.green() < 100 and c.blue() < 100
    assert any(reddish(image.width() // 2, y) for y in range(top))
    assert not any(reddish(x, y) for x in range(0, image.width(), 7) for y in range(top * 3, image.height(), 7))
