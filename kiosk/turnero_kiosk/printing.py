"""The printed ticket: one layout (`Slip`), three ways to put it on paper.

- ESC/POS thermal receipt printers through python-escpos (network, USB, serial);
- Qt's QPrinter to the system printer;
- a PDF 80 mm wide (for testing, or a print folder).

A printer is chosen with a one-line spec (config `printer = ...`, see `make_printer`).
Whatever goes wrong while printing (paper out, unplugged, unreachable, a driver
error) becomes a `PrinterFault`, reported by `PrintService.failed`; the ticket
itself was already taken and stays on screen.
"""
from __future__ import annotations

import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QMarginsF, QObject, QRectF, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from turnero_qt import parse_server_time

from . import i18n
from .qr import paint_qr, qr_matrix
from .slip_logo import LOGO_MAX_HEIGHT, LOGO_MAX_WIDTH, logo_bitmap
from .style import font

log = logging.getLogger(__name__)

PAPER_MM = 80.0
MARGIN_MM = 4.0
# Logical width of the printable area: 72 mm at 203 dpi, a thermal printer's 576 dots.
SLIP_WIDTH = 576
STATUS_TIMEOUT = 1.5  # seconds to wait for a paper-sensor answer


class PrinterFault(Exception):
    """Printing failed; `str(fault)` says why, for the log and staff."""


# ---------------------------------------------------------------- the layout

@dataclass(frozen=True)
class Slip:
    """What a printed ticket says, already worded in its language."""

    branch_name: str
    service_name: str
    code: str
    issued_at: datetime  # in the branch's time zone
    ahead: int | None
    eta: dict | None
    track_url: str
    lang: str
    priority: bool = False
    logo: bytes | None = None  # the branch's logo (PNG or JPEG), printed above its name

    @classmethod
    def from_ticket(cls, ticket: dict, branch: dict, lang: str | None = None,
                    service_name: str | None = None, logo: bytes | None = None) -> "Slip":
        """From the server's ticket JSON and branch (`name`, `timezone`), with the
        branch's logo when the kiosk has it."""
        lang = i18n.norm_lang(lang or ticket.get("lang") or branch.get("lang"))
        return cls(
            branch_name=branch.get("name") or branch.get("slug") or "",
            service_name=service_name or ticket.get("service_name") or ticket.get("service", ""),
            code=ticket["code"],
            issued_at=branch_time(ticket.get("created_at"), branch.get("timezone")),
            ahead=ticket.get("ahead"),
            eta=ticket.get("eta"),
            track_url=ticket.get("track_url") or "",
            lang=lang,
            priority=bool(ticket.get("priority")),
            logo=logo,
        )

    @property
    def date_line(self) -> str:
        return i18n.local_datetime(self.issued_at, self.lang)

    @property
    def ahead_line(self) -> str:
        return "" if self.ahead is None else i18n.plural("ticket.ahead", self.ahead, self.lang)

    @property
    def wait_line(self) -> str:
        return i18n.wait_line(self.eta, self.lang)

    @property
    def follow_line(self) -> str:
        return i18n.text("ticket.follow", self.lang)

    @property
    def follow_hint(self) -> str:
        return i18n.text("ticket.follow.hint", self.lang)


def branch_time(created_at: str | None, tz_name: str | None) -> datetime:
    """A UTC ISO time from the server, in the branch's time zone (now, if missing)."""
    moment = parse_server_time(created_at)
    if moment is None:
        if created_at:
            log.warning("unreadable created_at %r", created_at)
        moment = datetime.now(timezone.utc)
    try:
        return moment.astimezone(ZoneInfo(tz_name)) if tz_name else moment
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; printing UTC", tz_name)
        return moment


# ---------------------------------------------------------------- printers

class SlipPrinter(Protocol):
    """Something that puts a slip on paper, or raises PrinterFault."""

    #: True when printing waits on a device (run it off the UI thread).
    blocking_io: bool
    description: str

    def print_slip(self, slip: Slip) -> None: ...


def _ascii_safe(text: str) -> str:
    # Thermal code pages lack a few typographic characters; the rest goes through
    # python-escpos's code page selection.
    return text.replace("–", "-").replace("…", "...").replace("“", '"').replace("”", '"')


