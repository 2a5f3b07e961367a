"""Communities on audiences small enough to follow by hand.

Members 10-15 follow influencer 2 and write about sofas, members 20-25 follow influencer 3 and
write about gardens, and member 30 follows both and writes nothing. With text weight 0 the link
vectors are e2 for the first group, e3 for the second and (e2 + e3) / sqrt(2) for member 30
(both influencers have the same document frequency, so the same IDF).
"""

import numpy as np
import pytest

from services.audience.communities import CommunityParameters, find_communities
from services.audience.graph import build_audience_graph
from services.audience.importing.records import AccountRole
from services.audience.labels import describe_communities
from services.audience.synthetic import adjusted_rand_index
from services.audience.tests.builders import audience_data

SOFA, GARDEN = "Sofa og hygge i stuen", "Havemøbler til terrassen"
TOPIC_VECTORS = {SOFA: np.eye(4)[0], GARDEN: np.eye(4)[1]}


def fixed_vectors(texts):
    """Orthogonal vectors per topic text, so the expected similarities are exact."""
    return np.array([TOPIC_VECTORS.get(text, np.eye(4)[2]) for text in texts], dtype=np.float32)


def two_groups_and_a_bridge():
    accounts = {
        2: ("hyggehanne", AccountRole.INFLUENCER),
        3: ("haveliv_henrik", AccountRole.INFLUENCER),
    }
    members = [*range(10, 16), *range(20, 26), 30]
    accounts |= {m: (f"member_{m}", AccountRole.MEMBER) for m in members}
    follows = [(m, 2) for m in range(10, 16)] + [(m, 3) for m in range(20, 26)]
    follows += [(30, 2), (30, 3)]
    engagements = [(m, 2, -1, True, SOFA) for m in range(10, 16)]
    engagements += [(m, 3, -1, True, GARDEN) for m in range(20, 26)]
    return audience_data(accounts, follows, engagements)


PARAMETERS = CommunityParameters(
    text_weight=0.0, neighbours=12, min_community_size=2, min_community_share=0.0
)


def test_two_groups_and_bridge_confidence() -> None:
    graph = build_audience_graph(two_groups_and_a_bridge(), fixed_vectors, 4)

    partition = find_communities(graph, PARAMETERS)

    labels = dict(zip(graph.member_handles, partition.labels.tolist(), strict=True))
    first = {labels[f"member_{m}"] for m in range(10, 16)}
    second = {labels[f"member_{m}"] for m in range(20, 26)}
    assert len(first) == 1
    assert len(second) == 1
    assert first != second
    # Member 30 joins one group, whose centre becomes (6 + r, r) / |(6 + r, r)| with
    # r = 1 / sqrt(2); the other group's centre stays e3 (or e2).
    r = 2**-0.5
    centre = np.array([6 + r, r]) / np.hypot(6 + r, r)
    own_similarity = r * centre.sum()
    confidence = dict(zip(graph.member_handles, partition.confidence.tolist(), strict=True))
    assert confidence["member_30"] == pytest.approx(own_similarity / (own_similarity + r))
    bridge_group = range(10, 16) if labels["member_30"] in first else range(20, 26)
    other_group = range(20, 26) if labels["member_30"] in first else range(10, 16)
    assert confidence[f"member_{bridge_group[0]}"] == pytest.approx(1.0)
    # A member of the other group resembles the bridge group's centre by centre[1].
    assert confidence[f"member_{other_group[0]}"] == pytest.approx(1 / (1 + centre[1]))
    runner = dict(zip(graph.member_handles, partition.runner_up_share.tolist(), strict=True))
    assert runner["member_30"] == pytest.approx(r / (own_similarity + r))


def test_same_seed_gives_the_same_communities() -> None:
    graph = build_audience_graph(two_groups_and_a_bridge(), fixed_vectors, 4)

    first = find_communities(graph, PARAMETERS)
    second = find_communities(graph, PARAMETERS)

    assert first.labels.tolist() == second.labels.tolist()
    assert first.confidence.tolist() == second.confidence.tolist()


