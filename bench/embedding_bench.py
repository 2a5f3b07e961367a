"""Benchmark the embedding service's photo path against a naive open_clip loop, in one run.

Every figure comes from the same model: open_clip ViT-B-32 with seeded random weights, written
into a temporary model store and loaded from there. Every figure also comes from the same
photos: the photographs bundled with scikit-image, saved as JPEG at their native sizes, and
mirrored, brightened and darkened copies of them up to the requested count.

The photos are measured in groups of one batch, and within a group the modes run one after
another, so a change in the machine's load during the run affects every mode alike.

(a) naive: the open_clip README's loop, one photo at a time: open the file, preprocess,
    encode_image under torch.no_grad, normalise. It runs with torch's default thread count.
(b) pipeline: the service path end to end, which is also (d), the ingest path through the
    in-process consumer. AssetIngested records go onto the in-process bus. The embedding
    consumer reads each original from a FilesystemStore and decodes it with decode_photo in
    JPEG draft mode. It prepares the batch in threads, encodes it in one model call under
    torch.inference_mode and publishes AssetEmbedded.
(c) model alone: the same batches, already decoded and prepared, through one model call each.

``--threads`` sets the service's torch threads (DATAFANTASI_EMBEDDING__THREADS). On a 2-core
machine that other jobs share, 1 thread measured faster than torch's default of 2, because a
2-thread operator waits for its second thread whenever another process holds that core.

Usage: .venv/bin/python bench/embedding_bench.py [--photos 64] [--batch-size 16] [--threads 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from PIL import Image, ImageEnhance, ImageOps
from prometheus_client import REGISTRY

from services.embedding.runtime import ModelRuntime
from services.embedding.service import EmbeddingService
from services.embedding.testing import build_random_model
from services.ingest.images import decode_photo
from shared.bus.base import Record
from shared.bus.memory import InProcessBus
from shared.bus.topics import ASSET_EMBEDDED, ASSET_INGESTED, CONTRACT_VERSION
from shared.contracts.v1.assets_pb2 import AssetIngested, AssetMetadata
from shared.settings import EmbeddingSettings, Settings
from shared.storage import FilesystemStore, object_key

# Photographs bundled with scikit-image 0.26 (skimage/data), with their native sizes.
SOURCE_PHOTOS = (
    "astronaut.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "moon.png",
    "rocket.jpg", "motorcycle_left.png", "motorcycle_right.png", "hubble_deep_field.jpg",
    "retina.jpg", "ihc.png", "brick.png", "grass.png", "gravel.png", "clock_motion.png",
)
TENANT = "bench-tenant"


@dataclass
class Timings:
    """Seconds per mode for each group of photos, and the group sizes."""

    groups: dict[str, list[float]] = field(
        default_factory=lambda: {"naive": [], "pipeline": [], "model": []}
    )
    sizes: list[int] = field(default_factory=list)

    def seconds(self, mode: str) -> float:
        return sum(self.groups[mode])

    def rate(self, mode: str, photos: int) -> float:
        return photos / self.seconds(mode)


def write_photos(folder: Path, count: int) -> list[Path]:
    """Save the scikit-image photographs and their variants as JPEG files in ``folder``."""
    import skimage.data

    source_folder = Path(skimage.data.__file__).parent
    variants = (
        ("", lambda image: image),
        ("-mirrored", ImageOps.mirror),
        ("-bright", lambda image: ImageEnhance.Brightness(image).enhance(1.25)),
        ("-dark", lambda image: ImageEnhance.Brightness(image).enhance(0.75)),
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for suffix, transform in variants:
        for name in SOURCE_PHOTOS:
            if len(paths) == count:
                return paths
            with Image.open(source_folder / name) as source:
                image = transform(source.convert("RGB" if source.mode != "L" else "L"))
            path = folder / f"{Path(name).stem}{suffix}.jpg"
            image.save(path, format="JPEG", quality=90)
            paths.append(path)
    if len(paths) < count:
        raise SystemExit(f"at most {len(paths)} photos can be made from the bundled photographs")
    return paths


class NaiveLoop:
    """The open_clip README's way: one photo at a time, straight from its file."""

    def __init__(self, model_folder: Path) -> None:
        import open_clip

        self.model, _, self.preprocess = open_clip.create_model_and_transforms(
            f"local-dir:{model_folder}"
        )
        self.model.eval()

    def run(self, paths: Sequence[Path]) -> None:
        for path in paths:
            image = self.preprocess(Image.open(path)).unsqueeze(0)
            with torch.no_grad():
                features = self.model.encode_image(image)
                features /= features.norm(dim=-1, keepdim=True)


