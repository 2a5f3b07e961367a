"""The asset.ingested consumer on the in-process bus with originals in a FilesystemStore."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from prometheus_client import REGISTRY

from services.embedding.service import EmbeddingService
from services.embedding.testing import TEST_MODEL
from services.embedding.tests.samples import jpeg_bytes, photo
from services.ingest.images import decode_photo
from shared.bus.base import Record
from shared.bus.memory import InProcessBus
from shared.bus.topics import ASSET_EMBEDDED, ASSET_INGESTED, CONTRACT_VERSION
from shared.contracts.v1.assets_pb2 import AssetEmbedded, AssetIngested, AssetMetadata, DeadLetter
from shared.storage import FilesystemStore, object_key

MakeService = Callable[..., EmbeddingService]
TENANT = "tenant-a"


class Collector:
    def __init__(self) -> None:
        self.records: list[Record] = []

    def __call__(self, records: Sequence[Record]) -> None:
        self.records.extend(records)


def _ingest(bus: InProcessBus, objects: FilesystemStore, asset_id: str, data: bytes | None
            ) -> None:
    key = object_key(TENANT, "originals", asset_id)
    if data is not None:
        objects.put(key, data)
    message = AssetIngested(
        version=CONTRACT_VERSION,
        tenant_id=TENANT,
        asset_id=asset_id,
        storage_key=key,
        content_type="image/jpeg",
        metadata=AssetMetadata(
            folder="sommer", tags=["strand", "2023"], taken_at=1_690_000_000,
            filename=f"{asset_id}.jpg",
        ),
    )
    bus.publish(ASSET_INGESTED.name, TENANT, message.SerializeToString())


def _batch_count() -> float:
    return REGISTRY.get_sample_value("datafantasi_embedding_batch_size_count") or 0.0


def _run(bus: InProcessBus) -> tuple[dict[str, AssetEmbedded], dict[str, DeadLetter]]:
    embedded, dead = Collector(), Collector()
    bus.subscribe(ASSET_EMBEDDED.name, "test", embedded, max_batch=100)
    bus.subscribe(ASSET_INGESTED.dead_letter, "test", dead, max_batch=100)
    bus.start()
    assert bus.wait_idle(60), f"consumers still busy: {bus.lag()}"
    by_asset = {}
    for record in embedded.records:
        message = AssetEmbedded.FromString(record.value)
        by_asset[message.asset_id] = message
    letters = {}
    for record in dead.records:
        letter = DeadLetter.FromString(record.value)
        letters[letter.asset_id] = letter
    return by_asset, letters


@pytest.fixture
def service(make_service: MakeService) -> EmbeddingService:
    service = make_service(TEST_MODEL)
    service.subscribe()
    return service


def test_batch_is_embedded_with_metadata_and_model(
    service: EmbeddingService, bus: InProcessBus, objects: FilesystemStore
) -> None:
    photos = {f"asset-{seed}": jpeg_bytes(photo(seed)) for seed in range(3)}
    for asset_id, data in photos.items():
        _ingest(bus, objects, asset_id, data)
    embedded, letters = _run(bus)
    assert sorted(embedded) == sorted(photos)
    assert letters == {}
    for asset_id, message in embedded.items():
        assert message.version == CONTRACT_VERSION
        assert message.tenant_id == TENANT
        assert message.model == TEST_MODEL
        assert len(message.vector) == service.dim
        assert message.metadata.folder == "sommer"
        assert list(message.metadata.tags) == ["strand", "2023"]
        assert message.metadata.taken_at == 1_690_000_000
        assert message.metadata.filename == f"{asset_id}.jpg"


def test_embedded_vector_matches_encoding_the_photo(
    service: EmbeddingService, bus: InProcessBus, objects: FilesystemStore
) -> None:
    data = jpeg_bytes(photo(5, size=(400, 300)))
    _ingest(bus, objects, "asset-large", data)
    embedded, _ = _run(bus)
    decoded = decode_photo(data, max_pixels=10**6, draft_size=service.photo_draft_size)
    expected = service.encode_photo(decoded.image)
    np.testing.assert_allclose(np.array(embedded["asset-large"].vector), expected, atol=1e-5)


def test_undecodable_original_is_dead_lettered_and_rest_embedded(
    service: EmbeddingService, bus: InProcessBus, objects: FilesystemStore
) -> None:
    batches_before = _batch_count()
    good = jpeg_bytes(photo(7))
    _ingest(bus, objects, "asset-good-1", good)
    _ingest(bus, objects, "asset-broken", good[: len(good) // 3])
    _ingest(bus, objects, "asset-good-2", jpeg_bytes(photo(8)))
    embedded, letters = _run(bus)
    assert sorted(embedded) == ["asset-good-1", "asset-good-2"]
    assert list(letters) == ["asset-broken"]
    letter = letters["asset-broken"]
    assert letter.stage == "embedding"
    assert letter.tenant_id == TENANT
    assert letter.attempts == 1
    assert letter.reason.startswith("The stored original no longer decodes:")
    assert AssetIngested.FromString(letter.record).asset_id == "asset-broken"
    # The two good photos went through one model call, not one call each.
    assert _batch_count() - batches_before == 1


def test_missing_original_is_dead_lettered(
    service: EmbeddingService, bus: InProcessBus, objects: FilesystemStore
) -> None:
    _ingest(bus, objects, "asset-gone", None)
    _ingest(bus, objects, "asset-kept", jpeg_bytes(photo(9)))
    embedded, letters = _run(bus)
    assert list(embedded) == ["asset-kept"]
    assert list(letters) == ["asset-gone"]
    assert "is missing from storage" in letters["asset-gone"].reason


def test_batches_hold_at_most_batch_size_photos(
    make_service: MakeService, bus: InProcessBus, objects: FilesystemStore
) -> None:
    service = make_service(TEST_MODEL, batch_size=4)
    service.subscribe()
    sum_before = REGISTRY.get_sample_value("datafantasi_embedding_batch_size_sum") or 0.0
    batches_before = _batch_count()
    for seed in range(10):
        _ingest(bus, objects, f"asset-{seed}", jpeg_bytes(photo(seed)))
    embedded, _ = _run(bus)
    assert len(embedded) == 10
    assert (REGISTRY.get_sample_value("datafantasi_embedding_batch_size_sum") or 0) - (
        sum_before
    ) == 10
    assert _batch_count() - batches_before == 3
