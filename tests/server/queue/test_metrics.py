"""/metrics counts what was committed, whatever the door: a ticket taken by the REST
API, the join page, SMS or a phone call is one `turnero_tickets_issued_total` of its
channel; a replayed request or a refused one counts nothing; a call counts once."""
import re

from prometheus_client import CONTENT_TYPE_LATEST
from twilio_helpers import call, cheap_password_hashing, text  # noqa: F401

API = "/api/v1"


def counted(client, name: str, **labels) -> float:
    body = client.get("/metrics").get_data(as_text=True)
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    found = re.search(rf"^{name}\{{{re.escape(wanted)}\}} ([0-9.e+]+)$", body, re.M)
    return float(found.group(1)) if found else 0.0


def test_every_channel_counts_its_tickets_once(app, client, agent, open_counter):
    before = {ch: counted(client, "turnero_tickets_issued_total", branch="centro", channel=ch)
              for ch in ("web", "sms", "voice")}
    called_before = counted(client, "turnero_tickets_called_total", branch="centro")

    key = {"Idempotency-Key": "metrics-1"}
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}, headers=key).status_code == 201
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "caja"}, headers=key).status_code == 201
    assert client.post(f"{API}/branches/centro/tickets", json={"service": "nope"}).status_code == 404
    page = client.get("/b/centro/join").get_data(as_text=True)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    assert client.post("/b/centro/join", data={**hidden, "service": "caja"}).status_code == 303
    assert "A003" in text(client, app, "TURNO caja")
    call(client, app, sender="+525599990000", step="menu", digits="1")

    def grew(channel):
        return counted(client, "turnero_tickets_issued_total", branch="centro", channel=channel) - before[channel]
    assert (grew("web"), grew("sms"), grew("voice")) == (2, 1, 1)

    open_counter("v1")
    assert client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent).status_code == 200
    r = client.post(f"{API}/branches/centro/counters/v1/call-next", headers=agent)
    client.post(f"{API}/tickets/{r.get_json()['id']}/recall", headers=agent)  # a recall is not a new call
    assert counted(client, "turnero_tickets_called_total", branch="centro") - called_before == 2


def test_metrics_are_prometheus_text_outside_the_api_document(client):
    """Found by fuzzing the OpenAPI document: /metrics was listed there as JSON, and its
    Content-Type said its charset twice."""
    assert client.get("/metrics").headers["Content-Type"] == CONTENT_TYPE_LATEST
    assert "/metrics" not in client.get(f"{API}/openapi.json").get_json()["paths"]
