"""The ``datafantasi`` command: start the embedded stack, ingest, search, show status, demo."""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from datafantasi.client import ApiError, DatafantasiClient, UploadTooLarge
from datafantasi.settings_view import describe_invalid_settings, mask_secrets
from shared.logs import configure_logging
from shared.settings import Settings

app = typer.Typer(no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)
tenant_app = typer.Typer(no_args_is_help=True, help="Create tenants (operator).")
models_app = typer.Typer(no_args_is_help=True, help="Manage the model store.")
app.add_typer(tenant_app, name="tenant")
app.add_typer(models_app, name="models")
console = Console()
err = Console(stderr=True)

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".heic", ".heif",
                  ".zip"}
# Files per upload request: large enough to keep the pipeline's batches full, small enough that
# one request stays well under the upload size limit for ordinary photos. A server with a lower
# limit answers 413 with its limit, and _Uploader then sends smaller batches.
UPLOAD_CHUNK_FILES = 16
UPLOAD_CHUNK_BYTES = 64 * 1024 * 1024
MULTIPART_OVERHEAD_BYTES = 64 * 1024

ApiOption = Annotated[
    str,
    typer.Option(
        "--api", envvar="DATAFANTASI_API_URL",
        help="Base URL of the API; default: http://DATAFANTASI_API__HOST:DATAFANTASI_API__PORT.",
    ),
]
KeyOption = Annotated[
    str, typer.Option("--key", envvar="DATAFANTASI_API_KEY", help="The tenant's API key.")
]


