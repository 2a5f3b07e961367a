"""The photo model loaded from the model store: vector shape, norm, determinism and batching."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from services.embedding.service import EmbeddingService
from services.embedding.testing import (
    HF_TEXT_TEST_MODEL,
    TEST_MODEL,
    TINY_HF_TEXT_MODEL_CFG,
    TINY_MODEL_CFG,
)
from services.embedding.tests.samples import jpeg_bytes, photo
from services.ingest.images import decode_photo

MakeService = Callable[..., EmbeddingService]
LoadedService = Callable[[str], EmbeddingService]
TEST_MODELS = [(TEST_MODEL, TINY_MODEL_CFG), (HF_TEXT_TEST_MODEL, TINY_HF_TEXT_MODEL_CFG)]


@pytest.mark.parametrize(("name", "model_cfg"), TEST_MODELS)
def test_loaded_model_reports_id_and_dim(
    loaded_service: LoadedService, name: str, model_cfg: dict
) -> None:
    service = loaded_service(name)
    assert service.ready
    assert service.unavailable_reason is None
    assert service.model_id == name
    assert service.dim == model_cfg["embed_dim"]
    health = service.health()
    assert health["ready"] is True
    assert health["random_weights"] is True
    assert health["reason"] is None


@pytest.mark.parametrize(("name", "model_cfg"), TEST_MODELS)
def test_photo_vector_is_normalised_float32_of_model_dim(
    loaded_service: LoadedService, name: str, model_cfg: dict
) -> None:
    service = loaded_service(name)
    vector = service.encode_photo(photo(1))
    assert vector.shape == (model_cfg["embed_dim"],)
    assert vector.dtype == np.float32
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_same_photo_gives_same_vector(loaded_service: LoadedService) -> None:
    service = loaded_service(TEST_MODEL)
    data = jpeg_bytes(photo(2))
    first = service.encode_photo(decode_photo(data, max_pixels=10**6).image)
    second = service.encode_photo(decode_photo(data, max_pixels=10**6).image)
    other = service.encode_photo(photo(3))
    np.testing.assert_array_equal(first, second)
    assert float(first @ other) < 0.9999


def test_model_reloaded_from_store_gives_same_vectors(
    loaded_service: LoadedService, make_service: MakeService
) -> None:
    first = loaded_service(TEST_MODEL)
    second = make_service(TEST_MODEL)
    np.testing.assert_allclose(
        first.encode_photo(photo(4)), second.encode_photo(photo(4)), atol=1e-6
    )
    np.testing.assert_allclose(
        first.encode_text("en hund"), second.encode_text("en hund"), atol=1e-6
    )


@pytest.mark.parametrize(("name", "model_cfg"), TEST_MODELS)
def test_danish_text_gives_normalised_vector(
    loaded_service: LoadedService, name: str, model_cfg: dict
) -> None:
    service = loaded_service(name)
    danish = service.encode_text("en kat på en eng med blomster")
    other = service.encode_text("æbler og pærer i en skål")
    assert danish.shape == (model_cfg["embed_dim"],)
    assert danish.dtype == np.float32
    assert np.linalg.norm(danish) == pytest.approx(1.0, abs=1e-5)
    assert not np.allclose(danish, other, atol=1e-3)


@pytest.mark.parametrize(("name", "model_cfg"), TEST_MODELS)
def test_batch_of_photos_equals_one_at_a_time(
    loaded_service: LoadedService, name: str, model_cfg: dict
) -> None:
    service = loaded_service(name)
    photos = [photo(seed, size=(90 + 10 * seed, 70)) for seed in range(5)]
    batched = service.encode_photos(photos)
    singles = np.stack([service.encode_photo(image) for image in photos])
    assert batched.shape == (5, model_cfg["embed_dim"])
    np.testing.assert_allclose(batched, singles, atol=1e-5)


@pytest.mark.parametrize(("name", "model_cfg"), TEST_MODELS)
def test_batch_of_texts_equals_one_at_a_time(
    loaded_service: LoadedService, name: str, model_cfg: dict
) -> None:
    service = loaded_service(name)
    texts = ["en kat", "a cup of coffee", "rød bil ved søen"]
    batched = service.encode_texts(texts)
    singles = np.stack([service.encode_text(text) for text in texts])
    np.testing.assert_allclose(batched, singles, atol=1e-5)
