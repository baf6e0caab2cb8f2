"""Flood control per user: one user sending fifty messages a second cannot crowd out the rest.

Each user has a token bucket: `burst` messages at once, refilled at `per_minute`. A message that
finds the bucket empty is dropped; the first one of a flood gets a "slow down" note, the rest
are dropped silently until the user has been quiet long enough for the bucket to fill up again,
so a sustained flood earns one note, not one every few seconds. Buckets are per user and never
shared, so other users are never delayed. The clock is a parameter: tests drive it by hand.
Nothing here knows Telegram.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum

# Buckets idle long enough to be full again carry no information; forget them now and then.
_PRUNE_EVERY = 4096


class Verdict(Enum):
    """What to do with one message."""

    ALLOW = "allow"
    #: Over the limit, and the first time in this flood: drop it, but say "slow down".
    WARN = "warn"
    DROP = "drop"


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class Throttle:
    """Token buckets per key (a user id, or a user id and a kind of update)."""

    def __init__(
        self,
        burst: int,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or per_minute <= 0:
            raise ValueError("a throttle needs burst >= 1 and per_minute > 0")
        self.burst = burst
        self.per_second = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[Hashable, _Bucket] = {}
        self._checks = 0

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, key: Hashable) -> Verdict:
        """Take one token from *key*'s bucket, or say why not."""
        now = self._clock()
        self._checks += 1
        if self._checks % _PRUNE_EVERY == 0:
            self._prune(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        self._refill(bucket, now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.ALLOW
        if bucket.warned:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN

    def _refill(self, bucket: _Bucket, now: float) -> None:
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
        bucket.updated = now
        if bucket.tokens >= self.burst:
            bucket.warned = False  # quiet long enough: the next flood gets a note again

    def _prune(self, now: float) -> None:
        full = [
            key
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.per_second >= self.burst
        ]
        for key in full:
            del self._buckets[key]
