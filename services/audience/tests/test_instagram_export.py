"""Each export layout the importer reads, built as Meta writes it (text byte-escaped)."""

import io
import json
import zipfile
from datetime import UTC, datetime

import pytest

from services.audience.importing import InvalidImport, parse_folder, parse_upload
from services.audience.importing.records import AccountRole, EngagementKind
from services.audience.synthetic import meta_json


def relationship(handle: str, timestamp: int = 1714557600) -> dict:
    return {
        "title": "",
        "media_list_data": [],
        "string_list_data": [
            {"href": f"https://www.instagram.com/{handle}", "value": handle, "timestamp": timestamp}
        ],
    }


def zipped(
    files: dict[str, object], root: str = "instagram-nordlys_mobler-2025-05-01-Ab12"
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, document in files.items():
            archive.writestr(f"{root}/{path}" if root else path, meta_json(document))
        archive.writestr(f"{root}/media/posts/202405/1.jpg" if root else "1.jpg", b"\xff\xd8")
    return buffer.getvalue()


def follow_pairs(batch) -> set[tuple[str, str]]:
    return {(f.follower, f.followed) for f in batch.follows}


CURRENT_LAYOUT = {
    "connections/followers_and_following/followers_1.json": [
        relationship("mette_hygge"),
        relationship("lars.design"),
    ],
    "connections/followers_and_following/followers_2.json": [relationship("søren")],
    "connections/followers_and_following/following.json": {
        "relationships_following": [
            # Since 2025 some entries carry the handle only in the title and the URL.
            {
                "title": "hyggehanne",
                "string_list_data": [
                    {"href": "https://www.instagram.com/_u/hyggehanne", "timestamp": 1714557601}
                ],
            },
        ]
    },
    "your_instagram_activity/content/posts_1.json": [
        {
            "media": [
                {
                    "uri": "media/posts/202405/1.jpg",
                    "creation_timestamp": 1714557600,
                    "title": "Ny lænestol i egetræ 🪑 #danishdesign #Hygge",
                }
            ],
            "title": "Ny lænestol i egetræ 🪑 #danishdesign #Hygge",
            "creation_timestamp": 1714557600,
        }
    ],
    "your_instagram_activity/comments/post_comments_1.json": [
        {
            "string_map_data": {
                "Comment": {"value": "Tak for det søde ord 🙏"},
                "Media Owner": {"value": "mette_hygge"},
                "Time": {"timestamp": 1714560000},
            }
        }
    ],
    "your_instagram_activity/likes/liked_posts.json": {
        "likes_media_likes": [
            {
                "title": "hyggehanne",
                "string_list_data": [
                    {
                        "href": "https://www.instagram.com/p/C7abcDEF/",
                        "value": "👍",
                        "timestamp": 1714561000,
                    }
                ],
            }
        ]
    },
    "personal_information/personal_information/personal_information.json": {
        "profile_user": [
            {
                "string_map_data": {
                    "Username": {"value": "nordlys_mobler"},
                    "Bio": {"value": "Møbler fra Aarhus"},
                }
            }
        ]
    },
}


def test_current_layout_reads_every_file() -> None:
    batch = parse_upload("export.zip", zipped(CURRENT_LAYOUT))

    assert follow_pairs(batch) == {
        ("mette_hygge", "nordlys_mobler"),
        ("lars.design", "nordlys_mobler"),
        ("nordlys_mobler", "hyggehanne"),
    }
    assert batch.accounts["nordlys_mobler"].role == AccountRole.BRAND
    assert batch.accounts["nordlys_mobler"].bio == "Møbler fra Aarhus"
    [post] = batch.posts
    assert post.caption == "Ny lænestol i egetræ 🪑 #danishdesign #Hygge"
    assert post.posted_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert post.like_count is None
    assert post.comments_count is None
    comment, like = sorted(batch.engagements, key=lambda e: e.kind)
    assert comment.kind == EngagementKind.COMMENT
    assert comment.text == "Tak for det søde ord 🙏"
    assert comment.target_owner == "mette_hygge"
    assert like.kind == EngagementKind.LIKE
    assert like.target_owner == "hyggehanne"
    assert like.post_key == "shortcode:C7abcDEF"
    assert batch.complete_post_lists == {"nordlys_mobler"}


def test_invalid_handles_are_skipped_with_a_warning() -> None:
    batch = parse_upload("export.zip", zipped(CURRENT_LAYOUT))

    assert "søren" not in batch.accounts
    assert batch.warnings == [
        "1 relationships_followers entries without a valid handle were skipped."
    ]


def test_layout_2021_split_followers() -> None:
    files = {
        "followers_and_following/followers_1.json": [relationship("anne_k")],
        "followers_and_following/followers_2.json": [relationship("jens_p")],
        "followers_and_following/following.json": {
            "relationships_following": [relationship("designdorthe")]
        },
        "content/posts_1.json": [
            {
                "media": [
                    {
                        "uri": "media/posts/202101/a.jpg",
                        "creation_timestamp": 1610000000,
                        "title": "Spisebord i ask \u2728",
                    }
                ]
            }
        ],
        "comments/post_comments.json": {
            "comments_media_comments": [
                {
                    "string_map_data": {
                        "Comment": {"value": "Så flot!"},
                        "Media Owner": {"value": "anne_k"},
                        "Time": {"timestamp": 1610000100},
                    }
                }
            ]
        },
        "likes/liked_posts.json": {"likes_media_likes": []},
    }

    batch = parse_upload("instagram-nordlys_mobler-2021-03-01-x.zip", zipped(files))

    assert follow_pairs(batch) == {
        ("anne_k", "nordlys_mobler"),
        ("jens_p", "nordlys_mobler"),
        ("nordlys_mobler", "designdorthe"),
    }
    assert [p.caption for p in batch.posts] == ["Spisebord i ask ✨"]
    assert [e.text for e in batch.engagements] == ["Så flot!"]


def test_layout_2020_relationships_key() -> None:
    files = {
        "followers_and_following/followers.json": {
            "relationships_followers": [relationship("ida_b"), relationship("rasmus_c")]
        }
    }

    batch = parse_upload("export.zip", zipped(files, root=""), account="nordlys_mobler")

    assert follow_pairs(batch) == {("ida_b", "nordlys_mobler"), ("rasmus_c", "nordlys_mobler")}


def test_layout_2018_legacy_files() -> None:
    files = {
        "profile.json": {"username": "nordlys_mobler", "biography": "Dansk design siden 1972"},
        "connections.json": {
            "followers": {"emma_d": "2018-06-01T10:00:00", "kasper_e": "2018-06-02T11:00:00"},
            "following": {"haveliv_henrik": "2018-05-01T09:00:00"},
        },
        "media.json": {
            "photos": [
                {
                    "caption": "Havemøbler klar til sæsonen ☀️",
                    "taken_at": "2018-05-03T08:00:00",
                    "path": "photos/201805/x.jpg",
                }
            ],
            "videos": [],
        },
        "comments.json": {"media_comments": [["2018-06-03T12:00:00", "Tusind tak ❤️", "emma_d"]]},
        "likes.json": {"media_likes": [["2018-06-04T12:00:00", "haveliv_henrik"]]},
    }

    batch = parse_upload("data.zip", zipped(files, root="nordlys_data"))

    assert follow_pairs(batch) == {
        ("emma_d", "nordlys_mobler"),
        ("kasper_e", "nordlys_mobler"),
        ("nordlys_mobler", "haveliv_henrik"),
    }
    assert batch.accounts["nordlys_mobler"].bio == "Dansk design siden 1972"
    assert [p.caption for p in batch.posts] == ["Havemøbler klar til sæsonen ☀️"]
    assert batch.posts[0].posted_at == datetime(2018, 5, 3, 8, 0, tzinfo=UTC)
    kinds = {(e.kind, e.target_owner, e.text) for e in batch.engagements}
    assert kinds == {
        (EngagementKind.COMMENT, "emma_d", "Tusind tak ❤️"),
        (EngagementKind.LIKE, "haveliv_henrik", None),
    }


def test_unpacked_folder_is_read_like_the_zip(tmp_path) -> None:
    for path, document in CURRENT_LAYOUT.items():
        target = tmp_path / "instagram-nordlys_mobler-2025-05-01-Ab12" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(meta_json(document))

    batch = parse_folder(tmp_path)

    assert len(batch.follows) == 3
    assert batch.posts[0].caption == "Ny lænestol i egetræ 🪑 #danishdesign #Hygge"


def test_single_followers_file_is_accepted_with_an_owner() -> None:
    data = meta_json([relationship("maja_f")])

    batch = parse_upload("followers_1.json", data, account="nordlys_mobler")

    assert follow_pairs(batch) == {("maja_f", "nordlys_mobler")}


def test_export_without_known_owner_is_rejected() -> None:
    files = {"connections/followers_and_following/followers_1.json": [relationship("maja_f")]}

    with pytest.raises(InvalidImport, match="give the handle as owner"):
        parse_upload("download.zip", zipped(files, root="download"))


def test_zip_without_export_files_is_rejected() -> None:
    with pytest.raises(InvalidImport, match="not an Instagram export"):
        parse_upload("photos.zip", zipped({"notes.json": {"a": 1}}, root=""))


def test_broken_export_json_names_path() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("connections/followers_and_following/followers_1.json", b"[{")

    with pytest.raises(InvalidImport, match=r"followers_1\.json is not valid JSON"):
        parse_upload("export.zip", buffer.getvalue(), account="nordlys_mobler")


def test_meta_json_escapes_each_byte() -> None:
    assert meta_json("ø") == b'"\\u00c3\\u00b8"'
    assert json.loads(meta_json("ø")) == "\u00c3\u00b8"
