"""Fixtures for the search tests: each store-level test runs on both backends.

The Qdrant backend runs on qdrant-client's in-memory local mode, which has no server and no
payload indexes but serves the same API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from services.search.edge_store import EdgeStore
from services.search.qdrant_store import QdrantStore
from services.search.service import SearchService
from services.search.store import VectorStore
from services.search.tests.fakes import FakeEncoder, Photo
from shared.bus.memory import InProcessBus
from shared.bus.topics import ASSET_EMBEDDED
from shared.settings import BusSettings, SearchSettings, Settings

IndexPhotos = Callable[..., None]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # qdrant-client's local mode warns that it ignores payload indexes; the tests know.
    for item in items:
        if "services/search/" in str(item.path):
            item.add_marker(
                pytest.mark.filterwarnings("ignore:Payload indexes have no effect:UserWarning")
            )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        bus=BusSettings(max_attempts=2, retry_backoff_s=0.0),
        search=SearchSettings(default_limit=10),
    )


@pytest.fixture(params=["edge", "qdrant"])
def store(request: pytest.FixtureRequest, settings: Settings) -> VectorStore:
    if request.param == "edge":
        return EdgeStore(settings.vector_dir, optimize_after=1000)
    return QdrantStore(QdrantClient(":memory:"))


@pytest.fixture
def bus() -> Iterator[InProcessBus]:
    bus = InProcessBus()
    yield bus
    bus.stop()


@pytest.fixture
def encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def service(
    settings: Settings, bus: InProcessBus, store: VectorStore, encoder: FakeEncoder
) -> Iterator[SearchService]:
    service = SearchService(settings, bus, store, encoder)
    service.subscribe()
    bus.start()
    yield service
    bus.stop()
    service.close()


@pytest.fixture
def index_photos(bus: InProcessBus) -> IndexPhotos:
    """Send AssetEmbedded records through the bus and wait until search has handled them."""

    def index(*photos: Photo) -> None:
        for photo in photos:
            bus.publish(ASSET_EMBEDDED.name, photo.tenant_id, photo.record())
        assert bus.wait_idle(10), f"search consumer still busy: {bus.lag()}"

    return index
