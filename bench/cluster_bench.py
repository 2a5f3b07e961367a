"""Benchmark ingest through the local cluster against the embedded mode, in one run.

Both modes ingest the same photos through the API over HTTP, one after the other. First comes
the embedded stack (``datafantasi up`` in its own process: SQLite, the in-process bus, every
service in one process). Then comes the local cluster (``infra/cluster up``: Kafka, PostgreSQL
and Redis, with the embedding, api and worker processes). For each mode it prints:

- photos/s: photos over the seconds from the first upload request to the last photo indexed;
- end-to-end latency, upload to searchable: from the start of the upload request that carried a
  photo to the time its asset became ``indexed`` (the asset's ``updated_at``), p50 and p95;
- consumer lag over time: records not yet committed by the consumer groups, sampled from the
  processes' /health every second (the embedded stack's one bus; in the cluster the embedding
  group plus the api process's groups).

Photos: varied JPEGs made from the photographs bundled with scikit-image (random crops, flips,
rotations, colour and brightness shifts, sizes 320-1024 px), all distinct. Model: the tiny
random-weight test model by default, so the figures measure the pipeline rather than the model;
``--model vit-b-32`` uses open_clip ViT-B-32 with random weights (about 2 photos/s on 2 CPU cores).

Usage: .venv/bin/python bench/cluster_bench.py [--photos 1000] [--per-request 10]
       [--uploaders 2] [--model test|vit-b-32]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from PIL import Image, ImageEnhance

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from infra.processes import free_port, spawn, stop_process, wait_until_ready  # noqa: E402

ADMIN_TOKEN = "bench-operator-token"
LAG_SAMPLE_S = 1.0
SOURCE_PHOTOS = (
    "astronaut.png", "camera.png", "chelsea.png", "coffee.png", "rocket.jpg",
    "motorcycle_left.png", "motorcycle_right.png", "hubble_deep_field.jpg", "retina.jpg",
    "grass.png", "gravel.png", "brick.png", "moon.png", "coins.png", "page.png",
    "color.png", "logo.png", "text.png", "horse.png", "immunohistochemistry.png",
)


def make_photos(count: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """Return ``count`` distinct JPEGs cut and shifted from scikit-image's photographs."""
    import skimage.data

    folder = Path(skimage.data.__file__).parent
    sources = [
        Image.open(folder / name).convert("RGB") for name in SOURCE_PHOTOS
        if (folder / name).exists()
    ]
    rng = np.random.default_rng(seed)
    photos: dict[bytes, str] = {}
    while len(photos) < count:
        source = sources[int(rng.integers(len(sources)))]
        width, height = source.size
        crop_w = int(width * rng.uniform(0.45, 1.0))
        crop_h = int(height * rng.uniform(0.45, 1.0))
        left = int(rng.integers(0, width - crop_w + 1))
        top = int(rng.integers(0, height - crop_h + 1))
        image = source.crop((left, top, left + crop_w, top + crop_h))
        if rng.random() < 0.5:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        if rng.random() < 0.25:
            image = image.rotate(float(rng.choice([90, 180, 270])), expand=True)
        image = ImageEnhance.Color(image).enhance(rng.uniform(0.3, 1.7))
        image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.7, 1.3))
        shift = rng.integers(-25, 26, size=3)
        pixels = np.clip(np.asarray(image, dtype=np.int16) + shift, 0, 255).astype(np.uint8)
        image = Image.fromarray(pixels)
        side = int(rng.integers(320, 1025))
        image.thumbnail((side, side))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=int(rng.integers(75, 95)))
        photos.setdefault(buffer.getvalue(), f"photo-{len(photos):04d}.jpg")
    return [(name, data) for data, name in photos.items()]


@dataclass
class Figures:
    mode: str
    photos: int
    seconds: float
    latencies: list[float]
    lag: list[tuple[float, list[int]]] = field(default_factory=list)
    """(seconds since the first upload, lag per process /health in the order sampled)."""

    @property
    def rate(self) -> float:
        return self.photos / self.seconds

    def percentile(self, share: float) -> float:
        return float(np.percentile(self.latencies, share * 100))


