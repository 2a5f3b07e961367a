"""Rate limiting: the in-process and the Redis backend count the same way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.processes import free_port
from infra.redis_server import RedisServer
from services.api.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = RedisServer(Path(tmp_path_factory.mktemp("redis")), port=free_port())
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def _mid_window() -> float:
    """A clock fixed in the middle of a minute, so no test crosses into the next window."""
    return 1_800_000_030.0


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest) -> RateLimiter:
    if request.param == "memory":
        return MemoryRateLimiter(clock=_mid_window)
    limiter = RedisRateLimiter(request.getfixturevalue("redis_url"), clock=_mid_window)
    limiter._client.flushdb()
    return limiter


def test_limit_allows_then_rejects(limiter: RateLimiter) -> None:
    decisions = [limiter.hit("key:abc", limit=3) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert 1 <= decisions[-1].retry_after_s <= 60


def test_subjects_are_counted_apart(limiter: RateLimiter) -> None:
    assert limiter.hit("key:one", limit=1).allowed
    assert not limiter.hit("key:one", limit=1).allowed
    assert limiter.hit("key:two", limit=1).allowed


def test_redis_counters_are_shared_between_processes(redis_url: str) -> None:
    first = RedisRateLimiter(redis_url, clock=_mid_window)
    second = RedisRateLimiter(redis_url, clock=_mid_window)
    assert first.hit("user:shared", limit=2).allowed
    assert second.hit("user:shared", limit=2).allowed
    assert not first.hit("user:shared", limit=2).allowed


def test_memory_limiter_resets_each_window() -> None:
    now = [1_800_000_030.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    assert limiter.hit("key:w", limit=1).allowed
    assert not limiter.hit("key:w", limit=1).allowed
    now[0] += 60
    assert limiter.hit("key:w", limit=1).allowed


def test_unreachable_redis_lets_requests_through() -> None:
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/0", clock=_mid_window)
    decisions = [limiter.hit("key:away", limit=1) for _ in range(3)]
    assert all(d.allowed for d in decisions)
