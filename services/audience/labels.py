"""Describe communities: keywords, the tracked accounts they lean to, their typical members.

- Keywords: class-based TF-IDF over the members' comment words and the hashtags of the posts
  they engaged with. A term scores its frequency in the community times log(1 + A / f), where
  f is the term's frequency in all communities and A the mean number of terms per community.
- Typical accounts: the followed or engaged accounts with the largest
  share_in_community * log(share_in_community / share_in_audience), among accounts that at
  least 5% of the community is linked to.
- Typical members: the members nearest to the community's centroid in feature space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from services.audience.communities import CommunityPartition
from services.audience.graph import AudienceGraph

KEYWORD_COUNT = 8
TYPICAL_COUNT = 5
MIN_ACCOUNT_SHARE = 0.05


@dataclass(frozen=True)
class TypicalAccount:
    handle: str
    share: float  # of the community's members linked to the account
    lift: float  # share in the community / share in the whole audience


@dataclass(frozen=True)
class CommunityDescription:
    number: int
    size: int
    share: float
    label: str
    keywords: list[str]
    typical_accounts: list[TypicalAccount]
    typical_members: list[str]
    mean_confidence: float


def describe_communities(
    graph: AudienceGraph, partition: CommunityPartition
) -> list[CommunityDescription]:
    count = partition.community_count
    if count == 0:
        return []
    labels = partition.labels
    assigned = labels >= 0
    membership = sp.csr_matrix(
        (np.ones(int(assigned.sum())), (labels[assigned], np.flatnonzero(assigned))),
        shape=(count, graph.size),
    )
    keywords = _keywords(membership @ graph.terms, graph.vocabulary)
    accounts = _typical_accounts(membership, graph)
    sizes = np.asarray(membership.sum(axis=1)).ravel()
    result = []
    for number in range(count):
        rows = np.flatnonzero(labels == number)
        words = keywords[number]
        result.append(
            CommunityDescription(
                number=number,
                size=int(sizes[number]),
                share=float(sizes[number] / assigned.sum()),
                label=" · ".join(words[:3]) or f"community {number + 1}",
                keywords=words,
                typical_accounts=accounts[number],
                typical_members=_typical_members(rows, partition.features, graph.member_handles),
                mean_confidence=float(partition.confidence[rows].mean()),
            )
        )
    return result


def _keywords(counts: sp.csr_matrix, vocabulary: list[str]) -> list[list[str]]:
    dense = np.asarray(counts.todense(), dtype=np.float64)
    if dense.size == 0:
        return [[] for _ in range(counts.shape[0])]
    per_community = dense.sum(axis=1, keepdims=True)
    term_frequency = dense / np.maximum(per_community, 1.0)
    average = per_community.mean()
    idf = np.log(1.0 + average / np.maximum(dense.sum(axis=0), 1.0))
    scores = term_frequency * idf[np.newaxis, :]
    result = []
    for row in range(len(dense)):
        # Ties broken by the term itself, so the order does not depend on import order.
        candidates = [i for i in np.flatnonzero(dense[row] >= 2)]
        candidates.sort(key=lambda i: (-scores[row, i], vocabulary[i]))
        result.append([vocabulary[i] for i in candidates[:KEYWORD_COUNT]])
    return result


def _typical_accounts(
    membership: sp.csr_matrix, graph: AudienceGraph
) -> list[list[TypicalAccount]]:
    linked = sp.csr_matrix((graph.links > 0).astype(np.float64))
    accounts = np.flatnonzero(graph.anchor_is_account)
    per_community = (membership @ linked[:, accounts]).toarray()
    sizes = np.asarray(membership.sum(axis=1))
    overall = np.asarray(linked[:, accounts].sum(axis=0)).ravel() / max(graph.size, 1)
    result = []
    for number in range(membership.shape[0]):
        share = per_community[number] / max(float(sizes[number, 0]), 1.0)
        lift = np.divide(share, overall, out=np.zeros_like(share), where=overall > 0)
        score = np.where(
            share >= MIN_ACCOUNT_SHARE, share * np.log(np.maximum(lift, 1e-12)), -np.inf
        )
        order = [
            i for i in np.argsort(-score, kind="stable") if np.isfinite(score[i]) and lift[i] > 1
        ]
        result.append(
            [
                TypicalAccount(graph.anchor_labels[accounts[i]], float(share[i]), float(lift[i]))
                for i in order[:TYPICAL_COUNT]
            ]
        )
    return result


def _typical_members(rows: np.ndarray, features: np.ndarray, handles: list[str]) -> list[str]:
    if len(rows) == 0:
        return []
    centroid = features[rows].mean(axis=0)
    closeness = features[rows] @ (centroid / max(float(np.linalg.norm(centroid)), 1e-12))
    order = np.lexsort((rows, -closeness))[:TYPICAL_COUNT]
    return [handles[rows[i]] for i in order]
