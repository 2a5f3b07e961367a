from datetime import UTC, datetime

from sqlalchemy import select

from services.audience.importing.records import (
    AccountRole,
    EngagementKind,
    EngagementRecord,
    FollowRecord,
    ImportBatch,
    PostRecord,
)
from services.audience.people import erase_person, export_person
from services.audience.store import ACCOUNTS, ALIASES, ENGAGEMENTS, FOLLOWS, POSTS, apply_batch

MAY = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def followers_batch(*handles: str, brand: str = "nordlys_mobler") -> ImportBatch:
    batch = ImportBatch(source="test")
    batch.promote(brand, AccountRole.BRAND)
    for handle in handles:
        batch.account(handle)
        batch.follows.append(FollowRecord(handle, brand))
    return batch


def comment_batch(handle: str, platform_id: str, key: str, text: str = "Flot") -> ImportBatch:
    batch = ImportBatch(source="test")
    batch.account("nordlys_mobler")
    batch.account(handle, platform_id=platform_id)
    batch.engagements.append(
        EngagementRecord(handle, EngagementKind.COMMENT, "nordlys_mobler", None, text, MAY, key)
    )
    return batch


def handles(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(ACCOUNTS.c.handle)).scalars())


def test_importing_the_same_batch_twice_adds_nothing(engine) -> None:
    first = apply_batch(engine, "t1", followers_batch("anne_k", "jens_p"))
    second = apply_batch(engine, "t1", followers_batch("anne_k", "jens_p"))

    assert (first.accounts_created, first.follows_added) == (3, 2)
    assert (second.accounts_created, second.follows_added) == (0, 0)


def test_known_id_new_handle_renames(engine) -> None:
    apply_batch(engine, "t1", comment_batch("anne_k", "5001", "comment:1"))
    # A later follower list shows the new handle, without an id: a separate account for now.
    apply_batch(engine, "t1", followers_batch("anne.k.design"))

    summary = apply_batch(engine, "t1", comment_batch("anne.k.design", "5001", "comment:2"))

    assert (summary.accounts_renamed, summary.accounts_merged) == (1, 1)
    assert handles(engine) == {"nordlys_mobler", "anne.k.design"}
    with engine.connect() as connection:
        aliases = connection.execute(select(ALIASES.c.handle)).scalars().all()
        actors = set(connection.execute(select(ENGAGEMENTS.c.account_id)).scalars())
        followers = set(connection.execute(select(FOLLOWS.c.follower_id)).scalars())
    assert aliases == ["anne_k"]
    assert len(actors) == 1
    assert actors == followers


def test_old_handle_finds_renamed_account(engine) -> None:
    apply_batch(engine, "t1", comment_batch("anne_k", "5001", "comment:1"))
    apply_batch(engine, "t1", comment_batch("anne.k.design", "5001", "comment:2"))

    summary = apply_batch(engine, "t1", followers_batch("anne_k"))

    assert summary.accounts_created == 0
    assert handles(engine) == {"nordlys_mobler", "anne.k.design"}


def test_tenants_do_not_share_accounts(engine) -> None:
    apply_batch(engine, "t1", followers_batch("anne_k"))
    summary = apply_batch(engine, "t2", followers_batch("anne_k"))

    assert summary.accounts_created == 2


def test_post_missing_from_full_list_is_deleted(engine) -> None:
    def posts(*keys: str) -> ImportBatch:
        batch = ImportBatch(source="test")
        batch.promote("nordlys_mobler", AccountRole.BRAND)
        batch.posts = [PostRecord("nordlys_mobler", key, f"caption {key}") for key in keys]
        batch.complete_post_lists.add("nordlys_mobler")
        return batch

    apply_batch(engine, "t1", posts("export:a", "export:b"))
    summary = apply_batch(engine, "t1", posts("export:a"))

    assert summary.posts_marked_deleted == 1
    with engine.connect() as connection:
        deleted = dict(connection.execute(select(POSTS.c.post_key, POSTS.c.deleted)).all())
    assert deleted == {"export:a": False, "export:b": True}


def test_export_and_graph_api_post_merge(engine) -> None:
    export = ImportBatch(source="export")
    export.promote("nordlys_mobler", AccountRole.BRAND)
    export.posts.append(PostRecord("nordlys_mobler", "export:media/1.jpg", "Sofa", MAY))
    graph = ImportBatch(source="graph")
    graph.account("nordlys_mobler")
    graph.posts.append(PostRecord("nordlys_mobler", "media:179", "Sofa", MAY, 120, 4))

    apply_batch(engine, "t1", export)
    summary = apply_batch(engine, "t1", graph)

    assert (summary.posts_created, summary.posts_updated) == (0, 1)
    with engine.connect() as connection:
        rows = connection.execute(select(POSTS.c.like_count, POSTS.c.comments_count)).all()
    assert [tuple(row) for row in rows] == [(120, 4)]


def test_members_keep_no_bio_or_counts(engine) -> None:
    batch = followers_batch("anne_k")
    batch.account("anne_k", bio="Privat bio", followers_count=120)

    apply_batch(engine, "t1", batch)

    with engine.connect() as connection:
        row = connection.execute(
            select(ACCOUNTS.c.bio, ACCOUNTS.c.followers_count).where(ACCOUNTS.c.handle == "anne_k")
        ).one()
    assert tuple(row) == (None, None)


def test_export_lists_the_persons_rows(engine) -> None:
    apply_batch(engine, "t1", followers_batch("anne_k"))
    apply_batch(engine, "t1", comment_batch("anne_k", "5001", "comment:1", text="Så fin"))

    person = export_person(engine, "t1", "anne_k")

    assert person.handle == "anne_k"
    assert [row["account"] for row in person.follows] == ["nordlys_mobler"]
    assert [(row["kind"], row["text"]) for row in person.engagements] == [("comment", "Så fin")]
    assert person.account["platform_id"] == "5001"


def test_erased_person_is_not_imported_again(engine) -> None:
    apply_batch(engine, "t1", followers_batch("anne_k", "jens_p"))
    apply_batch(engine, "t1", comment_batch("anne_k", "5001", "comment:1"))

    report = erase_person(engine, "t1", "anne_k")
    summary = apply_batch(engine, "t1", followers_batch("anne_k", "jens_p"))

    assert (report.follows, report.engagements, report.handles_blocked) == (1, 1, 1)
    assert summary.skipped_erased == 1
    assert handles(engine) == {"nordlys_mobler", "jens_p"}


def test_renamed_commenter_counts_once_in_engagement(engine) -> None:
    from services.audience.engagement import engagement_metrics
    from services.audience.snapshot import load_audience

    apply_batch(engine, "t1", comment_batch("anne_k", "5001", "comment:1"))
    apply_batch(engine, "t1", comment_batch("anne.k.design", "5001", "comment:2"))
    apply_batch(engine, "t1", comment_batch("jens_p", "5002", "comment:3"))
    data = load_audience(engine, "t1")
    brand = dict(zip(data.handles, data.account_ids.tolist(), strict=True))["nordlys_mobler"]

    metrics = engagement_metrics(data, brand)

    assert metrics.engagements == 3
    assert metrics.engaged_accounts == 2
