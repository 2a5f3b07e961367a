"""Readiness checks of a service process: are its broker, database, Redis and store reachable.

Each check returns the part of the /health body that ``services.api.app.create_app`` takes, with
``ready`` false and the error when the part cannot be reached.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from shared.bus.base import MessageBus
from shared.storage import ObjectStore

log = logging.getLogger(__name__)

Check = Callable[[], dict[str, object]]
_PROBE_KEY = "_health/probe"


# How long a health request waits for the broker, and how long a result is reused. Kafka's
# admin requests retry for up to 30 s while the broker is down (KafkaBus.lag), so the request
# runs in a thread of its own and the health request returns what it has within the wait.
BUS_CHECK_TIMEOUT_S = 1.5
BUS_CHECK_CACHE_S = 2.0


class _BusCheck:
    """The bus check: at most one lag request in flight, its result cached for a moment."""

    def __init__(self, bus: MessageBus, timeout_s: float, cache_s: float) -> None:
        self._bus = bus
        self._timeout_s = timeout_s
        self._cache_s = cache_s
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-bus")
        self._in_flight: Future[dict[str, object]] | None = None
        self._answer: dict[str, object] | None = None
        self._answered_at = 0.0

    def __call__(self) -> dict[str, object]:
        with self._lock:
            if self._answer is not None and time.monotonic() - self._answered_at < self._cache_s:
                return self._answer
            if self._in_flight is None:
                self._in_flight = self._pool.submit(self._request)
            in_flight = self._in_flight
        try:
            answer = in_flight.result(timeout=self._timeout_s)
        except FutureTimeout:
            log.warning("health: no response from the message bus within %.1f s", self._timeout_s)
            return {
                "ready": False,
                "error": f"the message bus did not answer within {self._timeout_s:.1f} s",
            }
        with self._lock:
            if self._in_flight is in_flight:
                self._in_flight = None
                self._answer, self._answered_at = answer, time.monotonic()
        return answer

    def _request(self) -> dict[str, object]:
        try:
            # On Kafka this requests offsets from the broker, so it fails while the broker is down.
            lag = sum(self._bus.lag().values())
        # kafka-python raises KafkaError subclasses and OSError; either means "not reachable".
        except Exception as error:
            log.warning("health: the message bus is not reachable: %s", error)
            return {"ready": False, "error": str(error)}
        return {"ready": True, "lag": lag}


def bus_check(
    bus: MessageBus, timeout_s: float = BUS_CHECK_TIMEOUT_S, cache_s: float = BUS_CHECK_CACHE_S
) -> Check:
    """Return a check that returns within ``timeout_s`` even while the broker is down."""
    return _BusCheck(bus, timeout_s, cache_s)


def redis_check(url: str, timeout_s: float = 1.0) -> Check:
    def check() -> dict[str, object]:
        client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        try:
            client.ping()
        except redis.RedisError as error:
            log.warning("health: Redis is not reachable: %s", error)
            return {"ready": False, "error": str(error)}
        finally:
            client.close()
        return {"ready": True}

    return check


def database_check(engine: Engine) -> Check:
    def check() -> dict[str, object]:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            log.warning("health: the database is not reachable: %s", error)
            return {"ready": False, "error": str(error).splitlines()[0]}
        return {"ready": True, "dialect": engine.dialect.name}

    return check


def store_check(objects: ObjectStore) -> Check:
    def check() -> dict[str, object]:
        # A write and a read back, because a mounted folder can be listed but read-only.
        key = f"{_PROBE_KEY}-{uuid.uuid4().hex}"
        try:
            objects.put(key, b"ok")
            readable = objects.get(key) == b"ok"
            objects.delete(key)
        except (OSError, KeyError) as error:
            log.warning("health: the object store is not writable: %s", error)
            return {"ready": False, "error": str(error)}
        return {"ready": readable}

    return check