def render_escpos(printer, slip: Slip, native_qr: bool = True) -> None:
    """Send the slip to an python-escpos printer object (Network, Usb, Serial, Dummy)."""
    p = printer
    p.set_with_default(align="center")
    bitmap = logo_bitmap(slip.logo)
    if bitmap is not None:
        p.image(bitmap, center=True)
    p.set(bold=True, double_height=True, double_width=False)
    p.textln(_ascii_safe(slip.branch_name))
    p.set(normal_textsize=True, bold=False)
    p.textln(_ascii_safe(slip.date_line))
    p.textln("-" * 32)
    p.set(bold=True, double_height=True, double_width=True)
    p.textln(_ascii_safe(slip.service_name))
    p.set(normal_textsize=True, bold=False)
    p.textln(_ascii_safe(i18n.text("ticket.your_turn", slip.lang)))
    p.set(bold=True, custom_size=True, width=5, height=5)
    p.textln(slip.code)
    p.set(normal_textsize=True, bold=False)
    if slip.priority:
        p.set(invert=True, bold=True)
        p.textln(f" {_ascii_safe(i18n.text('priority.badge', slip.lang)).upper()} ")
        p.set(invert=False, bold=False)
    p.ln()
    if slip.ahead_line:
        p.set(bold=True)
        p.textln(_ascii_safe(slip.ahead_line))
        p.set(bold=False)
    if slip.wait_line:
        p.textln(_ascii_safe(slip.wait_line))
    if slip.track_url:
        p.ln()
        p.qr(slip.track_url, size=7, native=native_qr, center=not native_qr)
        p.ln()
        p.set(bold=True)
        p.textln(_ascii_safe(slip.follow_line))
        p.set(bold=False)
        p.textln(_ascii_safe(slip.follow_hint))
    p.ln(2)
    p.cut()


class EscposPrinter:
    """A thermal printer through python-escpos; `factory` makes the printer object."""

    blocking_io = True

    def __init__(self, factory: Callable[[], object], description: str, check_paper: bool = True,
                 native_qr: bool = True):
        self.factory = factory
        self.description = description
        self.check_paper = check_paper
        self.native_qr = native_qr

    def print_slip(self, slip: Slip) -> None:
        from escpos.exceptions import Error as EscposError
        device = None
        try:
            device = self.factory()
            if self.check_paper:
                self._check_paper(device)
            render_escpos(device, slip, native_qr=self.native_qr)
            flush = getattr(device, "flush", None)
            if callable(flush):
                flush()
        except PrinterFault:
            raise
        except EscposError as exc:
            raise PrinterFault(f"{self.description}: {exc.__class__.__name__}: {exc}") from exc
        except (OSError, ValueError, RuntimeError, ImportError, AssertionError) as exc:
            # Unplugged USB (usb.core.USBError), serial errors, refused or timed out sockets.
            raise PrinterFault(f"{self.description}: {exc.__class__.__name__}: {exc}") from exc
        finally:
            if device is not None:
                try:
                    device.close()
                except Exception:  # noqa: BLE001 - closing a broken device must not hide the fault
                    log.debug("closing %s failed", self.description, exc_info=True)

    def _check_paper(self, device) -> None:
        """Ask the printer for its paper sensor; printers that do not answer are trusted."""
        sock = getattr(device, "device", None)  # opens the connection: an unplugged printer fails here
        old_timeout = sock.gettimeout() if isinstance(sock, socket.socket) else None
        if isinstance(sock, socket.socket):
            sock.settimeout(STATUS_TIMEOUT)  # a printer that never answers status costs little
        try:
            status = device.paper_status()
        except (NotImplementedError, socket.timeout, TimeoutError):
            return
        finally:
            if isinstance(sock, socket.socket):
                sock.settimeout(old_timeout)
        if status == 0:
            raise PrinterFault(f"{self.description}: out of paper")
        if status == 1:
            log.warning("%s: paper is running out", self.description)


