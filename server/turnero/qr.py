"""QR codes (the qrcode library) of tracking and joining links."""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import Response


def svg(data: str) -> bytes:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buf = io.BytesIO()
    image.save(buf)
    return buf.getvalue()


def svg_response(data: str) -> Response:
    response = Response(svg(data), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
