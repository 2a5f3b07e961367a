"""Fixtures for the embedding tests: the tiny random-weight models in a temporary model store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from services.embedding.service import EmbeddingService
from services.embedding.tests.samples import make_settings
from shared.bus.memory import InProcessBus
from shared.storage import FilesystemStore


@pytest.fixture(scope="session")
def model_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from services.embedding.testing import build_hf_text_test_model, build_test_model

    store = tmp_path_factory.mktemp("models")
    build_test_model(store)
    build_hf_text_test_model(store)
    return store


@pytest.fixture(scope="session")
def loaded_service(
    tmp_path_factory: pytest.TempPathFactory, model_store: Path
) -> Iterator[Callable[[str], EmbeddingService]]:
    """Return a function that gives one started service per test model, shared by the tests
    that only encode, so each model loads once."""
    services: dict[str, EmbeddingService] = {}
    data_dir = tmp_path_factory.mktemp("shared-service")

    def get(photo_model: str) -> EmbeddingService:
        if photo_model not in services:
            settings = make_settings(data_dir, model_store, photo_model)
            service = EmbeddingService(settings, InProcessBus(), FilesystemStore(data_dir))
            service.start()
            services[photo_model] = service
        return services[photo_model]

    yield get
    for service in services.values():
        service.close()


@pytest.fixture
def bus() -> Iterator[InProcessBus]:
    bus = InProcessBus()
    yield bus
    bus.stop()


@pytest.fixture
def objects(tmp_path: Path) -> FilesystemStore:
    return FilesystemStore(tmp_path / "objects")


@pytest.fixture
def make_service(
    tmp_path: Path, model_store: Path, bus: InProcessBus, objects: FilesystemStore
) -> Iterator[Callable[..., EmbeddingService]]:
    """Return a function that builds and starts an EmbeddingService for a model name."""
    services: list[EmbeddingService] = []

    def make(photo_model: str, store: Path | None = None, **embedding: object) -> EmbeddingService:
        settings = make_settings(tmp_path, store or model_store, photo_model, **embedding)
        service = EmbeddingService(settings, bus, objects)
        service.start()
        services.append(service)
        return service

    yield make
    bus.stop()
    for service in services:
        service.close()
