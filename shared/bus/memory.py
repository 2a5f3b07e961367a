"""The in-process message bus of the embedded mode.

Each topic is an append-only list of records and each consumer group a committed offset into it,
with one worker thread per (topic, group), the same shape as a Kafka partition. Records live only
in memory: on start the services re-publish what their stores show as unfinished, so a restart
loses nothing that was stored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.bus.base import BatchHandler, MessageBus, Record
from shared.metrics import BUS_BATCH_SIZE, BUS_HANDLED, BUS_HANDLER_SECONDS, BUS_LAG

log = logging.getLogger(__name__)


@dataclass
class _Subscription:
    topic: str
    group: str
    handler: BatchHandler
    max_batch: int
    max_wait_s: float
    committed: int = 0
    thread: threading.Thread | None = None


@dataclass
class _Log:
    records: list[Record] = field(default_factory=list)


class InProcessBus(MessageBus):
    def __init__(self) -> None:
        self._logs: dict[str, _Log] = {}
        self._subscriptions: list[_Subscription] = []
        self._changed = threading.Condition()
        self._running = False

    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
                ) -> None:
        with self._changed:
            topic_log = self._logs.setdefault(topic, _Log())
            offset = len(topic_log.records)
            topic_log.records.append(Record(topic, key, value, dict(headers or {}), offset))
            self._changed.notify_all()

    def subscribe(
        self,
        topic: str,
        group: str,
        handler: BatchHandler,
        *,
        max_batch: int = 1,
        max_wait_s: float = 0.0,
    ) -> None:
        with self._changed:
            self._logs.setdefault(topic, _Log())
            subscription = _Subscription(topic, group, handler, max_batch, max_wait_s)
            self._subscriptions.append(subscription)
            if self._running:
                self._start_worker(subscription)

    def start(self) -> None:
        with self._changed:
            self._running = True
            for subscription in self._subscriptions:
                if subscription.thread is None:
                    self._start_worker(subscription)

    def stop(self, timeout_s: float = 10.0) -> None:
        with self._changed:
            self._running = False
            self._changed.notify_all()
        for subscription in self._subscriptions:
            if subscription.thread is not None:
                subscription.thread.join(timeout_s)
                subscription.thread = None

    def lag(self) -> dict[tuple[str, str], int]:
        with self._changed:
            return {
                (s.topic, s.group): len(self._logs[s.topic].records) - s.committed
                for s in self._subscriptions
            }

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while any(self.lag_locked().values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    def lag_locked(self) -> dict[tuple[str, str], int]:
        return {
            (s.topic, s.group): len(self._logs[s.topic].records) - s.committed
            for s in self._subscriptions
        }

    def _start_worker(self, subscription: _Subscription) -> None:
        thread = threading.Thread(
            target=self._run,
            args=(subscription,),
            name=f"bus-{subscription.topic}-{subscription.group}",
            daemon=True,
        )
        subscription.thread = thread
        thread.start()

    def _next_batch(self, subscription: _Subscription) -> Sequence[Record] | None:
        records = self._logs[subscription.topic].records
        with self._changed:
            while self._running and subscription.committed >= len(records):
                self._changed.wait(0.5)
            if not self._running:
                return None
            deadline = time.monotonic() + subscription.max_wait_s
            while (
                self._running
                and len(records) - subscription.committed < subscription.max_batch
                and (remaining := deadline - time.monotonic()) > 0
            ):
                self._changed.wait(remaining)
            end = min(len(records), subscription.committed + subscription.max_batch)
            return records[subscription.committed:end]

    def _run(self, subscription: _Subscription) -> None:
        labels = (subscription.topic, subscription.group)
        while True:
            batch = self._next_batch(subscription)
            if batch is None:
                return
            started = time.perf_counter()
            try:
                subscription.handler(batch)
            except Exception:
                # The handler chain dead-letters what it cannot handle; anything that still
                # escapes is a bug, so the batch is retried after a pause rather than skipped.
                log.exception(
                    "consumer %s on %s failed on offsets %d-%d; retrying",
                    subscription.group, subscription.topic, batch[0].offset, batch[-1].offset,
                )
                time.sleep(1.0)
                continue
            BUS_HANDLER_SECONDS.labels(*labels).observe(time.perf_counter() - started)
            BUS_BATCH_SIZE.labels(*labels).observe(len(batch))
            BUS_HANDLED.labels(*labels).inc(len(batch))
            with self._changed:
                subscription.committed = batch[-1].offset + 1
                BUS_LAG.labels(*labels, "0").set(
                    len(self._logs[subscription.topic].records) - subscription.committed
                )
                self._changed.notify_all()
