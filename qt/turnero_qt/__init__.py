"""turnero_qt: what the kiosk and display apps share. Mostly the widget-free part
that talks to the Turnero server (CONTRACT.md) over the network; also the few
pieces their screens share (turnero_qt.widgets, turnero_qt.qr) and the shape of an
app's build() (turnero_qt.app). It never imports the server package, nor the apps.

Everything here lives in the GUI thread and reports through Qt signals; nothing
blocks. The API below is stable: extend it, rename nothing.

Configuration  (turnero_qt.config)
    add_client_arguments(parser)          adds --server, --token, --branch, --config
    client_config(args, app="display")    -> ClientConfig(server, token, branch, app)
        order: command line > env TURNERO_SERVER / TURNERO_TOKEN / TURNERO_BRANCH >
        ini file (--config, env TURNERO_CONFIG, default ~/.config/turnero/APP.ini) with
        section [turnero] (server, token, branch) and section [APP] (the app's own
        settings: cfg.setting("name", default), cfg.flag("sound", True)).
        Raises ConfigError (English message for the installer) when server or token is missing.

REST  (turnero_qt.rest)
    rest = RestClient(server, token=None, lang=None, timeout=10.0, network=None)
        network: an injectable QNetworkAccessManager. `lang` sets Accept-Language, so
        the server's problem+json `detail` comes translated.
    every call returns a RestReply at once:
        reply.succeeded(data)   parsed JSON (dict/list) or None for 204
        reply.failed(ApiError)  ApiError(status, title, detail, errors, timeout);
                                status None (error.network) = server not reached / timed out
        reply.finished()        after either; then reply.status, .data, .error, .headers,
                                .replayed (Idempotent-Replayed), .idempotency_key; reply.abort()
    rest.get(path, params=None) / rest.post(path, body=None, idempotency_key=None, retries=0)
        path is under /api/v1. A POST is retried (network error, 502/503/504, with
        backoff) only when it has an idempotency key.
    rest.device()                                     GET /device -> {"id","kind","branch","name"}
    rest.branches(); rest.branch(slug, lang=None)     GET /branches[/{slug}]
    rest.take_ticket(branch, service, phone=None, name=None, priority=False, lang=None,
                     channel=None, idempotency_key=None, retries=2)
        always sends an Idempotency-Key (new_idempotency_key() unless given; read it
        back from reply.idempotency_key to retry by hand with the same one).
    rest.ticket(token); rest.cancel_ticket(token)
    rest.check_in(branch, code=None, phone=None, idempotency_key=None, retries=2)
    rest.reachability_changed(bool)   False after a request could not reach the server,
                                      True on the next answer of any kind.
    rest.server_now() -> aware UTC datetime: the local clock corrected by the HTTP Date
        of the latest answer (rest.clock_offset seconds; None, and the local clock, until
        the server has answered once).
    new_idempotency_key() -> str

Real time  (turnero_qt.realtime)
    rt = RealtimeClient(server, token=None, branch=None, lang=None, backoff=Backoff(),
                        transport_factory=SocketIOTransport, call_timeout=10.0, gap_wait=1.0)
    rt.start() / rt.stop()        background thread (python-socketio); stop() joins it
    rt.set_branch(slug); rt.watch_ticket(token); rt.unwatch_ticket(token); rt.resync()
    rt.online, rt.seq, rt.state (the last branch.state)
    signals (GUI thread):
        branch_state(state, how)  every branch.state in seq order; how = "event", or for a
                                  snapshot "subscribe" | "reconnect" | "resync"
        called(call)              each ticket.called once, in seq order; calls made while
                                  offline are only in the reconnect snapshot (not "called")
        ticket_updated(ticket)    watched ticket: its snapshot, then every ticket.update
        ticket_failed(token, msg); subscribe_failed(msg)
        online_changed(bool)      True = connected AND subscribed with a fresh snapshot
    Events with seq <= the last are dropped; a missing seq not filled within gap_wait
    seconds -> resubscribe and take the snapshot; lost connection -> reconnect with
    backoff -> snapshot ("reconnect").
    Tests may pass transport_factory=lambda: MyTransport() (a SocketIOTransport subclass
    overriding handle_event(name, data) or connect(...)).

One object for a device  (turnero_qt.link)
    link = DeviceLink(server, token, kind="display"|"kiosk"|None, branch=None, lang=None,
                      backoff=None, rest=None, realtime=None)
    link.start() / link.stop(); link.rest, link.realtime, link.device, link.branch, link.online
    link.watch_ticket(token) / link.unwatch_ticket(token)   as RealtimeClient's
    link.server_now()                                        as RestClient's
    signals (turnero_qt.link.LinkSignals): device_known(device), branch_changed(detail)
    (GET /branches/{b}, re-fetched after each snapshot), branch_state(state, how),
    called(call), ticket_updated(ticket), online_changed(bool), failed(message) (token
    refused / wrong kind; it keeps retrying).
    link.attach(listener): each signal to the listener's on_<signal> slot, where it has one.
    Asks GET /device (retrying with backoff while the server is unreachable), then
    follows that branch.

Backoff(first=0.5, factor=2.0, maximum=20.0, jitter=0.2).delay(attempt) -> seconds

parse_server_time(text) -> aware datetime or None  (turnero_qt.times; Qt-free)
    The server's ISO times ("...Z", "+00:00"; no offset means UTC).

Shared by the apps' screens
    turnero_qt.widgets: readable_on(color) (white or near-black #111, the larger WCAG
        contrast), contrast(a, b), FitLabel(cap, weight, floor=, fill=) (one line whose
        type fits its width), fit_px(...), set_px(widget, px, weight)
    turnero_qt.qr: qr_matrix(content) (the modules, no quiet zone)
    turnero_qt.app: DeviceApp(link, window) with start()/stop(), what build() returns
"""
from .backoff import Backoff
from .config import ClientConfig, ConfigError, add_client_arguments, client_config
from .link import DeviceLink
from .pairing import PairingError, pair_if_asked
from .realtime import BranchFeed, RealtimeClient, SocketIOTransport
from .rest import ApiError, RestClient, RestReply, new_idempotency_key
from .times import parse_server_time

__all__ = ["PairingError", "pair_if_asked", "Backoff", "ClientConfig", "ConfigError", "add_client_arguments", "client_config", "DeviceLink",
           "BranchFeed", "RealtimeClient", "SocketIOTransport", "ApiError", "RestClient", "RestReply",
           "new_idempotency_key", "parse_server_time"]
