"""Fixtures for the ingest tests: a real SQLite database, object store and in-process bus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from services.ingest.service import IngestService
from shared.bus.memory import InProcessBus
from shared.db import create_tables, make_engine
from shared.settings import BusSettings, IngestSettings, Settings
from shared.storage import FilesystemStore

MAX_IMAGE_PIXELS = 1_000_000
MAX_ZIP_UNCOMPRESSED_BYTES = 1_000_000
THUMBNAIL_SIZE = 32


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        ingest=IngestSettings(
            max_image_pixels=MAX_IMAGE_PIXELS,
            max_upload_bytes=2_000_000,
            max_zip_entries=20,
            max_zip_uncompressed_bytes=MAX_ZIP_UNCOMPRESSED_BYTES,
            thumbnail_size=THUMBNAIL_SIZE,
        ),
        bus=BusSettings(max_attempts=2, retry_backoff_s=0.0),
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    create_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def objects(settings: Settings) -> FilesystemStore:
    return FilesystemStore(settings.storage_root)


@pytest.fixture
def bus() -> Iterator[InProcessBus]:
    bus = InProcessBus()
    yield bus
    bus.stop(timeout_s=5)


@pytest.fixture
def ingest(
    settings: Settings, engine: Engine, bus: InProcessBus, objects: FilesystemStore
) -> IngestService:
    return IngestService(settings, engine, bus, objects)