def paint_slip(painter: QPainter | None, slip: Slip) -> float:
    """Lay the slip out in a column SLIP_WIDTH units wide; paint it when `painter` is
    given. Returns the height used (so the page can be cut to fit)."""
    width = SLIP_WIDTH
    y = 0.0

    def block(text: str, f: QFont, gap_after: float = 8, color: str = "#000000") -> None:
        nonlocal y
        if not text:
            return
        flags = int(Qt.AlignmentFlag.AlignHCenter) | int(Qt.TextFlag.TextWordWrap)
        box = QFontMetricsF(f).boundingRect(QRectF(0, 0, width, 10_000), flags, text)
        if painter is not None:
            painter.setFont(f)
            painter.setPen(QColor(color))
            painter.drawText(QRectF(0, y, width, box.height()), flags, text)
        y += box.height() + gap_after

    def rule(gap: float = 18) -> None:
        nonlocal y
        y += gap / 2
        if painter is not None:
            painter.fillRect(QRectF(24, y, width - 48, 2), QColor("#000000"))
        y += gap / 2 + 2

    logo = QImage.fromData(slip.logo) if slip.logo else QImage()
    if not logo.isNull():
        size = logo.size().scaled(LOGO_MAX_WIDTH, LOGO_MAX_HEIGHT, Qt.AspectRatioMode.KeepAspectRatio)
        if painter is not None:
            painter.drawImage(QRectF((width - size.width()) / 2, y, size.width(), size.height()), logo)
        y += size.height() + 12
    block(slip.branch_name, font(30, QFont.Weight.Bold), 4)
    block(slip.date_line, font(22), 4)
    rule(28)
    block(slip.service_name, font(34, QFont.Weight.DemiBold), 0)
    block(i18n.text("ticket.your_turn", slip.lang).upper(), font(20), 0, "#333333")
    block(slip.code, font(150, QFont.Weight.Black), 0)
    if slip.priority:
        badge_font = font(26, QFont.Weight.Bold)
        label = i18n.text("priority.badge", slip.lang).upper()
        fm = QFontMetricsF(badge_font)
        bw, bh = fm.horizontalAdvance(label) + 40, fm.height() + 12
        if painter is not None:
            rect = QRectF((width - bw) / 2, y, bw, bh)
            painter.fillRect(rect, QColor("#000000"))
            painter.setFont(badge_font)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label)
        y += bh + 12
    y += 8
    block(slip.ahead_line, font(30, QFont.Weight.Bold), 4)
    block(slip.wait_line, font(26), 8)
    if slip.track_url:
        rule(28)
        side = 300.0
        if painter is not None:
            paint_qr(painter, QRectF((width - side) / 2, y, side, side), qr_matrix(slip.track_url), quiet=2)
        y += side + 12
        block(slip.follow_line, font(28, QFont.Weight.Bold), 2)
        block(slip.follow_hint, font(22), 0, "#333333")
    return y + 8


class QtPrinter:
    """Qt's QPrinter: the system printer (`printer_name`, default one when empty) or a PDF."""

    blocking_io = False

    def __init__(self, pdf_path: str | None = None, printer_name: str = ""):
        self.pdf_path = pdf_path
        self.printer_name = printer_name
        self.description = f"pdf:{pdf_path}" if pdf_path else f"qt:{printer_name or 'default'}"
        self.last_output: Path | None = None

    def _target(self, slip: Slip) -> QPrinter:
        if self.pdf_path is None:
            info = (QPrinterInfo.printerInfo(self.printer_name) if self.printer_name
                    else QPrinterInfo.defaultPrinter())
            if info.isNull():
                raise PrinterFault(f"{self.description}: no such system printer")
            printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
            printer.setDocName(f"Turno {slip.code}")
            return printer
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        path = Path(self.pdf_path)
        if path.suffix.lower() != ".pdf":
            path.mkdir(parents=True, exist_ok=True)
            path = path / f"{slip.issued_at:%Y%m%d-%H%M%S}-{slip.code}.pdf"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        printer.setOutputFileName(str(path))
        printer.setDocName(f"Turno {slip.code}")
        printer.setCreator("Turnero kiosk")
        self.last_output = path
        return printer

    def print_slip(self, slip: Slip) -> None:
        try:
            printer = self._target(slip)
        except OSError as exc:
            raise PrinterFault(f"{self.description}: {exc}") from exc
        height = paint_slip(None, slip)
        mm_per_unit = (PAPER_MM - 2 * MARGIN_MM) / SLIP_WIDTH
        page = QPageSize(QSizeF(PAPER_MM, height * mm_per_unit + 2 * MARGIN_MM), QPageSize.Unit.Millimeter,
                         "Ticket 80 mm", QPageSize.SizeMatchPolicy.ExactMatch)
        layout = QPageLayout(page, QPageLayout.Orientation.Portrait,
                             QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter)
        printer.setPageLayout(layout)
        painter = QPainter()
        if not painter.begin(printer):
            raise PrinterFault(f"{self.description}: the printer could not be opened")
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            area = printer.pageLayout().paintRectPixels(printer.resolution())
            scale = area.width() / SLIP_WIDTH
            painter.scale(scale, scale)
            paint_slip(painter, slip)
        finally:
            if not painter.end():
                raise PrinterFault(f"{self.description}: the print job failed")
        log.info("ticket %s printed to %s", slip.code, self.description)


class NoPrinter:
    """No printer at this kiosk: the ticket screen asks for a photo of the QR."""

    blocking_io = False
    description = "none"

    def print_slip(self, slip: Slip) -> None:  # pragma: no cover - never called by the service
        return None


