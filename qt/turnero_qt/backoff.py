"""How long to wait before trying the server again."""
from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: first, first*factor, ... capped at `maximum` seconds.

    The jitter keeps a room full of devices from knocking all at the same instant
    after a server restart."""

    first: float = 0.5
    factor: float = 2.0
    maximum: float = 20.0
    jitter: float = 0.2  # +- this fraction

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (0 = the first retry)."""
        base = min(self.maximum, self.first * (self.factor ** max(0, attempt)))
        spread = base * self.jitter
        return max(0.0, base + random.uniform(-spread, spread))
