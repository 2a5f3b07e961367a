"""Readiness checks of a service process: is its broker, database and object store reachable.

Each check returns the part of the /health body that ``services.api.app.create_app`` takes, with
``ready`` false and the error when the part cannot be reached.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from shared.bus.base import MessageBus
from shared.storage import ObjectStore

log = logging.getLogger(__name__)

Check = Callable[[], dict[str, object]]
_PROBE_KEY = "_health/probe"


def bus_check(bus: MessageBus) -> Check:
    def check() -> dict[str, object]:
        try:
            # On Kafka this requests offsets from the broker, so it fails while the broker is down.
            # NOTE: KafkaBus.lag() retries retriable broker errors for up to 30 s, so a health
            # request can block that long before it reports the broker as unreachable.
            lag = sum(bus.lag().values())
        # kafka-python raises KafkaError subclasses and OSError; either means "not reachable".
        except Exception as error:
            log.warning("health: the message bus is not reachable: %s", error)
            return {"ready": False, "error": str(error)}
        return {"ready": True, "lag": lag}

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
