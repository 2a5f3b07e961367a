"""``datafantasi ingest`` against the real upload route: batches that fit the server's limit."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from PIL import Image

from datafantasi import cli
from datafantasi.client import DatafantasiClient
from services.ingest.api import router
from services.ingest.service import IngestService


def noise_png(seed: int, size: tuple[int, int] = (500, 400)) -> bytes:
    """Return a PNG of random pixels, which does not compress: about 600 kB at 500x400."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def client(ingest: IngestService) -> DatafantasiClient:
    app = FastAPI()
    app.include_router(router)
    app.state.ingest = ingest

    def tenant_from_header(request: Request) -> str:
        return request.headers["X-Tenant"]

    app.state.authenticator = tenant_from_header
    made = DatafantasiClient("http://testserver")
    made._http = TestClient(app, headers={"X-Tenant": "acme"})
    return made


def test_ingest_splits_batch_over_server_limit(
    client: DatafantasiClient, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(4):
        (folder / f"p{index}.png").write_bytes(noise_png(index))
    # The server's limit is 2,000,000 bytes (conftest): the four photos together are over it,
    # and big.jpg alone is too.
    (folder / "big.jpg").write_bytes(b"\xff\xd8\xff" + bytes(2_100_000))

    items = cli.ingest_paths(client, folder, wait=False, quiet=True)
    outcomes = {item["path"]: item for item in items}

    assert set(outcomes) == {"big.jpg", "p0.png", "p1.png", "p2.png", "p3.png"}
    for index in range(4):
        assert outcomes[f"p{index}.png"]["status"] == "stored"
    assert outcomes["big.jpg"]["status"] == "rejected"
    assert "limit of 2,000,000 bytes" in outcomes["big.jpg"]["reason"]
