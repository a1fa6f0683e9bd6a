"""`turnero-display --server URL --token TOKEN [--screen N] [--windowed]`: wiring only.

Settings also come from TURNERO_SERVER / TURNERO_TOKEN and from the ini file's
`[turnero]` and `[display]` sections (see turnero_qt.config):

    [display]
    sound = on            ; off: no chime, no speech
    tts_engine = speechd  ; a Qt text-to-speech engine ("mock" says nothing, for trials)
    lang = es             ; override the branch language
    public_url = https://turnos.example.org   ; base of the QR's join link
    screen = 1
    volume = 0.8
"""
from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from turnero_qt import ClientConfig, ConfigError, DeviceLink, add_client_arguments, client_config, pair_if_asked
from turnero_qt.app import DeviceApp, quit_on_signals
from turnero_qt.soundness import unsound_message
from turnero_qt.brand import BrandLogo

from .announcer import Announcer, Chime, QtSpeech, SpeechEngine
from .model import HIGHLIGHT_SECONDS, DisplayModel
from .window import DisplayWindow

log = logging.getLogger("turnero_display")


@dataclass
class Options:
    lang: str | None = None
    sound: bool = True
    tts_engine: str | None = None
    public_url: str | None = None
    volume: float = 0.8
    highlight_seconds: float = HIGHLIGHT_SECONDS


@dataclass
class Display(DeviceApp):
    model: DisplayModel
    announcer: Announcer


_REAL = object()


def build(config: ClientConfig, options: Options, *, speech: SpeechEngine | None = None,
          chime: Chime | None | object = _REAL, link: DeviceLink | None = None) -> Display:
    """Make and connect the pieces. Tests pass their own speech engine, and chime=None
    for no chime."""
    link = link or DeviceLink(config.server, config.token, kind="display", branch=config.branch, lang=options.lang)
    model = DisplayModel(lang=options.lang, join_url=options.public_url or config.server,
                         highlight_seconds=options.highlight_seconds, server_now=link.server_now)
    if options.sound:
        speech = speech if speech is not None else QtSpeech(options.tts_engine)
        chime = Chime(options.volume) if chime is _REAL else chime
    else:
        speech = chime = None
    announcer = Announcer(speech, chime, enabled=options.sound)
    brand = BrandLogo(link.rest, parent=link)  # the branch's logo and colour, for the header
    window = DisplayWindow(model, brand)

    link.attach(model)
    link.attach(brand)
    model.announce.connect(announcer.announce)
    return Display(link=link, window=window, model=model, announcer=announcer)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="turnero-display", description="Turnero lobby display")
    add_client_arguments(p)
    p.add_argument("--screen", type=int, help="screen number (0 = first)")
    p.add_argument("--windowed", action="store_true", help="a normal window, for development")
    p.add_argument("--lang", choices=["es", "en"], help="override the branch language")
    p.add_argument("--no-sound", action="store_true", help="no chime, no speech")
    p.add_argument("--tts-engine", help="Qt text-to-speech engine (speechd, mock, ...)")
    p.add_argument("--public-url", help="base URL of the join link in the QR code (default: --server)")
    return p


def options_from(args: argparse.Namespace, config: ClientConfig) -> Options:
    volume = config.setting("volume")
    return Options(
        lang=args.lang or config.setting("lang"),
        sound=not args.no_sound and config.flag("sound", True),
        tts_engine=args.tts_engine or config.setting("tts_engine"),
        public_url=args.public_url or config.setting("public_url"),
        volume=float(volume) if volume else 0.8,
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    p = parser()
    args = p.parse_args(argv)
    try:
        paired = pair_if_asked(args, app="display")
        config = client_config(args, app="display")
    except ConfigError as exc:
        p.error(str(exc))
    if paired:
        log.info("paired: display “%s” of branch %s; its token is saved in the config file", paired.name,
                 paired.branch)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("turnero-display")
    unsound = unsound_message()
    if unsound:
        log.error("turnero-display: %s", unsound)
        return 2
    display = build(config, options_from(args, config))
    window = display.window
    QShortcut(QKeySequence(QKeySequence.StandardKey.Quit), window, app.quit)
    screens = app.screens()
    wanted = args.screen if args.screen is not None else config.setting("screen")
    screen = app.primaryScreen()
    if wanted is not None:
        index = int(wanted)
        if 0 <= index < len(screens):
            screen = screens[index]
        else:
            log.warning("no screen %s (there are %d); using the primary one", index, len(screens))
    if args.windowed:
        window.resize(1280, 720)
        window.move(screen.availableGeometry().topLeft())
        window.show()
    else:
        # Without a window manager showFullScreen() alone does not fill the screen.
        window.setGeometry(screen.geometry())
        window.hide_cursor()
        window.showFullScreen()
    app.aboutToQuit.connect(display.stop)
    heartbeat = quit_on_signals(app)  # noqa: F841 - kept while the app runs
    display.start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
