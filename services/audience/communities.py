"""Interest communities: Leiden on a k-nearest-neighbour graph of link and text features.

Each member's feature vector joins two unit-length parts. The link part is the TF-IDF row of
followed accounts and engaged posts, reduced by a truncated SVD, and the text part comes from
graph.py. They are weighted so that the cosine of two members is
``text_weight * text cosine + (1 - text_weight) * link cosine``. A member with only one part
uses that part alone. A member with neither (someone who only follows the brand) has no signal
and is left unassigned. The joined vectors are projected onto their top principal components.

The k nearest neighbours of every member, joined by their cosine similarity, form the graph,
and the Leiden algorithm (igraph's community_leiden, maximising modularity) partitions it.
Modularity splits large uniform groups of a kNN graph into pieces, so pieces are merged
afterwards: first communities whose text centroids are nearly parallel (cosine above
``merge_similarity``), then pairs whose kNN edge weight between them is above
``merge_connectivity`` times the weight expected by chance (greedy modularity agglomeration at
that lower resolution). The merge settings were chosen on generated audiences (see
synthetic.py) and keep its planted communities of 4% to 26% apart.
Communities smaller than the minimum size join the community their members link to most.

Confidence of an assignment: the member's cosine similarity to its community's centroid, as a
share of its positive similarities to all centroids. 1.0 means the member resembles no other
community, and a member halfway between two communities gets about 0.5. The runner-up is the
other community it resembles most.

The seed fixes the SVD, the neighbour index and Leiden, so one seed on the same data gives the
same communities.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import asdict, dataclass, field

import igraph
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

from services.audience.graph import AudienceGraph
from services.audience.neighbours import nearest_neighbours

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommunityParameters:
    seed: int = 0
    text_weight: float = 0.5
    neighbours: int = 30
    resolution: float = 1.0
    link_dimensions: int = 64
    # The neighbour search runs on this many principal components of the joined features.
    dimensions: int = 32
    merge_similarity: float = 0.7
    merge_connectivity: float = 0.25
    min_community_size: int = 10
    # Communities under 2% of the members are too small to act on, so they join their neighbours.
    min_community_share: float = 0.02

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True)
class CommunityPartition:
    """Community of every member (-1: no signal), with the confidence of each assignment."""

    labels: np.ndarray  # (n,) int
    confidence: np.ndarray  # (n,) float
    runner_up: np.ndarray  # (n,) int, -1 when every neighbour is in the member's community
    runner_up_share: np.ndarray  # (n,) float
    features: np.ndarray  # (n, d) float32, zero rows for members without signal
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def community_count(self) -> int:
        return int(self.labels.max()) + 1 if (self.labels >= 0).any() else 0


def member_features(graph: AudienceGraph, parameters: CommunityParameters) -> np.ndarray:
    """Return the joined, unit-length feature rows (zero rows for members without signal)."""
    links = _reduced_links(graph.link_features, parameters.link_dimensions, parameters.seed)
    text = graph.text_vectors.astype(np.float32)
    has_links = np.linalg.norm(links, axis=1) > 0
    has_text = np.linalg.norm(text, axis=1) > 0
    text_scale = np.where(has_links, np.sqrt(parameters.text_weight), 1.0)
    link_scale = np.where(has_text, np.sqrt(1.0 - parameters.text_weight), 1.0)
    joined = np.hstack([text * text_scale[:, None], links * link_scale[:, None]])
    return _principal_components(joined, parameters.dimensions)


def _principal_components(features: np.ndarray, dimensions: int) -> np.ndarray:
    """Project the rows with signal onto their top principal components, at unit length."""
    active = np.linalg.norm(features, axis=1) > 0
    if active.sum() <= dimensions or features.shape[1] <= dimensions:
        return features.astype(np.float32)
    centred = features[active] - features[active].mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    projected = centred @ vectors[:, ::-1][:, :dimensions]
    norms = np.linalg.norm(projected, axis=1, keepdims=True)
    result = np.zeros((len(features), dimensions), dtype=np.float32)
    result[active] = projected / np.maximum(norms, 1e-12)
    return result


def _reduced_links(features: sp.csr_matrix, dimensions: int, seed: int) -> np.ndarray:
    n, anchors = features.shape
    if anchors <= dimensions + 1 or n <= dimensions + 1:
        dense = features.toarray()
    else:
        start = np.random.default_rng(seed).standard_normal(min(n, anchors))
        u, s, _ = svds(features, k=dimensions, v0=start, random_state=np.random.default_rng(seed))
        dense = u * s
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    return (dense / np.maximum(norms, 1e-12)).astype(np.float32)


def find_communities(
    graph: AudienceGraph, parameters: CommunityParameters = CommunityParameters()
) -> CommunityPartition:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    features = member_features(graph, parameters)
    active = np.flatnonzero(np.linalg.norm(features, axis=1) > 0)
    timings["features_s"] = time.perf_counter() - started
    if len(active) == 0:
        nobody = np.zeros(graph.size)
        return CommunityPartition(
            np.full(graph.size, -1), nobody, np.full(graph.size, -1), nobody, features, timings
        )

    started = time.perf_counter()
    indices, similarities = nearest_neighbours(
        features[active], parameters.neighbours, seed=parameters.seed
    )
    weights = _neighbour_graph(indices, similarities)
    timings["neighbours_s"] = time.perf_counter() - started

    started = time.perf_counter()
    labels = _renumber_by_size(_leiden(weights, parameters))
    merge_basis = _merge_basis(graph.text_vectors[active], features[active])
    labels = _merge_parallel(labels, merge_basis, parameters.merge_similarity)
    labels = _merge_connected(labels, weights, parameters.merge_connectivity)
    min_size = max(
        parameters.min_community_size, int(np.ceil(parameters.min_community_share * len(active)))
    )
    labels = _renumber_by_size(_dissolve_small(labels, weights, min_size))
    confidence, runner_up, runner_share = _confidence(labels, features[active])
    timings["leiden_s"] = time.perf_counter() - started

    n = graph.size
    partition = CommunityPartition(
        labels=_spread(labels, active, n, -1),
        confidence=_spread(confidence, active, n, 0.0),
        runner_up=_spread(runner_up, active, n, -1),
        runner_up_share=_spread(runner_share, active, n, 0.0),
        features=features,
        timings=timings,
    )
    logger.info(
        "communities: %d members, %d with signal, %d communities, timings %s",
        n,
        len(active),
        partition.community_count,
        timings,
    )
    return partition


def _spread(values: np.ndarray, rows: np.ndarray, n: int, fill: float) -> np.ndarray:
    result = np.full(n, fill, dtype=values.dtype if len(values) else np.float64)
    result[rows] = values
    return result


def _neighbour_graph(indices: np.ndarray, similarities: np.ndarray) -> sp.csr_matrix:
    """Symmetric weight matrix: an edge for each neighbour pair, weight max(cosine, 0)."""
    n, k = indices.shape
    rows = np.repeat(np.arange(n), k)
    cols = indices.ravel()
    weights = np.clip(similarities.ravel(), 0.0, None)
    keep = (cols >= 0) & (weights > 0)
    directed = sp.csr_matrix((weights[keep], (rows[keep], cols[keep])), shape=(n, n))
    return sp.csr_matrix(directed.maximum(directed.T))


def _leiden(weights: sp.csr_matrix, parameters: CommunityParameters) -> np.ndarray:
    upper = sp.triu(weights, k=1).tocoo()
    graph = igraph.Graph(n=weights.shape[0], edges=np.column_stack([upper.row, upper.col]))
    # igraph draws from one process-wide generator; a seeded one makes the run repeatable.
    igraph.set_random_number_generator(random.Random(parameters.seed))
    try:
        clustering = graph.community_leiden(
            objective_function="modularity",
            weights=upper.data,
            resolution=parameters.resolution,
            n_iterations=2,
        )
    finally:
        igraph.set_random_number_generator(random)
    return np.array(clustering.membership, dtype=np.int64)


def _merge_basis(text: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Return the rows whose community centroids decide merging: text, else the joined rows.

    Text is what the pieces of one interest share (the same topic in different posts and
    accounts), while links are what modularity splits them by.
    """
    has_text = np.linalg.norm(text, axis=1) > 0
    if not has_text.any():
        return features
    return text.astype(np.float32)


