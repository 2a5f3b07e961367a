"""k nearest neighbours by cosine similarity, exact for small audiences, approximate beyond.

The approximate search is an inverted-file index: 2 * sqrt(n) k-means cells, and each cell's
points search the points of the ``probes`` cells whose centres are nearest to their own cell's
centre. All
randomness comes from the seed, so the result is the same on every run.
"""

from __future__ import annotations

import numpy as np

EXACT_LIMIT = 5_000
_BLOCK = 1024


def nearest_neighbours(
    vectors: np.ndarray, k: int, *, seed: int, probes: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Return (indices, similarities), each (n, k), of every row's nearest other rows.

    Rows must be L2-normalised. With fewer than k + 1 rows, k shrinks to n - 1. A cell of the
    approximate search with too few candidates leaves index -1 (similarity 0) in its last
    columns.
    """
    n = len(vectors)
    k = min(k, n - 1)
    if k <= 0:
        return np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0), dtype=np.float32)
    if n <= EXACT_LIMIT:
        return _search(vectors, np.arange(n), np.arange(n), k)
    return _inverted_file_search(vectors, k, seed=seed, probes=probes)


def _search(
    vectors: np.ndarray, queries: np.ndarray, candidates: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of ``queries`` among ``candidates`` (both index arrays into ``vectors``)."""
    candidates = np.sort(candidates)
    indices = np.full((len(queries), k), -1, dtype=np.int64)
    similarities = np.zeros((len(queries), k), dtype=np.float32)
    pool = vectors[candidates]
    take = min(k, len(candidates) - 1)
    if take <= 0:
        return indices, similarities
    for start in range(0, len(queries), _BLOCK):
        block = queries[start : start + _BLOCK]
        scores = vectors[block] @ pool.T
        # A point is never its own neighbour.
        positions = np.searchsorted(candidates, block).clip(max=len(candidates) - 1)
        is_self = candidates[positions] == block
        scores[np.flatnonzero(is_self), positions[is_self]] = -np.inf
        top = np.argpartition(scores, scores.shape[1] - take, axis=1)[:, -take:]
        top_scores = np.take_along_axis(scores, top, axis=1)
        # Highest first; ties go to the lower candidate, so the result does not vary.
        order = np.lexsort((top, -top_scores), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        indices[start : start + len(block), :take] = candidates[top]
        similarities[start : start + len(block), :take] = np.take_along_axis(scores, top, axis=1)
    return indices, similarities


def _inverted_file_search(
    vectors: np.ndarray, k: int, *, seed: int, probes: int
) -> tuple[np.ndarray, np.ndarray]:
    n = len(vectors)
    cell_count = max(2, int(2 * np.sqrt(n)))
    centres = _kmeans(vectors, cell_count, seed=seed)
    cells = _assign(vectors, centres)
    members = [np.flatnonzero(cells == cell) for cell in range(cell_count)]
    near_cells = np.argsort(-(centres @ centres.T), axis=1, kind="stable")[:, :probes]
    indices = np.full((n, k), -1, dtype=np.int64)
    similarities = np.zeros((n, k), dtype=np.float32)
    for cell in range(cell_count):
        queries = members[cell]
        if len(queries) == 0:
            continue
        candidates = np.concatenate([members[c] for c in near_cells[cell]])
        found, scores = _search(vectors, queries, candidates, k)
        indices[queries] = found
        similarities[queries] = scores
    return indices, similarities


def _kmeans(vectors: np.ndarray, count: int, *, seed: int, iterations: int = 10) -> np.ndarray:
    """Spherical k-means on a sample; returns unit-length centres."""
    rng = np.random.default_rng(seed)
    sample_size = min(len(vectors), count * 64)
    sample = vectors[np.sort(rng.choice(len(vectors), sample_size, replace=False))]
    centres = sample[np.sort(rng.choice(sample_size, count, replace=False))].copy()
    for _ in range(iterations):
        labels = _assign(sample, centres)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, sample)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        sums[empty] = sample[rng.choice(sample_size, int(empty.sum()), replace=False)]
        centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return centres


def _assign(vectors: np.ndarray, centres: np.ndarray) -> np.ndarray:
    labels = np.empty(len(vectors), dtype=np.int64)
    for start in range(0, len(vectors), 8192):
        labels[start : start + 8192] = np.argmax(vectors[start : start + 8192] @ centres.T, axis=1)
    return labels
