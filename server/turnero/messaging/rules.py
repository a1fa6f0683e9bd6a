"""Reading a text message: which command, in which language, with what argument.

Plain functions, no database: `parse("  Turnó caja ")` ->
`Command(name="join", arg="CAJA", lang="es")`. Case and accents are ignored.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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
