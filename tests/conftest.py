"""Fixtures for tests that run the whole embedded stack with the tiny test model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from datafantasi.embedded import EmbeddedStack
from tests.support import StackClient, make_settings


@pytest.fixture(scope="session")
def model_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from services.embedding.testing import build_test_model

    store = tmp_path_factory.mktemp("models")
    return store, build_test_model(store)


@pytest.fixture
def stack_client(tmp_path: Path, model_store: tuple[Path, str]) -> Iterator[StackClient]:
    stack = EmbeddedStack(make_settings(tmp_path / "data", model_store))
    with TestClient(stack.create_app()) as client:
        yield StackClient(stack, client)


