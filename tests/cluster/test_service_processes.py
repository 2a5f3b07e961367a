"""The cluster mode end to end: the api and embedding processes over Kafka and PostgreSQL.

Both processes run as real subprocesses (``python -m datafantasi.serve``) with the tiny
random-weight test model, so text search returns ranked hits but their order carries no meaning.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from infra.kafka_server import KafkaServer
from infra.postgres_server import PostgresServer
from infra.processes import ServerStartError, free_port
from infra.redis_server import RedisServer
from infra.service_process import ServiceProcess
from tests.attack.tenants import audience_csv
from tests.cluster.conftest import BROKER_MAX_MESSAGE_BYTES
from tests.support import ADMIN_TOKEN, photo_bytes, skimage_photos

# Generous: on an idle machine the photos settle within seconds, but a loaded 2-core machine
# has been seen to need more than 90 s while the processes compete for the cores.
SETTLE_TIMEOUT_S = 300.0


@dataclass
class Cluster:
    api: ServiceProcess
    embedding: ServiceProcess
    worker: ServiceProcess
    http: httpx.Client
    environment: dict[str, str]

    def create_tenant(self, tenant_id: str) -> dict[str, str]:
        response = self.http.post(
            "/v1/admin/tenants", json={"name": tenant_id, "tenant_id": tenant_id},
            headers={"X-Admin-Token": ADMIN_TOKEN},
        )
        assert response.status_code == 201, response.text
        return {"X-API-Key": response.json()["api_key"]}

    def upload(self, headers: dict[str, str], photos: list[tuple[str, bytes]]) -> dict:
        parts = [("files", (name, data, "application/octet-stream")) for name, data in photos]
        response = self.http.post("/v1/uploads", files=parts, headers=headers)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def assets(self, headers: dict[str, str]) -> list[dict]:
        response = self.http.get("/v1/assets", params={"limit": 200}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def wait_indexed(self, headers: dict[str, str], count: int) -> list[dict]:
        """Poll until the tenant has ``count`` assets, all indexed; fail with their statuses."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while True:
            assets = self.assets(headers)
            if len(assets) == count and all(a["status"] == "indexed" for a in assets):
                return assets
            if time.monotonic() > deadline:
                statuses = sorted((a["filename"], a["status"]) for a in assets)
                pytest.fail(f"not all {count} photos indexed: {statuses}")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster(kafka_server: KafkaServer) -> Iterator[Cluster]:
    from services.embedding.testing import build_test_model

    # Not under pytest's temporary folder, which the postgres user cannot reach.
    folder = Path(tempfile.mkdtemp(prefix="datafantasi-services-"))
    folder.chmod(0o755)
    postgres = PostgresServer(folder / "postgres", port=free_port())
    redis = RedisServer(folder / "redis", port=free_port())
    with ThreadPoolExecutor(1) as pool:
        building = pool.submit(build_test_model, folder / "models")
        for name, server in (("PostgreSQL", postgres), ("Redis", redis)):
            try:
                server.start()
            except ServerStartError as error:
                postgres.stop()
                redis.stop()
                pytest.fail(f"{name} did not start: {error}", pytrace=False)
        model = building.result()
    api_port, embedding_port, worker_port = free_port(), free_port(), free_port()
    environment = {
        "DATAFANTASI_DATA_DIR": str(folder / "data"),
        "DATAFANTASI_DATABASE__URL": postgres.url,
        "DATAFANTASI_BUS__BACKEND": "kafka",
        "DATAFANTASI_BUS__BOOTSTRAP_SERVERS": kafka_server.bootstrap_servers,
        "DATAFANTASI_BUS__MAX_MESSAGE_BYTES": str(BROKER_MAX_MESSAGE_BYTES),
        "DATAFANTASI_BUS__POLL_TIMEOUT_S": "0.2",
        # A killed member's partitions move to its successor after this many seconds.
        "DATAFANTASI_BUS__SESSION_TIMEOUT_S": "6",
        "DATAFANTASI_BUS__MAX_POLL_INTERVAL_S": "60",
        "DATAFANTASI_EMBEDDING__MODEL_STORE": str(folder / "models"),
        "DATAFANTASI_EMBEDDING__PHOTO_MODEL": model,
        "DATAFANTASI_EMBEDDING__BATCH_SIZE": "4",
        "DATAFANTASI_EMBEDDING__PORT": str(embedding_port),
        "DATAFANTASI_API__HOST": "127.0.0.1",
        "DATAFANTASI_API__PORT": str(api_port),
        "DATAFANTASI_API__ADMIN_TOKEN": ADMIN_TOKEN,
        "DATAFANTASI_REDIS__URL": redis.url,
        "DATAFANTASI_JOBS__BACKEND": "celery",
        "DATAFANTASI_JOBS__WORKER_PORT": str(worker_port),
    }
    logs = folder / "services"
    embedding = ServiceProcess("embedding", embedding_port, logs, environment)
    api = ServiceProcess("api", api_port, logs, environment)
    worker = ServiceProcess("worker", worker_port, logs, environment)
    http = httpx.Client(base_url=api.url, timeout=30.0)
    try:
        # Started together: each spends most of its start importing its libraries.
        for process in (embedding, api, worker):
            process.launch()
        for process in (embedding, api, worker):
            try:
                process.wait_until_ready(timeout_s=180)
            except ServerStartError as error:
                pytest.fail(str(error), pytrace=False)
        yield Cluster(api, embedding, worker, http, environment)
    finally:
        http.close()
        worker.stop()
        api.stop()
        embedding.stop()
        redis.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _similar_ids(cluster: Cluster, headers: dict[str, str], asset_id: str) -> list[str]:
    response = cluster.http.get(
        f"/v1/assets/{asset_id}/similar", params={"limit": 200}, headers=headers
    )
    assert response.status_code == 200, response.text
    return [hit["asset_id"] for hit in response.json()["hits"]]


