"""The production server: gevent's WSGI server with WebSockets, one process.

gevent's server writes headers and body as two segments; with Nagle's algorithm on,
keep-alive clients then wait ~40 ms for a delayed ACK on every response. Setting
TCP_NODELAY on each accepted socket removes that stall (see NOTES.md).
"""
from __future__ import annotations

import logging
import socket

from gevent.pywsgi import WSGIHandler, WSGIServer

from . import wsframes
from .extensions import socketio

log = logging.getLogger("turnero.serve")


class NoDelayServer(WSGIServer):
    def handle(self, sock, address):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not TCP (a Unix socket): nothing to tune
            pass
        super().handle(sock, address)


# Bodies up to this size leave in the same send as the headers.
ONE_SEND_MAX = 64 * 1024


class QuietHandler(WSGIHandler):
    """Access lines go to the `turnero.access` logger at DEBUG, not to stderr; and a
    small response leaves in one send.

    gevent sends the headers and then the body with two `sendall` calls: on a busy
    server that is a second system call and a second TCP segment for every API
    answer (measured: about a tenth of the server's time when issuing tickets). The
    header block below is built as gevent builds it (pywsgi `_write_with_headers`);
    a chunked or large body follows in sends of its own, as in gevent."""

    def log_request(self):
        access = logging.getLogger("turnero.access")
        if access.isEnabledFor(logging.DEBUG):
            access.debug(self.format_request())

    def _write_with_headers(self, data):
        self.headers_sent = True
        self.finalize_headers()
        towrite = bytearray(b"HTTP/1.1 ")
        towrite += self.status
        towrite += b"\r\n"
        for header, value in self.response_headers:
            towrite += header
            towrite += b": "
            towrite += value
            towrite += b"\r\n"
        towrite += b"\r\n"
        if data and len(data) <= ONE_SEND_MAX and not self.response_use_chunked:
            towrite += data
            self._sendall(towrite)
        else:
            self._sendall(towrite)
            self._write(data)


def run(app, host: str, port: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if app.config["TURNERO"].ASYNC_MODE == "gevent":
        wsframes.install(socketio.server.eio)  # a room's event framed once, written straight
    server = NoDelayServer((host, port), app, handler_class=QuietHandler, log=None, error_log=log)
    base = f"http://{host}:{port}"
    log.info("Turnero listening on %s (async mode %s)", base, app.config["TURNERO"].ASYNC_MODE)
    server.serve_forever()
