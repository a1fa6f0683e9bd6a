"""The kiosk's own settings, on top of turnero_qt's server/token configuration.

In the ini file (`--config`, env TURNERO_CONFIG, default ~/.config/turnero/kiosk.ini)::

    [turnero]
    server = http://192.168.1.10:5000
    token = DEVICE_TOKEN

    [kiosk]
    printer = escpos-network:192.168.1.50   ; escpos-usb:0x04b8:0x0202, escpos-serial:/dev/ttyUSB0,
                                            ; qt, qt:PRINTER NAME, pdf:/var/tmp/tickets, none
    admin_pin = 4321                        ; staff exit: hold the top-left corner 3 s, then this PIN
    lang = es                               ; first language (default: the branch's)
    ticket_seconds = 20                     ; ticket screen, then welcome
    idle_seconds = 45                       ; an unfinished step with no touch, then welcome
    ask_phone = on                          ; offer SMS/WhatsApp updates
    scanner = off                           ; on: a QR scanner (USB, keyboard wedge) is fitted
    windowed = off

The command line (`--printer`, `--lang`, `--windowed`) beats the file; the PIN may
also come from the environment (TURNERO_ADMIN_PIN), never from the command line.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from turnero_qt.config import ClientConfig, ConfigError

from .i18n import LANGS
from .states import KioskSettings


@dataclass
class KioskOptions:
    printer: str = "none"
    admin_pin: str | None = None
    windowed: bool = False
    settings: KioskSettings = field(default_factory=KioskSettings)


def add_kiosk_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--printer", help="escpos-network:HOST[:PORT] | escpos-usb:VID:PID | "
                                          "escpos-serial:DEVICE[@BAUD] | qt[:NAME] | pdf:PATH | none")
    parser.add_argument("--lang", choices=LANGS, help="first language (default: the branch's)")
    parser.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")


def _seconds(cfg: ClientConfig, name: str, default: int) -> int:
    value = cfg.setting(name)
    if value is None:
        return default
    try:
        seconds = int(value)
    except ValueError:
        raise ConfigError(f"[kiosk] {name} must be a whole number of seconds, not {value!r}") from None
    if seconds < 3:
        raise ConfigError(f"[kiosk] {name} must be at least 3 seconds")
    return seconds


def kiosk_options(cfg: ClientConfig, args: argparse.Namespace | None = None,
                  environ: Mapping[str, str] | None = None) -> KioskOptions:
    environ = os.environ if environ is None else environ
    lang = getattr(args, "lang", None) or cfg.setting("lang")
    if lang is not None and lang not in LANGS:
        raise ConfigError(f"[kiosk] lang must be one of {', '.join(LANGS)}")
    pin = environ.get("TURNERO_ADMIN_PIN") or cfg.setting("admin_pin")
    if pin is not None and not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ConfigError("the admin PIN must be 4 to 12 digits")
    settings = KioskSettings(
        ticket_seconds=_seconds(cfg, "ticket_seconds", 20),
        fault_ticket_seconds=_seconds(cfg, "fault_ticket_seconds", 60),
        idle_seconds=_seconds(cfg, "idle_seconds", 45),
        ask_phone=cfg.flag("ask_phone", True),
        scanner=cfg.flag("scanner", False),
        lang=lang,
    )
    return KioskOptions(
        printer=getattr(args, "printer", None) or cfg.setting("printer") or "none",
        admin_pin=pin or None,
        windowed=bool(getattr(args, "windowed", False)) or cfg.flag("windowed", False),
        settings=settings,
    )
