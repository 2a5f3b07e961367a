"""Visual grouping on its own: the number of groups allowed and names kept across runs."""

from __future__ import annotations

import numpy as np
import pytest

from services.search.groups import GroupDraft, _inherit, group_vectors, max_groups
from services.search.models import PhotoGroup


@pytest.mark.parametrize(
    ("photos", "groups"), [(1, 2), (10, 6), (1000, 63), (10_000, 200), (100_000, 200)]
)
def test_max_groups_grows_with_the_photos(photos: int, groups: int) -> None:
    assert max_groups(photos) == groups


def old_group(group_id: str, name: str | None) -> PhotoGroup:
    return PhotoGroup(
        tenant_id="t", group_id=group_id, run_id="r", model_id="m", number=0, name=name, size=0
    )


def draft(*assets: str) -> GroupDraft:
    return GroupDraft(asset_ids=list(assets), similarity=[1.0] * len(assets))


def test_inherit_needs_most_photos_both_ways() -> None:
    previous = {
        "cats": (old_group("cats", "Katte"), {"a", "b", "c", "d"}),
        "dogs": (old_group("dogs", "Hunde"), {"e", "f", "g", "h"}),
        "boats": (old_group("boats", None), {"i", "j"}),
    }
    drafts = [
        draft("a", "b", "c", "x"),  # three of four cats: keeps the name
        draft("e", "f", "g", "h", "a2", "a3", "a4", "a5", "a6"),  # the dogs, under half of it
        draft("i", "j", "k"),  # the boats, unnamed
    ]

    inherited = _inherit(drafts, previous)

    assert {number: group.group_id for number, group in inherited.items()} == {
        0: "cats", 2: "boats",
    }


def test_inherit_of_a_group_split_in_half_keeps_nothing() -> None:
    previous = {"cats": (old_group("cats", "Katte"), {"a", "b", "c", "d"})}

    assert _inherit([draft("a", "b"), draft("c", "d")], previous) == {}


def test_group_vectors_orders_members_by_closeness() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 32))
    vectors = np.concatenate([centre + rng.normal(scale=0.05, size=(10, 32)) for centre in centres])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"p{i:02d}" for i in range(30)]

    drafts = group_vectors(ids, vectors.astype(np.float32))

    assert sorted(sorted(d.asset_ids) for d in drafts) == [ids[0:10], ids[10:20], ids[20:30]]
    for group in drafts:
        assert group.similarity == sorted(group.similarity, reverse=True)
    assert group_vectors([], np.zeros((0, 32), dtype=np.float32)) == []
