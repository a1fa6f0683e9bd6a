"""GET /api/v1/device: a kiosk or display learns its branch from its own token."""
from __future__ import annotations

import pytest


@pytest.fixture
def device_token(app):
    def _add(branch="centro", kind="display", name=""):
        from turnero.admin.users import add_device
        db = app.extensions["turnero.db"]
        with db.unit_of_work(write=True) as uow:
            _device, token = add_device(uow.session, branch, kind, name)
            uow.commit()
        return token
    return _add


def test_a_display_token_tells_its_kind_branch_and_name(client, device_token):
    token = device_token("centro", "display", "Sala de espera")
    r = client.get("/api/v1/device", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    body = r.get_json()
    assert (body["kind"], body["branch"], body["name"]) == ("display", "centro", "Sala de espera")


def test_a_kiosk_token_of_another_branch_tells_that_branch(client, device_token):
    token = device_token("norte", "kiosk")
    body = client.get("/api/v1/device", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (body["kind"], body["branch"]) == ("kiosk", "norte")


def test_without_a_token_it_is_401_problem_json(client):
    r = client.get("/api/v1/device")
    assert r.status_code == 401
    assert r.mimetype == "application/problem+json"
    assert "Bearer" in r.get_json()["detail"]


def test_an_unknown_token_is_401(client):
    r = client.get("/api/v1/device", headers={"Authorization": "Bearer not-a-device"})
    assert r.status_code == 401


def test_a_staff_token_is_403_translated(client, agent):
    r = client.get("/api/v1/device", headers={**agent, "Accept-Language": "es"})
    assert r.status_code == 403
    assert r.get_json()["detail"] == "Solo un quiosco o una pantalla registrados pueden hacer esto."


def test_the_endpoint_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/device"]


def test_a_new_secret_never_starts_with_a_dash_so_it_can_follow_an_option(monkeypatch):
    """CI once drew a token starting with "-": `turnero-kiosk --token -Xy...` read it as an option."""
    import secrets
    from turnero.access.services import new_secret
    drawn = iter(["-dash-first", "_fine"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda nbytes: next(drawn))
    assert new_secret() == "_fine"
