"""Distinctive keywords per theme by class-based TF-IDF.

All texts of a theme are treated as one document. A word scores high when it is frequent in
the theme (term frequency, normalised by the theme's length) and rare across themes:
idf = log(1 + mean words per theme / frequency of the word over all themes), the weighting
BERTopic uses for its topic representations.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from services.analytics.themes.stopwords import STOP_WORDS

# A word starts with a letter; hyphens split compounds such as "CO2-regnskab".
_WORD = re.compile(r"[^\W\d_]\w*")


def tokenize(text: str) -> list[str]:
    return [
        word
        for word in _WORD.findall(text.casefold())
        if len(word) > 2 and word not in STOP_WORDS
    ]


def class_keywords(
    texts: Sequence[str], labels: np.ndarray, top_n: int = 8, min_count: int | None = None
) -> dict[int, list[str]]:
    """Return theme id -> its most distinctive words; label -1 (outliers) gets none.

    ``min_count`` drops words seen fewer times in all texts. It is 2 by default from 50 texts
    on, because in a handful of texts most words occur once.
    """
    if min_count is None:
        min_count = 2 if len(texts) >= 50 else 1
    themes = sorted(int(label) for label in set(labels.tolist()) if label >= 0)
    if not themes:
        return {}
    counts = {theme: Counter() for theme in themes}
    for text, label in zip(texts, labels.tolist(), strict=True):
        if label >= 0:
            counts[label].update(tokenize(text))
    totals = Counter()
    for counter in counts.values():
        totals.update(counter)
    # Words seen once in a large corpus are typos and names more often than themes.
    vocabulary = sorted(word for word, total in totals.items() if total >= min_count)
    column = {word: index for index, word in enumerate(vocabulary)}
    matrix = np.zeros((len(themes), len(vocabulary)), dtype=np.float64)
    for row, theme in enumerate(themes):
        for word, count in counts[theme].items():
            if word in column:
                matrix[row, column[word]] = count
    return _top_words(matrix, themes, vocabulary, top_n)


def _top_words(
    matrix: np.ndarray, themes: list[int], vocabulary: list[str], top_n: int
) -> dict[int, list[str]]:
    if matrix.size == 0:
        return {theme: [] for theme in themes}
    words_per_theme = matrix.sum(axis=1, keepdims=True)
    term_frequency = matrix / np.maximum(words_per_theme, 1.0)
    idf = np.log(1.0 + words_per_theme.mean() / np.maximum(matrix.sum(axis=0), 1.0))
    scores = term_frequency * idf
    keywords: dict[int, list[str]] = {}
    for row, theme in enumerate(themes):
        # Stable sort on the negated score keeps ties in alphabetical order.
        order = np.argsort(-scores[row], kind="stable")[:top_n]
        keywords[theme] = [vocabulary[index] for index in order if scores[row, index] > 0]
    return keywords
