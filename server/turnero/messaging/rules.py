"""Reading a text message: which command, in which language, with what argument.

Plain functions, no database: `parse("  Turnó caja ")` ->
`Command(name="join", arg="CAJA", lang="es")`. Case and accents are ignored.
"""
from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

# Keyword -> (command, language it is written in; None when it is the same in both).
KEYWORDS: dict[str, tuple[str, str | None]] = {
    "TURNO": ("join", "es"), "JOIN": ("join", "en"),
    "ESTADO": ("status", "es"), "STATUS": ("status", "en"),
    "CANCELAR": ("cancel", "es"), "CANCEL": ("cancel", "en"),
    "LLEGUE": ("here", "es"), "HERE": ("here", "en"),
    "TARDE": ("late", "es"), "LATE": ("late", "en"),
    "AYUDA": ("help", "es"), "HELP": ("help", "en"),
    "STOP": ("stop", None), "START": ("start", None),
    "SI": ("yes", "es"), "YES": ("yes", "en"),
    "CITA": ("appointment", "es"), "APPOINTMENT": ("appointment", "en"), "BOOK": ("appointment", "en"),
    # Where the number's messages go from now on.
    "WHATSAPP": ("by_whatsapp", None), "SMS": ("by_sms", None),
}
# What is read of a message: commands are short; the rest is not looked at.
MAX_READ = 160
_SPACES = re.compile(r"\s+")
_TRIM = re.compile(r"^[^\w]+|[^\w]+$")


@dataclass(frozen=True)
class Command:
    name: str  # join | status | cancel | yes | here | late | help | stop | start | appointment | by_whatsapp | by_sms
    #            | digit | unknown | empty
    arg: str = ""
    lang: str | None = None


def fold(text: str) -> str:
    """Upper case, without accents, single spaces: how commands and names are compared."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare).strip().upper()


def parse(body: str) -> Command:
    text = fold((body or "")[:MAX_READ])
    if not text:
        return Command("empty")
    first, _, rest = text.partition(" ")
    first = _TRIM.sub("", first)
    rest = _TRIM.sub("", rest.strip())
    if first.isdigit() and not rest:
        return Command("digit", first)
    if first in KEYWORDS:
        name, lang = KEYWORDS[first]
        return Command(name, rest, lang)
    return Command("unknown", text)


def match_service(asked: str, services) -> object | None:
    """The service a customer named: its slug, its letter, or its name (or the start
    of it) in either language. None when nothing, or more than one, fits."""
    wanted = fold(asked)
    if not wanted:
        return None
    exact = [s for s in services if wanted in (fold(s.slug), fold(s.prefix), fold(s.name_es), fold(s.name_en))]
    if len(exact) == 1:
        return exact[0]
    if len(wanted) >= 3:
        starts = [s for s in services
                  if any(fold(n).startswith(wanted) for n in (s.slug, s.name_es, s.name_en))]
        if len(starts) == 1:
            return starts[0]
    return None


# ---------------------------------------------------------------- Web Push

# The hosts of the browsers' push services (Chrome/Android, Firefox, Safari, Edge): a
# subscription's endpoint must be on one of them, so the server posts to nowhere else.
PUSH_SERVICES = ("fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com", "notify.windows.com")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def push_endpoint_allowed(endpoint: str, services: tuple[str, ...], allow_local: bool) -> bool:
    """Whether the server may post to this push endpoint: https on a push service's host
    (the host or a subdomain of it; "*" in `services`: any host named, no address), or,
    only when `allow_local` (tests, development), http(s) on this machine."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError:
        return False
    if parts.username or parts.password or not host:
        return False
    if host in LOCAL_HOSTS:
        return allow_local and parts.scheme in ("http", "https")
    if parts.scheme != "https":
        return False
    if "*" in services:
        return not _is_ip(host) and "." in host
    return any(host == s or host.endswith("." + s) for s in services)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
