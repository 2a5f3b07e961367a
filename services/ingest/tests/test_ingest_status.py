from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy.engine import Engine

from services.ingest.images import decode_photo
from services.ingest.models import Asset, AssetStatus
from services.ingest.service import IngestService
from services.ingest.status import STATUS_GROUP, StatusChange, apply_status_changes
from services.ingest.tests.samples import distinct_jpeg
from shared.bus.base import Record
from shared.bus.memory import InProcessBus
from shared.bus.topics import (
    ASSET_DELETED,
    ASSET_EMBEDDED,
    ASSET_INDEXED,
    ASSET_INGESTED,
    CONTRACT_VERSION,
)
from shared.consumer import PublishDeadLetter
from shared.contracts.v1.assets_pb2 import (
    AssetDeleted,
    AssetEmbedded,
    AssetIndexed,
    AssetIngested,
    DeadLetter,
)
from shared.db import session_scope
from shared.storage import FilesystemStore


class FakePipeline:
    """Embedding and search stand-ins: read and decode the original, report on the bus.

    A photo named "unembeddable*" fails at embedding and one named "unindexable*" at search,
    each as a dead letter with a reason, the way the real stages report failures.
    """

    def __init__(self, bus: InProcessBus, objects: FilesystemStore) -> None:
        self.bus = bus
        self.objects = objects
        self.embedding_failed = PublishDeadLetter(bus, stage="embedding", group="embedding")
        self.search_failed = PublishDeadLetter(bus, stage="search", group="search")
        bus.subscribe(ASSET_INGESTED.name, "embedding", self.embed, max_batch=8)
        bus.subscribe(ASSET_EMBEDDED.name, "search", self.index, max_batch=8)

    def embed(self, records: Sequence[Record]) -> None:
        for record in records:
            ingested = AssetIngested.FromString(record.value)
            if ingested.metadata.filename.startswith("unembeddable"):
                self.embedding_failed(record, ingested.asset_id, "ModelError: no weights", 3)
                continue
            photo = decode_photo(self.objects.get(ingested.storage_key), max_pixels=10**6)
            embedded = AssetEmbedded(
                version=CONTRACT_VERSION,
                tenant_id=ingested.tenant_id,
                asset_id=ingested.asset_id,
                model="fake",
                vector=[float(photo.width), float(photo.height)],
                metadata=ingested.metadata,
            )
            self.bus.publish(ASSET_EMBEDDED.name, record.key, embedded.SerializeToString())

    def index(self, records: Sequence[Record]) -> None:
        for record in records:
            embedded = AssetEmbedded.FromString(record.value)
            if embedded.metadata.filename.startswith("unindexable"):
                self.search_failed(record, embedded.asset_id, "OSError: disk full", 3)
                continue
            publish_indexed(self.bus, embedded.tenant_id, embedded.asset_id)


def publish_indexed(bus: InProcessBus, tenant_id: str, asset_id: str) -> None:
    indexed = AssetIndexed(
        version=CONTRACT_VERSION, tenant_id=tenant_id, asset_id=asset_id, collection="fake"
    )
    bus.publish(ASSET_INDEXED.name, tenant_id, indexed.SerializeToString())


def publish_embedded(bus: InProcessBus, tenant_id: str, asset_id: str) -> None:
    embedded = AssetEmbedded(
        version=CONTRACT_VERSION, tenant_id=tenant_id, asset_id=asset_id, model="fake"
    )
    bus.publish(ASSET_EMBEDDED.name, tenant_id, embedded.SerializeToString())


def publish_dead_letter(
    bus: InProcessBus, topic: str, tenant_id: str, asset_id: str, stage: str, reason: str
) -> None:
    letter = DeadLetter(
        version=CONTRACT_VERSION,
        stage=stage,
        topic=topic.removesuffix(".dead-letter"),
        tenant_id=tenant_id,
        asset_id=asset_id,
        reason=reason,
        attempts=3,
    )
    bus.publish(topic, tenant_id, letter.SerializeToString())


def stored_asset(ingest: IngestService, seed: int, name: str = "photo.jpg") -> str:
    report = ingest.ingest("acme", [(name, distinct_jpeg(seed))])
    asset_id = report.items[0].asset_id
    assert asset_id is not None
    return asset_id


def status_of(engine: Engine, asset_id: str, tenant_id: str = "acme") -> tuple[str, str | None]:
    with session_scope(engine) as session:
        asset = session.get(Asset, (tenant_id, asset_id))
        assert asset is not None
        return asset.status.value, asset.failure_reason


@pytest.fixture
def running(ingest: IngestService, bus: InProcessBus) -> InProcessBus:
    ingest.subscribe()
    bus.start()
    return bus


def settle(bus: InProcessBus) -> None:
    assert bus.wait_idle(timeout_s=20)


def test_status_follows_pipeline(
    ingest: IngestService, engine: Engine, bus: InProcessBus, objects: FilesystemStore
) -> None:
    FakePipeline(bus, objects)
    ingest.subscribe()
    bus.start()
    good = stored_asset(ingest, 1, "beach.jpg")
    unembeddable = stored_asset(ingest, 2, "unembeddable.jpg")
    unindexable = stored_asset(ingest, 3, "unindexable.jpg")
    settle(bus)

    assert status_of(engine, good) == ("indexed", None)
    assert status_of(engine, unembeddable) == ("failed", "embedding: ModelError: no weights")
    assert status_of(engine, unindexable) == ("failed", "search: OSError: disk full")


