"""Compare a set of influencers by audience, overlap, unique reach and communities reached.

Definitions, as influencer platforms use them:

- audience of an account: the accounts known to follow it or to have liked or commented on
  its posts. Follower lists come from exports and audience CSVs, engagement from comments.
  ``reported_followers`` is the follower count the account shows, and ``coverage`` is the share
  of it that the imported data covers;
- engaged audience: the accounts that liked or commented on its posts;
- pair overlap: ``first_in_second_share`` is size(A & B) / size(A), the share of the first
  influencer's audience that is also in the second's (not symmetric), and ``jaccard`` is
  size(A & B) / size(A | B);
- set overlap: ``gross_audience`` is the sum of the audience sizes, ``unique_reach`` the size of
  their union, ``duplicated_share`` 1 - unique_reach / gross_audience (the share of the gross
  audience that counts someone twice or more), and ``multi_audience_share`` the share of the
  union that is in two or more audiences;
- unique audience of one influencer: the part of its audience in no other selected audience;
- brand: the share of an influencer's audience that already follows or engages with the
  brand's accounts, and ``new_reach``, the audience outside the brand's own;
- communities: ``share`` is the part of the influencer's assigned audience in the community,
  ``brand_share`` the same for the brand's audience, and ``index`` 100 * share / brand_share
  (100: as common as in the brand's audience; 200: twice as common). ``brand_penetration`` is
  the share of the community's members in the brand's audience. A community is a new segment
  for an influencer when the brand reaches it at most half as well as it reaches the assigned
  audience overall (penetration at most half the overall penetration), and at least 10% of the
  influencer's audience is in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from services.audience.graph import AudienceData

NEW_SEGMENT_RELATIVE_PENETRATION = 0.5
MIN_SEGMENT_SHARE = 0.10


@dataclass(frozen=True)
class CommunityReach:
    community_number: int
    label: str
    audience: int
    share: float
    brand_share: float
    index: int | None
    brand_penetration: float
    new_segment: bool


@dataclass(frozen=True)
class InfluencerAudience:
    handle: str
    reported_followers: int | None
    audience: int
    engaged_audience: int
    coverage: float | None
    unique_audience: int
    unique_share: float
    brand_overlap_share: float | None
    new_reach: int
    communities: list[CommunityReach] = field(default_factory=list)
    new_segments: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class PairOverlap:
    first: str
    second: str
    overlap: int
    first_in_second_share: float
    second_in_first_share: float
    jaccard: float


@dataclass(frozen=True)
class Comparison:
    brand_handles: list[str]
    brand_audience: int
    influencers: list[InfluencerAudience]
    pairs: list[PairOverlap]
    gross_audience: int
    unique_reach: int
    duplicated_share: float
    multi_audience_share: float
    new_reach: int
    community_run_id: str | None
    new_segments: list[int]


@dataclass(frozen=True)
class CommunityAssignments:
    """The members' communities of one run: member account id -> community number."""

    run_id: str
    community_of: dict[int, int]
    labels: dict[int, str]


