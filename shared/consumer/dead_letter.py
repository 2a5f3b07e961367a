"""Dead-letter policies: what happens to a record that cannot be handled.

A policy is the last step for a failed record, separate from the retry step so that a stage can
swap it (publish and mark the asset failed; or, in tests, collect).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from shared.bus.base import MessageBus, Record
from shared.bus.topics import CONTRACT_VERSION
from shared.contracts.v1.assets_pb2 import DeadLetter
from shared.metrics import BUS_DEAD_LETTERED

log = logging.getLogger(__name__)


class DeadLetterPolicy(Protocol):
    def __call__(self, record: Record, asset_id: str, reason: str, attempts: int) -> None: ...


class PublishDeadLetter:
    """Publish a ``DeadLetter`` record to ``<topic>.dead-letter`` and tell ``on_failure``."""

    def __init__(
        self,
        bus: MessageBus,
        stage: str,
        group: str,
        on_failure: Callable[[str, str, str], None] | None = None,
    ) -> None:
        self._bus = bus
        self._stage = stage
        self._group = group
        self._on_failure = on_failure

    def __call__(self, record: Record, asset_id: str, reason: str, attempts: int) -> None:
        letter = DeadLetter(
            version=CONTRACT_VERSION,
            stage=self._stage,
            topic=record.topic,
            tenant_id=record.key,
            asset_id=asset_id,
            reason=reason,
            attempts=attempts,
            record=record.value,
        )
        self._bus.publish(f"{record.topic}.dead-letter", record.key, letter.SerializeToString())
        BUS_DEAD_LETTERED.labels(record.topic, self._group).inc()
        log.error(
            "dead-lettered record at %s offset %d: tenant=%s asset=%s stage=%s reason=%s",
            record.topic, record.offset, record.key, asset_id or "-", self._stage, reason,
        )
        if self._on_failure is not None:
            self._on_failure(record.key, asset_id, reason)
