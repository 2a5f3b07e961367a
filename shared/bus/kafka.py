"""The Kafka message bus of the local cluster and Kubernetes modes, on kafka-python.

It keeps the in-process bus's semantics: delivery is at-least-once, records of one tenant keep
their order (the tenant id is the record key, and the key picks the partition), and a batch is
committed only after its handler returns. shared/bus/kafka_consumer.py runs the consumer groups
and describes when a record can arrive twice.

Topics are created on first use with the partitions and retention of shared/bus/topics.py; a
dead-letter topic gets those of the topic it belongs to.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from kafka import KafkaAdminClient, KafkaProducer, OffsetSpec, TopicPartition
from kafka.errors import KafkaError, MessageSizeTooLargeError, TopicAlreadyExistsError

from shared.bus.base import BatchHandler, MessageBus
from shared.bus.kafka_consumer import RECONNECT_BACKOFF_MAX_MS, GroupConsumer, Subscription
from shared.bus.topics import ALL_TOPICS, Topic
from shared.metrics import BUS_LAG
from shared.settings import BusSettings

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long publish() waits for the broker's acknowledgement, retrying through a broker restart.
PUBLISH_TIMEOUT_S = 120.0


class RecordTooLarge(ValueError):
    """Raised by publish() for a record over the broker's maximum message size."""


