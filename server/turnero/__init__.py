"""Turnero: one shared turn-assignment model, many doors.

`create_app()` builds the Flask application; nothing is created at import time,
and importing the package stays light so `turnero serve` can patch the standard
library for gevent before Flask and the drivers are loaded.
"""


def create_app(overrides=None, environ=None):
    from .app import create_app as build
    return build(overrides, environ)


__all__ = ["create_app"]
