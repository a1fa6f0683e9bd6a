"""Shared steps of the staff and admin page tests: read a page's CSRF token, sign in."""
from __future__ import annotations

import re

from conftest import DEMO_PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(client, url: str = "/staff/login") -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def sign_in(client, username: str = "agente", password: str = DEMO_PASSWORD) -> str:
    """Log in through the form; returns a CSRF token for the next requests."""
    token = csrf_of(client)
    r = client.post("/staff/login", data={"csrf_token": token, "username": username, "password": password})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return token


def make_user(app, username: str, role: str, branch: str | None, password: str = DEMO_PASSWORD) -> None:
    from turnero.admin.users import add_user as create_user
    with app.extensions["turnero.db"].unit_of_work(write=True) as uow:
        create_user(uow.session, username, role, password, branch)
        uow.commit()


def post_form(client, url: str, data: dict, **kwargs):
    """Post a page's form with the CSRF token that page carries."""
    return client.post(url, data={"csrf_token": csrf_of(client, url), **data}, **kwargs)

