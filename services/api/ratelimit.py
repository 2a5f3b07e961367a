"""Request rate limits per API key or user: fixed one-minute windows.

Two backends behind one interface: Redis for the cluster, where every API process shares the
counters, and a dictionary for the embedded mode's single process.
"""

from __future__ import annotations

import abc
import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: int
    remaining: int


class RateLimiter(abc.ABC):
    def __init__(self, window_s: int = 60) -> None:
        self.window_s = window_s

    def hit(self, subject: str, limit: int) -> Decision:
        """Count one request of ``subject`` in the current window and decide on it."""
        window = int(time.time() // self.window_s)
        count, ttl_s = self._increment(f"ratelimit:{subject}:{window}")
        retry_after = max(1, math.ceil(ttl_s))
        return Decision(count <= limit, retry_after, max(0, limit - count))

    @abc.abstractmethod
    def _increment(self, counter: str) -> tuple[int, float]:
        """Add one to the counter; returns its value and the seconds until it expires."""


class MemoryRateLimiter(RateLimiter):
    def __init__(self, window_s: int = 60) -> None:
        super().__init__(window_s)
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def _increment(self, counter: str) -> tuple[int, float]:
        now = time.monotonic()
        with self._lock:
            count, expires = self._counts.get(counter, (0, now + self.window_s))
            if expires <= now:
                count, expires = 0, now + self.window_s
            self._counts[counter] = (count + 1, expires)
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            return count + 1, expires - now


# INCR and EXPIRE in one script, so a crash between them cannot leave a counter without expiry.
_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
"""


class RedisRateLimiter(RateLimiter):
    def __init__(self, url: str, window_s: int = 60) -> None:
        import redis

        super().__init__(window_s)
        self._client = redis.Redis.from_url(url, socket_timeout=2.0)
        self._script = self._client.register_script(_INCREMENT)

    def _increment(self, counter: str) -> tuple[int, float]:
        count, ttl_ms = self._script(keys=[counter], args=[self.window_s])
        return int(count), max(int(ttl_ms), 0) / 1000.0


def open_rate_limiter(redis_url: str) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
