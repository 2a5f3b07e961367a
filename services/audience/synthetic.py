"""A generated audience with planted interest communities, as the files a tenant would upload.

Used by the demo, the benchmark and the tests. A furniture retailer (the brand) has members in
several interest communities of different sizes. Each member follows the brand or not, and
follows the influencers of their community (and now and then one of another community). Members
comment mostly on posts of their own community, with phrases of their own community. A
``mixing`` share of comments goes to other communities' posts instead, and a ``mixing`` share
of comment texts is generic. The last community barely follows the brand, so it is the new
segment that its influencer reaches.

The files: the brand's Instagram export (zip, 2023 layout, text byte-escaped as Meta writes it),
the brand's media with comments from the Graph API, one business discovery result per
influencer, and a CSV of the influencers' followers and commenters.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

BRAND = "nordlys_mobler"
_START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Topic:
    name: str
    words: tuple[str, ...]
    hashtags: tuple[str, ...]
    phrases: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "nordisk design",
        ("designklassiker", "lænestol", "teaktræ", "arkitekt", "håndværk", "ikonisk"),
        ("danishdesign", "designklassiker", "midcentury"),
        (
            "Sikke en smuk designklassiker",
            "Den lænestol er ren håndværk",
            "Elsker teaktræ",
            "Ikonisk design, hvem er arkitekten?",
            "Mid-century når det er bedst",
        ),
    ),
    Topic(
        "hygge i stuen",
        ("sofa", "uldplaid", "puder", "stearinlys", "hygge", "stue"),
        ("hygge", "stueinspiration", "boligindretning"),
        (
            "Den sofa ser så hyggelig ud",
            "Hvor er plaiden fra? 😍",
            "Perfekt til hygge i stuen",
            "Flotte puder og stearinlys",
            "Sikke en lun stue",
        ),
    ),
    Topic(
        "børnefamilien",
        ("børneværelse", "køjeseng", "opbevaring", "legetøj", "familieliv", "praktisk"),
        ("børneværelse", "familieliv", "opbevaring"),
        (
            "Den køjeseng vil mine børn elske",
            "Smart opbevaring til legetøj",
            "Praktisk til børneværelset",
            "Familielivet kræver plads",
            "Tåler den børn? 😅",
        ),
    ),
    Topic(
        "have og udeliv",
        ("havemøbler", "terrasse", "altan", "parasol", "udekøkken", "sommer"),
        ("havemøbler", "terrasse", "udeliv"),
        (
            "Klar til sommer på terrassen ☀️",
            "Kan havemøblerne stå ude om vinteren?",
            "Drømmer om et udekøkken",
            "Perfekt til altanen",
            "Sikke en have",
        ),
    ),
    Topic(
        "genbrug",
        ("genbrug", "upcycling", "bæredygtig", "vintage", "loppefund", "fsc"),
        ("genbrug", "bæredygtighed", "upcycling"),
        (
            "Elsker genbrug og vintage ♻️",
            "Er træet FSC-certificeret?",
            "Fedt loppefund",
            "Bæredygtigt og smukt",
            "Upcycling når det er bedst",
        ),
    ),
    Topic(
        "gør det selv",
        ("maling", "slibning", "renovering", "værktøj", "projekt", "førogefter"),
        ("gørdetselv", "diy", "renovering"),
        (
            "Hvilken maling har du brugt?",
            "Sikke et flot før og efter",
            "Slibning er det værste",
            "Godt projekt, respekt",
            "Hvilket værktøj bruger du?",
        ),
    ),
    Topic(
        "køkken og spisebord",
        ("spisebord", "køkken", "middag", "spisestole", "gæster", "bordplade"),
        ("spisebord", "køkkeninspiration", "middagsselskab"),
        (
            "Det spisebord er drømmen",
            "Plads til mange gæster",
            "Flotte spisestole",
            "Hvad koster bordpladen?",
            "Middag i det køkken 😍",
        ),
    ),
    Topic(
        "hjemmekontor",
        ("skrivebord", "kontorstol", "ergonomi", "hævesænkebord", "skrivebordslampe", "fokus"),
        ("hjemmekontor", "ergonomi", "workspace"),
        (
            "Det hæve-sænkebord har jeg brug for",
            "God ergonomi er guld",
            "Fed kontorstol",
            "Sikke et hjemmekontor",
            "Hvor er lampen fra?",
        ),
    ),
)

GENERIC_COMMENTS = ("Flot! 😍", "Wow", "Smukt ❤️", "Hvor er det fra?", "Så fint 👏", "Ja tak!")
_FIRST_NAMES = (
    "mette",
    "lars",
    "sofie",
    "jens",
    "anne",
    "mikkel",
    "freja",
    "soren",
    "ida",
    "rasmus",
    "emma",
    "kasper",
    "laura",
    "jonas",
    "maja",
    "niels",
)
_DEFAULT_SHARES = (0.26, 0.2, 0.15, 0.12, 0.1, 0.08, 0.05, 0.04)


@dataclass
class SyntheticAudience:
    brand: str
    files: list[tuple[str, bytes]]
    planted: dict[str, int]  # member handle -> community (index into TOPICS)
    influencers: dict[str, int]  # influencer handle -> community
    topics: tuple[Topic, ...] = TOPICS


@dataclass(frozen=True)
class _Comment:
    author: int
    handle: str
    post_topic: int
    text: str
    follows_brand: bool
    picks: np.ndarray  # three uniform draws: influencer or brand post, which influencer, post
    minutes: int


@dataclass
class _Post:
    media_id: str
    owner: str
    topic: int
    caption: str
    posted_at: datetime
    like_count: int
    comments: list[dict] = field(default_factory=list)


def generate_audience(
    members: int,
    *,
    seed: int = 0,
    communities: int = 8,
    mixing: float = 0.15,
    posts_per_community: int = 12,
) -> SyntheticAudience:
    """Generate ``members`` audience accounts in ``communities`` planted communities."""
    if not 2 <= communities <= len(TOPICS):
        raise ValueError(f"communities must be between 2 and {len(TOPICS)}, not {communities}")
    rng = np.random.default_rng(seed)
    shares = np.array(_DEFAULT_SHARES[:communities])
    planted_topics = rng.choice(communities, size=members, p=shares / shares.sum())
    influencers = _influencers(communities)
    brand_posts = _posts(rng, BRAND, communities, posts_per_community, "17900")
    influencer_posts = {
        handle: _posts(rng, handle, communities, 6, f"1795{i}", only=topic)
        for i, (handle, topic) in enumerate(influencers.items())
    }
    builder = _Builder(rng, mixing, communities, brand_posts, influencer_posts, influencers)
    handles = [
        f"{_FIRST_NAMES[number % len(_FIRST_NAMES)]}_{number:06d}" for number in range(members)
    ]
    builder.add_members(handles, planted_topics)
    planted = dict(zip(handles, planted_topics.tolist(), strict=True))
    files = [
        (f"instagram-{BRAND}-2025-05-01-Xk3p9Q.zip", builder.export_zip()),
        ("brand_media.json", builder.brand_media_json()),
        *builder.business_discovery_files(),
        ("influencer_audiences.csv", builder.audience_csv()),
    ]
    return SyntheticAudience(BRAND, files, planted, influencers)


def _influencers(communities: int) -> dict[str, int]:
    """Return influencer handles by community: none for the second, two for the first."""
    names = (
        "designdorthe",
        "hyggehanne",
        "familiefar_k",
        "haveliv_henrik",
        "genbrugsguiden",
        "diy_dennis",
        "madogmøbler",
        "kontor_karina",
    )
    result = {"klassiker_klaus": 0}
    for topic in range(communities):
        if topic != 1:
            result[names[topic].replace("ø", "o")] = topic
    return result


def _posts(
    rng: np.random.Generator,
    owner: str,
    communities: int,
    per_community: int,
    id_prefix: str,
    only: int | None = None,
) -> list[_Post]:
    topics = (
        [only] * per_community
        if only is not None
        else [topic for topic in range(communities) for _ in range(per_community)]
    )
    posts = []
    for number, topic in enumerate(topics):
        words = rng.choice(TOPICS[topic].words, size=3, replace=False)
        tags = " ".join(f"#{tag}" for tag in TOPICS[topic].hashtags)
        caption = f"{words[0].capitalize()}, {words[1]} og {words[2]} ✨ {tags}"
        posted_at = _START + timedelta(days=int(number * 2), hours=int(rng.integers(0, 12)))
        posts.append(
            _Post(
                f"{id_prefix}{number:05d}",
                owner,
                topic,
                caption,
                posted_at,
                int(rng.integers(40, 900)),
            )
        )
    return posts


class _Builder:
    def __init__(
        self,
        rng: np.random.Generator,
        mixing: float,
        communities: int,
        brand_posts: list[_Post],
        influencer_posts: dict[str, list[_Post]],
        influencers: dict[str, int],
    ) -> None:
        self.rng = rng
        self.mixing = mixing
        self.communities = communities
        self.brand_posts = brand_posts
        self.influencer_posts = influencer_posts
        self.influencers = influencers
        self.brand_followers: list[tuple[str, int]] = []
        self.csv_rows: list[dict[str, str]] = []
        self.posts_by_topic = {
            topic: [post for post in brand_posts if post.topic == topic]
            for topic in range(communities)
        }

    def add_members(self, handles: list[str], topics: np.ndarray) -> None:
        """Draw every member's follows and comments; the draws are vectorised for speed."""
        rng, count = self.rng, len(handles)
        influencers = list(self.influencers)
        influencer_topics = np.array([self.influencers[i] for i in influencers])
        brand_chance = np.where(topics == self.communities - 1, 0.1, 0.85)
        follows_brand = rng.random(count) < brand_chance
        follow_chance = np.where(
            topics[:, None] == influencer_topics[None, :], 0.6, self.mixing * 0.1
        )
        follows = rng.random((count, len(influencers))) < follow_chance

        for number in np.flatnonzero(follows_brand).tolist():
            moment = int((_START + timedelta(minutes=number)).timestamp())
            self.brand_followers.append((handles[number], moment))
        for number, column in zip(*np.nonzero(follows), strict=True):
            self.csv_rows.append(
                {
                    "influencer": influencers[column],
                    "handle": handles[number],
                    "relation": "follower",
                }
            )

        # Every member shows at least two signals (follows of influencers and comments).
        comments = rng.poisson(1.0, count) + np.maximum(0, 2 - follows.sum(axis=1))
        authors = np.repeat(np.arange(count), comments)
        total = len(authors)
        on_topic = rng.random(total) >= self.mixing
        post_topics = np.where(
            on_topic, topics[authors], rng.integers(self.communities, size=total)
        )
        own_phrase = rng.random(total) >= self.mixing
        phrases = rng.integers(5, size=total)
        generic = rng.integers(len(GENERIC_COMMENTS), size=total)
        picks = rng.random((total, 3))
        minutes = rng.integers(1, 5000, size=total)

        for index, author in enumerate(authors.tolist()):
            topic = int(topics[author])
            text = (
                TOPICS[topic].phrases[phrases[index]]
                if own_phrase[index]
                else GENERIC_COMMENTS[generic[index]]
            )
            followed = np.flatnonzero(follows[author] & (influencer_topics == post_topics[index]))
            comment = _Comment(
                author,
                handles[author],
                int(post_topics[index]),
                text,
                bool(follows_brand[author]),
                picks[index],
                int(minutes[index]),
            )
            self._comment(comment, [influencers[i] for i in followed.tolist()])

    def _comment(self, comment: _Comment, own_influencers: list[str]) -> None:
        if not own_influencers and not comment.follows_brand and comment.picks[0] >= 0.3:
            # Someone who does not follow the brand rarely sees its posts, so most of their
            # comments land on influencers' posts about the topic.
            own_influencers = [h for h, t in self.influencers.items() if t == comment.post_topic]
        if own_influencers and (not comment.follows_brand or comment.picks[0] < 0.5):
            influencer = own_influencers[int(comment.picks[1] * len(own_influencers))]
            posts = self.influencer_posts[influencer]
            post = posts[int(comment.picks[2] * len(posts))]
            self.csv_rows.append(
                {
                    "influencer": influencer,
                    "handle": comment.handle,
                    "relation": "comment",
                    "post": post.media_id,
                    "text": comment.text,
                }
            )
            return
        candidates = self.posts_by_topic[comment.post_topic]
        post = candidates[int(comment.picks[2] * len(candidates))]
        comment_at = post.posted_at + timedelta(minutes=comment.minutes)
        post.comments.append(
            {
                "id": f"18{comment.author:07d}{len(post.comments):04d}",
                "text": comment.text,
                "username": comment.handle,
                "from": {"id": f"5{comment.author:09d}", "username": comment.handle},
                "timestamp": comment_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            }
        )

    def export_zip(self) -> bytes:
        root = f"instagram-{BRAND}-2025-05-01-Xk3p9Q"
        followers = [_relationship(handle, at) for handle, at in self.brand_followers]
        following = {
            "relationships_following": [
                _relationship(handle, int(_START.timestamp())) for handle in self.influencers
            ]
        }
        posts = [
            {
                "media": [
                    {
                        "uri": f"media/posts/202401/{post.media_id}.jpg",
                        "creation_timestamp": int(post.posted_at.timestamp()),
                        "title": post.caption,
                    }
                ],
                "title": post.caption,
                "creation_timestamp": int(post.posted_at.timestamp()),
            }
            for post in self.brand_posts
        ]
        profile = {
            "profile_user": [
                {
                    "string_map_data": {
                        "Username": {"value": BRAND, "timestamp": 0},
                        "Bio": {
                            "value": "Møbler og boligindretning fra Aarhus 🛋️ Nordisk design",
                            "timestamp": 0,
                        },
                    }
                }
            ]
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            folder = f"{root}/connections/followers_and_following"
            for part, start in enumerate(range(0, max(len(followers), 1), 10_000), start=1):
                archive.writestr(
                    f"{folder}/followers_{part}.json", meta_json(followers[start : start + 10_000])
                )
            archive.writestr(f"{folder}/following.json", meta_json(following))
            archive.writestr(
                f"{root}/your_instagram_activity/content/posts_1.json", meta_json(posts)
            )
            archive.writestr(
                f"{root}/personal_information/personal_information/personal_information.json",
                meta_json(profile),
            )
        return buffer.getvalue()

    def brand_media_json(self) -> bytes:
        media = [
            {
                "id": post.media_id,
                "caption": post.caption,
                "like_count": post.like_count,
                "comments_count": len(post.comments),
                "media_type": "IMAGE",
                "permalink": f"https://www.instagram.com/p/C{post.media_id}/",
                "timestamp": post.posted_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "comments": {"data": post.comments},
            }
            for post in self.brand_posts
        ]
        return json.dumps({"data": media}, ensure_ascii=False).encode("utf-8")

    def business_discovery_files(self) -> list[tuple[str, bytes]]:
        files = []
        for number, (handle, topic) in enumerate(self.influencers.items()):
            listed = sum(
                1
                for row in self.csv_rows
                if row["influencer"] == handle and row["relation"] == "follower"
            )
            # The audience CSV lists about an eighth of the followers an account reports.
            followers = listed * 8 + int(self.rng.integers(0, 50))
            media = [
                # Every third influencer hides like counts, which the API reports as 0.
                {
                    "id": post.media_id,
                    "caption": post.caption,
                    "like_count": 0
                    if number % 3 == 2
                    else int(followers * self.rng.uniform(0.02, 0.06)),
                    "comments_count": int(followers * self.rng.uniform(0.001, 0.004)),
                    "timestamp": post.posted_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                }
                for post in self.influencer_posts[handle]
            ]
            topic_words = " · ".join(TOPICS[topic].words[:3])
            document = {
                "business_discovery": {
                    "id": f"1784{number:07d}",
                    "username": handle,
                    "biography": f"Indhold om {TOPICS[topic].name}: {topic_words}",
                    "followers_count": followers,
                    "media_count": len(media),
                    "media": {"data": media},
                },
                "id": "17841400000000001",
            }
            files.append(
                (
                    f"business_discovery_{handle}.json",
                    json.dumps(document, ensure_ascii=False).encode("utf-8"),
                )
            )
        return files

    def audience_csv(self) -> bytes:
        buffer = io.StringIO()
        columns = ["influencer", "handle", "relation", "post", "text"]
        writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=";")
        writer.writeheader()
        writer.writerows(self.csv_rows)
        return buffer.getvalue().encode("utf-8")


