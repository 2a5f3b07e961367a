"""The audience as matrices: who is linked to which tracked account or post, and by what text.

Members are the accounts (not brand or influencer) that follow, like or comment on something.
Each member gets three rows of features:

- links: a sparse row over anchors (followed accounts other than the brand, and engaged
  posts). Weights are 1 for a follow or like and 2 for a comment, and engaging with a post also
  links to its owner at half weight. TF-IDF then weights each anchor by how few members share
  it, so an anchor that most members share carries little information about interests.
- text: the e5 vectors of the anchors, weighted by the TF-IDF row (an account's vector is the
  mean of its bio and its captions), plus the sum of the member's own comment vectors, each
  part scaled to unit length first so that neither drowns the other.
- terms: counts of words and hashtags in the member's comments and in the hashtags of the
  posts engaged with, for labelling communities.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from services.audience.importing.records import AccountRole

logger = logging.getLogger(__name__)

FOLLOW_WEIGHT = 1.0
LIKE_WEIGHT = 1.0
COMMENT_WEIGHT = 2.0
OWNER_SHARE = 0.5

_WORD = re.compile(r"#?[^\W\d_][\w'-]{2,}", re.UNICODE)
# Danish and English function words, left out of community keywords.
STOPWORDS = frozenset(
    """
    og i at er en et det den de der til på med for af som har jeg du vi så men kan ikke var vil
    skal meget også bare lige eller fra over efter hvor når hvad min mit mine din dit dine
    jeres vores sig selv alle godt mere helt nok her nu tak the and you your this that with are
    was have has not but our all can just what when from they will one out get
    """.split()  # noqa: SIM905
)


@dataclass(frozen=True)
class AudienceData:
    """A tenant's audience tables as plain arrays; ids are the tables' primary keys."""

    account_ids: np.ndarray  # (accounts,) int64
    handles: list[str]
    roles: list[AccountRole]
    bios: dict[int, str]
    follows: np.ndarray  # (follows, 2) int64: follower, followed
    engagement_actor: np.ndarray  # (engagements,) int64
    engagement_target: np.ndarray  # int64, -1 when the owner is unknown
    engagement_post: np.ndarray  # int64, -1 when the post is unknown
    engagement_is_comment: np.ndarray  # bool
    engagement_text: list[str | None]
    post_ids: np.ndarray  # (posts,) int64
    post_owner: np.ndarray  # int64
    post_caption: list[str]
    post_hashtags: list[str]
    post_like_count: np.ndarray  # float, NaN when hidden or unknown
    post_comments_count: np.ndarray  # float, NaN when unknown
    post_known: np.ndarray  # bool: False for a post seen only through engagement with it
    post_deleted: np.ndarray  # bool
    followers_count: dict[int, int]  # reported follower counts, where known

    def handle_of(self) -> dict[int, str]:
        return dict(zip(self.account_ids.tolist(), self.handles, strict=True))

    def ids_with_role(self, *roles: AccountRole) -> np.ndarray:
        mask = np.array([role in roles for role in self.roles], dtype=bool)
        return self.account_ids[mask] if len(mask) else self.account_ids[:0]


@dataclass(frozen=True)
class AudienceGraph:
    member_ids: np.ndarray  # (n,) int64, sorted
    member_handles: list[str]
    anchor_labels: list[str]  # account handle, or "post:<id>"
    anchor_is_account: np.ndarray  # (a,) bool
    links: sp.csr_matrix  # (n, a) raw link weights
    link_features: sp.csr_matrix  # (n, a) TF-IDF, rows L2-normalised
    text_vectors: np.ndarray  # (n, dim) float32, zero rows for members without any text
    terms: sp.csr_matrix  # (n, vocabulary) counts
    vocabulary: list[str]

    @property
    def size(self) -> int:
        return len(self.member_ids)


def tokenize(text: str) -> list[str]:
    return [t for t in (m.lower() for m in _WORD.findall(text)) if t.lstrip("#") not in STOPWORDS]


def build_audience_graph(
    data: AudienceData, encode: Callable[[Sequence[str]], np.ndarray], dim: int
) -> AudienceGraph:
    """Build the member features; ``encode`` maps texts to L2-normalised rows of width ``dim``."""
    handle_of = data.handle_of()
    members = _member_ids(data)
    rows, anchor_keys, weights = _link_triplets(data, members)
    anchors, columns = np.unique(anchor_keys, return_inverse=True)
    links = sp.csr_matrix(
        (weights, (rows, columns)), shape=(len(members), len(anchors)), dtype=np.float64
    )
    links.sum_duplicates()
    link_features = _tfidf(links)
    is_account = anchors % 2 == 0
    anchor_ids = anchors // 2
    anchor_labels = [
        handle_of.get(key, str(key)) if account else f"post:{key}"
        for key, account in zip(anchor_ids.tolist(), is_account.tolist(), strict=True)
    ]
    text_vectors = _text_vectors(data, members, anchor_ids, is_account, link_features, encode, dim)
    terms, vocabulary = _term_counts(data, members)
    logger.info(
        "audience graph: %d members, %d anchors, %d links", len(members), links.shape[1], links.nnz
    )
    return AudienceGraph(
        member_ids=members,
        member_handles=[handle_of[m] for m in members.tolist()],
        anchor_labels=anchor_labels,
        anchor_is_account=is_account,
        links=links,
        link_features=link_features,
        text_vectors=text_vectors,
        terms=terms,
        vocabulary=vocabulary,
    )


def _member_ids(data: AudienceData) -> np.ndarray:
    candidates = np.union1d(data.follows[:, 0], data.engagement_actor)
    tracked = data.ids_with_role(AccountRole.BRAND, AccountRole.INFLUENCER)
    return np.setdiff1d(candidates, tracked).astype(np.int64)


def _rows_of(members: np.ndarray, accounts: np.ndarray) -> np.ndarray:
    """Return each account's row among the sorted member ids, or -1 for a non-member."""
    if len(members) == 0:
        return np.full(len(accounts), -1, dtype=np.int64)
    positions = np.searchsorted(members, accounts).clip(max=len(members) - 1)
    return np.where(members[positions] == accounts, positions, -1)