class Pipeline:
    """The embedding service's consumer on an in-process bus, originals in a FilesystemStore."""

    def __init__(self, settings: Settings, paths: Sequence[Path]) -> None:
        self.bus = InProcessBus()
        self.objects = FilesystemStore(settings.storage_root)
        self.service = EmbeddingService(settings, self.bus, self.objects)
        self.service.start()
        if not self.service.ready:
            raise SystemExit(f"the benchmark model did not load: {self.service.unavailable_reason}")
        self.service.subscribe()
        self.runtime: ModelRuntime = self.service.runtime
        self.embedded: list[Record] = []
        self.bus.subscribe(ASSET_EMBEDDED.name, "bench", self.embedded.extend, max_batch=1024)
        self.bus.start()
        self.keys = {}
        for index, path in enumerate(paths):
            # Storing the original is the ingest service's work, so it happens before timing.
            key = object_key(TENANT, "originals", f"photo-{index:04d}")
            self.objects.put(key, path.read_bytes())
            self.keys[path] = key

    def run(self, paths: Sequence[Path]) -> None:
        expected = len(self.embedded) + len(paths)
        for path in paths:
            message = AssetIngested(
                version=CONTRACT_VERSION,
                tenant_id=TENANT,
                asset_id=self.keys[path].rsplit("/", 1)[1],
                storage_key=self.keys[path],
                content_type="image/jpeg",
                metadata=AssetMetadata(filename=path.name),
            )
            self.bus.publish(ASSET_INGESTED.name, TENANT, message.SerializeToString())
        if not self.bus.wait_idle(600):
            raise SystemExit(f"the pipeline did not finish: lag {self.bus.lag()}")
        if len(self.embedded) != expected:
            raise SystemExit(f"{expected - len(self.embedded)} photos were not embedded")

    def close(self) -> None:
        self.bus.stop()
        self.service.close()


class ModelAlone:
    """One model call per batch on photos decoded and prepared before timing."""

    def __init__(self, runtime: ModelRuntime, paths: Sequence[Path], max_pixels: int) -> None:
        self.runtime = runtime
        self.prepared = {}
        for path in paths:
            photo = decode_photo(
                path.read_bytes(), max_pixels=max_pixels, draft_size=runtime.input_size
            )
            self.prepared[path] = runtime.prepare_image(photo.image)

    def run(self, paths: Sequence[Path]) -> None:
        self.runtime.encode_prepared([self.prepared[path] for path in paths])


def measure(args: argparse.Namespace, scratch: Path) -> None:
    default_threads = torch.get_num_threads()
    service_threads = args.threads or default_threads
    started = time.perf_counter()
    paths = write_photos(scratch / "photos", args.photos)
    store = args.store or scratch / "models"
    name = build_random_model(store, args.architecture)
    settings = Settings(
        data_dir=scratch / "data",
        embedding=EmbeddingSettings(
            photo_model=name, model_store=store, batch_size=args.batch_size,
            batch_wait_s=args.batch_wait, threads=args.threads,
        ),
    )
    naive = NaiveLoop(store / name)
    pipeline = Pipeline(settings, paths)
    # The same loaded model as the pipeline's, so (b) and (c) differ only in the path around it.
    model = ModelAlone(pipeline.runtime, paths, settings.ingest.max_image_pixels)
    setup_seconds = time.perf_counter() - started
    _print_settings(args, paths, name, default_threads, service_threads, setup_seconds)

    runners = {"naive": naive.run, "pipeline": pipeline.run, "model": model.run}
    threads = {"naive": default_threads, "pipeline": service_threads, "model": service_threads}
    # One warm-up batch per mode, because the first calls of a mode allocate buffers and are slower.
    warm_up = paths[: args.batch_size]
    for mode, run in runners.items():
        torch.set_num_threads(threads[mode])
        run(warm_up[:2] if mode == "naive" else warm_up)
    timings = Timings()
    stages_before = _pipeline_stage_seconds()
    modes = list(runners)
    for number, start in enumerate(range(0, len(paths), args.batch_size)):
        group = paths[start : start + args.batch_size]
        timings.sizes.append(len(group))
        # Each group starts with the next mode, so no mode always runs first or last.
        for mode in modes[number % 3 :] + modes[: number % 3]:
            torch.set_num_threads(threads[mode])
            began = time.perf_counter()
            runners[mode](group)
            timings.groups[mode].append(time.perf_counter() - began)
    pipeline.close()
    prepare, encode = (after - before for after, before in
                       zip(_pipeline_stage_seconds(), stages_before, strict=True))
    _print_figures(timings, len(paths))
    print(f"      (b) spent {prepare:.1f} s reading, decoding and preparing, {encode:.1f} s in "
          f"model calls, of {timings.seconds('pipeline'):.1f} s")
    for mode in modes:
        rates = ", ".join(
            f"{size / seconds:.2f}"
            for size, seconds in zip(timings.sizes, timings.groups[mode], strict=True)
        )
        print(f"      photos/s per group, {mode:8}   {rates}")
    print(f"  total run      {time.perf_counter() - started:.1f} s, load average at the end "
          f"{os.getloadavg()[0]:.1f}")