@app.callback()
def check_settings() -> None:
    """Check the DATAFANTASI_* settings before any command runs."""
    try:
        Settings()
    except ValidationError as error:
        for line in describe_invalid_settings(error):
            err.print(f"[red]error:[/red] {line}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def _client(api: str, key: str = "", admin_token: str = "") -> DatafantasiClient:
    if not key and not admin_token:
        _fail(
            "no API key: pass --key or set DATAFANTASI_API_KEY to a key of the tenant "
            "(`datafantasi tenant create` prints one)"
        )
    if not api:
        settings = Settings()
        api = f"http://{settings.api.host}:{settings.api.port}"
    return DatafantasiClient(api, api_key=key, admin_token=admin_token)


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def check_port_free(host: str, port: int) -> None:
    """Exit with a one-line error when another process already listens on host:port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # uvicorn binds with SO_REUSEADDR too, so a port in TIME_WAIT is not reported as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            _fail(
                f"cannot listen on {host}:{port} ({error.strerror}); stop the process using "
                "that port or choose another with DATAFANTASI_API__PORT or --port"
            )


@app.command()
def up(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Start every service in this process (the embedded mode) and serve the API."""
    import uvicorn

    from datafantasi.data_lock import DataDirInUse
    from datafantasi.embedded import EmbeddedStack, admin_token
    from datafantasi.serve import proxy_header_options

    settings = Settings()
    configure_logging(settings.log_level)
    host = host or settings.api.host
    port = port or settings.api.port
    check_port_free(host, port)
    try:
        stack = EmbeddedStack(settings)
    except DataDirInUse as error:
        _fail(str(error))
    token_hint = (
        "from DATAFANTASI_API__ADMIN_TOKEN" if settings.api.admin_token
        else f"in {settings.data_dir / 'admin-token'}"
    )
    admin_token(settings)
    console.print(
        f"Datafantasi (embedded) starting on http://{host}:{port}  data: {settings.data_dir}; "
        "it accepts requests once the photo model has loaded"
    )
    console.print(f"Operator token {token_hint}; API docs at http://{host}:{port}/docs")
    console.print(f"Web app at http://{host}:{port}/ (sign in with a user or a tenant's API key)")
    uvicorn.run(
        stack.create_app(), host=host, port=port, log_level="warning",
        **proxy_header_options(settings.api),
    )


@tenant_app.command("create")
def tenant_create(
    name: str,
    api: ApiOption = "",
    tenant_id: Annotated[str | None, typer.Option("--id", help="Tenant id to use.")] = None,
    admin_token: Annotated[
        str, typer.Option(envvar="DATAFANTASI_API__ADMIN_TOKEN", help="Operator token.")
    ] = "",
    owner_email: Annotated[
        str | None, typer.Option(help="E-mail of the tenant's first owner, who signs in with it.")
    ] = None,
    owner_name: Annotated[str, typer.Option(help="Name of the first owner.")] = "Owner",
) -> None:
    """Create a tenant and print its first API key (shown once).

    With --owner-email it also creates the tenant's first owner user; the password is asked
    for (at least 10 characters) and is not echoed.
    """
    token = admin_token or _read_local_admin_token()
    owner = None
    if owner_email:
        password = typer.prompt("Owner's password", hide_input=True, confirmation_prompt=True)
        owner = {"owner_email": owner_email, "owner_name": owner_name,
                 "owner_password": password}
    try:
        created = _client(api, admin_token=token).create_tenant(name, tenant_id, owner)
    except ApiError as error:
        _fail(str(error))
    console.print(f"tenant {created['tenant_id']} created; API key (shown once):")
    console.print(created["api_key"], soft_wrap=True)
    if owner_email:
        console.print(f"owner {owner_email} can sign in at POST /v1/auth/token and in the web app")


def _read_local_admin_token() -> str:
    path = Settings().data_dir / "admin-token"
    return path.read_text().strip() if path.exists() else ""


def _photo_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        _fail(f"{path} is neither a file nor a folder")
    return sorted(
        p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES
    )


def _chunks(paths: list[Path], max_bytes: int = UPLOAD_CHUNK_BYTES) -> Iterator[list[Path]]:
    chunk: list[Path] = []
    size = 0
    for path in paths:
        file_size = path.stat().st_size
        if chunk and (len(chunk) >= UPLOAD_CHUNK_FILES or size + file_size > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(path)
        size += file_size
    if chunk:
        yield chunk


class _Uploader:
    """Send batches of files, splitting a batch the server rejects as too large.

    The server's limit, once a 413 has named it, shrinks the later batches too. A single file
    over the limit is reported as rejected and the other files go on.
    """

    def __init__(
        self, client: DatafantasiClient, root: Path, folder: str, tags: list[str]
    ) -> None:
        self._client = client
        self._root = root
        self._folder = folder
        self._tags = tags
        self.max_bytes = UPLOAD_CHUNK_BYTES
        self._limit: int | None = None

    def send(self, paths: list[Path]) -> list[dict[str, Any]]:
        if len(paths) == 1 and self._limit is not None and paths[0].stat().st_size > self._limit:
            return [self._too_large(paths[0], self._limit)]
        try:
            report = self._client.upload_paths(
                paths, root=self._root, folder=self._folder, tags=self._tags
            )
        except UploadTooLarge as error:
            if error.limit is not None:
                self._limit = error.limit
                # Multipart headers add a few hundred bytes per file to the request.
                self.max_bytes = min(self.max_bytes, error.limit - MULTIPART_OVERHEAD_BYTES)
            if len(paths) == 1:
                return [self._too_large(paths[0], error.limit)]
            middle = len(paths) // 2
            return self.send(paths[:middle]) + self.send(paths[middle:])
        return report["items"]

    def _too_large(self, path: Path, limit: int | None) -> dict[str, Any]:
        limit_text = f"the server's limit of {limit:,} bytes" if limit else "the server's limit"
        reason = (
            f"The file is {path.stat().st_size:,} bytes, over {limit_text} for one upload; "
            "it was not stored. Make it smaller, or ask the operator to raise "
            "DATAFANTASI_INGEST__MAX_UPLOAD_BYTES."
        )
        name = str(path.relative_to(self._root))
        return {"path": name, "status": "rejected", "reason": reason, "asset_id": None}


def ingest_paths(
    client: DatafantasiClient, path: Path, folder: str = "", tags: list[str] | None = None,
    wait: bool = True, quiet: bool = False,
) -> list[dict[str, Any]]:
    """Upload every photo under ``path``, showing progress; return the upload items."""
    files = _photo_files(path)
    root = path if path.is_dir() else path.parent
    items: list[dict[str, Any]] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, disable=quiet,
    ) as progress:
        upload_task = progress.add_task("uploading", total=len(files))
        uploader = _Uploader(client, root, folder, tags or [])
        pending = files
        while pending:
            chunk = next(_chunks(pending, uploader.max_bytes))
            pending = pending[len(chunk):]
            items.extend(uploader.send(chunk))
            progress.advance(upload_task, len(chunk))
        asset_ids = {i["asset_id"] for i in items if i.get("asset_id")}
        if wait and asset_ids and not _indexing_available(client):
            wait = False
        if wait and asset_ids:
            index_task = progress.add_task("indexing", total=len(asset_ids))
            _wait_until_settled(client, asset_ids, progress, index_task)
    return items


def _indexing_available(client: DatafantasiClient) -> bool:
    """Tell whether photos can be indexed now; print the reason when they cannot."""
    embedding = client.health().get("services", {}).get("embedding", {})
    if embedding.get("ready", True):
        return True
    err.print(
        "[yellow]The photos are stored but cannot be indexed yet:[/yellow] "
        f"{embedding.get('reason', 'the embedding model is not ready')}. "
        "They are indexed once the model is available; `datafantasi status` shows progress."
    )
    return False


def _wait_until_settled(
    client: DatafantasiClient, asset_ids: set[str], progress: Progress, task: Any,
    timeout_s: float = 3600.0,
) -> None:
    deadline = time.monotonic() + timeout_s
    pending = set(asset_ids)
    while pending and time.monotonic() < deadline:
        for asset_id in list(pending):
            if client.asset(asset_id)["status"] in ("indexed", "failed"):
                pending.discard(asset_id)
        progress.update(task, completed=len(asset_ids) - len(pending))
        if pending:
            time.sleep(0.5)


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="A photo, a zip archive or a folder of them.")],
    api: ApiOption = "",
    key: KeyOption = "",
    folder: Annotated[str, typer.Option(help="Folder to file the photos under.")] = "",
    tag: Annotated[list[str] | None, typer.Option(help="Tag for every photo; repeatable.")] = None,
    wait: Annotated[bool, typer.Option(help="Wait until every photo is indexed.")] = True,
) -> None:
    """Ingest photos into the tenant of the API key, with a progress bar."""
    try:
        items = ingest_paths(_client(api, key), path, folder, tag, wait)
    except ApiError as error:
        _fail(str(error))
    _print_items(items)


