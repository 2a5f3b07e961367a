from __future__ import annotations

import threading
from collections.abc import Sequence

from shared.bus.memory import InProcessBus
from shared.bus.topics import ASSET_INGESTED, CONTRACT_VERSION
from shared.consumer import Decoded, PublishDeadLetter, RetryPolicy, build_consumer
from shared.consumer.retry import PermanentError
from shared.contracts.v1.assets_pb2 import AssetIngested, DeadLetter

FAST_RETRY = RetryPolicy(max_attempts=2, backoff_s=0.0)


def _ingested(tenant: str, asset: str) -> bytes:
    return AssetIngested(
        version=CONTRACT_VERSION, tenant_id=tenant, asset_id=asset, storage_key=f"k/{asset}"
    ).SerializeToString()


def _collect(bus: InProcessBus, topic: str) -> list[bytes]:
    seen: list[bytes] = []
    bus.subscribe(topic, "collector", lambda records: seen.extend(r.value for r in records))
    return seen


def test_records_of_one_tenant_arrive_in_order_in_batches() -> None:
    bus = InProcessBus()
    batches: list[list[str]] = []
    bus.subscribe(
        "t", "g", lambda records: batches.append([r.value.decode() for r in records]),
        max_batch=4, max_wait_s=0.05,
    )
    for i in range(10):
        bus.publish("t", "tenant-a", str(i).encode())
    bus.start()
    assert bus.wait_idle(5)
    bus.stop()
    assert [v for batch in batches for v in batch] == [str(i) for i in range(10)]
    assert max(len(b) for b in batches) <= 4
    assert bus.lag() == {("t", "g"): 0}


def test_poison_record_is_dead_lettered_and_the_rest_flow_on() -> None:
    bus = InProcessBus()
    handled: list[str] = []

    def task(items: Sequence[Decoded[AssetIngested]]) -> None:
        if any(item.message.asset_id == "poison" for item in items):
            raise ValueError("cannot handle poison")
        handled.extend(item.message.asset_id for item in items)

    bus.subscribe(
        ASSET_INGESTED.name, "worker",
        build_consumer(
            message_type=AssetIngested, task=task, topic=ASSET_INGESTED.name, group="worker",
            retry=FAST_RETRY, dead_letter=PublishDeadLetter(bus, "test", "worker"),
        ),
        max_batch=8, max_wait_s=0.05,
    )
    letters = _collect(bus, ASSET_INGESTED.dead_letter)
    for asset in ("a1", "a2", "poison", "a3"):
        bus.publish(ASSET_INGESTED.name, "tenant-a", _ingested("tenant-a", asset))
    bus.start()
    assert bus.wait_idle(10)
    bus.stop()

    assert sorted(handled) == ["a1", "a2", "a3"]
    assert len(letters) == 1
    letter = DeadLetter.FromString(letters[0])
    assert letter.asset_id == "poison"
    assert letter.tenant_id == "tenant-a"
    assert "cannot handle poison" in letter.reason
    assert letter.attempts == FAST_RETRY.max_attempts


def test_undecodable_and_foreign_version_records_are_dead_lettered() -> None:
    bus = InProcessBus()
    failures: list[tuple[str, str, str]] = []
    bus.subscribe(
        ASSET_INGESTED.name, "worker",
        build_consumer(
            message_type=AssetIngested, task=lambda items: None, topic=ASSET_INGESTED.name,
            group="worker", retry=FAST_RETRY,
            dead_letter=PublishDeadLetter(
                bus, "test", "worker", on_failure=lambda *args: failures.append(args)
            ),
        ),
    )
    bus.publish(ASSET_INGESTED.name, "tenant-a", b"\xff\xff not protobuf")
    future = AssetIngested(version=99, tenant_id="tenant-a", asset_id="x").SerializeToString()
    bus.publish(ASSET_INGESTED.name, "tenant-a", future)
    bus.start()
    assert bus.wait_idle(5)
    bus.stop()
    assert len(failures) == 2
    assert "undecodable AssetIngested" in failures[0][2]
    assert failures[1][1] == "x"
    assert "unsupported contract version 99" in failures[1][2]


def test_permanent_error_is_not_retried() -> None:
    bus = InProcessBus()
    attempts = []

    def task(items: Sequence[Decoded[AssetIngested]]) -> None:
        attempts.append(len(items))
        raise PermanentError("bad photo")

    bus.subscribe(
        ASSET_INGESTED.name, "worker",
        build_consumer(
            message_type=AssetIngested, task=task, topic=ASSET_INGESTED.name, group="worker",
            retry=RetryPolicy(max_attempts=5, backoff_s=0.0),
            dead_letter=PublishDeadLetter(bus, "test", "worker"),
        ),
    )
    bus.publish(ASSET_INGESTED.name, "tenant-a", _ingested("tenant-a", "a1"))
    bus.start()
    assert bus.wait_idle(5)
    bus.stop()
    assert attempts == [1]


def test_handler_that_raises_is_retried_until_it_succeeds() -> None:
    bus = InProcessBus()
    calls = []
    done = threading.Event()

    def flaky(records: Sequence[object]) -> None:
        calls.append(len(records))
        if len(calls) == 1:
            raise RuntimeError("transient")
        done.set()

    bus.subscribe("t", "g", flaky)
    bus.publish("t", "tenant-a", b"x")
    bus.start()
    assert done.wait(5)
    assert bus.wait_idle(5)
    bus.stop()
    assert calls == [1, 1]