def _pipeline_stage_seconds() -> tuple[float, float]:
    """Return the consumer's total seconds so far in preparing photos and in model calls."""
    prepare = REGISTRY.get_sample_value("datafantasi_embedding_prepare_seconds_sum") or 0.0
    encode = REGISTRY.get_sample_value(
        "datafantasi_embedding_encode_seconds_sum", {"kind": "photos"}
    ) or 0.0
    return prepare, encode


def _print_settings(
    args: argparse.Namespace, paths: Sequence[Path], model: str, default_threads: int,
    service_threads: int, setup_seconds: float,
) -> None:
    sizes = []
    for path in paths:
        with Image.open(path) as image:
            sizes.append(image.size)
    pixels = sorted(width * height for width, height in sizes)
    megabytes = sum(path.stat().st_size for path in paths) / 1e6
    print("embedding benchmark")
    print(f"  machine        {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, torch {torch.__version__}")
    print(f"  model          {model} (random weights), loaded from the model store")
    print(f"  photos         {len(paths)} JPEGs from {len(SOURCE_PHOTOS)} scikit-image "
          f"photographs (+ mirrored, brighter, darker), {pixels[0] / 1e6:.2f}-"
          f"{pixels[-1] / 1e6:.2f} MP, {megabytes:.1f} MB")
    print(f"  batch size     {args.batch_size} (wait {args.batch_wait} s)")
    print(f"  torch threads  naive {default_threads} (torch default), "
          f"service {service_threads}")
    print(f"  setup          {setup_seconds:.1f} s (photos, model build, two model loads)")
    print(f"  load average   {os.getloadavg()[0]:.1f} at the start of the timed runs")


def _print_figures(timings: Timings, photos: int) -> None:
    naive = timings.rate("naive", photos)
    pipeline = timings.rate("pipeline", photos)
    model = timings.rate("model", photos)
    print(f"  (a) naive one-at-a-time loop        {naive:7.2f} photos/s")
    print(f"  (b) service pipeline, batched       {pipeline:7.2f} photos/s")
    print(f"      batched / naive                 {pipeline / naive:7.2f}x   (target >= 3x)")
    print(f"  (c) model alone, prepared batches   {model:7.2f} photos/s")
    print(f"  (d) end-to-end consumer path = (b)  {pipeline:7.2f} photos/s")
    print(f"      end-to-end / model alone        {pipeline / model:7.2f}x   (target >= 0.9x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--photos", type=int, default=64, help="Photos to encode (max 64).")
    parser.add_argument("--batch-size", type=int, default=16, help="Photos per model call.")
    parser.add_argument("--batch-wait", type=float, default=0.05,
                        help="Maximum wait for a batch to fill, in seconds.")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads of the service; 0 keeps torch's default.")
    parser.add_argument("--architecture", default="ViT-B-32", help="open_clip architecture.")
    parser.add_argument("--store", type=Path, default=None,
                        help="Model store to build the model in and keep (default: temporary).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="embedding-bench-") as scratch:
        measure(args, Path(scratch))


if __name__ == "__main__":
    main()