def _merge_parallel(labels: np.ndarray, features: np.ndarray, threshold: float) -> np.ndarray:
    """Merge communities whose centroids have a cosine above ``threshold``, most similar first."""
    count = int(labels.max()) + 1
    sums = np.zeros((count, features.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, features)
    target = np.arange(count)
    alive = np.ones(count, dtype=bool)
    while alive.sum() > 1:
        centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        similarity = centroids @ centroids.T
        similarity[~alive, :] = -np.inf
        similarity[:, ~alive] = -np.inf
        np.fill_diagonal(similarity, -np.inf)
        keep, drop = sorted(np.unravel_index(int(np.argmax(similarity)), similarity.shape))
        if similarity[keep, drop] <= threshold:
            break
        sums[keep] += sums[drop]
        sums[drop] = 0.0
        alive[drop] = False
        target[target == drop] = keep
    return _renumber_by_size(target[labels])


def _merge_connected(labels: np.ndarray, weights: sp.csr_matrix, threshold: float) -> np.ndarray:
    """Merge communities whose kNN edges between them exceed ``threshold`` times the expected.

    The expected weight between communities A and B is vol(A) * vol(B) / vol(graph), as in
    modularity, so merging the pair with the highest ratio first is greedy modularity
    agglomeration at resolution ``threshold``.
    """
    count = int(labels.max()) + 1
    membership = sp.csr_matrix(
        (np.ones(len(labels)), (np.arange(len(labels)), labels)), shape=(len(labels), count)
    )
    between = (membership.T @ weights @ membership).toarray()
    target = np.arange(count)
    alive = np.ones(count, dtype=bool)
    total = between.sum()
    while alive.sum() > 1 and total > 0:
        volume = between.sum(axis=1)
        expected = np.outer(volume, volume) / total
        ratio = np.divide(between, expected, out=np.zeros_like(between), where=expected > 0)
        ratio[~alive, :] = -np.inf
        ratio[:, ~alive] = -np.inf
        np.fill_diagonal(ratio, -np.inf)
        keep, drop = sorted(np.unravel_index(int(np.argmax(ratio)), ratio.shape))
        if ratio[keep, drop] <= threshold:
            break
        between[keep, :] += between[drop, :]
        between[:, keep] += between[:, drop]
        between[drop, :] = 0.0
        between[:, drop] = 0.0
        alive[drop] = False
        target[target == drop] = keep
    return _renumber_by_size(target[labels])


def _dissolve_small(labels: np.ndarray, weights: sp.csr_matrix, min_size: int) -> np.ndarray:
    """Move members of communities below ``min_size`` to their best-linked large community."""
    labels = labels.copy()
    sizes = np.bincount(labels)
    large = sizes >= min_size
    if large.all() or not large.any():
        return labels
    small_members = np.flatnonzero(~large[labels])
    # Links to every large community, summed over each member's neighbours.
    large_labels = np.where(large[labels], labels, -1)
    for _ in range(3):
        membership = sp.csr_matrix(
            (
                np.ones((large_labels >= 0).sum()),
                (np.flatnonzero(large_labels >= 0), large_labels[large_labels >= 0]),
            ),
            shape=(len(labels), len(sizes)),
        )
        links = (weights[small_members] @ membership).toarray()
        reachable = links.max(axis=1) > 0
        large_labels[small_members[reachable]] = links[reachable].argmax(axis=1)
        small_members = small_members[~reachable]
        if len(small_members) == 0:
            break
    # Members linked to no large community, even through small ones, join the largest.
    large_labels[small_members] = int(np.argmax(sizes * large))
    return large_labels


def _renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Number communities 0, 1, ... from the largest; ties keep their first appearance."""
    values, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    mapping = np.empty(values.max() + 1, dtype=np.int64)
    mapping[values[order]] = np.arange(len(values))
    return mapping[labels]


def _confidence(
    labels: np.ndarray, features: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each member's similarity share of its own community, and the runner-up's."""
    count = int(labels.max()) + 1
    sums = np.zeros((count, features.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, features)
    centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    similarity = np.clip(features @ centroids.T, 0.0, None)
    totals = similarity.sum(axis=1)
    rows = np.arange(len(labels))
    own = similarity[rows, labels]
    confidence = np.divide(own, totals, out=np.zeros_like(own), where=totals > 0)
    similarity[rows, labels] = -1.0
    runner_up = similarity.argmax(axis=1) if count > 1 else np.full(len(labels), -1)
    runner_similarity = similarity[rows, runner_up] if count > 1 else np.zeros(len(labels))
    runner_share = np.divide(
        runner_similarity,
        totals,
        out=np.zeros_like(own),
        where=(totals > 0) & (runner_similarity > 0),
    )
    runner_up = np.where(runner_similarity > 0, runner_up, -1)
    return confidence, runner_up, runner_share
