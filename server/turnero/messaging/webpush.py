"""Sending one Web Push message (pywebpush: aes128gcm encryption for the browser's
keys, a VAPID header signed with the server's key).

`PushSender.send` returns the push service's id for the message, or raises:
- `Gone`: the subscription no longer exists (404, 410): it is deleted, never retried.
- `Rejected`: the push service refused it for good (another 4xx, a redirect).
- `Unavailable`: worth retrying (5xx, 429); and any other exception (a timeout, a
  dropped connection) is retried too: a push sent twice only shows again, with its tag.
"""
from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from .backends import Rejected, Unavailable
from .vapid import VapidKeys

log = logging.getLogger(__name__)

TIMEOUT_S = 10
JWT_HOURS = 12


class Gone(Rejected):
    pass


class PushSender:
    def __init__(self, keys: VapidKeys, contact: str, session_factory=requests.Session):
        self.vapid = Vapid02(keys.private_key)
        self.contact = contact
        self.session_factory = session_factory

    def send(self, *, endpoint: str, p256dh: str, auth: str, data: str, ttl: int, urgency: str) -> str:
        parts = urlsplit(endpoint)
        claims = {"sub": self.contact, "aud": f"{parts.scheme}://{parts.netloc}",
                  "exp": int(time.time()) + JWT_HOURS * 3600}
        session = self.session_factory()
        session.max_redirects = 0  # a push service answers; it never sends the message elsewhere
        try:
            response = webpush({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}, data=data,
                               vapid_private_key=self.vapid, vapid_claims=claims, ttl=ttl, timeout=TIMEOUT_S,
                               headers={"Urgency": urgency}, requests_session=session)
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (404, 410):
                raise Gone(f"push service: subscription gone ({status})", status) from None
            if status is not None and (status >= 500 or status == 429):
                raise Unavailable(f"push service answered {status}", status) from None
            raise Rejected(f"push service refused it ({status})", status) from None
        except requests.TooManyRedirects:
            raise Rejected("push service answered with a redirect") from None
        finally:
            session.close()
        return response.headers.get("Location", "")[-64:] or f"push-{response.status_code}"
