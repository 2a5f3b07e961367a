"""The asset.embedded and asset.deleted consumers of the search service."""

from __future__ import annotations

from collections.abc import Sequence

from services.search.service import SearchService
from services.search.tests.conftest import IndexPhotos
from services.search.tests.fakes import Photo, vector_for
from shared.bus.base import Record
from shared.bus.memory import InProcessBus
from shared.bus.topics import ASSET_DELETED, ASSET_EMBEDDED, ASSET_INDEXED, CONTRACT_VERSION
from shared.contracts.v1.assets_pb2 import AssetDeleted, AssetIndexed, DeadLetter


def _collect(bus: InProcessBus, topic: str) -> list[Record]:
    received: list[Record] = []

    def handle(records: Sequence[Record]) -> None:
        received.extend(records)

    bus.subscribe(topic, "test-collector", handle, max_batch=100)
    return received


def test_indexed_photo_is_announced_once_per_record(
    service: SearchService, bus: InProcessBus, index_photos: IndexPhotos
) -> None:
    announced = _collect(bus, ASSET_INDEXED.name)
    photo = Photo("acme", "a1", vector_for("a"))

    index_photos(photo, Photo("globex", "g1", vector_for("g")), photo)

    messages = [AssetIndexed.FromString(record.value) for record in announced]
    assert [(m.tenant_id, m.asset_id) for m in messages] == [
        ("acme", "a1"), ("globex", "g1"), ("acme", "a1"),
    ]
    assert [record.key for record in announced] == ["acme", "globex", "acme"]
    assert {m.collection for m in messages} == {"photos-fake-clip"}
    assert {m.version for m in messages} == {CONTRACT_VERSION}


def test_vector_of_wrong_length_is_dead_lettered_alone(
    service: SearchService, bus: InProcessBus, index_photos: IndexPhotos
) -> None:
    announced = _collect(bus, ASSET_INDEXED.name)
    dead = _collect(bus, ASSET_EMBEDDED.dead_letter)
    index_photos(Photo("acme", "first", vector_for("a")))

    index_photos(
        Photo("acme", "good-1", vector_for("b")),
        Photo("acme", "short", vector_for("c", dim=5)),
        Photo("acme", "good-2", vector_for("d")),
    )

    letters = [DeadLetter.FromString(record.value) for record in dead]
    assert [letter.asset_id for letter in letters] == ["short"]
    assert "5-dimensional" in letters[0].reason
    assert letters[0].stage == "search"
    assert letters[0].attempts == 1
    indexed = {AssetIndexed.FromString(record.value).asset_id for record in announced}
    assert indexed == {"first", "good-1", "good-2"}
    hits = service.search_text("acme", "b", limit=50).hits
    assert {hit.asset_id for hit in hits} == {"first", "good-1", "good-2"}


def test_vector_without_direction_is_dead_lettered(
    service: SearchService, bus: InProcessBus, index_photos: IndexPhotos
) -> None:
    dead = _collect(bus, ASSET_EMBEDDED.dead_letter)
    index_photos(Photo("acme", "first", vector_for("a")))

    index_photos(Photo("acme", "zero", vector_for("a") * 0))

    letters = [DeadLetter.FromString(record.value) for record in dead]
    assert [letter.asset_id for letter in letters] == ["zero"]
    assert "norm" in letters[0].reason


def test_deleted_record_removes_the_photo(
    service: SearchService, bus: InProcessBus, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "gone", vector_for("a")),
        Photo("acme", "kept", vector_for("b")),
        Photo("globex", "gone", vector_for("a")),
    )

    deleted = AssetDeleted(version=CONTRACT_VERSION, tenant_id="acme", asset_id="gone")
    bus.publish(ASSET_DELETED.name, "acme", deleted.SerializeToString())
    assert bus.wait_idle(10)

    assert [hit.asset_id for hit in service.search_text("acme", "a", limit=50).hits] == ["kept"]
    assert [hit.asset_id for hit in service.search_text("globex", "a").hits] == ["gone"]