def _network_printer(host: str, port: int, timeout: float = 8):
    """python-escpos's Network printer, connected here so a refused connection
    closes its socket instead of leaking it."""
    from escpos.printer import Network

    class _Network(Network):
        def open(self, raise_not_found: bool = True) -> None:
            from escpos.exceptions import DeviceNotFoundError
            try:
                self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)
            except OSError as exc:
                self.device = None
                raise DeviceNotFoundError(f"could not connect to {self.host}:{self.port}: {exc}") from exc

    return _Network(host, port=port, timeout=timeout)


def _int(value: str) -> int:
    return int(value, 16) if value.lower().startswith("0x") else int(value)


def make_printer(spec: str | None) -> SlipPrinter:
    """A printer from its config spec:

    - `escpos-network:HOST[:PORT]` (port 9100 by default)
    - `escpos-usb:VENDOR:PRODUCT` (hex ids, e.g. `0x04b8:0x0202`)
    - `escpos-serial:DEVICE[@BAUD]` (e.g. `/dev/ttyUSB0@19200`)
    - `qt` (the default system printer) or `qt:NAME`
    - `pdf:PATH` (a `.pdf` file, or a folder that gets one PDF per ticket)
    - `none`
    """
    spec = (spec or "none").strip()
    kind, _, arg = spec.partition(":")
    kind = kind.lower()
    if kind in ("", "none"):
        return NoPrinter()
    if kind == "qt":
        return QtPrinter(printer_name=arg)
    if kind == "pdf":
        if not arg:
            raise ValueError("pdf: needs a path, e.g. pdf:/tmp/tickets")
        return QtPrinter(pdf_path=arg)
    if kind == "escpos-network":
        host, _, port = arg.partition(":")
        if not host:
            raise ValueError("escpos-network: needs a host, e.g. escpos-network:192.168.1.50")
        port_no = int(port) if port else 9100

        return EscposPrinter(lambda: _network_printer(host, port_no), spec)
    if kind == "escpos-usb":
        vendor, _, product = arg.partition(":")
        if not vendor or not product:
            raise ValueError("escpos-usb: needs VENDOR:PRODUCT, e.g. escpos-usb:0x04b8:0x0202")
        ids = (_int(vendor), _int(product))

        def usb():
            from escpos.printer import Usb
            if not Usb.is_usable():
                raise PrinterFault("escpos-usb: the pyusb package is not installed")
            return Usb(*ids, timeout=8000)
        return EscposPrinter(usb, spec)
    if kind == "escpos-serial":
        device, _, baud = arg.partition("@")
        if not device:
            raise ValueError("escpos-serial: needs a device, e.g. escpos-serial:/dev/ttyUSB0")
        rate = int(baud) if baud else 9600

        def serial():
            from escpos.printer import Serial
            if not Serial.is_usable():
                raise PrinterFault("escpos-serial: the pyserial package is not installed")
            return Serial(device, baudrate=rate, timeout=5)
        return EscposPrinter(serial, spec)
    raise ValueError(f"unknown printer {spec!r}: use escpos-network:HOST, escpos-usb:VID:PID, "
                     "escpos-serial:DEVICE, qt, pdf:PATH or none")


# ---------------------------------------------------------------- printing without freezing the screen

class PrintService(QObject):
    """Prints slips one at a time; device I/O runs on a worker thread.

    `printed(code)` or `failed(code, reason)` follows every `print_slip`.
    """

    started = Signal(str)
    printed = Signal(str)
    failed = Signal(str, str)

    def __init__(self, printer: SlipPrinter, parent: QObject | None = None):
        super().__init__(parent)
        self.printer = printer
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-print")

    @property
    def enabled(self) -> bool:
        return not isinstance(self.printer, NoPrinter)

    def print_slip(self, slip: Slip) -> None:
        if not self.enabled:
            return
        self.started.emit(slip.code)
        if self.printer.blocking_io:
            self._pool.submit(self._run, slip)
        else:
            # Let the ticket screen paint first; Qt painting stays on the UI thread.
            QTimer.singleShot(0, lambda: self._run(slip))

    def _run(self, slip: Slip) -> None:
        try:
            self.printer.print_slip(slip)
        except PrinterFault as fault:
            log.error("ticket %s not printed: %s", slip.code, fault)
            self.failed.emit(slip.code, str(fault))
        except Exception as exc:  # noqa: BLE001 - a printer bug must never lose the ticket
            log.exception("ticket %s not printed (unexpected printer error)", slip.code)
            self.failed.emit(slip.code, f"{exc.__class__.__name__}: {exc}")
        else:
            self.printed.emit(slip.code)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
