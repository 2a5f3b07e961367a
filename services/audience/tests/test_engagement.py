import pytest

from services.audience.engagement import engagement_metrics
from services.audience.importing.records import AccountRole
from services.audience.tests.builders import audience_data

ACCOUNTS = {
    2: ("hyggehanne", AccountRole.INFLUENCER),
    16: ("anne_k", AccountRole.MEMBER),
    17: ("jens_p", AccountRole.MEMBER),
}


def test_hidden_and_deleted_posts_excluded() -> None:
    posts = [
        (1, 2, "Plaid", 100.0, 10.0, True, False),
        (2, 2, "Puder", None, 20.0, True, False),  # likes hidden
        (3, 2, "Lampe", 500.0, 50.0, True, True),  # deleted
        (4, 2, "", None, None, False, False),  # seen only through a comment on it
    ]
    engagements = [(16, 2, 1, True, "Fin"), (16, 2, 4, True, "Wow"), (17, 2, 3, False, None)]
    data = audience_data(ACCOUNTS, [], engagements, posts, followers_count={2: 1000})

    metrics = engagement_metrics(data, 2)

    assert metrics.posts == 2
    assert metrics.mean_likes == 100.0
    assert metrics.mean_comments == 15.0
    assert metrics.engagement_rate == pytest.approx(0.115)
    assert metrics.rate_basis == "likes_and_comments"
    assert metrics.hidden_like_posts == 1
    assert metrics.hidden_like_share == 0.5
    assert metrics.deleted_or_unlisted_posts == 2
    assert metrics.engaged_accounts == 2
    assert metrics.engagements == 3
    assert metrics.engagements_on_deleted_or_unlisted_posts == 2


def test_all_likes_hidden_falls_back_to_comments() -> None:
    posts = [(1, 2, "a", None, 30.0, True, False), (2, 2, "b", None, 10.0, True, False)]
    data = audience_data(ACCOUNTS, [], [], posts, followers_count={2: 400})

    metrics = engagement_metrics(data, 2)

    assert metrics.mean_likes is None
    assert metrics.engagement_rate == pytest.approx(0.05)
    assert metrics.rate_basis == "comments_only"


def test_unknown_follower_count_gives_no_rate() -> None:
    data = audience_data(ACCOUNTS, [], [], [(1, 2, "a", 10.0, 1.0, True, False)])

    metrics = engagement_metrics(data, 2)

    assert metrics.followers is None
    assert metrics.engagement_rate is None
    assert metrics.rate_basis is None
