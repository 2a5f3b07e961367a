"""Overlap, unique reach and community index on a case small enough to count by hand.

Brand 1 is followed by 10-13. Influencer 2 is followed by 10, 11, 14 and 15, and 16 commented
on its post. Influencer 3 is followed by 11, 14 and 17, and influencer 4 by 18 and 19.
"""

import pytest

from services.audience.comparison import CommunityAssignments, compare_influencers
from services.audience.importing.records import AccountRole
from services.audience.tests.builders import audience_data

BRAND, INFLUENCER, MEMBER = AccountRole.BRAND, AccountRole.INFLUENCER, AccountRole.MEMBER


@pytest.fixture
def data():
    accounts = {
        1: ("nordlys_mobler", BRAND),
        2: ("hyggehanne", INFLUENCER),
        3: ("designdorthe", INFLUENCER),
        4: ("haveliv_henrik", INFLUENCER),
    }
    accounts |= {m: (f"member_{m}", MEMBER) for m in range(10, 20)}
    follows = [
        (10, 1),
        (11, 1),
        (12, 1),
        (13, 1),
        (10, 2),
        (11, 2),
        (14, 2),
        (15, 2),
        (11, 3),
        (14, 3),
        (17, 3),
        (18, 4),
        (19, 4),
    ]
    posts = [(100, 2, "Uldplaid", 80.0, 3.0, True, False)]
    engagements = [(16, 2, 100, True, "Så fin")]
    return audience_data(accounts, follows, engagements, posts, followers_count={2: 50})


@pytest.fixture
def assignments():
    community_of = {10: 0, 11: 0, 12: 0, 13: 1, 14: 1, 15: 1, 16: 2, 17: 2, 18: 2, 19: 2}
    return CommunityAssignments("run1", community_of, {0: "design", 1: "hygge", 2: "have"})


def test_set_figures(data) -> None:
    result = compare_influencers(data, [2, 3, 4], [1], data.followers_count)

    assert result.brand_audience == 4
    assert result.gross_audience == 10
    assert result.unique_reach == 8
    assert result.duplicated_share == pytest.approx(0.2)
    assert result.multi_audience_share == pytest.approx(0.25)
    assert result.new_reach == 6


def test_pair_overlap_is_asymmetric(data) -> None:
    result = compare_influencers(data, [2, 3, 4], [1], data.followers_count)

    pairs = {(p.first, p.second): p for p in result.pairs}
    first = pairs[("hyggehanne", "designdorthe")]
    assert first.overlap == 2
    assert first.first_in_second_share == pytest.approx(2 / 5)
    assert first.second_in_first_share == pytest.approx(2 / 3)
    assert first.jaccard == pytest.approx(2 / 6)
    assert pairs[("hyggehanne", "haveliv_henrik")].overlap == 0


def test_each_influencers_audience_and_unique_part(data) -> None:
    result = compare_influencers(data, [2, 3, 4], [1], data.followers_count)

    by_handle = {i.handle: i for i in result.influencers}
    hanne = by_handle["hyggehanne"]
    assert (hanne.audience, hanne.engaged_audience, hanne.unique_audience) == (5, 1, 3)
    assert hanne.unique_share == pytest.approx(0.6)
    assert hanne.reported_followers == 50
    assert hanne.coverage == pytest.approx(0.1)
    assert hanne.brand_overlap_share == pytest.approx(0.4)
    assert hanne.new_reach == 3
    dorthe = by_handle["designdorthe"]
    assert (dorthe.audience, dorthe.unique_audience, dorthe.new_reach) == (3, 1, 2)
    assert dorthe.coverage is None
    assert by_handle["haveliv_henrik"].brand_overlap_share == 0.0


def test_community_index_against_the_brand(data, assignments) -> None:
    result = compare_influencers(data, [2, 3, 4], [1], data.followers_count, assignments)

    hanne = next(i for i in result.influencers if i.handle == "hyggehanne")
    reach = {r.community_number: r for r in hanne.communities}
    assert [reach[n].audience for n in (0, 1, 2)] == [2, 2, 1]
    assert [reach[n].brand_share for n in (0, 1, 2)] == pytest.approx([0.75, 0.25, 0.0])
    assert [reach[n].index for n in (0, 1, 2)] == [53, 160, None]
    assert [reach[n].brand_penetration for n in (0, 1, 2)] == pytest.approx([1.0, 1 / 3, 0.0])
    assert hanne.new_segments == [2]
    assert result.new_segments == [2]
    assert result.community_run_id == "run1"
