import json

import pytest

from services.audience.importing import InvalidImport, parse_upload
from services.audience.importing.records import AccountRole, EngagementKind


def as_json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


MEDIA_LISTING = {
    "data": [
        {
            "id": "17900000001",
            "caption": "Sofa i uld 🛋️ #hygge",
            "like_count": 0,
            "comments_count": 2,
            "timestamp": "2024-05-01T10:00:00+0000",
            "permalink": "https://www.instagram.com/p/C7abcDEF/",
            "comments": {
                "data": [
                    {
                        "id": "c1",
                        "text": "Så lækker 😍",
                        "timestamp": "2024-05-01T11:00:00+0000",
                        "from": {"id": "5001", "username": "mette_hygge"},
                        "replies": {
                            "data": [
                                {"id": "c2", "text": "Tak!", "username": "nordlys_mobler"},
                                {"id": "c3", "text": "Enig", "username": "lars.design"},
                            ]
                        },
                    },
                ]
            },
        },
        {"id": "17900000002", "caption": "Uden tal", "timestamp": "2024-05-02T10:00:00+0000"},
    ],
    "paging": {"cursors": {"before": "a", "after": "b"}},
}


def test_own_media_zero_likes_and_comments() -> None:
    batch = parse_upload("media.json", as_json(MEDIA_LISTING), account="nordlys_mobler")

    first, second = batch.posts
    assert first.post_key == "media:17900000001"
    assert first.shortcode == "C7abcDEF"
    assert first.like_count == 0
    assert first.comments_count == 2
    assert second.like_count is None
    assert second.comments_count is None
    texts = {(e.actor, e.text, e.post_key) for e in batch.engagements}
    # The owner's own reply is not audience engagement.
    assert texts == {
        ("mette_hygge", "Så lækker 😍", "media:17900000001"),
        ("lars.design", "Enig", "media:17900000001"),
    }
    assert batch.accounts["mette_hygge"].platform_id == "5001"


def test_media_without_owner_is_rejected() -> None:
    with pytest.raises(InvalidImport, match="names no owner; give the account"):
        parse_upload("media.json", as_json(MEDIA_LISTING))


def test_business_discovery_reads_hidden_likes_as_missing() -> None:
    document = {
        "business_discovery": {
            "id": "178400001",
            "username": "HyggeHanne",
            "biography": "Hygge & boligindretning ✨",
            "followers_count": 48200,
            "media_count": 2,
            "media": {
                "data": [
                    {
                        "id": "m1",
                        "caption": "Uldplaid",
                        "like_count": 0,
                        "comments_count": 12,
                        "timestamp": "2024-04-01T08:00:00+0000",
                    },
                    {
                        "id": "m2",
                        "caption": "Puder",
                        "like_count": 310,
                        "comments_count": 4,
                        "timestamp": "2024-04-02T08:00:00+0000",
                    },
                ]
            },
        },
        "id": "17841400000000001",
    }

    batch = parse_upload("bd.json", as_json(document))

    account = batch.accounts["hyggehanne"]
    assert account.role == AccountRole.INFLUENCER
    assert account.followers_count == 48200
    assert account.follows_count is None
    assert account.bio == "Hygge & boligindretning ✨"
    assert [p.like_count for p in batch.posts] == [None, 310]
    assert [p.comments_count for p in batch.posts] == [12, 4]


def test_bare_comment_listing_links_to_the_owner() -> None:
    document = {
        "data": [
            {
                "id": "c9",
                "text": "Hvor er lampen fra?",
                "username": "ida_b",
                "timestamp": "2024-05-03T12:00:00+0000",
            }
        ]
    }

    batch = parse_upload("comments.json", as_json(document), account="nordlys_mobler")

    [engagement] = batch.engagements
    assert engagement.kind == EngagementKind.COMMENT
    assert engagement.target_owner == "nordlys_mobler"
    assert engagement.post_key is None
    assert engagement.engagement_key == "comment:c9"


def test_json_of_another_kind_is_rejected() -> None:
    with pytest.raises(InvalidImport, match="neither a Graph API response"):
        parse_upload("settings.json", as_json({"theme": "dark"}))


def test_csv_with_semicolons_bom_and_relations() -> None:
    data = (
        "\ufeffInfluencer;Handle;Relation;Followers_count;Post;Text\n"
        "@HyggeHanne;mette_hygge;follower;48200;;\n"
        "hyggehanne;lars.design;comment;;m1;Så fin en plaid\n"
        "hyggehanne;ikke gyldig!;follower;;;\n"
        "designdorthe;mette_hygge;like;;;\n"
        "designdorthe;anne_k;subscriber;;;\n"
    ).encode()

    batch = parse_upload("audiences.csv", data)

    assert {(f.follower, f.followed) for f in batch.follows} == {("mette_hygge", "hyggehanne")}
    engagements = {(e.actor, e.kind, e.target_owner, e.post_key, e.text) for e in batch.engagements}
    assert engagements == {
        ("lars.design", EngagementKind.COMMENT, "hyggehanne", "media:m1", "Så fin en plaid"),
        ("mette_hygge", EngagementKind.LIKE, "designdorthe", None, None),
    }
    assert batch.accounts["hyggehanne"].followers_count == 48200
    assert batch.accounts["designdorthe"].followers_count is None
    assert batch.accounts["designdorthe"].role == AccountRole.INFLUENCER
    assert batch.warnings == [
        "2 rows with an invalid handle, influencer or relation were skipped (lines 4, 6)."
    ]


def test_csv_without_required_columns_is_rejected() -> None:
    with pytest.raises(InvalidImport, match="lacks the column"):
        parse_upload("a.csv", b"name,followers\nx,1\n")


def test_unknown_file_type_is_rejected() -> None:
    with pytest.raises(InvalidImport, match="unsupported file type"):
        parse_upload("photo.png", b"\x89PNG")


def test_csv_saved_by_danish_excel_is_read() -> None:
    data = "influencer;handle\nhyggehanne;søren_hansen_dk\nhyggehanne;anne_k\n".encode("cp1252")

    batch = parse_upload("excel.csv", data)

    assert {f.follower for f in batch.follows} == {"anne_k"}
    assert batch.warnings == [
        "1 rows with an invalid handle, influencer or relation were skipped (lines 2)."
    ]
