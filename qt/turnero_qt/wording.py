"""Wording of what the server computed, shared by the kiosk and the display.

Each app keeps its own string table; it hands its `text(key, lang, **params)`
lookup here, which needs the keys wait.none, wait.upto, wait.range, wait.about_upto,
wait.about_range, wait.minutes, wait.hours and wait.hours_minutes.
"""
from __future__ import annotations

from collections.abc import Callable

Text = Callable[..., str]


def minutes(n: int, lang: str | None, text: Text) -> str:
    """90 -> "1 h 30 min" (in the app's words)."""
    if n < 60:
        return text("wait.minutes", lang, n=n)
    hours, rest = divmod(n, 60)
    return text("wait.hours", lang, h=hours) if rest == 0 else text("wait.hours_minutes", lang, h=hours, m=rest)


def service_wait(service: dict, lang: str | None, text: Text) -> str:
    """A line's wait: the server's range, or "no one is serving now" when no counter
    serving it is open (as the server's pages say)."""
    if service.get("serving") == 0:
        return text("wait.no_one_serving", lang)
    return wait_range(service.get("eta"), lang, text)


def wait_range(eta: dict | None, lang: str | None, text: Text) -> str:
    """`{"low_min": 4, "high_min": 9, "about_min": 6}` -> "about 6 min (4 – 9)": the
    server's wait in words (as its pages write it), never computed here. Without an
    "about" (or one of 0: called any moment), the range alone: "4 – 9 min"."""
    if not eta:
        return ""
    low, high = int(eta.get("low_min") or 0), int(eta.get("high_min") or 0)
    about = int(eta.get("about_min") or 0)
    if high <= 0:
        return text("wait.none", lang)
    if about > 0:
        # In the brackets the unit is said once, by the "about", unless an hour is in them.
        bare = high < 60
        return text("wait.about_upto" if low <= 0 else "wait.about_range", lang, about=minutes(about, lang, text),
                    low=low if bare else minutes(low, lang, text), high=high if bare else minutes(high, lang, text))
    if low <= 0:
        return text("wait.upto", lang, high=minutes(high, lang, text))
    if high < 60:
        return text("wait.range", lang, low=low, high=minutes(high, lang, text))
    return text("wait.range", lang, low=minutes(low, lang, text), high=minutes(high, lang, text))