def test_communities_are_labelled_by_their_words_and_accounts() -> None:
    graph = build_audience_graph(two_groups_and_a_bridge(), fixed_vectors, 4)
    partition = find_communities(graph, PARAMETERS)

    descriptions = describe_communities(graph, partition)

    by_account = {d.typical_accounts[0].handle: d for d in descriptions}
    assert set(by_account) == {"hyggehanne", "haveliv_henrik"}
    assert by_account["hyggehanne"].keywords[:3] == ["hygge", "sofa", "stuen"]
    assert by_account["haveliv_henrik"].keywords[:2] == ["havemøbler", "terrassen"]
    assert sorted(d.size for d in descriptions) == [6, 7]
    assert sum(d.share for d in descriptions) == pytest.approx(1.0)


def test_members_without_signal_are_left_unassigned() -> None:
    data = two_groups_and_a_bridge()
    accounts = {
        1: ("nordlys_mobler", AccountRole.BRAND),
        2: ("hyggehanne", AccountRole.INFLUENCER),
        40: ("only_brand", AccountRole.MEMBER),
    }
    only_brand = audience_data(
        accounts
        | {
            m: (h, r)
            for m, h, r in zip(data.account_ids.tolist(), data.handles, data.roles, strict=True)
        },
        [(40, 1), *map(tuple, data.follows.tolist())],
        list(
            zip(
                data.engagement_actor.tolist(),
                data.engagement_target.tolist(),
                data.engagement_post.tolist(),
                data.engagement_is_comment.tolist(),
                data.engagement_text,
                strict=True,
            )
        ),
    )
    graph = build_audience_graph(only_brand, fixed_vectors, 4)

    partition = find_communities(graph, PARAMETERS)

    labels = dict(zip(graph.member_handles, partition.labels.tolist(), strict=True))
    assert labels["only_brand"] == -1
    assert partition.community_count == 2


def test_planted_groups_with_noise_are_recovered() -> None:
    rng = np.random.default_rng(7)
    accounts = {a: (f"influencer_{a}", AccountRole.INFLUENCER) for a in (2, 3, 4)}
    topics = {2: SOFA, 3: GARDEN, 4: "Genbrug og vintage"}
    TOPIC_VECTORS["Genbrug og vintage"] = np.eye(4)[3]
    follows, engagements, truth = [], [], {}
    for member in range(100, 400):
        group = (2, 3, 4)[member % 3]
        accounts[member] = (f"member_{member}", AccountRole.MEMBER)
        truth[f"member_{member}"] = group
        follows.append((member, group))
        # One in ten members also follows another group's influencer.
        if rng.random() < 0.1:
            follows.append((member, (2, 3, 4)[(member + 1) % 3]))
        engagements.append((member, group, -1, True, topics[group]))
    graph = build_audience_graph(audience_data(accounts, follows, engagements), fixed_vectors, 4)

    partition = find_communities(graph, CommunityParameters())

    planted = np.array([truth[h] for h in graph.member_handles])
    assert partition.community_count == 3
    assert adjusted_rand_index(planted, partition.labels) == pytest.approx(1.0)


def test_adjusted_rand_index_by_hand() -> None:
    # Pairs together in both: 2; in the truth: 6; in the found labels: 3; of 15 pairs.
    # (2 - 6 * 3 / 15) / ((6 + 3) / 2 - 6 * 3 / 15) = 0.8 / 3.3
    truth = np.array([0, 0, 0, 1, 1, 1])
    found = np.array([0, 0, 1, 1, 2, 2])

    assert adjusted_rand_index(truth, found) == pytest.approx(8 / 33)
    assert adjusted_rand_index(truth, truth) == 1.0


def test_audience_without_signal_has_no_communities() -> None:
    accounts = {
        1: ("nordlys_mobler", AccountRole.BRAND),
        10: ("anne_k", AccountRole.MEMBER),
        11: ("jens_p", AccountRole.MEMBER),
    }
    data = audience_data(accounts, [(10, 1), (11, 1)])
    graph = build_audience_graph(data, fixed_vectors, 4)

    partition = find_communities(graph, PARAMETERS)

    assert partition.labels.tolist() == [-1, -1]
    assert partition.community_count == 0
    assert describe_communities(graph, partition) == []
