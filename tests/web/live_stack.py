"""The embedded stack on a loopback port with a demo tenant, for tests that drive a browser.

The tenant gets an owner who signs in with e-mail and password and photos from scikit-image.
It also gets the analytics demo network with its themes and a generated Instagram audience
with its communities, so that every view of the web app has real data to show.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn

from datafantasi.demo_tenant import seed_analytics, seed_audience
from datafantasi.embedded import EmbeddedStack
from services.analytics.demo_data import DemoFiles
from services.audience.synthetic import SyntheticAudience
from tests.support import ADMIN_TOKEN, make_settings, skimage_photos

log = logging.getLogger(__name__)

OWNER_EMAIL = "mette@staalbyg.example"
OWNER_PASSWORD = "Trappe-med-glas-2026"


@dataclass
class LiveStack:
    url: str
    api_key: str
    photo_ids: dict[str, str] = field(default_factory=dict)
    """Filename -> asset id of the seeded photos."""
    analytics_files: DemoFiles | None = None
    audience: SyntheticAudience | None = None

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"X-API-Key": self.api_key}, timeout=300)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(stack: EmbeddedStack) -> tuple[uvicorn.Server, str]:
    port = free_port()
    config = uvicorn.Config(stack.create_app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="web-test-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the API did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def create_tenant(url: str) -> str:
    response = httpx.post(
        f"{url}/v1/admin/tenants",
        json={
            "name": "Stålbyg A/S",
            "tenant_id": "staalbyg",
            "owner_email": OWNER_EMAIL,
            "owner_name": "Mette Holm",
            "owner_password": OWNER_PASSWORD,
        },
        headers={"X-Admin-Token": ADMIN_TOKEN},
    )
    response.raise_for_status()
    return str(response.json()["api_key"])


def seed_photos(live: LiveStack, stack: EmbeddedStack, count: int) -> None:
    with live.client() as client:
        files = [
            ("files", (name, data, "application/octet-stream"))
            for name, data in skimage_photos(count)
        ]
        client.post("/v1/uploads", files=files, data={"folder": "arkiv"}).raise_for_status()
        assert stack.wait_idle(120), "the photo pipeline did not settle"
        time.sleep(0.1)
        assert stack.wait_idle(120)
        assets = client.get("/v1/assets", params={"limit": 200}).json()["items"]
    live.photo_ids = {asset["filename"]: asset["asset_id"] for asset in assets}


def start_live_stack(
    data_dir: Path, model_store: tuple[Path, str]
) -> tuple[LiveStack, uvicorn.Server]:
    stack = EmbeddedStack(make_settings(data_dir, model_store))
    server, url = serve(stack)
    live = LiveStack(url=url, api_key=create_tenant(url))
    started = time.perf_counter()
    seed_photos(live, stack, count=10)
    with live.client() as client:
        live.analytics_files = seed_analytics(client)
        live.audience = seed_audience(client)
    log.info("web test tenant seeded in %.1f s", time.perf_counter() - started)
    return live, server
