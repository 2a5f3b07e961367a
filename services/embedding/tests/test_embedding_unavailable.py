"""Missing or damaged weights: the service stays up, not ready, with a reason and the fix."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from services.embedding.model_store import CONFIG_FILE, WEIGHT_FILES
from services.embedding.runtime import ModelUnavailable
from services.embedding.service import EmbeddingService
from services.embedding.testing import TEST_MODEL, build_random_model
from services.embedding.tests.samples import photo
from shared.bus.memory import InProcessBus
from shared.bus.topics import ASSET_INGESTED
from shared.settings import EmbeddingSettings

MakeService = Callable[..., EmbeddingService]
DEFAULT_MODEL = EmbeddingSettings().photo_model


def test_missing_weights_leave_service_not_ready(
    make_service: MakeService, model_store: Path
) -> None:
    service = make_service(DEFAULT_MODEL)
    reason = service.unavailable_reason
    assert not service.ready
    assert reason is not None
    assert DEFAULT_MODEL in reason
    assert str(model_store / DEFAULT_MODEL) in reason
    assert "DATAFANTASI_EMBEDDING__ALLOW_DOWNLOAD=true" in reason
    assert "Put the model's files there" in reason


def test_no_fallback_to_test_model(
    make_service: MakeService, model_store: Path
) -> None:
    assert (model_store / TEST_MODEL / WEIGHT_FILES[0]).is_file()
    service = make_service(DEFAULT_MODEL)
    assert service.model_id == DEFAULT_MODEL
    assert service.dim is None
    assert not service.ready


def test_missing_weights_are_logged_at_error(
    make_service: MakeService, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="services.embedding.service"):
        service = make_service(DEFAULT_MODEL)
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1
    assert service.unavailable_reason in errors[0].getMessage()


def test_health_shows_reason_when_weights_missing(make_service: MakeService) -> None:
    service = make_service(DEFAULT_MODEL)
    health = service.health()
    assert health["ready"] is False
    assert health["model"] == DEFAULT_MODEL
    assert health["dim"] is None
    assert health["reason"] == service.unavailable_reason


def test_encoding_without_weights_raises_model_unavailable(make_service: MakeService) -> None:
    service = make_service(DEFAULT_MODEL)
    with pytest.raises(ModelUnavailable, match=DEFAULT_MODEL):
        service.encode_text("en kat")
    with pytest.raises(ModelUnavailable, match=DEFAULT_MODEL):
        service.encode_photo(photo(1))


def test_no_consumer_registered_without_weights(
    make_service: MakeService, bus: InProcessBus
) -> None:
    service = make_service(DEFAULT_MODEL)
    service.subscribe()
    assert (ASSET_INGESTED.name, "embedding") not in bus.lag()


def test_consumer_registered_with_weights(make_service: MakeService, bus: InProcessBus) -> None:
    service = make_service(TEST_MODEL)
    service.subscribe()
    assert bus.lag() == {(ASSET_INGESTED.name, "embedding"): 0}


def test_folder_without_weights_names_missing_file(
    make_service: MakeService, model_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    (store / TEST_MODEL).mkdir(parents=True)
    shutil.copy(model_store / TEST_MODEL / CONFIG_FILE, store / TEST_MODEL / CONFIG_FILE)
    service = make_service(TEST_MODEL, store=store)
    assert not service.ready
    assert WEIGHT_FILES[0] in (service.unavailable_reason or "")


def test_damaged_weights_give_load_failure_reason(
    make_service: MakeService, model_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    shutil.copytree(model_store / TEST_MODEL, store / TEST_MODEL)
    weights = store / TEST_MODEL / WEIGHT_FILES[0]
    weights.write_bytes(weights.read_bytes()[:1000])
    service = make_service(TEST_MODEL, store=store)
    reason = service.unavailable_reason or ""
    assert not service.ready
    assert "failed to load" in reason
    assert str(store / TEST_MODEL) in reason


def test_unknown_name_is_not_downloaded_even_when_allowed(make_service: MakeService) -> None:
    service = make_service("no-such-architecture__no-such-tag", allow_download=True)
    reason = service.unavailable_reason or ""
    assert not service.ready
    assert "no-such-architecture__no-such-tag" in reason
    assert "can be downloaded" in reason


def test_name_with_path_separator_is_rejected(make_service: MakeService) -> None:
    service = make_service("../outside")
    assert not service.ready
    assert "invalid photo model name '../outside'" in (service.unavailable_reason or "")


def test_random_model_rejects_architecture_with_hub_text_tower(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Hugging Face text tower"):
        build_random_model(tmp_path, "xlm-roberta-base-ViT-B-32")