def _link_triplets(
    data: AudienceData, members: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (member row, anchor key, weight) of every link.

    An anchor key is 2 * account id for an account and 2 * post id + 1 for a post.
    """
    # Following the brand places a member in the brand's audience, which the comparison
    # measures. It indicates no interest, so the brand's accounts are no anchors.
    # Engaging with a brand post still links to the post.
    excluded = np.union1d(members, data.ids_with_role(AccountRole.BRAND))

    follow_rows = _rows_of(members, data.follows[:, 0])
    followed = data.follows[:, 1]
    keep = (follow_rows >= 0) & ~np.isin(followed, excluded)
    parts = [(follow_rows[keep], 2 * followed[keep], np.full(keep.sum(), FOLLOW_WEIGHT))]

    actor_rows = _rows_of(members, data.engagement_actor)
    weight = np.where(data.engagement_is_comment, COMMENT_WEIGHT, LIKE_WEIGHT)
    post = data.engagement_post
    on_post = (actor_rows >= 0) & (post >= 0)
    parts.append((actor_rows[on_post], 2 * post[on_post] + 1, weight[on_post]))
    target = data.engagement_target
    on_owner = (actor_rows >= 0) & (target >= 0) & ~np.isin(target, excluded)
    owner_weight = weight * np.where(post >= 0, OWNER_SHARE, 1.0)
    parts.append((actor_rows[on_owner], 2 * target[on_owner], owner_weight[on_owner]))
    return (
        np.concatenate([p[0] for p in parts]).astype(np.int64),
        np.concatenate([p[1] for p in parts]).astype(np.int64),
        np.concatenate([p[2] for p in parts]).astype(np.float64),
    )


def _tfidf(links: sp.csr_matrix) -> sp.csr_matrix:
    n = links.shape[0]
    document_frequency = np.asarray((links > 0).sum(axis=0)).ravel()
    # Without the usual +1, an anchor shared by every member gets weight 0.
    idf = np.log((1.0 + n) / (1.0 + document_frequency))
    weighted = sp.csr_matrix(links.multiply(idf[np.newaxis, :]))
    return _normalize_rows(weighted)


def _normalize_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ matrix)


def _text_vectors(
    data: AudienceData,
    members: np.ndarray,
    anchor_ids: np.ndarray,
    anchor_is_account: np.ndarray,
    link_features: sp.csr_matrix,
    encode: Callable[[Sequence[str]], np.ndarray],
    dim: int,
) -> np.ndarray:
    texts = _UniqueTexts()
    actor_rows = _rows_of(members, data.engagement_actor)
    comment_rows: list[int] = []
    comment_texts: list[int] = []
    for row, text in zip(actor_rows.tolist(), data.engagement_text, strict=True):
        if row >= 0 and text and text.strip():
            comment_rows.append(row)
            comment_texts.append(texts.index(text))
    anchor_texts = _anchor_texts(data, anchor_ids, anchor_is_account, texts)
    vectors = encode(texts.items) if texts.items else np.zeros((0, dim), dtype=np.float32)

    anchor_vectors = np.zeros((len(anchor_ids), dim), dtype=np.float32)
    for anchor, text_ids in enumerate(anchor_texts):
        if text_ids:
            anchor_vectors[anchor] = vectors[text_ids].mean(axis=0)
    own = sp.csr_matrix(
        (np.ones(len(comment_rows)), (comment_rows, comment_texts)),
        shape=(len(members), len(texts.items)),
    )
    anchors_part = _normalize_dense(np.asarray(link_features @ anchor_vectors))
    combined = anchors_part + _normalize_dense(np.asarray(own @ vectors))
    return _center_and_normalize(np.asarray(combined, dtype=np.float32))


def _anchor_texts(
    data: AudienceData,
    anchor_ids: np.ndarray,
    anchor_is_account: np.ndarray,
    texts: _UniqueTexts,
) -> list[list[int]]:
    caption_of = dict(zip(data.post_ids.tolist(), data.post_caption, strict=True))
    captions_by_owner: dict[int, list[str]] = {}
    for owner, caption in zip(data.post_owner.tolist(), data.post_caption, strict=True):
        if caption:
            captions_by_owner.setdefault(owner, []).append(caption)
    result = []
    for key, is_account in zip(anchor_ids.tolist(), anchor_is_account.tolist(), strict=True):
        if not is_account:
            caption = caption_of.get(key, "")
            result.append([texts.index(caption)] if caption else [])
        else:
            own = [data.bios[key]] if data.bios.get(key) else []
            result.append([texts.index(text) for text in own + captions_by_owner.get(key, [])])
    return result


class _UniqueTexts:
    """Each distinct text once, so that it is encoded once."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def index(self, text: str) -> int:
        found = self._index.get(text)
        if found is None:
            found = self._index[text] = len(self.items)
            self.items.append(text)
        return found


def _normalize_dense(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _center_and_normalize(vectors: np.ndarray) -> np.ndarray:
    # e5 vectors share a large common direction (unrelated texts score about 0.8), so the mean
    # of the members' vectors is removed before cosine similarities are taken.
    has_text = np.linalg.norm(vectors, axis=1) > 0
    if has_text.any():
        unit = vectors[has_text] / np.linalg.norm(vectors[has_text], axis=1, keepdims=True)
        centred = unit - unit.mean(axis=0, keepdims=True)
        norms = np.linalg.norm(centred, axis=1, keepdims=True)
        vectors = vectors.copy()
        vectors[has_text] = centred / np.maximum(norms, 1e-12)
    return vectors


def _term_counts(data: AudienceData, members: np.ndarray) -> tuple[sp.csr_matrix, list[str]]:
    vocabulary: dict[str, int] = {}
    tokens_of: dict[str, list[int]] = {}
    rows: list[int] = []
    cols: list[int] = []
    hashtags_of = dict(zip(data.post_ids.tolist(), data.post_hashtags, strict=True))
    actor_rows = _rows_of(members, data.engagement_actor)
    engagements = zip(
        actor_rows.tolist(), data.engagement_post.tolist(), data.engagement_text, strict=True
    )
    for row, post, text in engagements:
        if row < 0:
            continue
        # Comments repeat a lot ("Flot!"), so each distinct text is tokenised once.
        key = f"{text or ''}\x00{post}"
        columns = tokens_of.get(key)
        if columns is None:
            tokens = tokenize(text) if text else []
            tokens += [f"#{tag}" for tag in hashtags_of.get(post, "").split()]
            columns = tokens_of[key] = [
                vocabulary.setdefault(token, len(vocabulary)) for token in tokens
            ]
        rows.extend([row] * len(columns))
        cols.extend(columns)
    terms = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(members), len(vocabulary)))
    terms.sum_duplicates()
    return terms, list(vocabulary)
