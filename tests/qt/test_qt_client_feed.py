"""BranchFeed and the client's configuration, without a server."""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from turnero_qt import BranchFeed, ConfigError, add_client_arguments, client_config  # noqa: E402
from turnero_qt.backoff import Backoff  # noqa: E402


def state(seq, *codes):
    return {"branch": "centro", "seq": seq, "services": [], "calling": [{"code": c} for c in codes]}


def call(seq, code):
    return {"branch": "centro", "seq": seq, "code": code, "counter": {"id": "v1", "name": "Ventanilla 1"}}


def synced(seq=10):
    feed = BranchFeed()
    feed.snapshot(state(seq), raise_floor=True)
    return feed


def kinds(outputs):
    return [(kind, payload["seq"]) for kind, payload in outputs]


def test_events_in_order_pass_through():
    feed = synced(10)
    assert kinds(feed.event("ticket.called", call(11, "A1"))) == [("called", 11)]
    assert kinds(feed.event("branch.state", state(11))) == [("state", 11)]
    assert feed.seq == 11 and not feed.has_hole


def test_repeats_and_old_events_are_dropped():
    feed = synced(10)
    assert feed.event("branch.state", state(10)) == []
    feed.event("ticket.called", call(11, "A1"))
    feed.event("branch.state", state(11))
    assert feed.event("ticket.called", call(11, "A1")) == []
    assert feed.event("branch.state", state(11)) == []


def test_swapped_events_are_put_back_in_order():
    feed = synced(10)
    assert feed.event("branch.state", state(12)) == []
    assert feed.has_hole
    out = feed.event("branch.state", state(11))
    assert kinds(out) == [("state", 11), ("state", 12)]
    assert not feed.has_hole


def test_a_call_whose_state_overtook_it_is_still_delivered_once():
    feed = synced(10)
    assert kinds(feed.event("branch.state", state(11, "A1"))) == [("state", 11)]
    assert kinds(feed.event("ticket.called", call(11, "A1"))) == [("called", 11)]
    assert feed.event("ticket.called", call(11, "A1")) == []


def test_calls_of_a_burst_come_out_in_seq_order_whatever_the_arrival():
    feed = synced(10)
    out = []
    for seq in (13, 12, 11):
        out += feed.event("ticket.called", call(seq, f"A{seq}"))
    for seq in (12, 13, 11):
        out += feed.event("branch.state", state(seq))
    assert [p["seq"] for kind, p in out if kind == "called"] == [11, 12, 13]
    assert [p["seq"] for kind, p in out if kind == "state"] == [11, 12, 13]


def test_a_hole_stays_until_resync_and_events_wait_during_the_subscribe():
    feed = synced(10)
    feed.event("branch.state", state(12))
    assert feed.has_hole
    feed.begin_sync()
    assert feed.event("branch.state", state(13)) == []      # held during the subscribe
    out = feed.snapshot(state(12), raise_floor=False)
    assert kinds(out) == [("state", 12), ("state", 13)]
    assert not feed.has_hole and feed.seq == 13


def test_a_resync_snapshot_still_delivers_a_late_call_but_a_reconnect_does_not():
    feed = synced(10)
    feed.event("branch.state", state(12))
    feed.begin_sync()
    feed.event("ticket.called", call(11, "A1"))
    out = feed.snapshot(state(12, "A1"), raise_floor=False)
    assert ("called", 11) in kinds(out)

    feed = synced(10)
    feed.reset()   # offline
    feed.begin_sync()
    feed.event("ticket.called", call(11, "A1"))
    out = feed.snapshot(state(12, "A1"), raise_floor=True)
    assert kinds(out) == [("state", 12)]


def test_backoff_grows_and_is_capped():
    backoff = Backoff(first=1, factor=2, maximum=5, jitter=0)
    assert [backoff.delay(n) for n in range(5)] == [1, 2, 4, 5, 5]


def parse(*argv):
    parser = argparse.ArgumentParser()
    add_client_arguments(parser)
    return parser.parse_args(argv)


def test_config_command_line_beats_environment_beats_ini(tmp_path):
    ini = tmp_path / "display.ini"
    ini.write_text("[turnero]\nserver = http://file:1\ntoken = filetoken\n\n[display]\nsound = off\n")
    env = {"TURNERO_CONFIG": str(ini)}
    cfg = client_config(parse(), app="display", environ=env)
    assert (cfg.server, cfg.token, cfg.flag("sound", True)) == ("http://file:1", "filetoken", False)
    cfg = client_config(parse(), app="display", environ={**env, "TURNERO_TOKEN": "envtoken"})
    assert cfg.token == "envtoken"
    cfg = client_config(parse("--server", "http://cli:2/", "--token", "clitoken"), app="display", environ=env)
    assert (cfg.server, cfg.token) == ("http://cli:2", "clitoken")


def test_config_says_what_is_missing(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        client_config(parse(), app="display", environ={"TURNERO_CONFIG": str(tmp_path / "none.ini")})
    empty = tmp_path / "empty.ini"
    empty.write_text("")
    with pytest.raises(ConfigError, match="server"):
        client_config(parse("--config", str(empty)), app="display", environ={})
    with pytest.raises(ConfigError, match="token"):
        client_config(parse("--server", "http://x", "--config", str(empty)), app="display", environ={})
    with pytest.raises(ConfigError, match="http"):
        client_config(parse("--server", "x:5000", "--token", "t", "--config", str(empty)), app="display",
                      environ={})
