"""Behind a reverse proxy (TURNERO_PROXY_HOPS), rate limits count each customer's
address from X-Forwarded-For; without it, the header is not trusted."""
from __future__ import annotations

import pytest
from conftest import make_app


@pytest.mark.parametrize("hops, other_address_limited", [(1, False), (0, True)])
def test_login_limit_counts_the_forwarded_address_only_behind_a_proxy(sqlite_url, tmp_path,
                                                                      hops, other_address_limited):
    app = make_app(sqlite_url, tmp_path, LOGIN_RATE_LIMIT="2 per minute", PROXY_HOPS=hops)
    client = app.test_client()

    def login(address: str) -> int:
        return client.post("/api/v1/auth/token", json={"username": "nobody", "password": "wrong-password"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [login("203.0.113.7") for _ in range(3)] == [401, 401, 429]
    assert (login("198.51.100.20") == 429) is other_address_limited
    app.extensions["turnero.db"].dispose()


def test_an_uncounted_proxy_is_reported_once(sqlite_url, tmp_path, caplog, monkeypatch):
    monkeypatch.setattr("turnero.web._proxy_warned", False)
    app = make_app(sqlite_url, tmp_path, PROXY_HOPS=0)
    client = app.test_client()
    with caplog.at_level("WARNING", logger="turnero.web"):
        client.get("/healthz")
        assert not caplog.records
        for _ in range(3):
            client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    (record,) = caplog.records
    assert "TURNERO_PROXY_HOPS is 0" in record.getMessage() and "203.0.113.7" in record.getMessage()
    app.extensions["turnero.db"].dispose()
