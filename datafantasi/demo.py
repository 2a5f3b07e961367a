"""The main job on the embedded default: ingest real photographs and search them.

It starts the embedded stack on a loopback port, creates a demo tenant, ingests the demo photos
through the API, answers a text search and a similar-photo search through the API and through
the ``datafantasi`` CLI, and checks that every photo finds itself first. It then gives the
tenant the analytics and audience demo data and prints how to sign in to the web app at /,
which keeps running until Enter is pressed when the demo runs in a terminal.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from rich.console import Console

from datafantasi.cli import ingest_paths, print_hits
from datafantasi.client import DatafantasiClient
from datafantasi.demo_photos import gather_demo_photos
from datafantasi.demo_tenant import seed_analytics, seed_audience
from datafantasi.embedded import EmbeddedStack, admin_token
from shared.logs import configure_logging
from shared.settings import Settings

MIN_PHOTOS = 30
TEXT_QUERIES = ("en kat", "a cup of coffee", "blomster på en eng")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _choose_model(settings: Settings, console: Console) -> tuple[Settings, bool]:
    """Use the configured photo model when its weights are in the store, else the test model."""
    from services.embedding.model_store import weights_present
    from services.embedding.testing import build_test_model

    if weights_present(settings.model_store, settings.embedding.photo_model):
        return settings, False
    name = build_test_model(settings.model_store)
    console.print(
        f"[bold yellow]No weights for {settings.embedding.photo_model} in "
        f"{settings.model_store}.[/bold yellow] Using the TEST MODEL {name!r} with RANDOM "
        "weights: photo-to-photo search is exact, but text results carry no meaning. Put real "
        "open_clip weights in the model store (see README) for meaningful text search."
    )
    embedding = settings.embedding.model_copy(update={"photo_model": name})
    return settings.model_copy(update={"embedding": embedding}), True


def _serve(stack: EmbeddedStack, port: int) -> uvicorn.Server:
    config = uvicorn.Config(stack.create_app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="demo-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the demo API did not start on 127.0.0.1:{port}")
        time.sleep(0.1)
    return server


def _run_cli(console: Console, api: str, key: str, *args: str) -> int:
    console.print(f"\n$ datafantasi {' '.join(args)}")
    env = {**os.environ, "DATAFANTASI_API_URL": api, "DATAFANTASI_API_KEY": key}
    return subprocess.run(
        [sys.executable, "-m", "datafantasi.cli", *args], env=env, check=False
    ).returncode


def run_demo(data_dir: Path, port: int, console: Console) -> int:
    settings = Settings(data_dir=data_dir)
    configure_logging("WARNING")
    photos = gather_demo_photos(data_dir / "demo-photos")
    console.print(f"{len(photos)} demo photographs in {data_dir / 'demo-photos'}")
    if len(photos) < MIN_PHOTOS:
        console.print(f"[yellow]fewer than {MIN_PHOTOS} photographs could be gathered[/yellow]")
    settings, test_model = _choose_model(settings, console)

    stack = EmbeddedStack(settings)
    port = port or _free_port()
    server = _serve(stack, port)
    api = f"http://127.0.0.1:{port}"
    try:
        code = _demo_steps(console, api, admin_token(settings), photos, test_model)
        if code == 0 and sys.stdin.isatty():
            console.input("\nThe web app keeps running until you press Enter. ")
        return code
    finally:
        server.should_exit = True
        time.sleep(0.5)


def _seed_web_views(console: Console, api: str, key: str) -> None:
    """Give the tenant members, events and an Instagram audience, so every web view has data."""
    with httpx.Client(base_url=api, headers={"X-API-Key": key}, timeout=300) as http:
        seed_analytics(http)
        audience = seed_audience(http)
    console.print(
        "\nimported a Danish business network's members, events and sign-ups and found its "
        f"themes; imported @{audience.brand}'s Instagram audience and found its communities"
    )


def _demo_steps(
    console: Console, api: str, token: str, photos: list[Path], test_model: bool
) -> int:
    admin = DatafantasiClient(api, admin_token=token)
    # Every run creates a new tenant, and a user's e-mail must be unique across tenants.
    owner = {
        "owner_email": f"demo-{secrets.token_hex(3)}@datafantasi.example",
        "owner_name": "Demo Owner",
        "owner_password": secrets.token_urlsafe(12),
    }
    tenant = admin.create_tenant("Demo Stålbyg", None, owner)
    key = tenant["api_key"]
    client = DatafantasiClient(api, api_key=key)
    console.print(f"tenant {tenant['tenant_id']} at {api}")

    items = ingest_paths(client, photos[0].parent.parent, folder="demo")
    indexed = [a for a in client.assets(status="indexed", limit=500)["items"]]
    failed = client.assets(status="failed", limit=500)["items"]
    console.print(f"{len(items)} files uploaded, {len(indexed)} photos indexed, "
                  f"{len(failed)} failed")
    for asset in failed:
        console.print(f"  failed {asset['filename']}: {asset['failure_reason']}")
    if not indexed:
        console.print("[red]no photo was indexed; see the reasons above[/red]")
        return 1

    label = " [TEST MODEL, random weights]" if test_model else ""
    for query in TEXT_QUERIES:
        print_hits(f"API search {query!r}{label}", client.search(query, limit=5))
    first = indexed[0]
    print_hits(f"API: photos like {first['filename']}", client.similar(first["asset_id"], 5))

    self_first = sum(
        1 for asset in indexed
        if client.similar(asset["asset_id"], 1)["hits"][0]["asset_id"] == asset["asset_id"]
    )
    console.print(f"{self_first}/{len(indexed)} photos find themselves first by similarity")

    codes = [
        _run_cli(console, api, key, "search", TEXT_QUERIES[0], "--limit", "5"),
        _run_cli(console, api, key, "similar", first["asset_id"], "--limit", "5"),
    ]
    _seed_web_views(console, api, key)
    console.print(
        f"\nWeb app: {api}/  sign in as {owner['owner_email']} with password "
        f"{owner['owner_password']}"
    )
    ok = self_first == len(indexed) and not any(codes)
    console.print("[green]demo finished[/green]" if ok else "[red]demo found problems[/red]")
    return 0 if ok else 1
