"""KafkaBus against a real broker: order, commits, dead letters, size limits, restarts, rebalances.

Each test uses its own topic and group names, so the tests share one broker without interfering.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence

import pytest

from infra.kafka_server import KafkaServer
from shared.bus.base import Record
from shared.bus.kafka import KafkaBus, RecordTooLarge
from shared.bus.topics import CONTRACT_VERSION
from shared.consumer import Decoded, PublishDeadLetter, RetryPolicy, build_consumer
from shared.contracts.v1.assets_pb2 import AssetIngested, DeadLetter
from tests.cluster.conftest import BROKER_MAX_MESSAGE_BYTES

MakeBus = Callable[..., KafkaBus]

# Generous, because the CPU is shared: the waits end as soon as their condition holds.
WAIT_S = 90.0


def _name(kind: str) -> str:
    return f"test.{kind}.{uuid.uuid4().hex[:8]}"


def _ingested(tenant: str, asset: str) -> bytes:
    return AssetIngested(
        version=CONTRACT_VERSION, tenant_id=tenant, asset_id=asset, storage_key=f"k/{asset}"
    ).SerializeToString()


class AssetStore:
    """An idempotent effect (an upsert keyed by asset id) that also counts every delivery."""

    def __init__(self) -> None:
        self.assets: dict[str, bytes] = {}
        self.deliveries: list[str] = []
        self._changed = threading.Condition()

    def apply(self, records: Sequence[Record]) -> None:
        with self._changed:
            for record in records:
                asset = record.headers["asset"]
                self.assets[asset] = record.value
                self.deliveries.append(asset)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout_s: float = WAIT_S) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.assets) >= count, timeout_s)


def _publish_assets(bus: KafkaBus, topic: str, count: int, tenants: int = 3) -> dict[str, bytes]:
    published = {}
    for i in range(count):
        asset = f"asset-{i:03d}"
        value = f"photo {i}".encode()
        bus.publish(topic, f"tenant-{i % tenants}", value, {"asset": asset})
        published[asset] = value
    return published


def test_tenant_records_keep_published_order(make_bus: MakeBus) -> None:
    topic, group = _name("order"), _name("group")
    bus = make_bus()
    batches: list[list[Record]] = []
    bus.subscribe(topic, group, lambda records: batches.append(list(records)),
                  max_batch=8, max_wait_s=0.1)
    bus.start()
    for i in range(30):
        bus.publish(topic, f"tenant-{i % 3}", str(i).encode(), {"sequence": str(i)})

    assert bus.wait_idle(WAIT_S)

    records = [record for batch in batches for record in batch]
    assert len(records) == 30
    assert max(len(batch) for batch in batches) <= 8
    for tenant in range(3):
        values = [int(r.value) for r in records if r.key == f"tenant-{tenant}"]
        assert values == list(range(tenant, 30, 3))
    assert all(r.headers == {"sequence": r.value.decode()} for r in records)
    assert all(r.topic == topic for r in records)
    assert bus.lag() == {(topic, group): 0}


def test_lag_counts_uncommitted_records(make_bus: MakeBus) -> None:
    topic, group = _name("lag"), _name("group")
    bus = make_bus()
    store = AssetStore()
    bus.subscribe(topic, group, store.apply)
    _publish_assets(bus, topic, 5)

    assert bus.lag() == {(topic, group): 5}

    bus.start()
    assert bus.wait_idle(WAIT_S)
    assert bus.lag() == {(topic, group): 0}


def test_restarted_group_resumes_after_last_commit(make_bus: MakeBus) -> None:
    topic, group = _name("resume"), _name("group")
    publisher = make_bus()
    published = _publish_assets(publisher, topic, 20)
    store = AssetStore()
    first_handled = threading.Event()
    stop_requested = threading.Event()

    def handle_then_pause(records: Sequence[Record]) -> None:
        store.apply(records)
        if len(store.deliveries) >= 8 and not first_handled.is_set():
            first_handled.set()
            stop_requested.wait(WAIT_S)

    first = make_bus()
    first.subscribe(topic, group, handle_then_pause, max_batch=4)
    first.start()
    assert first_handled.wait(WAIT_S)
    stop_requested.set()
    first.stop()
    handled_before_stop = len(store.deliveries)

    second = make_bus()
    second.subscribe(topic, group, store.apply, max_batch=4)
    second.start()
    assert second.wait_idle(WAIT_S)

    assert 8 <= handled_before_stop < 20
    assert store.assets == published
    # Each batch was committed right after its handler returned, so none came twice.
    assert sorted(store.deliveries) == sorted(published)


def test_failed_batch_is_redelivered_and_stored_once(make_bus: MakeBus) -> None:
    topic, group = _name("retry"), _name("group")
    bus = make_bus()
    store = AssetStore()
    failures = []

    def store_then_fail_once(records: Sequence[Record]) -> None:
        store.apply(records)
        if not failures:
            failures.append(records[0].headers["asset"])
            raise RuntimeError("lost the connection after storing")

    bus.subscribe(topic, group, store_then_fail_once, max_batch=5, max_wait_s=0.2)
    published = _publish_assets(bus, topic, 6, tenants=1)
    bus.start()

    assert bus.wait_idle(WAIT_S)
    assert store.assets == published
    assert store.deliveries.count(failures[0]) == 2
    assert bus.lag() == {(topic, group): 0}


def test_poison_record_is_dead_lettered(make_bus: MakeBus) -> None:
    topic, group = _name("poison"), _name("worker")
    bus = make_bus()
    handled: list[str] = []

    def task(items: Sequence[Decoded[AssetIngested]]) -> None:
        if any(item.message.asset_id == "poison" for item in items):
            raise ValueError("cannot handle poison")
        handled.extend(item.message.asset_id for item in items)

    bus.subscribe(
        topic, group,
        build_consumer(
            message_type=AssetIngested, task=task, topic=topic, group=group,
            retry=RetryPolicy(max_attempts=2, backoff_s=0.0),
            dead_letter=PublishDeadLetter(bus, "test", group),
        ),
        max_batch=8, max_wait_s=0.2,
    )
    letters: list[Record] = []
    bus.subscribe(f"{topic}.dead-letter", _name("reader"), letters.extend)
    for asset in ("a1", "a2", "poison", "a3"):
        bus.publish(topic, "tenant-a", _ingested("tenant-a", asset))
    bus.start()

    assert bus.wait_idle(WAIT_S)
    assert sorted(handled) == ["a1", "a2", "a3"]
    assert len(letters) == 1
    letter = DeadLetter.FromString(letters[0].value)
    assert letter.asset_id == "poison"
    assert letter.tenant_id == "tenant-a"
    assert letters[0].key == "tenant-a"
    assert "cannot handle poison" in letter.reason
    assert letter.attempts == 2


def test_oversized_record_raises_to_publisher(make_bus: MakeBus) -> None:
    topic, group = _name("size"), _name("group")
    bus = make_bus()
    seen: list[Record] = []
    bus.subscribe(topic, group, seen.extend)
    bus.start()

    with pytest.raises(RecordTooLarge, match="tenant-a"):
        bus.publish(topic, "tenant-a", b"x" * (BROKER_MAX_MESSAGE_BYTES + 1))
    bus.publish(topic, "tenant-a", b"small")

    assert bus.wait_idle(WAIT_S)
    assert [record.value for record in seen] == [b"small"]


def test_record_rejected_by_broker_raises(make_bus: MakeBus) -> None:
    topic = _name("size")
    # This bus accepts 4 times the broker's limit, so the broker itself rejects the record.
    bus = make_bus(max_message_bytes=4 * BROKER_MAX_MESSAGE_BYTES)

    with pytest.raises(RecordTooLarge):
        bus.publish(topic, "tenant-a", b"x" * (2 * BROKER_MAX_MESSAGE_BYTES))


def test_slow_handler_rebalance_keeps_state_exact(make_bus: MakeBus) -> None:
    topic, group = _name("slow"), _name("group")
    store = AssetStore()
    slow_batch_done = threading.Event()

    def slow_first_batch(records: Sequence[Record]) -> None:
        if not slow_batch_done.is_set():
            # Longer than max_poll_interval_s: the member leaves the group while it works.
            slow_batch_done.wait(5.0)
            slow_batch_done.set()
        store.apply(records)

    settings = {"max_poll_interval_s": 2.0, "session_timeout_s": 3.0}
    slow = make_bus(**settings)
    slow.subscribe(topic, group, slow_first_batch, max_batch=4)
    fast = make_bus(**settings)
    fast.subscribe(topic, group, store.apply, max_batch=4)
    slow.start()
    fast.start()
    published = _publish_assets(fast, topic, 24, tenants=24)

    assert store.wait_for(len(published))
    assert slow_batch_done.wait(WAIT_S)
    assert slow.wait_idle(WAIT_S)
    assert fast.wait_idle(WAIT_S)
    assert store.assets == published
    # The slow member's batch was handed to the other member and handled there too.
    assert len(store.deliveries) > len(published)
    assert slow.lag() == {(topic, group): 0}


def test_rebalance_returning_partitions_loses_nothing(make_bus: MakeBus) -> None:
    topic, other_topic, group = _name("kept"), _name("other"), _name("group")
    store = AssetStore()
    bus = make_bus()
    # A long batch window, so the rebalance below happens while the batch is being collected.
    bus.subscribe(topic, group, store.apply, max_batch=100, max_wait_s=8.0)
    bus.start()
    published = _publish_assets(bus, topic, 10)
    other = make_bus()
    # A member of the same group on another topic: the group rebalances, and this topic's
    # partitions go back to the first member, with their fetch positions kept.
    other.subscribe(other_topic, group, lambda records: None)
    other.start()

    assert store.wait_for(len(published), timeout_s=40.0), f"handled {sorted(store.assets)}"
    assert bus.wait_idle(WAIT_S)
    assert store.assets == published


def test_broker_restart_loses_no_records(
    make_bus: MakeBus, kafka_server: KafkaServer
) -> None:
    topic, group = _name("restart"), _name("group")
    bus = make_bus()
    store = AssetStore()
    bus.subscribe(topic, group, store.apply, max_batch=4, max_wait_s=0.1)
    bus.start()
    published = _publish_assets(bus, topic, 10)
    assert store.wait_for(10)

    publish_errors: list[Exception] = []

    def publish_rest() -> None:
        try:
            for i in range(10, 30):
                asset = f"asset-{i:03d}"
                published[asset] = f"photo {i}".encode()
                bus.publish(topic, f"tenant-{i % 3}", published[asset], {"asset": asset})
        except Exception as error:  # the assertion below reports it
            publish_errors.append(error)

    publisher = threading.Thread(target=publish_rest)
    kafka_server.stop()
    publisher.start()
    kafka_server.start()
    publisher.join(WAIT_S)

    assert not publisher.is_alive()
    assert publish_errors == []
    assert bus.wait_idle(WAIT_S)
    assert store.assets == published
    assert len(store.assets) == 30
