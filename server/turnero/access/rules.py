"""Plain rules of device access: the shape of a pairing code, and whether a device is
online. No Flask, no database: tested alone.

A pairing code is 8 characters from 30 that cannot be mistaken for one another (no
0/O, 1/I/L, U/V: no 0, O, 1, I, L or U), shown as "ABCD-EFGH". Its first LOOKUP_LEN characters find the
codes it may have been meant for; a wrong try that shares them counts against that
code, and MAX_ATTEMPTS wrong tries burn it. With the remaining 5 characters (30^5, 24
million) and a handful of tries per code, guessing one is hopeless even from many
addresses, and each address is limited besides.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30: no 0 O 1 I L U
CODE_LEN = 8
LOOKUP_LEN = 3
MAX_ATTEMPTS = 5
CODE_LIFETIME = timedelta(minutes=10)
# What a person typed: anything but letters and digits (spaces, dashes) is dropped.
_NOT_CODE = re.compile(r"[^0-9A-Z]")

# A device is online while it holds a live connection, or when it used its token
# this recently; its last sighting is written at most once per SEEN_EVERY.
ONLINE_WITHIN = timedelta(minutes=2)
SEEN_EVERY = timedelta(seconds=60)


def new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    return "".join(choice(ALPHABET) for _ in range(CODE_LEN))


def normalize(typed: str) -> str | None:
    """The code a person typed ("abcd efgh", "ABCD-EFGH"), or None when it cannot be one."""
    code = _NOT_CODE.sub("", typed.upper()[:40])
    if len(code) != CODE_LEN or any(c not in ALPHABET for c in code):
        return None
    return code


def grouped(code: str) -> str:
    """"ABCDEFGH" -> "ABCD-EFGH" (easier to read out and type)."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def lookup(code: str) -> str:
    return code[:LOOKUP_LEN]


def is_online(now: datetime, last_seen: datetime | None, connected: bool) -> bool:
    return connected or (last_seen is not None and now - last_seen <= ONLINE_WITHIN)


def seen_long_ago(now: datetime, last_seen: datetime | None) -> bool:
    """Whether a use of the token should be written down (at most once per SEEN_EVERY)."""
    return last_seen is None or now - last_seen >= SEEN_EVERY


def minutes_since(now: datetime, then: datetime) -> int:
    return max(0, int((now - then).total_seconds() // 60))
