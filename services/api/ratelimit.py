"""Request rate limits per API key or user: fixed one-minute windows.

Two backends behind one interface: Redis for the cluster, where every API process shares the
counters, and a dictionary for the embedded mode's single process.
"""

from __future__ import annotations

import abc
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: int
    remaining: int


class RateLimiter(abc.ABC):
    def __init__(self, window_s: int = 60, clock: Callable[[], float] = time.time) -> None:
        self.window_s = window_s
        self._clock = clock

    def hit(self, subject: str, limit: int) -> Decision:
        """Count one request of ``subject`` in the current window and decide on it."""
        now = self._clock()
        window = int(now // self.window_s)
        count = self._increment(f"ratelimit:{subject}:{window}")
        retry_after = max(1, math.ceil((window + 1) * self.window_s - now))
        return Decision(count <= limit, retry_after, max(0, limit - count))

    @abc.abstractmethod
    def _increment(self, counter: str) -> int:
        """Add one to the counter, which expires after a window; returns its new value."""


class MemoryRateLimiter(RateLimiter):
    def __init__(self, window_s: int = 60, clock: Callable[[], float] = time.time) -> None:
        super().__init__(window_s, clock)
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def _increment(self, counter: str) -> int:
        now = time.monotonic()
        with self._lock:
            count, expires = self._counts.get(counter, (0, now + self.window_s))
            if expires <= now:
                count, expires = 0, now + self.window_s
            self._counts[counter] = (count + 1, expires)
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            return count + 1


# INCR and EXPIRE in one script, so a crash between them cannot leave a counter without expiry.
_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisRateLimiter(RateLimiter):
    def __init__(
        self, url: str, window_s: int = 60, clock: Callable[[], float] = time.time
    ) -> None:
        import redis

        super().__init__(window_s, clock)
        self._client = redis.Redis.from_url(url, socket_timeout=2.0)
        self._script = self._client.register_script(_INCREMENT)

    def _increment(self, counter: str) -> int:
        import redis

        try:
            return int(self._script(keys=[counter], args=[self.window_s]))
        except redis.RedisError as error:
            # Failing open keeps the API serving while Redis is away; requests go uncounted.
            log.warning("rate limit not applied to %s: Redis failed: %s", counter, error)
            return 0


def open_rate_limiter(redis_url: str) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
