"""Themes of a set of texts: clusters of their embeddings, labelled with distinctive words."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from services.analytics.themes.clustering import ClusterOptions, cluster
from services.analytics.themes.keywords import class_keywords

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThemeSummary:
    theme_id: int
    label: str
    keywords: list[str]
    size: int
    typical: list[int]
    """Indexes of the texts most similar to the theme's centre, most typical first."""


@dataclass(frozen=True)
class ThemeResult:
    themes: list[ThemeSummary]
    labels: np.ndarray
    """Theme id per text; -1 marks an outlier."""
    similarity: np.ndarray

    @property
    def outlier_count(self) -> int:
        return int((self.labels < 0).sum())


def find_themes(
    texts: Sequence[str],
    vectors: np.ndarray,
    options: ClusterOptions | None = None,
    typical_count: int = 3,
    keyword_count: int = 8,
) -> ThemeResult:
    """Cluster the vectors and describe each cluster; texts and vectors correspond by index."""
    if len(texts) != len(vectors):
        raise ValueError(f"got {len(texts)} texts but {len(vectors)} vectors")
    started = time.perf_counter()
    clustering = cluster(vectors, options)
    keywords = class_keywords(texts, clustering.labels, top_n=keyword_count)
    themes = []
    for theme_id in sorted(keywords):
        members = np.flatnonzero(clustering.labels == theme_id)
        order = np.argsort(-clustering.similarity[members], kind="stable")
        typical = _distinct_texts(texts, members[order], typical_count)
        words = keywords[theme_id]
        themes.append(
            ThemeSummary(
                theme_id=theme_id,
                label=", ".join(words[:3]) if words else f"theme {theme_id + 1}",
                keywords=words,
                size=len(members),
                typical=typical,
            )
        )
    logger.info(
        "found %d themes in %d texts (%d outliers) in %.2f s",
        len(themes), len(texts), int((clustering.labels < 0).sum()),
        time.perf_counter() - started,
    )
    return ThemeResult(themes=themes, labels=clustering.labels, similarity=clustering.similarity)


def _distinct_texts(texts: Sequence[str], ranked: np.ndarray, count: int) -> list[int]:
    """Return the first ``count`` indexes of ``ranked`` whose texts differ from each other."""
    chosen: list[int] = []
    seen: set[str] = set()
    for index in ranked.tolist():
        if texts[index] not in seen:
            seen.add(texts[index])
            chosen.append(index)
            if len(chosen) == count:
                break
    return chosen
