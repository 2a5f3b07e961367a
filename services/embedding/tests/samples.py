"""Settings and small photo-like images for the embedding tests."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from shared.settings import BusSettings, EmbeddingSettings, Settings

BATCH_SIZE = 8


def make_settings(data_dir: Path, store: Path, photo_model: str, **embedding: object) -> Settings:
    return Settings(
        data_dir=data_dir,
        embedding=EmbeddingSettings(
            photo_model=photo_model, model_store=store, **{"batch_size": BATCH_SIZE, **embedding}
        ),
        bus=BusSettings(max_attempts=2, retry_backoff_s=0.0),
    )


def photo(seed: int, size: tuple[int, int] = (120, 90)) -> Image.Image:
    """A photo-like RGB image: a gradient with stripes whose colours and spacing follow seed."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    stripes = Image.new("RGB", size, ((seed * 67) % 256, (seed * 131) % 256, (seed * 29) % 256))
    mask = Image.new("L", size, 0)
    step = 6 + seed % 9
    for x in range(0, width, step):
        mask.paste(255, (x, 0, min(width, x + step // 2), height))
    image.paste(stripes, (0, 0), mask)
    return image


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()
