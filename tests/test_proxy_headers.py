"""uvicorn trusts X-Forwarded-For only from proxies named in the settings."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI, Request

from datafantasi.serve import proxy_header_options
from shared.settings import ApiSettings

FORWARDED = {"X-Forwarded-For": "203.0.113.9"}


def _client_host_app() -> FastAPI:
    app = FastAPI()

    @app.get("/client")
    def client_host(request: Request) -> dict[str, str]:
        return {"host": request.client.host if request.client else ""}

    return app


@contextmanager
def _serving(api: ApiSettings) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        _client_host_app(), host="127.0.0.1", port=port, log_level="warning",
        **proxy_header_options(api),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_forwarded_for_ignored_by_default() -> None:
    with _serving(ApiSettings()) as base:
        host = httpx.get(f"{base}/client", headers=FORWARDED).json()["host"]

    assert host == "127.0.0.1"


def test_forwarded_for_trusted_from_named_proxy() -> None:
    with _serving(ApiSettings(forwarded_allow_ips="127.0.0.1")) as base:
        host = httpx.get(f"{base}/client", headers=FORWARDED).json()["host"]

    assert host == "203.0.113.9"
