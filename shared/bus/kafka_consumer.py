"""One consumer-group member of the Kafka bus: poll a batch, run the handler, commit.

Committing is the last step, after the handler has returned, so a record counts as handled only
once its effect is stored. What can make a record arrive twice, and never be lost:

- The handler raises: the consumer seeks back to the batch's first offsets and the batch is
  delivered again after a pause, as the in-process bus does.
- The handler takes longer than ``max_poll_interval_s``: kafka-python's heartbeat thread leaves the
  group, the broker gives the partitions to another member, and that member starts from the last
  committed offset. The slow handler still finishes its batch, but the commit fails (the member
  is no longer in the group) and is skipped, so the new owner handles those records too.
- A rebalance while a batch is being collected: the records of revoked partitions are dropped
  from the batch unhandled, and their new owner fetches them from the committed offset. When the
  new owner is this member, it seeks back to them itself (``_seek_back_kept``).

Handlers are idempotent (upserts keyed by asset id), so the end state contains every effect once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kafka import ConsumerRebalanceListener, KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import (
    CommitFailedError,
    KafkaError,
    KafkaTimeoutError,
    RebalanceInProgressError,
)

from shared.bus.base import BatchHandler, Record
from shared.metrics import BUS_BATCH_SIZE, BUS_HANDLED, BUS_HANDLER_SECONDS, BUS_LAG
from shared.settings import BusSettings

log = logging.getLogger(__name__)

# Pause before a batch whose handler raised is delivered again, as in the in-process bus.
RETRY_PAUSE_S = 1.0
# The Java client's default. kafka-python's default of 30 s can leave a client idle for half a
# minute after a broker comes back.
RECONNECT_BACKOFF_MAX_MS = 1000
METADATA_MAX_AGE_MS = 10_000


@dataclass(frozen=True)
class Subscription:
    topic: str
    group: str
    handler: BatchHandler
    max_batch: int
    max_wait_s: float


class _RevocationListener(ConsumerRebalanceListener):
    """Collects the partitions that a rebalance takes away, for the batch being collected."""

    def __init__(self, subscription: Subscription) -> None:
        self._subscription = subscription
        self.revoked: set[TopicPartition] = set()

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        self.revoked.update(revoked)
        log.info(
            "group %s gave up partitions %s of %s", self._subscription.group,
            sorted(tp.partition for tp in revoked), self._subscription.topic,
        )

    def on_partitions_lost(self, lost: Iterable[TopicPartition]) -> None:
        self.on_partitions_revoked(lost)

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        log.info(
            "group %s took partitions %s of %s", self._subscription.group,
            sorted(tp.partition for tp in assigned), self._subscription.topic,
        )


def _partition(record: ConsumerRecord) -> TopicPartition:
    return TopicPartition(record.topic, record.partition)


def _to_record(record: ConsumerRecord) -> Record:
    return Record(
        topic=record.topic,
        key=(record.key or b"").decode(),
        value=record.value,
        headers={name: value.decode() for name, value in record.headers or []},
        offset=record.offset,
    )


class GroupConsumer:
    """A thread that runs one subscription's handler as a member of its consumer group."""

    def __init__(
        self,
        settings: BusSettings,
        subscription: Subscription,
        on_commit: Callable[[], None],
    ) -> None:
        self._subscription = subscription
        self._settings = settings
        self._on_commit = on_commit
        self._stopping = threading.Event()
        self._listener = _RevocationListener(subscription)
        # Created here, on the caller's thread, so that an unreachable broker fails start().
        self._consumer = KafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers.split(","),
            client_id=f"{settings.client_id}-{subscription.group}",
            group_id=subscription.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            allow_auto_create_topics=False,
            max_poll_records=subscription.max_batch,
            session_timeout_ms=int(settings.session_timeout_s * 1000),
            heartbeat_interval_ms=max(100, int(settings.session_timeout_s * 1000 / 3)),
            max_poll_interval_ms=int(settings.max_poll_interval_s * 1000),
            reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
            # A group whose leader assigned partitions before it saw the topic rejoins at the
            # next metadata refresh, which kafka-python's default puts 5 minutes away.
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
        )
        self._consumer.subscribe([subscription.topic], listener=self._listener)
        self._wait_for_partitions()
        self._thread = threading.Thread(
            target=self._run,
            name=f"kafka-{subscription.topic}-{subscription.group}",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def _wait_for_partitions(self, timeout_s: float = 30.0) -> None:
        """Wait until this consumer's metadata lists the topic's partitions.

        Right after a topic is created, a metadata response can still leave it out, and a group
        leader with such metadata assigns no partitions to anyone.
        """
        deadline = time.monotonic() + timeout_s
        while not self._consumer.partitions_for_topic(self._subscription.topic):
            if time.monotonic() > deadline:
                raise KafkaTimeoutError(
                    f"topic {self._subscription.topic} has no partitions in the metadata of "
                    f"{self._settings.bootstrap_servers} after {timeout_s:.0f} s"
                )
            time.sleep(0.2)

    def request_stop(self) -> None:
        self._stopping.set()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self._poll_handle_commit()
                except KafkaError as error:
                    log.warning(
                        "consumer %s on %s failed: %s. Polling again after a pause",
                        self._subscription.group, self._subscription.topic, error,
                    )
                    self._stopping.wait(RETRY_PAUSE_S)
                except Exception:
                    # Only a bug gets here. The thread goes on, because a dead thread would stall
                    # the group without a sign.
                    log.exception(
                        "consumer %s on %s failed. Polling again after a pause",
                        self._subscription.group, self._subscription.topic,
                    )
                    self._stopping.wait(RETRY_PAUSE_S)
        finally:
            # Leaving the group hands the partitions over at once, without a session timeout.
            self._consumer.close(autocommit=False)

    def _poll_handle_commit(self) -> None:
        batch = self._next_batch()
        if not batch:
            return
        if self._handle(batch):
            self._commit(batch)
        else:
            self._rewind(batch)
            self._stopping.wait(RETRY_PAUSE_S)

    def _next_batch(self) -> list[ConsumerRecord]:
        """Collect up to ``max_batch`` records, waiting ``max_wait_s`` after the first one."""
        max_batch = self._subscription.max_batch
        batch: list[ConsumerRecord] = []
        deadline: float | None = None
        self._listener.revoked.clear()
        while not self._stopping.is_set():
            if deadline is None:
                timeout_s = self._settings.poll_timeout_s
            else:
                timeout_s = max(0.0, deadline - time.monotonic())
            polled = self._consumer.poll(
                timeout_ms=int(timeout_s * 1000), max_records=max_batch - len(batch)
            )
            kept_back: set[TopicPartition] = set()
            if self._listener.revoked:
                # The rebalance ran inside this poll, so only the earlier records can be stale.
                stale = [r for r in batch if _partition(r) in self._listener.revoked]
                batch = [r for r in batch if _partition(r) not in self._listener.revoked]
                self._listener.revoked.clear()
                kept_back = self._seek_back_kept(stale)
            for partition, records in polled.items():
                if partition not in kept_back:
                    batch.extend(records)
            if not batch:
                if deadline is None:
                    return batch
                deadline = None
                continue
            if deadline is None:
                deadline = time.monotonic() + self._subscription.max_wait_s
            if len(batch) >= max_batch or time.monotonic() >= deadline:
                return batch
        # Stopping: records collected but not handled stay uncommitted for the next owner.
        return []

    def _handle(self, batch: list[ConsumerRecord]) -> bool:
        subscription = self._subscription
        labels = (subscription.topic, subscription.group)
        started = time.perf_counter()
        try:
            subscription.handler([_to_record(record) for record in batch])
        except Exception:
            # The handler chain dead-letters what it cannot handle, so anything that escapes is
            # a bug, and the batch is delivered again rather than skipped.
            log.exception(
                "consumer %s on %s failed on %d records from offset %d. Retrying",
                subscription.group, subscription.topic, len(batch), batch[0].offset,
            )
            return False
        BUS_HANDLER_SECONDS.labels(*labels).observe(time.perf_counter() - started)
        BUS_BATCH_SIZE.labels(*labels).observe(len(batch))
        BUS_HANDLED.labels(*labels).inc(len(batch))
        return True

    def _commit(self, batch: list[ConsumerRecord]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for record in batch:
            offsets[_partition(record)] = OffsetAndMetadata(record.offset + 1, "", -1)
        owned = self._consumer.assignment()
        committable = {tp: offset for tp, offset in offsets.items() if tp in owned}
        try:
            if committable:
                self._consumer.commit(committable)
        except (CommitFailedError, RebalanceInProgressError) as error:
            committable = {}
            log.warning(
                "consumer %s on %s lost its partitions while handling %d records, so their "
                "new owner handles them again: %s",
                self._subscription.group, self._subscription.topic, len(batch), error,
            )
        except KafkaError as error:
            # commit() has already retried for request_timeout_ms. Handling the batch again
            # leads to another commit, where skipping it would leave it uncommitted for good.
            log.warning(
                "consumer %s on %s failed to commit %d records (%s). Handling them again",
                self._subscription.group, self._subscription.topic, len(batch), error,
            )
            self._rewind(batch)
            return
        if len(committable) < len(offsets):
            skipped = sorted(tp.partition for tp in offsets if tp not in committable)
            log.info(
                "consumer %s on %s skipped the commit of revoked partitions %s",
                self._subscription.group, self._subscription.topic, skipped,
            )
        self._record_lag(committable)
        self._on_commit()

    def _seek_back_kept(self, dropped: list[ConsumerRecord]) -> set[TopicPartition]:
        """Seek back to the dropped records of partitions that the rebalance gave back to this
        member, and return those partitions.

        kafka-python 3.0 keeps the fetch position of a partition that is revoked and assigned
        again to the same member, so without this seek the dropped records would be skipped.
        The records polled after the rebalance for such a partition are left out of the batch
        as well, and fetched again after the dropped ones, in order.
        """
        first: dict[TopicPartition, int] = {}
        for record in dropped:
            first.setdefault(_partition(record), record.offset)
        owned = self._consumer.assignment()
        returned = {tp for tp in first if tp in owned}
        for tp in returned:
            self._consumer.seek(tp, first[tp])
        if returned:
            log.info(
                "consumer %s on %s got partitions %s back in a rebalance; fetching their "
                "uncommitted records again",
                self._subscription.group, self._subscription.topic,
                sorted(tp.partition for tp in returned),
            )
        return returned

    def _rewind(self, batch: list[ConsumerRecord]) -> None:
        first: dict[TopicPartition, int] = {}
        for record in batch:
            first.setdefault(_partition(record), record.offset)
        owned = self._consumer.assignment()
        for tp, offset in first.items():
            if tp in owned:
                self._consumer.seek(tp, offset)

    def _record_lag(self, committed: dict[TopicPartition, OffsetAndMetadata]) -> None:
        for tp, offset in committed.items():
            # The high watermark comes with each fetch, so this costs no request.
            end = self._consumer.highwater(tp)
            if end is not None:
                BUS_LAG.labels(tp.topic, self._subscription.group, str(tp.partition)).set(
                    max(0, end - offset.offset)
                )
