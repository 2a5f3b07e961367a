"""The Triton runtime against a real Triton server serving the tiny test model.

The server is the CPU build of tritonserver in the nvidia-pytriton wheel, started once for the
module on free ports of 127.0.0.1. Its python-backend stubs import torch and open_clip, so the
start takes tens of seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

pytest.importorskip(
    "tritonclient.grpc", reason="tritonclient is not installed: pip install -e '.[triton]'"
)
pytest.importorskip(
    "pytriton",
    reason="nvidia-pytriton (the tritonserver binary) is not installed: "
    "pip install --no-deps 'nvidia-pytriton==0.7.0'",
)

from services.embedding.open_clip_runtime import OpenClipRuntime, load_open_clip_runtime
from services.embedding.service import EmbeddingService
from services.embedding.testing import TEST_MODEL
from services.embedding.tests.samples import jpeg_bytes, photo
from services.embedding.triton.local_server import LocalTritonServer, free_port
from services.embedding.triton.repository import (
    build_repository,
    photo_model_name,
    text_model_name,
)
from services.embedding.triton.runtime import (
    InvalidModelInput,
    Protocol,
    TritonOptions,
    TritonRuntime,
    TritonUnavailable,
    load_triton_runtime,
)
from services.embedding.triton.server_metrics import TritonServerMetrics
from services.ingest.images import decode_photo
from shared.bus.memory import InProcessBus
from shared.bus.topics import ASSET_EMBEDDED, ASSET_INGESTED, CONTRACT_VERSION
from shared.contracts.v1.assets_pb2 import AssetEmbedded, AssetIngested
from shared.storage import FilesystemStore, object_key

# Smaller than the batches below, so they are split into several requests.
MAX_BATCH_SIZE = 4
TEXTS = ["en kat på en eng", "a red car by the lake", "æbler og pærer", "", "a cup of coffee"]
TENANT = "tenant-a"
MakeService = Callable[..., EmbeddingService]


@pytest.fixture(scope="module")
def triton_server(
    model_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalTritonServer]:
    repository = tmp_path_factory.mktemp("triton-repository")
    build_repository(model_store, TEST_MODEL, repository, max_batch_size=MAX_BATCH_SIZE)
    server = LocalTritonServer(repository, tmp_path_factory.mktemp("triton-server"))
    server.start(timeout_s=300)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def local_runtime(model_store: Path) -> OpenClipRuntime:
    return load_open_clip_runtime(
        model_store, TEST_MODEL, device="cpu", threads=0, allow_download=False
    )


@pytest.fixture(params=["grpc", "http"])
def triton_runtime(
    request: pytest.FixtureRequest, model_store: Path, triton_server: LocalTritonServer
) -> Iterator[TritonRuntime]:
    protocol = request.param
    url = triton_server.grpc_url if protocol == "grpc" else triton_server.http_url
    runtime = load_triton_runtime(model_store, TEST_MODEL, TritonOptions(url, protocol))
    yield runtime
    runtime.close()


def _cosines(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (first * second).sum(axis=1) / (
        np.linalg.norm(first, axis=1) * np.linalg.norm(second, axis=1)
    )


def _inference_count(server: LocalTritonServer, model: str) -> int:
    import tritonclient.http as http

    client = http.InferenceServerClient(server.http_url)
    try:
        statistics = client.get_inference_statistics(model)
    finally:
        client.close()
    return int(statistics["model_stats"][0]["inference_count"])


def _settled_inference_count(server: LocalTritonServer, model: str, timeout_s: float = 10) -> int:
    """Return the model's inference count once it stays the same for half a second.

    Triton updates its statistics after it has sent the response, so a count read right after
    a request may not include it yet.
    """
    deadline = time.monotonic() + timeout_s
    count = _inference_count(server, model)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        latest = _inference_count(server, model)
        if latest == count:
            return count
        count = latest
    return count


def test_photo_vectors_match_in_process_model(
    triton_runtime: TritonRuntime, local_runtime: OpenClipRuntime
) -> None:
    photos = [photo(seed, size=(80 + 7 * seed, 60 + 5 * seed)) for seed in range(10)]

    served = triton_runtime.encode_images(photos)
    local = local_runtime.encode_images(photos)

    assert served.shape == (10, local_runtime.dim)
    assert served.dtype == np.float32
    assert _cosines(served, local).min() >= 0.999


def test_text_vectors_match_in_process_model(
    triton_runtime: TritonRuntime, local_runtime: OpenClipRuntime
) -> None:
    served = triton_runtime.encode_texts(TEXTS)
    local = local_runtime.encode_texts(TEXTS)

    assert served.shape == (len(TEXTS), local_runtime.dim)
    assert _cosines(served, local).min() >= 0.999


def test_empty_batches_send_nothing(triton_runtime: TritonRuntime) -> None:
    assert triton_runtime.encode_prepared([]).shape == (0, triton_runtime.dim)
    assert triton_runtime.encode_texts([]).shape == (0, triton_runtime.dim)


@pytest.mark.parametrize(
    ("kind", "make_batch"),
    [
        ("pixels of wrong size", lambda: np.zeros((2, 3, 32, 32), np.float32)),
        ("pixels without batch axis", lambda: np.zeros((3, 64, 64), np.float32)),
        ("pixels as float64", lambda: np.zeros((2, 3, 64, 64), np.float64)),
        ("pixels with NaN", lambda: np.full((2, 3, 64, 64), np.nan, np.float32)),
        ("pixels as a list", lambda: [[0.0]]),
    ],
)
def test_malformed_photo_batch_never_reaches_triton(
    triton_runtime: TritonRuntime,
    triton_server: LocalTritonServer,
    kind: str,
    make_batch: Callable[[], np.ndarray],
) -> None:
    photos = [photo(1), photo(2)]
    before = triton_runtime.encode_images(photos)
    count_before = _settled_inference_count(triton_server, photo_model_name(TEST_MODEL))

    with pytest.raises(InvalidModelInput, match="Invalid input for Triton model"):
        triton_runtime.encode_pixels(make_batch())

    count_after = _settled_inference_count(triton_server, photo_model_name(TEST_MODEL))
    assert count_after == count_before, kind
    after = triton_runtime.encode_images(photos)
    np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize(
    ("kind", "tokens"),
    [
        ("tokens as int32", np.zeros((1, 32), np.int32)),
        ("tokens too long", np.zeros((1, 33), np.int64)),
        ("negative token id", np.full((1, 32), -1, np.int64)),
        ("token id past vocabulary", np.full((1, 32), 49408, np.int64)),
    ],
)
def test_malformed_token_batch_never_reaches_triton(
    triton_runtime: TritonRuntime, triton_server: LocalTritonServer, kind: str, tokens: np.ndarray
) -> None:
    count_before = _settled_inference_count(triton_server, text_model_name(TEST_MODEL))

    with pytest.raises(InvalidModelInput, match="tokens"):
        triton_runtime.encode_tokens(tokens)

    count_after = _settled_inference_count(triton_server, text_model_name(TEST_MODEL))
    assert count_after == count_before, kind


def test_prepared_photos_of_different_sizes_are_rejected(triton_runtime: TritonRuntime) -> None:
    prepared = [np.zeros((3, 64, 64), np.float32), np.zeros((3, 32, 32), np.float32)]

    with pytest.raises(InvalidModelInput, match="different shapes"):
        triton_runtime.encode_prepared(prepared)


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_unreachable_server_raises_unavailable_and_reports_health(
    model_store: Path, protocol: Protocol
) -> None:
    options = TritonOptions(f"127.0.0.1:{free_port()}", protocol, retries=1, retry_backoff_s=0.01)
    runtime = load_triton_runtime(model_store, TEST_MODEL, options)
    try:
        reason = runtime.unavailable_reason()
        with pytest.raises(TritonUnavailable, match=r"cannot serve|unreachable"):
            runtime.encode_texts(["a cat"])
    finally:
        runtime.close()

    assert reason is not None
    assert "unreachable" in reason


def test_service_metrics_include_triton_server_metrics(
    make_service: MakeService, triton_server: LocalTritonServer
) -> None:
    service = make_service(
        TEST_MODEL,
        backend="triton",
        triton_url=triton_server.grpc_url,
        triton_metrics_url=triton_server.metrics_url,
    )
    service.encode_texts(["en kat på en eng"])

    families = {
        family.name: family
        for family in text_string_to_metric_families(generate_latest(REGISTRY).decode())
    }
    text_requests = [
        sample.value
        for sample in families["nv_inference_request_success"].samples
        if sample.labels.get("model") == text_model_name(TEST_MODEL)
    ]

    assert text_requests
    assert text_requests[0] >= 1
    assert "nv_inference_queue_duration_us" in families
    assert _sample("datafantasi_triton_server_metrics_up") == 1.0


def test_unreachable_metrics_page_reports_down() -> None:
    collector = TritonServerMetrics(f"http://127.0.0.1:{free_port()}/metrics", timeout_s=0.5)

    families = {family.name: family for family in collector.collect()}

    assert list(families) == [
        "datafantasi_triton_server_metrics_up",
        "datafantasi_triton_server_metrics_scrape_seconds",
    ]
    assert families["datafantasi_triton_server_metrics_up"].samples[0].value == 0.0


def _publish_photos(bus: InProcessBus, objects: FilesystemStore, count: int) -> None:
    for index in range(count):
        asset_id = f"asset-{index}"
        key = object_key(TENANT, "originals", asset_id)
        objects.put(key, jpeg_bytes(photo(index)))
        message = AssetIngested(
            version=CONTRACT_VERSION,
            tenant_id=TENANT,
            asset_id=asset_id,
            storage_key=key,
            content_type="image/jpeg",
        )
        bus.publish(ASSET_INGESTED.name, TENANT, message.SerializeToString())


def _sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_consumer_waits_out_triton_restart(
    make_service: MakeService,
    bus: InProcessBus,
    objects: FilesystemStore,
    triton_server: LocalTritonServer,
    local_runtime: OpenClipRuntime,
) -> None:
    # Runs last in the module: it stops the shared server and starts it again.
    service = make_service(
        TEST_MODEL,
        backend="triton",
        triton_url=triton_server.grpc_url,
        triton_retries=0,
        triton_retry_backoff_s=0.01,
    )
    embedded: list[AssetEmbedded] = []
    bus.subscribe(
        ASSET_EMBEDDED.name, "test",
        lambda records: embedded.extend(AssetEmbedded.FromString(r.value) for r in records),
        max_batch=100,
    )
    dead_letters: list[object] = []
    bus.subscribe(ASSET_INGESTED.dead_letter, "test", dead_letters.extend, max_batch=100)
    triton_server.stop()
    health_down = service.health()
    waits_before = _sample("datafantasi_embedding_backend_waits_total")

    service.subscribe()
    _publish_photos(bus, objects, 6)
    bus.start()
    for _ in range(600):
        if _sample("datafantasi_embedding_backend_waits_total") >= waits_before + 2:
            break
        assert not bus.wait_idle(0.2), "the batch finished while Triton was down"
    else:
        pytest.fail("the consumer never waited for Triton within 120 s")
    assert embedded == []

    triton_server.start(timeout_s=300)
    assert bus.wait_idle(180), f"consumer still busy after Triton restarted: {bus.lag()}"
    health_up = service.health()

    assert dead_letters == []
    assert health_down["ready"] is False
    assert "unreachable" in health_down["reason"]
    assert health_up["ready"] is True
    assert health_up["reason"] is None
    assert sorted(message.asset_id for message in embedded) == [f"asset-{i}" for i in range(6)]
    local = local_runtime.encode_images(
        [_decoded(objects, f"asset-{i}") for i in range(6)]
    )
    served = np.array([message.vector for message in sorted(embedded, key=_asset_number)])
    assert _cosines(served, local).min() >= 0.999


def _asset_number(message: AssetEmbedded) -> int:
    return int(message.asset_id.removeprefix("asset-"))


def _decoded(objects: FilesystemStore, asset_id: str) -> Image.Image:
    data = objects.get(object_key(TENANT, "originals", asset_id))
    return decode_photo(data, max_pixels=100_000_000, draft_size=64).image