def test_processes_report_ready_health(cluster: Cluster) -> None:
    api = httpx.get(f"{cluster.api.url}/health").json()
    embedding = httpx.get(f"{cluster.embedding.url}/health").json()
    assert api["status"] == "ready"
    assert api["services"]["database"]["dialect"] == "postgresql"
    assert api["services"]["embedding"]["model_ready"] is True
    assert embedding["status"] == "ready"
    assert embedding["services"]["embedding"]["model"] == "test-tiny-random-clip"
    metrics = httpx.get(f"{cluster.embedding.url}/metrics").text
    assert 'datafantasi_embedding_model_ready{model="test-tiny-random-clip"} 1.0' in metrics


def test_uploaded_photos_are_found_per_tenant(cluster: Cluster) -> None:
    steel = cluster.create_tenant("steel")
    glass = cluster.create_tenant("glass")
    photos = skimage_photos(12)
    cluster.upload(steel, photos)
    cluster.upload(glass, photos[:4])

    steel_assets = cluster.wait_indexed(steel, 12)
    glass_assets = cluster.wait_indexed(glass, 4)

    steel_ids = {asset["asset_id"] for asset in steel_assets}
    for asset in steel_assets:
        similar = _similar_ids(cluster, steel, asset["asset_id"])
        assert similar[0] == asset["asset_id"]
        assert set(similar) == steel_ids
    for name, data in photos[:3]:
        response = cluster.http.post(
            "/v1/search/similar", files={"photo": (name, data)}, headers=steel,
            params={"limit": 3},
        )
        assert response.status_code == 200, response.text
        first = response.json()["hits"][0]
        assert first["filename"] == name
        assert first["score"] == pytest.approx(1.0, abs=1e-4)

    page = cluster.http.get("/v1/search", params={"q": "an astronaut", "limit": 20}, headers=steel)
    assert page.status_code == 200, page.text
    text_hits = [hit["asset_id"] for hit in page.json()["hits"]]
    assert set(text_hits) == steel_ids
    scores = [hit["score"] for hit in page.json()["hits"]]
    assert scores == sorted(scores, reverse=True)

    glass_ids = {asset["asset_id"] for asset in glass_assets}
    glass_only = glass_ids - steel_ids
    assert not glass_only, "both tenants uploaded the same photos, so the ids match"
    glass_page = cluster.http.get("/v1/search", params={"q": "coins", "limit": 20}, headers=glass)
    assert {hit["asset_id"] for hit in glass_page.json()["hits"]} == glass_ids
    steel_only = next(iter(steel_ids - glass_ids))
    hidden = cluster.http.get(f"/v1/assets/{steel_only}/similar", headers=glass)
    assert hidden.status_code == 404
    assert cluster.http.get(f"/v1/assets/{steel_only}", headers=glass).status_code == 404