def _print_items(items: list[dict[str, Any]]) -> None:
    counts: dict[str, int] = {}
    for item in items:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    console.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no files")
    for item in items:
        if item["status"] == "rejected":
            console.print(f"  [yellow]rejected[/yellow] {item['path']}: {item['reason']}")


def print_hits(title: str, page: dict[str, Any]) -> None:
    table = Table(title=title)
    for column in ("#", "score", "file", "folder", "asset"):
        table.add_column(column)
    for rank, hit in enumerate(page["hits"], start=1):
        table.add_row(
            str(rank), f"{hit['score']:.3f}", hit.get("filename") or "", hit.get("folder") or "",
            hit["asset_id"][:12],
        )
    console.print(table)


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="What the photos show, in Danish or English.")],
    api: ApiOption = "",
    key: KeyOption = "",
    limit: Annotated[int, typer.Option(help="Results to show.")] = 10,
    folder: Annotated[str | None, typer.Option(help="Only photos in this folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON.")] = False,
) -> None:
    """Find photos by a description."""
    try:
        page = _client(api, key).search(text, limit=limit, folder=folder)
    except ApiError as error:
        _fail(str(error))
    if as_json:
        console.print_json(json.dumps(page))
    else:
        model = page.get("model", "?")
        label = " [TEST MODEL, random weights]" if model.startswith("test-") else ""
        print_hits(f"photos for {text!r} (model {model}){label}", page)


@app.command()
def similar(
    asset_id: Annotated[str | None, typer.Argument(help="Asset id of a stored photo.")] = None,
    photo: Annotated[Path | None, typer.Option(help="Or a photo file to compare with.")] = None,
    api: ApiOption = "",
    key: KeyOption = "",
    limit: Annotated[int, typer.Option(help="Results to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON.")] = False,
) -> None:
    """Find photos that look like a stored photo or a photo file."""
    if (asset_id is None) == (photo is None):
        _fail("give either an asset id or --photo FILE")
    if photo is not None and not photo.is_file():
        _fail(f"photo file not found: {photo}")
    client = _client(api, key)
    try:
        page = client.similar(asset_id, limit) if asset_id else client.similar_to_photo(
            photo, limit  # type: ignore[arg-type]
        )
    except ApiError as error:
        _fail(str(error))
    if as_json:
        console.print_json(json.dumps(page))
    else:
        print_hits(f"photos like {asset_id or photo}", page)


@app.command()
def status(
    asset_id: Annotated[str | None, typer.Argument(help="One asset; all when left out.")] = None,
    api: ApiOption = "",
    key: KeyOption = "",
    upload: Annotated[str | None, typer.Option(help="Show one upload's files.")] = None,
) -> None:
    """Show what happened to each photo: stored, embedded, indexed, or failed and why."""
    client = _client(api, key)
    try:
        if upload:
            _print_items(client.upload_status(upload)["items"])
            return
        if asset_id:
            console.print_json(json.dumps(client.asset(asset_id)))
            return
        page = client.assets(limit=200)
    except ApiError as error:
        _fail(str(error))
    table = Table(title=f"{page['total']} assets")
    for column in ("asset", "file", "folder", "status", "reason"):
        table.add_column(column)
    for asset in page["items"]:
        table.add_row(
            asset["asset_id"][:12], asset["filename"], asset.get("folder") or "",
            asset["status"], asset.get("failure_reason") or "",
        )
    console.print(table)


@models_app.command("build-test-model")
def build_test_model_command(
    store: Annotated[Path | None, typer.Option(help="Model store folder.")] = None,
) -> None:
    """Write the tiny random-weight test model into the model store and print its name."""
    from services.embedding.testing import build_test_model

    name = build_test_model(store or Settings().model_store)
    console.print(f"built test model {name!r} (random weights: for tests and demos only)")


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Folder for the demo's data.")] = Path(
        ".datafantasi-demo"
    ),
    port: Annotated[int, typer.Option(help="Port for the demo's API (0 picks a free one).")] = 0,
) -> None:
    """Ingest real photographs into a demo tenant and answer searches through API and CLI."""
    from datafantasi.demo import run_demo

    sys.exit(run_demo(data_dir, port, console))


@app.command("config")
def show_config() -> None:
    """Print the settings in force (from defaults and DATAFANTASI_* variables), secrets masked."""
    values = mask_secrets(Settings().model_dump(mode="json"))
    console.print_json(json.dumps(values))


def main() -> None:
    try:
        app()
    except httpx.TransportError as error:
        err.print(
            f"[red]error:[/red] cannot reach the Datafantasi API ({error}). Start it with "
            "`datafantasi up`, or point --api / DATAFANTASI_API_URL at a running one."
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
