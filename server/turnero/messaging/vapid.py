"""The server's VAPID key pair (RFC 8292): it signs every Web Push request, and its
public half is the "application server key" a browser subscribes with.

The private key lives in the instance folder (`vapid_private.pem`, mode 0600), never in
the repository. It is made by `turnero db upgrade`, or on first use; processes sharing
an instance folder race safely (the file appears whole or not at all). Rotating it
(delete the file, restart) makes every existing subscription useless: browsers
subscribed with the old public key must subscribe again.
"""
from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

KEY_FILE = "vapid_private.pem"


@dataclass(frozen=True)
class VapidKeys:
    private_pem: bytes
    public_key: str  # base64url (no padding) of the uncompressed P-256 point: 87 characters

    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey:
        return serialization.load_pem_private_key(self.private_pem, password=None)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _public(private: ec.EllipticCurvePrivateKey) -> str:
    return b64url(private.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint))


def ensure_keys(instance_path: str | os.PathLike) -> VapidKeys:
    """The key pair of this instance, made (0600) when there is none yet."""
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        temp = path.with_name(f".{KEY_FILE}.{secrets.token_hex(6)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
            try:
                os.link(temp, path)  # fails when another process made it first: theirs is kept
            except FileExistsError:
                pass
        finally:
            temp.unlink(missing_ok=True)
    pem = path.read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
        raise ValueError(f"{path} is not a P-256 private key")
    return VapidKeys(pem, _public(private))


def keys(app) -> VapidKeys:
    """The app's key pair, read once per process."""
    found = app.extensions.get("turnero.vapid")
    if found is None:
        found = app.extensions["turnero.vapid"] = ensure_keys(app.instance_path)
    return found