def test_late_embedded_keeps_indexed(
    ingest: IngestService, engine: Engine, running: InProcessBus
) -> None:
    asset_id = stored_asset(ingest, 10)
    publish_embedded(running, "acme", asset_id)
    publish_indexed(running, "acme", asset_id)
    settle(running)
    publish_embedded(running, "acme", asset_id)
    settle(running)

    assert status_of(engine, asset_id) == ("indexed", None)


def test_embedded_moves_stored_forward(
    ingest: IngestService, engine: Engine, running: InProcessBus
) -> None:
    asset_id = stored_asset(ingest, 11)
    publish_embedded(running, "acme", asset_id)
    settle(running)

    assert status_of(engine, asset_id) == ("embedded", None)


def test_replayed_records_are_idempotent(
    ingest: IngestService, engine: Engine, running: InProcessBus
) -> None:
    asset_id = stored_asset(ingest, 12)
    publish_indexed(running, "acme", asset_id)
    settle(running)
    with session_scope(engine) as session:
        first = session.get(Asset, ("acme", asset_id))
    for _ in range(3):
        publish_indexed(running, "acme", asset_id)
    settle(running)
    with session_scope(engine) as session:
        again = session.get(Asset, ("acme", asset_id))

    assert first is not None
    assert again is not None
    assert again.status == AssetStatus.INDEXED
    assert again.updated_at == first.updated_at


def test_dead_letter_after_indexed_keeps_indexed(
    ingest: IngestService, engine: Engine, running: InProcessBus
) -> None:
    asset_id = stored_asset(ingest, 13)
    publish_indexed(running, "acme", asset_id)
    settle(running)
    publish_dead_letter(
        running, ASSET_INGESTED.dead_letter, "acme", asset_id, "embedding", "late failure"
    )
    settle(running)

    assert status_of(engine, asset_id) == ("indexed", None)


def test_indexed_after_failure_clears_reason(
    ingest: IngestService, engine: Engine, running: InProcessBus
) -> None:
    asset_id = stored_asset(ingest, 14)
    publish_dead_letter(
        running, ASSET_EMBEDDED.dead_letter, "acme", asset_id, "search", "timed out"
    )
    settle(running)
    assert status_of(engine, asset_id) == ("failed", "search: timed out")

    publish_embedded(running, "acme", asset_id)
    settle(running)
    assert status_of(engine, asset_id) == ("failed", "search: timed out")

    publish_indexed(running, "acme", asset_id)
    settle(running)
    assert status_of(engine, asset_id) == ("indexed", None)


def test_own_dead_letters_do_not_fail_asset(
    ingest: IngestService, engine: Engine, running: InProcessBus
) -> None:
    asset_id = stored_asset(ingest, 15)
    publish_dead_letter(
        running, ASSET_EMBEDDED.dead_letter, "acme", asset_id, STATUS_GROUP, "database locked"
    )
    settle(running)

    assert status_of(engine, asset_id) == ("stored", None)


def test_record_for_other_tenant_changes_nothing(
    ingest: IngestService, engine: Engine, running: InProcessBus
) -> None:
    asset_id = stored_asset(ingest, 16)
    publish_indexed(running, "globex", asset_id)
    publish_indexed(running, "globex", "0" * 64)
    settle(running)

    assert status_of(engine, asset_id) == ("stored", None)


def test_undecodable_record_does_not_block_others(
    ingest: IngestService, engine: Engine, running: InProcessBus
) -> None:
    letters: list[DeadLetter] = []
    running.subscribe(
        ASSET_INDEXED.dead_letter,
        "test-recorder",
        lambda records: letters.extend(DeadLetter.FromString(r.value) for r in records),
    )
    asset_id = stored_asset(ingest, 17)
    running.publish(ASSET_INDEXED.name, "acme", b"\xff\xff not protobuf")
    publish_indexed(running, "acme", asset_id)
    settle(running)

    assert status_of(engine, asset_id) == ("indexed", None)
    assert len(letters) == 1
    assert letters[0].stage == STATUS_GROUP
    assert "undecodable" in letters[0].reason


def test_status_order_table(ingest: IngestService, engine: Engine) -> None:
    order = [AssetStatus.STORED, AssetStatus.EMBEDDED, AssetStatus.FAILED, AssetStatus.INDEXED]
    for start_rank, start in enumerate(order):
        for target_rank, target in enumerate(order):
            asset_id = stored_asset(ingest, 1000 + start_rank * 10 + target_rank)
            apply_status_changes(engine, [StatusChange("acme", asset_id, start, "first")])
            applied = apply_status_changes(
                engine, [StatusChange("acme", asset_id, target, "second")]
            )

            expected = target if target_rank > start_rank else start
            assert status_of(engine, asset_id)[0] == expected.value, (start, target)
            assert applied == (1 if target_rank > start_rank else 0), (start, target)


def test_indexed_after_deletion_sends_deletion_again(
    ingest: IngestService, engine: Engine, running: InProcessBus
) -> None:
    sent: list[tuple[str, str]] = []

    def record_deletions(records: Sequence[Record]) -> None:
        for record in records:
            message = AssetDeleted.FromString(record.value)
            sent.append((message.tenant_id, message.asset_id))

    running.subscribe(ASSET_DELETED.name, "observer", record_deletions)
    kept = stored_asset(ingest, 20)
    deleted = stored_asset(ingest, 21)
    ingest.delete_asset("acme", deleted)
    settle(running)
    assert sent == [("acme", deleted)]

    publish_indexed(running, "acme", kept)
    publish_indexed(running, "acme", deleted)
    settle(running)

    assert sent == [("acme", deleted), ("acme", deleted)]
    assert status_of(engine, kept) == ("indexed", None)
