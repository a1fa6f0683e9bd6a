"""The production server: gevent's WSGI server with WebSockets, one process.

gevent's server writes headers and body as two segments; with Nagle's algorithm on,
keep-alive clients then wait ~40 ms for a delayed ACK on every response. Setting
TCP_NODELAY on each accepted socket removes that stall (see NOTES.md).
"""
from __future__ import annotations

import logging
import socket

from gevent.pywsgi import WSGIHandler, WSGIServer

log = logging.getLogger("turnero.serve")


class NoDelayServer(WSGIServer):
    def handle(self, sock, address):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not TCP (a Unix socket): nothing to tune
            pass
        super().handle(sock, address)


class QuietHandler(WSGIHandler):
    """Access lines go to the `turnero.access` logger at DEBUG, not to stderr."""

    def log_request(self):
        access = logging.getLogger("turnero.access")
        if access.isEnabledFor(logging.DEBUG):
            access.debug(self.format_request())


def run(app, host: str, port: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = NoDelayServer((host, port), app, handler_class=QuietHandler, log=None, error_log=log)
    base = f"http://{host}:{port}"
    log.info("Turnero listening on %s (async mode %s)", base, app.config["TURNERO"].ASYNC_MODE)
    server.serve_forever()
