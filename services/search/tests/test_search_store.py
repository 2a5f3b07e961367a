"""The vector store backends on their own: collections, point ids, reopening, optimizing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from services.search.edge_store import EdgeStore
from services.search.index import PhotoVector, SearchFilters, TenantIndex
from services.search.store import (
    CollectionInfo,
    ModelMismatch,
    PointFilter,
    VectorStore,
    collection_name,
    point_id,
)
from services.search.tests.fakes import FAKE_DIM, FAKE_MODEL, near, vector_for


def _photos(count: int, label: str = "x") -> list[PhotoVector]:
    return [
        PhotoVector(f"{label}{i:03d}", near(label, 0.2 + i * 0.01, seed=i)) for i in range(count)
    ]


def test_point_id_is_stable_and_differs_per_tenant() -> None:
    assert point_id("acme", "a1") == point_id("acme", "a1")
    assert point_id("acme", "a1") != point_id("globex", "a1")
    # The pair is encoded unambiguously, so shifting a character between the ids changes it.
    assert point_id("acme/", "a1") != point_id("acme", "/a1")


def test_collection_name_of_rewritten_ids() -> None:
    assert collection_name("ViT-B-32__laion2b") == "photos-ViT-B-32__laion2b"
    rewritten = {collection_name("org/model a"), collection_name("org model/a")}
    assert len(rewritten) == 2
    assert all(name.startswith("photos-org-model-a-") for name in rewritten)


def test_collection_records_its_model_and_dim(store: VectorStore) -> None:
    info = CollectionInfo.for_model(FAKE_MODEL, FAKE_DIM)
    store.create_collection(info)

    assert store.get_collection(info.name) == info
    assert store.list_collections() == [info]
    assert store.create_collection(info) == info
    with pytest.raises(ModelMismatch, match="16-dimensional"):
        store.create_collection(CollectionInfo(info.name, FAKE_MODEL, 32))
    with pytest.raises(ModelMismatch, match="other"):
        store.create_collection(CollectionInfo(info.name, "other", FAKE_DIM))


def test_unknown_collection_is_none(store: VectorStore) -> None:
    assert store.get_collection(collection_name("never-used")) is None
    assert store.list_collections() == []


def test_count_follows_the_tenant_filter(store: VectorStore) -> None:
    info = store.create_collection(CollectionInfo.for_model(FAKE_MODEL, FAKE_DIM))
    TenantIndex(store, info, "acme").upsert(_photos(3))
    TenantIndex(store, info, "globex").upsert(_photos(2))

    assert store.count(info.name) == 5
    assert store.count(info.name, PointFilter("acme")) == 3
    assert TenantIndex(store, info, "globex").count() == 2
    assert TenantIndex(store, info, "globex").count(SearchFilters(folder="none")) == 0


def test_point_filter_needs_a_tenant() -> None:
    with pytest.raises(ValueError, match="tenant"):
        PointFilter("")


def test_edge_metadata_file_names_model_and_dim(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path)
    info = store.create_collection(CollectionInfo.for_model(FAKE_MODEL, FAKE_DIM))
    store.close()

    metadata = json.loads((tmp_path / info.name / "collection.json").read_text())

    assert metadata["model_id"] == FAKE_MODEL
    assert metadata["dim"] == FAKE_DIM
    assert metadata["distance"] == "cosine"


def test_edge_store_reopens_with_its_points(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path, optimize_after=10_000)
    info = store.create_collection(CollectionInfo.for_model(FAKE_MODEL, FAKE_DIM))
    TenantIndex(store, info, "acme").upsert(_photos(30))
    TenantIndex(store, info, "globex").upsert(_photos(5, label="y"))
    query = vector_for("x")
    before = TenantIndex(store, info, "acme").search(FAKE_MODEL, query, SearchFilters(), 10, 0)
    store.close()

    reopened = EdgeStore(tmp_path)
    index = TenantIndex(reopened, reopened.list_collections()[0], "acme")
    after = index.search(FAKE_MODEL, query, SearchFilters(), 10, 0)

    assert reopened.count(info.name) == 35
    assert index.count() == 30
    assert [hit.asset_id for hit in after.hits] == [hit.asset_id for hit in before.hits]
    assert index.vector_of("x000") == pytest.approx(_photos(1)[0].vector, abs=1e-6)
    reopened.close()


def test_edge_store_optimizes_after_the_configured_count(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path, optimize_after=40)
    info = store.create_collection(CollectionInfo.for_model(FAKE_MODEL, FAKE_DIM))
    index = TenantIndex(store, info, "acme")

    def optimizations() -> float:
        labels = {"collection": info.name}
        return REGISTRY.get_sample_value("datafantasi_search_optimize_seconds_count", labels) or 0

    start = optimizations()
    index.upsert(_photos(30))
    assert optimizations() == start
    index.upsert(_photos(10, label="y"))
    assert optimizations() == start + 1

    hits = index.search(FAKE_MODEL, vector_for("x"), SearchFilters(), 5, 0).hits
    assert hits[0].asset_id == "x000"
    store.close()


def test_scroll_returns_only_the_tenants_vectors(store: VectorStore) -> None:
    info = store.create_collection(CollectionInfo.for_model(FAKE_MODEL, FAKE_DIM))
    acme = TenantIndex(store, info, "acme")
    acme.upsert(_photos(25, "a"))
    TenantIndex(store, info, "globex").upsert(_photos(7, "g"))

    batches = list(acme.scroll_vectors(batch_size=10))
    globex = TenantIndex(store, info, "globex")
    other = [photo for batch in globex.scroll_vectors() for photo in batch]

    assert [len(batch) for batch in batches] == [10, 10, 5]
    scrolled = {photo.asset_id: photo for batch in batches for photo in batch}
    assert sorted(scrolled) == [f"a{i:03d}" for i in range(25)]
    assert scrolled["a007"].vector == pytest.approx(near("a", 0.27, seed=7), abs=1e-6)
    assert sorted(photo.asset_id for photo in other) == [f"g{i:03d}" for i in range(7)]
    assert list(TenantIndex(store, info, "initech").scroll_vectors()) == []
