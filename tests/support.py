"""Helpers for tests that run the whole embedded stack with the tiny test model."""

from __future__ import annotations

import io
import time
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

from datafantasi.embedded import EmbeddedStack
from shared.settings import EmbeddingSettings, Settings

ADMIN_TOKEN = "test-operator-token"


def make_settings(data_dir: Path, model_store: tuple[Path, str], **embedding: object) -> Settings:
    store, name = model_store
    return Settings(
        data_dir=data_dir,
        embedding=EmbeddingSettings(
            photo_model=str(embedding.pop("photo_model", name)), model_store=store,
            batch_size=8, **embedding,
        ),
        api={"admin_token": ADMIN_TOKEN},
    )


class StackClient:
    """A TestClient on the embedded app, with helpers for tenants and waiting."""

    def __init__(self, stack: EmbeddedStack, client: TestClient) -> None:
        self.stack = stack
        self.http = client

    def create_tenant(self, tenant_id: str) -> dict[str, str]:
        response = self.http.post(
            "/v1/admin/tenants", json={"name": tenant_id, "tenant_id": tenant_id},
            headers={"X-Admin-Token": ADMIN_TOKEN},
        )
        assert response.status_code == 201, response.text
        return {"X-API-Key": response.json()["api_key"]}

    def upload(self, headers: dict[str, str], files: list[tuple[str, bytes]],
               **form: str) -> dict:
        parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
        response = self.http.post("/v1/uploads", files=parts, data=form, headers=headers)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def settle(self, timeout_s: float = 60.0) -> None:
        assert self.stack.wait_idle(timeout_s), f"pipeline still busy: {self.stack.bus.lag()}"
        # Status updates are consumers too; one more pass lets the last of them commit.
        time.sleep(0.05)
        assert self.stack.wait_idle(timeout_s)


def photo_bytes(color: tuple[int, int, int], size: tuple[int, int] = (96, 64),
                fmt: str = "JPEG", pattern: int = 0) -> bytes:
    """A small photo-like image: a colour field with a pattern, so images differ clearly."""
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 8 + pattern):
        for y in range(size[1]):
            image.putpixel((x, y), (255 - color[0], 255 - color[1], 255 - color[2]))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def skimage_photos(count: int = 12) -> list[tuple[str, bytes]]:
    """Real photographs bundled with scikit-image, as (name, bytes)."""
    import skimage.data

    folder = Path(skimage.data.__file__).parent
    names = ("astronaut.png", "camera.png", "chelsea.png", "coffee.png", "rocket.jpg",
             "motorcycle_left.png", "hubble_deep_field.jpg", "retina.jpg", "grass.png",
             "gravel.png", "brick.png", "moon.png", "coins.png", "page.png")
    return [(name, (folder / name).read_bytes()) for name in names[:count]]
