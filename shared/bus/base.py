"""The message bus interface that the in-process bus and the Kafka bus both implement.

Records are keyed by tenant id so one tenant's records keep their order. Delivery is
at-least-once: a handler can see a record again after a crash or a retry, so every handler's
effect must be idempotent (an upsert keyed by asset id, never an append).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Record:
    topic: str
    key: str
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)
    offset: int = -1


BatchHandler = Callable[[Sequence[Record]], None]


class MessageBus(abc.ABC):
    """Publishes records and runs consumer groups over topics."""

    @abc.abstractmethod
    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
                ) -> None:
        """Send one record; returns once the bus has accepted it durably."""

    @abc.abstractmethod
    def subscribe(
        self,
        topic: str,
        group: str,
        handler: BatchHandler,
        *,
        max_batch: int = 1,
        max_wait_s: float = 0.0,
    ) -> None:
        """Register ``handler`` for ``topic`` in consumer group ``group``.

        The handler gets up to ``max_batch`` records, waiting at most ``max_wait_s`` for a batch
        to fill. A record counts as handled (committed) only after the handler returns.
        """

    @abc.abstractmethod
    def start(self) -> None:
        """Start delivering records to the subscribed handlers."""

    @abc.abstractmethod
    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop delivering; records in flight finish first."""

    @abc.abstractmethod
    def lag(self) -> dict[tuple[str, str], int]:
        """Records published but not yet committed, per (topic, group)."""

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Block until no consumer group has records left; returns False on timeout."""
        raise NotImplementedError