def _relationship(handle: str, timestamp: int) -> dict:
    return {
        "title": "",
        "media_list_data": [],
        "string_list_data": [
            {"href": f"https://www.instagram.com/{handle}", "value": handle, "timestamp": timestamp}
        ],
    }


def meta_json(document: object) -> bytes:
    """Serialise JSON the way Meta's exports do: every UTF-8 byte as its own \\u00XX escape."""

    def escape(value: object) -> object:
        if isinstance(value, str):
            return value.encode("utf-8").decode("latin-1")
        if isinstance(value, list):
            return [escape(item) for item in value]
        if isinstance(value, dict):
            return {escape(key): escape(item) for key, item in value.items()}
        return value

    return json.dumps(escape(document), ensure_ascii=True).encode("ascii")


def adjusted_rand_index(truth: np.ndarray, found: np.ndarray) -> float:
    """Adjusted Rand index of two labelings of the same items (Hubert and Arabie, 1985)."""
    _, truth_codes = np.unique(truth, return_inverse=True)
    _, found_codes = np.unique(found, return_inverse=True)
    table = np.zeros((truth_codes.max() + 1, found_codes.max() + 1), dtype=np.int64)
    np.add.at(table, (truth_codes, found_codes), 1)

    def pairs(counts: np.ndarray) -> float:
        return float((counts * (counts - 1) // 2).sum())

    together = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = pairs(np.array([len(truth)]))
    expected = rows * cols / total if total else 0.0
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (together - expected) / (maximum - expected)