def audiences(data: AudienceData) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Return (audience, engaged audience) of every account that has one, by account id."""
    audience: dict[int, set[int]] = {}
    engaged: dict[int, set[int]] = {}
    for follower, followed in data.follows.tolist():
        audience.setdefault(followed, set()).add(follower)
    post_owner = dict(zip(data.post_ids.tolist(), data.post_owner.tolist(), strict=True))
    pairs = zip(
        data.engagement_actor.tolist(),
        data.engagement_target.tolist(),
        data.engagement_post.tolist(),
        strict=True,
    )
    for actor, target, post in pairs:
        owner = target if target >= 0 else post_owner.get(post, -1)
        if owner >= 0 and owner != actor:
            engaged.setdefault(owner, set()).add(actor)
            audience.setdefault(owner, set()).add(actor)
    return audience, engaged


def compare_influencers(
    data: AudienceData,
    influencer_ids: list[int],
    brand_ids: list[int],
    reported_followers: dict[int, int | None],
    assignments: CommunityAssignments | None = None,
) -> Comparison:
    handle_of = data.handle_of()
    audience, engaged = audiences(data)
    brand: set[int] = set().union(*(audience.get(b, set()) for b in brand_ids)) - set(brand_ids)
    selected = {i: audience.get(i, set()) - set(brand_ids) - {i} for i in influencer_ids}
    union: set[int] = set().union(*selected.values())
    counts: dict[int, int] = {}
    for members in selected.values():
        for member in members:
            counts[member] = counts.get(member, 0) + 1
    gross = sum(len(members) for members in selected.values())
    profiles = [
        _influencer_audience(
            handle_of[i],
            members,
            engaged.get(i, set()),
            reported_followers.get(i),
            {m for m in members if counts[m] == 1},
            brand,
            assignments,
        )
        for i, members in selected.items()
    ]
    return Comparison(
        brand_handles=[handle_of[b] for b in brand_ids],
        brand_audience=len(brand),
        influencers=profiles,
        pairs=[
            _pair(handle_of[a], handle_of[b], selected[a], selected[b])
            for a, b in combinations(influencer_ids, 2)
        ],
        gross_audience=gross,
        unique_reach=len(union),
        duplicated_share=_ratio(gross - len(union), gross),
        multi_audience_share=_ratio(sum(1 for c in counts.values() if c >= 2), len(union)),
        new_reach=len(union - brand),
        community_run_id=assignments.run_id if assignments else None,
        new_segments=sorted({n for p in profiles for n in p.new_segments}),
    )


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _pair(first: str, second: str, a: set[int], b: set[int]) -> PairOverlap:
    both = len(a & b)
    return PairOverlap(
        first=first,
        second=second,
        overlap=both,
        first_in_second_share=_ratio(both, len(a)),
        second_in_first_share=_ratio(both, len(b)),
        jaccard=_ratio(both, len(a | b)),
    )


def _influencer_audience(
    handle: str,
    members: set[int],
    engaged: set[int],
    reported: int | None,
    unique: set[int],
    brand: set[int],
    assignments: CommunityAssignments | None,
) -> InfluencerAudience:
    reach = _community_reach(members, brand, assignments) if assignments else []
    return InfluencerAudience(
        handle=handle,
        reported_followers=reported,
        audience=len(members),
        engaged_audience=len(engaged & members),
        coverage=_ratio(len(members), reported) if reported else None,
        unique_audience=len(unique),
        unique_share=_ratio(len(unique), len(members)),
        brand_overlap_share=_ratio(len(members & brand), len(members)) if members else None,
        new_reach=len(members - brand),
        communities=reach,
        new_segments=[r.community_number for r in reach if r.new_segment],
    )


def _community_reach(
    members: set[int], brand: set[int], assignments: CommunityAssignments
) -> list[CommunityReach]:
    community_of = assignments.community_of
    numbers = sorted(assignments.labels)
    size = np.zeros(max(numbers, default=-1) + 1, dtype=np.int64)
    for number in community_of.values():
        size[number] += 1
    reached = _histogram(members, community_of, len(size))
    brand_counts = _histogram(brand, community_of, len(size))
    reached_total, brand_total = reached.sum(), brand_counts.sum()
    overall_penetration = _ratio(brand_total, size.sum())
    result = []
    for number in numbers:
        share = _ratio(reached[number], reached_total)
        brand_share = _ratio(brand_counts[number], brand_total)
        penetration = _ratio(brand_counts[number], size[number])
        result.append(
            CommunityReach(
                community_number=number,
                label=assignments.labels[number],
                audience=int(reached[number]),
                share=share,
                brand_share=brand_share,
                index=round(100 * share / brand_share) if brand_share > 0 else None,
                brand_penetration=penetration,
                new_segment=(
                    penetration <= NEW_SEGMENT_RELATIVE_PENETRATION * overall_penetration
                    and share >= MIN_SEGMENT_SHARE
                ),
            )
        )
    return result


def _histogram(accounts: set[int], community_of: dict[int, int], length: int) -> np.ndarray:
    counts = np.zeros(length, dtype=np.int64)
    for account in accounts:
        number = community_of.get(account)
        if number is not None:
            counts[number] += 1
    return counts