def _retry(request: Callable[[], T], timeout_s: float = 30.0) -> T:
    """Repeat an admin request while the broker returns a retriable error.

    The group coordinator, for one, returns COORDINATOR_LOAD_IN_PROGRESS until it has read the
    offsets topic after a start.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return request()
        except KafkaError as error:
            if not error.retriable or time.monotonic() > deadline:
                raise
            log.debug("retrying an admin request after %s", error)
            time.sleep(0.2)


def topic_spec(name: str) -> Topic:
    """Return the declared topic called ``name``.

    A dead-letter topic takes the partitions and retention of the topic it belongs to.
    """
    for topic in ALL_TOPICS:
        if name in (topic.name, topic.dead_letter):
            return Topic(name, topic.partitions, topic.retention_ms)
    return Topic(name)


class KafkaBus(MessageBus):
    def __init__(self, settings: BusSettings) -> None:
        self._settings = settings
        self._servers = settings.bootstrap_servers.split(",")
        self._lock = threading.Lock()
        # Serializes the admin client's requests, which come from publishers and from lag().
        self._admin_lock = threading.Lock()
        self._committed = threading.Condition()
        self._producer: KafkaProducer | None = None
        self._admin: KafkaAdminClient | None = None
        self._created_topics: set[str] = set()
        self._subscriptions: list[Subscription] = []
        self._consumers: list[GroupConsumer] = []
        self._running = False

    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None
                ) -> None:
        self.create_topics([topic])
        record_headers = [(name, text.encode()) for name, text in (headers or {}).items()]
        limit = self._settings.max_message_bytes
        try:
            # send() checks the size itself, against max_request_size.
            future = self._get_producer().send(
                topic, key=key.encode(), value=value, headers=record_headers
            )
        except MessageSizeTooLargeError as error:
            raise RecordTooLarge(
                f"record for tenant {key} on {topic} is {len(value)} bytes, over the maximum "
                f"message size of {limit} bytes (DATAFANTASI_BUS__MAX_MESSAGE_BYTES). Store the "
                "content in the object store and publish its key instead"
            ) from error
        try:
            future.get(timeout=PUBLISH_TIMEOUT_S)
        except MessageSizeTooLargeError as error:
            raise RecordTooLarge(
                f"the broker rejected the record for tenant {key} on {topic} ({len(value)} "
                f"bytes) as too large: its message.max.bytes, or the topic's max.message.bytes, "
                f"is below DATAFANTASI_BUS__MAX_MESSAGE_BYTES ({limit}). Set them to one value"
            ) from error

    def subscribe(
        self,
        topic: str,
        group: str,
        handler: BatchHandler,
        *,
        max_batch: int = 1,
        max_wait_s: float = 0.0,
    ) -> None:
        self.create_topics([topic, topic_spec(topic).dead_letter])
        subscription = Subscription(topic, group, handler, max_batch, max_wait_s)
        with self._lock:
            self._subscriptions.append(subscription)
            if self._running:
                self._start_consumer(subscription)

    def start(self) -> None:
        with self._lock:
            self._running = True
            for subscription in self._subscriptions[len(self._consumers):]:
                self._start_consumer(subscription)

    def stop(self, timeout_s: float = 10.0) -> None:
        with self._lock:
            self._running = False
            # The subscriptions stay, so a later start() resumes them from the committed offsets.
            consumers, self._consumers = self._consumers, []
        for consumer in consumers:
            consumer.request_stop()
        deadline = time.monotonic() + timeout_s
        for consumer in consumers:
            consumer.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            producer, self._producer = self._producer, None
            admin, self._admin = self._admin, None
        if producer is not None:
            producer.close(timeout=max(1.0, deadline - time.monotonic()))
        if admin is not None:
            admin.close()

    def lag(self) -> dict[tuple[str, str], int]:
        """Count the records not yet committed per (topic, group), from the broker's offsets.

        Also sets the per-partition lag gauge. A partition that a group has never committed
        counts from its first retained record, where such a group starts reading.
        """
        with self._lock:
            subscriptions = list(self._subscriptions)
        if not subscriptions:
            return {}
        with self._admin_lock:
            offsets = _retry(lambda: self._fetch_offsets(subscriptions))
        latest, earliest, committed = offsets
        lags: dict[tuple[str, str], int] = {}
        for subscription in subscriptions:
            total = 0
            group_offsets = committed.get(subscription.group, {})
            for tp in latest:
                if tp.topic != subscription.topic:
                    continue
                done = group_offsets.get(tp)
                start = done.offset if done is not None and done.offset >= 0 else earliest[tp]
                partition_lag = max(0, latest[tp] - start)
                BUS_LAG.labels(tp.topic, subscription.group, str(tp.partition)).set(partition_lag)
                total += partition_lag
            lags[(subscription.topic, subscription.group)] = total
        return lags

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while True:
            if not any(self.lag().values()):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._committed:
                # A commit ends this wait early. The cap catches a commit that lands between
                # lag() and wait().
                self._committed.wait(min(remaining, 0.5))

    def create_topics(self, names: Iterable[str]) -> None:
        """Create the topics that do not exist yet, with their declared partitions and retention."""
        missing = [name for name in names if name not in self._created_topics]
        if not missing:
            return
        specs = {
            name: {
                "num_partitions": topic_spec(name).partitions,
                # -1: the broker's default.replication.factor, so one call fits any cluster size.
                "replication_factor": -1,
                "configs": {"retention.ms": str(topic_spec(name).retention_ms)},
            }
            for name in missing
        }
        admin = self._get_admin()
        with self._admin_lock:
            existing = set(admin.list_topics())
            new = {name: spec for name, spec in specs.items() if name not in existing}
            if new:
                # Another process may create the same topic meanwhile, which is as good.
                with contextlib.suppress(TopicAlreadyExistsError):
                    admin.create_topics(new)
                admin.wait_for_topics(list(new), timeout_ms=30_000)
                log.info("created topics %s", ", ".join(sorted(new)))
            self._created_topics.update(missing)

    def _start_consumer(self, subscription: Subscription) -> None:
        consumer = GroupConsumer(self._settings, subscription, self._notify_commit)
        self._consumers.append(consumer)
        consumer.start()

    def _notify_commit(self) -> None:
        with self._committed:
            self._committed.notify_all()

    def _fetch_offsets(self, subscriptions: list[Subscription]) -> tuple[
        dict[TopicPartition, int], dict[TopicPartition, int], dict[str, dict[TopicPartition, Any]]
    ]:
        """Return the end offsets, start offsets and the groups' committed offsets."""
        admin = self._get_admin()
        described = admin.describe_topics(sorted({s.topic for s in subscriptions}))
        partitions = [
            TopicPartition(topic["name"], partition["partition_index"])
            for topic in described
            for partition in topic["partitions"]
        ]
        latest = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in partitions})
        earliest = admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in partitions})
        # One group can consume several topics, so its request lists all of their partitions.
        group_partitions: dict[str, list[TopicPartition]] = {}
        for subscription in subscriptions:
            group_partitions.setdefault(subscription.group, []).extend(
                tp for tp in partitions if tp.topic == subscription.topic
            )
        committed = admin.list_group_offsets(group_partitions)
        return (
            {tp: found.offset for tp, found in latest.items()},
            {tp: found.offset for tp, found in earliest.items()},
            committed,
        )

    def _get_producer(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    bootstrap_servers=self._servers,
                    client_id=f"{self._settings.client_id}-producer",
                    acks="all",
                    # No duplicates in the log when the producer retries after a broker failure.
                    enable_idempotence=True,
                    max_request_size=self._settings.max_message_bytes,
                    delivery_timeout_ms=int(PUBLISH_TIMEOUT_S * 1000),
                    reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
                )
            return self._producer

    def _get_admin(self) -> KafkaAdminClient:
        with self._lock:
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self._servers,
                    client_id=f"{self._settings.client_id}-admin",
                    reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
                )
            return self._admin
