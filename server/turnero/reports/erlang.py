"""Counters needed for a target, by Erlang C (plain Python).

A line with Poisson arrivals at rate `rate` (per hour), exponential service times of
mean `aht` (hours) and `n` counters serving one queue (M/M/n). The offered traffic is
A = rate x aht erlangs. Erlang C is the probability that a customer waits at all:

    C(n, A) = (A^n / n!) (n / (n - A)) / (sum_{k<n} A^k / k! + (A^n / n!) (n / (n - A)))

and the share called within t is 1 - C(n, A) e^(-(n - A) t / aht). With n <= A the
line grows without end: nobody is sure to be called in time (share 0).
"""
from __future__ import annotations

import math


def erlang_c(n: int, traffic: float) -> float:
    """The probability of waiting with `n` counters and `traffic` erlangs offered."""
    if traffic <= 0:
        return 0.0
    if n <= traffic:
        return 1.0
    # Erlang B by its recurrence (stable for large n), then C from B.
    b = 1.0
    for k in range(1, n + 1):
        b = traffic * b / (k + traffic * b)
    return n * b / (n - traffic * (1 - b))


def share_within(n: int, rate: float, aht: float, wait: float) -> float:
    """The share of customers called within `wait` (same unit as `aht`)."""
    traffic = rate * aht
    if traffic <= 0:
        return 1.0
    if n <= traffic:
        return 0.0
    return 1 - erlang_c(n, traffic) * math.exp(-(n - traffic) * wait / aht)


def counters_needed(rate: float, aht: float, wait: float, share: float, most: int = 200) -> int:
    """The fewest counters whose share called within `wait` reaches `share` (0 when
    no one comes; `most` when even that many would not do)."""
    if rate <= 0 or aht <= 0:
        return 0
    n = max(1, math.floor(rate * aht) + 1)
    while n < most and share_within(n, rate, aht, wait) < share:
        n += 1
    return n
