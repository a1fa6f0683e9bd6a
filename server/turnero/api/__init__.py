"""The REST door: parse, call one use case, map its errors to problem+json."""
from .routes import api

__all__ = ["api"]