def test_embedding_crash_loses_and_doubles_nothing(cluster: Cluster) -> None:
    tenant = cluster.create_tenant("brick")
    photos = [
        (f"p{i:02d}.jpg", photo_bytes((20 * i, 255 - 15 * i, 60 + 9 * i), pattern=i % 5))
        for i in range(16)
    ]
    first_half, second_half = photos[:8], photos[8:]
    uploading = threading.Thread(target=cluster.upload, args=(tenant, first_half))
    uploading.start()
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while not any(a["status"] == "indexed" for a in cluster.assets(tenant)):
        assert time.monotonic() < deadline, "no photo of the first half was indexed"
        time.sleep(0.05)
    cluster.embedding.kill()
    uploading.join()

    # Nothing embeds these while the embedding process is down.
    cluster.upload(tenant, second_half)
    waiting = [a for a in cluster.assets(tenant) if a["status"] != "indexed"]
    assert len(waiting) >= len(second_half)
    cluster.embedding.start(timeout_s=180)

    assets = cluster.wait_indexed(tenant, len(photos))
    assert sorted(a["filename"] for a in assets) == sorted(name for name, _ in photos)
    ids = [asset["asset_id"] for asset in assets]
    similar = _similar_ids(cluster, tenant, ids[0])
    assert len(similar) == len(photos)
    assert set(similar) == set(ids)


def _wait_for_job(cluster: Cluster, headers: dict[str, str], job_id: str) -> dict:
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        response = cluster.http.get(f"/v1/jobs/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        time.sleep(0.2)


def test_worker_runs_jobs_from_redis(cluster: Cluster) -> None:
    tenant = cluster.create_tenant("tile")
    photos = [(f"t{i}.jpg", photo_bytes((30 * i, 120, 90), pattern=i)) for i in range(5)]
    cluster.upload(tenant, photos)
    assets = cluster.wait_indexed(tenant, len(photos))
    worker_health = httpx.get(f"{cluster.worker.url}/health").json()

    thumbnails = cluster.http.post("/v1/assets/thumbnails/rebuild", headers=tenant)
    reindex = cluster.http.post("/v1/assets/reindex", headers=tenant)
    assert thumbnails.status_code == 202, thumbnails.text
    assert reindex.status_code == 202, reindex.text
    rebuilt = _wait_for_job(cluster, tenant, thumbnails.json()["job_id"])
    reindexed = _wait_for_job(cluster, tenant, reindex.json()["job_id"])

    assert worker_health["status"] == "ready"
    assert worker_health["services"]["redis"] == {"ready": True}
    assert rebuilt["status"] == "succeeded", rebuilt
    assert rebuilt["result"]["rebuilt"] == len(photos)
    assert reindexed["status"] == "succeeded", reindexed
    assert reindexed["result"] == {"assets": len(photos), "sent": len(photos)}
    worker_log = cluster.worker.log_path.read_text()
    for job in (rebuilt, reindexed):
        assert f"job {job['job_id']} ({job['kind']}) for tenant tile succeeded" in worker_log
    listed = cluster.http.get("/v1/jobs", headers=tenant).json()
    assert {job["job_id"] for job in listed["items"]} == {rebuilt["job_id"], reindexed["job_id"]}
    # Each reindexed photo keeps exactly one vector.
    similar = _similar_ids(cluster, tenant, assets[0]["asset_id"])
    assert sorted(similar) == sorted(asset["asset_id"] for asset in assets)


def test_audience_imports_and_communities_in_cluster(cluster: Cluster) -> None:
    tenant = cluster.create_tenant("sofa")
    imported = cluster.http.post(
        "/v1/audience/imports", files={"file": ("audiences.csv", audience_csv())}, headers=tenant
    )
    assert imported.status_code == 201, imported.text
    started = cluster.http.post("/v1/audience/community-runs", headers=tenant, json={})
    assert started.status_code == 202, started.text
    finished = _wait_for_job(cluster, tenant, started.json()["job_id"])

    assert finished["status"] == "succeeded", finished
    job_line = f"job {finished['job_id']} (audience.communities) for tenant sofa succeeded"
    assert job_line in cluster.worker.log_path.read_text()
    communities = cluster.http.get("/v1/audience/communities", headers=tenant).json()["items"]
    assert len(communities) >= 2
    other = cluster.create_tenant("stole")
    hidden = cluster.http.get("/v1/audience/communities", headers=other)
    assert hidden.status_code == 404, hidden.text
    listed = cluster.http.get("/v1/datasets/audience/imports", headers=tenant).json()["items"]
    assert [item["import_id"] for item in listed] == [imported.json()["import_id"]]


def _assert_indexed_once(cluster: Cluster, headers: dict[str, str], photos: list) -> None:
    """Check that every photo has one asset row, indexed, and one vector in the tenant's index."""
    assets = cluster.wait_indexed(headers, len(photos))
    assert sorted(a["filename"] for a in assets) == sorted(name for name, _ in photos)
    ids = [asset["asset_id"] for asset in assets]
    similar = _similar_ids(cluster, headers, ids[0])
    assert len(similar) == len(photos), "a photo has no vector, or more than one"
    assert set(similar) == set(ids)


def _distinct_photos(prefix: str, count: int, shift: int) -> list[tuple[str, bytes]]:
    return [
        (f"{prefix}{i:02d}.jpg",
         photo_bytes(((shift + 23 * i) % 256, (90 + 41 * i) % 256, (shift * 3 + 7 * i) % 256),
                     pattern=i % 7))
        for i in range(count)
    ]


def test_broker_restart_loses_and_doubles_nothing(
    cluster: Cluster, kafka_server: KafkaServer
) -> None:
    tenant = cluster.create_tenant("slate")
    photos = _distinct_photos("s", 16, shift=11)
    cluster.upload(tenant, photos[:8])
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while not any(a["status"] == "indexed" for a in cluster.assets(tenant)):
        assert time.monotonic() < deadline, "no photo of the first half was indexed"
        time.sleep(0.05)

    kafka_server.stop()
    health_seconds, bus_ready = [], True
    deadline = time.monotonic() + 15
    while bus_ready and time.monotonic() < deadline:
        started = time.monotonic()
        health = httpx.get(f"{cluster.api.url}/health", timeout=10)
        health_seconds.append(time.monotonic() - started)
        bus_ready = health.json()["services"]["bus"]["ready"]
    # Uploads wait in the publisher while the broker is away.
    uploading = threading.Thread(target=cluster.upload, args=(tenant, photos[8:]))
    uploading.start()
    kafka_server.start()
    uploading.join(SETTLE_TIMEOUT_S)

    assert not bus_ready, "the api process still reported the bus as ready"
    assert health.status_code == 503
    assert max(health_seconds) < 2.5, f"health took {max(health_seconds):.1f} s"
    assert not uploading.is_alive()
    _assert_indexed_once(cluster, tenant, photos)


class _SlowFirstBatchBus:
    """Wraps the handlers subscribed on a KafkaBus so that the first batch outlasts the group's
    max_poll_interval_s, as a stalled photo decode would."""

    def __init__(self, bus: object, delay_s: float) -> None:
        self.bus = bus
        self.delay_s = delay_s
        self.slowed = threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.bus, name)

    def subscribe(self, topic: str, group: str, handler, **options) -> None:  # type: ignore[no-untyped-def]
        def slow_first(records):  # type: ignore[no-untyped-def]
            if not self.slowed.is_set():
                time.sleep(self.delay_s)
                self.slowed.set()
            handler(records)

        self.bus.subscribe(topic, group, slow_first, **options)  # type: ignore[attr-defined]


