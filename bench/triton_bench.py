"""Benchmark photos/s through Triton against the in-process open_clip runtime, in one run.

Both modes encode the same prepared photos (random pixels at the model's input size) with the
same model, in the same batch sizes; within each batch size the two modes run one after the
other, so a change in the machine's load affects both alike. Preparing photos is left out:
both runtimes run the same open_clip transform on the client.

Triton is the CPU or GPU build of tritonserver from the nvidia-pytriton wheel, started on
127.0.0.1 with a repository built from the model store (python backend, dynamic batching).

Default (CPU, a quick run): the tiny test model, batch sizes 1, 8, 32.
``--device cuda``: open_clip ViT-B-32 with random weights, batch sizes 1..64, Triton instances of
kind KIND_GPU, and the in-process runtime on cuda.
NOTE: only the CPU mode has run so far; the cuda mode needs a machine with an NVIDIA GPU.

Usage: .venv/bin/python bench/triton_bench.py [--device cpu|cuda] [--batches 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from services.embedding.open_clip_runtime import load_open_clip_runtime
from services.embedding.runtime import ModelRuntime
from services.embedding.testing import build_random_model, build_test_model
from services.embedding.triton.local_server import LocalTritonServer
from services.embedding.triton.repository import build_repository
from services.embedding.triton.runtime import TritonOptions, load_triton_runtime

CPU_BATCH_SIZES = (1, 8, 32)
GPU_BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64)


def photos_per_second(runtime: ModelRuntime, batch: list, repeats: int) -> float:
    runtime.encode_prepared(batch)  # warm-up: the first call pays for lazy setup
    started = time.perf_counter()
    for _ in range(repeats):
        runtime.encode_prepared(batch)
    return repeats * len(batch) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="model device")
    parser.add_argument("--batches", type=int, default=20, help="timed batches per batch size")
    parser.add_argument("--protocol", choices=("grpc", "http"), default="grpc")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        store = root / "models"
        if args.device == "cuda":
            name, sizes, kind = build_random_model(store, "ViT-B-32"), GPU_BATCH_SIZES, "gpu"
        else:
            name, sizes, kind = build_test_model(store), CPU_BATCH_SIZES, "cpu"
        build_repository(store, name, root / "repository", kind=kind, max_batch_size=max(sizes))
        local = load_open_clip_runtime(
            store, name, device=args.device, threads=0, allow_download=False
        )
        server = LocalTritonServer(root / "repository", root / "server")
        started = time.perf_counter()
        server.start(timeout_s=600)
        print(f"tritonserver ready in {time.perf_counter() - started:.1f} s")
        url = server.grpc_url if args.protocol == "grpc" else server.http_url
        triton = load_triton_runtime(store, name, TritonOptions(url, args.protocol))
        try:
            print(
                f"model {name}, device {args.device}, {args.protocol}, {os.cpu_count()} cores, "
                f"{platform.processor() or platform.machine()}"
            )
            print(f"{'batch':>6} {'in-process photos/s':>20} {'Triton photos/s':>16} {'ratio':>6}")
            rng = np.random.default_rng(0)
            for size in sizes:
                shape = (3, triton.input_size, triton.input_size)
                batch = [rng.standard_normal(shape, dtype=np.float32) for _ in range(size)]
                tensors = [torch.from_numpy(photo) for photo in batch]
                in_process = photos_per_second(local, tensors, args.batches)
                served = photos_per_second(triton, batch, args.batches)
                print(f"{size:>6} {in_process:>20.1f} {served:>16.1f} {served / in_process:>6.2f}")
        finally:
            triton.close()
            server.stop()


if __name__ == "__main__":
    main()
