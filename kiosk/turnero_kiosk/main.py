"""`turnero-kiosk --server URL --token DEVICE_TOKEN [--printer SPEC] [--windowed]` (or, the first
time, `--pair CODE` instead of the token):
reads the options, builds the kiosk (`build`: the server link, the printer, the flow
and the window) and runs it, scaled to its screen. Nothing else."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from turnero_qt import ClientConfig, ConfigError, DeviceLink, add_client_arguments, client_config, pair_if_asked
from turnero_qt.app import DeviceApp, quit_on_signals
from turnero_qt.soundness import unsound_message

from .config import KioskOptions, add_kiosk_arguments, kiosk_options
from .flow import KioskFlow
from .printing import PrintService, SlipPrinter, make_printer
from .window import KioskWindow

log = logging.getLogger("turnero_kiosk")


@dataclass
class Kiosk(DeviceApp):
    flow: KioskFlow
    printing: PrintService

    @property
    def driver(self) -> KioskFlow:
        return self.flow


def build(config: ClientConfig, options: KioskOptions, printer: SlipPrinter, *,
          link: DeviceLink | None = None) -> Kiosk:
    """Make and connect the pieces. Tests pass their own link (a quick backoff, a
    relay in between) and printer."""
    link = link or DeviceLink(config.server, config.token, kind="kiosk", branch=config.branch,
                              lang=options.settings.lang)
    printing = PrintService(printer)
    flow = KioskFlow(link, printing, options.settings)
    window = KioskWindow(flow, admin_pin=options.admin_pin)
    return Kiosk(link=link, window=window, flow=flow, printing=printing)


# The screens are laid out for a display of 1920x1080 either way up (tested there); a
# smaller one is scaled down to it as a whole (Qt's QT_SCALE_FACTOR), not cut.
LAID_OUT_FOR = (1080, 1920)


def screen_scale(width: int, height: int) -> float | None:
    """The factor that fits the screens to a display of `width` x `height` (logical
    pixels), or None when they fit as they are (or nearly: within 5%)."""
    short, long = sorted((width, height))
    factor = min(short / LAID_OUT_FOR[0], long / LAID_OUT_FOR[1])
    return round(factor, 3) if factor < 0.95 else None


def without_pairing(argv: list[str]) -> list[str]:
    """The arguments less `--pair CODE`: a code is used once, and its token is in the
    config file by now."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--pair":
            skip = True
        elif not arg.startswith("--pair="):
            kept.append(arg)
    return kept


def rescale_if_small(app: QApplication, argv: list[str]) -> None:
    """On a display smaller than the screens are laid out for (a 10-inch tablet,
    1280x800), start again with Qt scaling everything to fit, as QT_SCALE_FACTOR
    does, which Qt reads only as it starts. A QT_SCALE_FACTOR already set is the
    installer's choice and is kept."""
    screen = app.primaryScreen()
    if "QT_SCALE_FACTOR" in os.environ or screen is None:
        return
    size = screen.size()
    factor = screen_scale(size.width(), size.height())
    if factor is None:
        return
    log.info("the screen is %dx%d, smaller than the %dx%d the kiosk is laid out for: scaled by %s "
             "(QT_SCALE_FACTOR)", size.width(), size.height(), *LAID_OUT_FOR, factor)
    os.environ["QT_SCALE_FACTOR"] = str(factor)
    os.execv(sys.executable, [sys.executable, "-m", "turnero_kiosk.main", *without_pairing(argv)])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="turnero-kiosk",
                                     description="Turnero's touch kiosk: take a turn at the branch door.")
    add_client_arguments(parser)
    add_kiosk_arguments(parser)
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        paired = pair_if_asked(args, app="kiosk")
        if paired:
            log.info("paired: kiosk “%s” of branch %s; its token is saved in the config file", paired.name,
                     paired.branch)
        cfg = client_config(args, app="kiosk")
        options = kiosk_options(cfg, args)
        printer = make_printer(options.printer)
    except (ConfigError, ValueError) as exc:
        log.error("turnero-kiosk: %s", exc)
        return 2
    if not options.admin_pin:
        log.warning("no admin_pin configured: the staff exit gesture is disabled")

    app = QApplication(sys.argv[:1])
    if not options.windowed:
        rescale_if_small(app, argv)
    app.setApplicationName("turnero-kiosk")
    unsound = unsound_message()
    if unsound:
        log.error("turnero-kiosk: %s", unsound)
        return 2
    kiosk = build(cfg, options, printer)
    window = kiosk.window
    window.exit_requested.connect(app.quit)

    heartbeat = quit_on_signals(app, before=window.allow_close)  # noqa: F841 - kept while the app runs

    if options.windowed:
        window.resize(720, 1280)
        window.show()
    else:
        window.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
        window.setCursor(Qt.CursorShape.BlankCursor)
        # Without a window manager showFullScreen() does not fill the screen: set the geometry too.
        window.setGeometry(app.primaryScreen().geometry())
        window.showFullScreen()
    log.info("kiosk started: server %s, printer %s", cfg.server, printer.description)
    kiosk.start()
    code = app.exec()
    kiosk.stop()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