def test_slow_batch_rebalance_keeps_photos_exact(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from services.embedding.service import EmbeddingService
    from shared.bus.kafka import KafkaBus
    from shared.settings import Settings
    from shared.storage import FilesystemStore

    caplog.set_level(logging.INFO, logger="shared.bus.kafka_consumer")
    for name, value in cluster.environment.items():
        monkeypatch.setenv(name, value)
    # Shorter than the delay below, so this member leaves the group in the middle of a batch.
    monkeypatch.setenv("DATAFANTASI_BUS__MAX_POLL_INTERVAL_S", "2")
    monkeypatch.setenv("DATAFANTASI_BUS__SESSION_TIMEOUT_S", "3")
    settings = Settings()
    bus = KafkaBus(settings.bus)
    slow_bus = _SlowFirstBatchBus(bus, delay_s=5.0)
    # A second member of the embedding group, beside the embedding process.
    member = EmbeddingService(settings, slow_bus, FilesystemStore(settings.storage_root))  # type: ignore[arg-type]
    member.start()
    member.subscribe()
    bus.start()
    try:
        # On a loaded machine the embedding process can consume every record before this
        # member joins, so the uploads wait until it owns a partition.
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while not any(
            re.search(r"took partitions \[\d", record.getMessage()) for record in caplog.records
        ):
            assert time.monotonic() < deadline, "the second member got no partition"
            time.sleep(0.2)
        tenants = [cluster.create_tenant(f"oak{i}") for i in range(12)]
        uploads = [_distinct_photos(f"o{i}-", 3, shift=17 * i) for i in range(12)]
        for headers, photos in zip(tenants, uploads, strict=True):
            cluster.upload(headers, photos)
        for headers, photos in zip(tenants, uploads, strict=True):
            _assert_indexed_once(cluster, headers, photos)
        assert slow_bus.slowed.wait(SETTLE_TIMEOUT_S), "the second member got no records"
        assert bus.wait_idle(SETTLE_TIMEOUT_S)
    finally:
        bus.stop()
        member.close()

    revoked = [
        record.getMessage() for record in caplog.records
        if "lost its partitions" in record.getMessage()
        or "skipped the commit of revoked partitions" in record.getMessage()
    ]
    assert revoked, "the slow member kept its partitions, so no rebalance happened"