class LagSampler:
    """Samples each process's consumer lag (summed over its groups) from /health every second.

    A process whose /health does not report a lag in time counts as -1 in that sample.
    """

    def __init__(self, health_urls: list[str]) -> None:
        self.health_urls = health_urls
        self.samples: list[tuple[float, list[int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = 0.0

    def start(self, started: float) -> None:
        self._started = started
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(LAG_SAMPLE_S):
            lags = []
            for url in self.health_urls:
                try:
                    body = httpx.get(url, timeout=5).json()
                    lags.append(int(body["services"]["bus"].get("lag", -1)))
                except (httpx.HTTPError, KeyError, ValueError):
                    lags.append(-1)
            self.samples.append((time.monotonic() - self._started, lags))


def run_load(
    api_url: str, health_urls: list[str], photos: list[tuple[str, bytes]], per_request: int,
    uploaders: int, mode: str,
) -> Figures:
    http = httpx.Client(base_url=api_url, timeout=120)
    created = http.post(
        "/v1/admin/tenants", json={"name": "Bench A/S", "tenant_id": "bench"},
        headers={"X-Admin-Token": ADMIN_TOKEN},
    )
    created.raise_for_status()
    headers = {"X-API-Key": created.json()["api_key"]}
    chunks = [photos[i:i + per_request] for i in range(0, len(photos), per_request)]
    sent_at: dict[str, float] = {}
    lock = threading.Lock()

    def upload(chunk: list[tuple[str, bytes]]) -> None:
        started = time.time()
        parts = [("files", (name, data, "image/jpeg")) for name, data in chunk]
        response = http.post("/v1/uploads", files=parts, headers=headers)
        response.raise_for_status()
        with lock:
            for item in response.json()["items"]:
                if item["status"] == "stored":
                    sent_at[item["asset_id"]] = started

    sampler = LagSampler(health_urls)
    wall_started, started = time.time(), time.monotonic()
    sampler.start(started)
    with ThreadPoolExecutor(uploaders) as pool:
        list(pool.map(upload, chunks))
    indexed = wait_all_indexed(http, headers, len(sent_at))
    sampler.stop()
    http.close()

    latencies = [indexed[asset_id] - sent for asset_id, sent in sent_at.items()]
    last = max(indexed.values())
    return Figures(mode, len(sent_at), last - wall_started, latencies, sampler.samples)


def wait_all_indexed(
    http: httpx.Client, headers: dict[str, str], count: int, stall_s: float = 120
) -> dict[str, float]:
    """Wait until ``count`` assets are indexed; return each one's indexed time (epoch s).

    Raises SystemExit when no further photo is indexed for ``stall_s`` seconds.
    """
    indexed_count, progressed = -1, time.monotonic()
    while True:
        page = http.get(
            "/v1/assets", params={"status": "indexed", "limit": 1}, headers=headers
        ).json()
        if page["total"] >= count:
            break
        if page["total"] > indexed_count:
            indexed_count, progressed = page["total"], time.monotonic()
        elif time.monotonic() - progressed > stall_s:
            raise SystemExit(
                f"only {indexed_count} of {count} photos indexed, and none more in {stall_s} s"
            )
        time.sleep(0.5)
    indexed: dict[str, float] = {}
    offset = 0
    while offset < count:
        page = http.get(
            "/v1/assets", params={"status": "indexed", "limit": 200, "offset": offset},
            headers=headers,
        ).json()
        for item in page["items"]:
            updated = datetime.fromisoformat(item["updated_at"])
            if updated.tzinfo is None:
                updated = updated.replace(tzinfo=UTC)
            indexed[item["asset_id"]] = updated.timestamp()
        offset += 200
    return indexed


def bench_embedded(root: Path, environment: dict[str, str], photos: list, args) -> Figures:  # type: ignore[no-untyped-def]
    port = free_port()
    env = {**os.environ, **environment, "DATAFANTASI_DATA_DIR": str(root / "embedded"),
           "DATAFANTASI_API__PORT": str(port), "PYTHONPATH": str(REPOSITORY)}
    log_path = root / "embedded.log"
    pid = spawn((sys.executable, "-m", "datafantasi.cli", "up"), log_path, root / "embedded.pid",
                env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready("the embedded stack", lambda: _ready(url), pid=pid, log_path=log_path,
                         timeout_s=300)
        return run_load(url, [f"{url}/health"], photos, args.per_request, args.uploaders,
                        "embedded")
    finally:
        stop_process(pid, 60)


def bench_cluster(root: Path, photos: list, args) -> Figures:  # type: ignore[no-untyped-def]
    from infra import cluster as local_cluster

    state = local_cluster.load_cluster(root / "cluster")
    try:
        local_cluster.up(state)
        api = f"http://127.0.0.1:{state.service_ports['api']}"
        embedding = f"http://127.0.0.1:{state.service_ports['embedding']}"
        wait_until_ready("the api process", lambda: _ready(api), pid=None,
                         log_path=state.folder / "services" / "api.log", timeout_s=300)
        # Lag of the embedding group first, then of the api process's groups (search indexing
        # and the ingest status consumers).
        return run_load(api, [f"{embedding}/health", f"{api}/health"], photos,
                        args.per_request, args.uploaders, "cluster")
    finally:
        local_cluster.down(state, delete_data=False)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=5).json().get("status") == "ready"
    except (httpx.HTTPError, ValueError):
        return False


def print_figures(results: list[Figures]) -> None:
    print()
    print("| mode | photos | seconds | photos/s | latency p50 | latency p95 | max lag |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for figures in results:
        max_lag = max((sum(max(0, lag) for lag in lags) for _t, lags in figures.lag), default=0)
        print(
            f"| {figures.mode} | {figures.photos} | {figures.seconds:.1f} | {figures.rate:.1f} "
            f"| {figures.percentile(0.5):.2f} s | {figures.percentile(0.95):.2f} s "
            f"| {max_lag} |"
        )
    for figures in results:
        samples = figures.lag[:: max(1, len(figures.lag) // 30)]
        trace = ", ".join(f"{t:.0f}s:{'+'.join(map(str, lags))}" for t, lags in samples)
        print(f"\nlag over time, {figures.mode} (seconds:records per process, at most 30 "
              f"samples): {trace}")
        print(f"mean latency {statistics.fmean(figures.latencies):.2f} s, "
              f"max {max(figures.latencies):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=1000, help="distinct photos to ingest")
    parser.add_argument("--per-request", type=int, default=10, help="photos per upload request")
    parser.add_argument("--uploaders", type=int, default=2, help="upload requests at once")
    parser.add_argument("--model", choices=("test", "vit-b-32"), default="test")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()

    from services.embedding.testing import build_random_model, build_test_model

    root = Path(tempfile.mkdtemp(prefix="datafantasi-bench-"))
    # The postgres user must reach the cluster's folder when root starts PostgreSQL.
    root.chmod(0o755)
    try:
        store = root / "models"
        model = build_test_model(store) if args.model == "test" else build_random_model(store)
        environment = {
            "DATAFANTASI_EMBEDDING__MODEL_STORE": str(store),
            "DATAFANTASI_EMBEDDING__PHOTO_MODEL": model,
            "DATAFANTASI_API__ADMIN_TOKEN": ADMIN_TOKEN,
            "DATAFANTASI_LOG_LEVEL": "WARNING",
        }
        # The cluster's processes inherit these; infra/cluster sets the servers' addresses.
        os.environ.update(environment)
        started = time.monotonic()
        photos = make_photos(args.photos)
        megabytes = sum(len(data) for _name, data in photos) / 1e6
        print(f"{len(photos)} distinct photos, {megabytes:.0f} MB, made in "
              f"{time.monotonic() - started:.1f} s; model {model}; {args.per_request} photos "
              f"per request, {args.uploaders} requests at once; load average "
              f"{os.getloadavg()[0]:.1f}")
        results = [bench_embedded(root, environment, photos, args)]
        print(f"embedded done; load average {os.getloadavg()[0]:.1f}")
        results.append(bench_cluster(root, photos, args))
        print(f"cluster done; load average {os.getloadavg()[0]:.1f}")
        print_figures(results)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
