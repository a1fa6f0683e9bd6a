"""Shared steps of the browser tests (Playwright on Debian's Chromium)."""
from __future__ import annotations

import re

from conftest import screenshot
from playwright.sync_api import expect


def sign_in(page, live, username: str = "agente", password: str | None = None, shot: str | None = None) -> None:
    """Log in through the staff login page, as staff do, and land on the counter picker."""
    page.goto(f"{live.url}/staff/login")
    page.get_by_label(re.compile("Usuario|Username")).fill(username)
    page.get_by_label(re.compile("Contraseña|Password")).fill(password or live.password)
    if shot:
        screenshot(page, shot)
    page.get_by_role("button", name=re.compile("^(Iniciar sesión|Log in)$")).click()
    expect(page.locator("h1")).to_have_text(re.compile("Elija su ventanilla|Choose your counter"))
