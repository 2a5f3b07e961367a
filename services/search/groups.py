"""Visual groups: a tenant's photos clustered by their vectors, stored, named by users.

A run reads every vector of the tenant through ``TenantIndex``, the one place that applies the
tenant filter. It clusters them as the analytics themes cluster texts
(``services.analytics.themes.clustering``): spherical k-means into micro-clusters, merged
bottom-up, and cut at the number of groups with the best silhouette. Photos far from every
group's centre stay ungrouped.

A run replaces the tenant's groups. A new group that shares most of its photos with a group of
the previous run takes over that group's id and name, so a name given by a user survives a
re-run while the group stays mostly the same.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.analytics.themes.clustering import ClusterOptions, cluster
from services.search.index import TenantIndex
from services.search.models import PhotoGroup, PhotoGroupMember, utcnow

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
"""Called with the share of a run done (0 to 1) and the step it is on."""

COVER_COUNT = 4
MAX_GROUPS = 200
# A new group inherits an old group's id and name when each contains over half of the other.
MIN_SHARED = 0.5
_INSERT_CHUNK = 5000
MEMBERS = PhotoGroupMember.__table__  # type: ignore[attr-defined]
GROUPS = PhotoGroup.__table__  # type: ignore[attr-defined]


class NoPhotos(ValueError):
    """Raised when the tenant has no indexed photo to group; the message names the fix."""


@dataclass(frozen=True)
class GroupDraft:
    """One group of a run before it is stored: its photos, closest to its centre first."""

    asset_ids: list[str]
    similarity: list[float]


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    photos: int
    groups: int
    ungrouped: int
    kept_names: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id, "photos": self.photos, "groups": self.groups,
            "ungrouped": self.ungrouped, "kept_names": self.kept_names,
            "seconds": round(self.seconds, 3),
        }


def max_groups(photos: int) -> int:
    """Return the most groups a run may find among ``photos`` photos.

    The bound is about twice the square root of the count, like the micro-clusters that the
    grouping merges: 10 photos allow 6 groups, 1,000 allow 63, and from 10,000 photos on the
    cap of 200 applies. The silhouette then picks the number within that bound.
    """
    return max(2, min(MAX_GROUPS, round(2 * math.sqrt(photos))))


def group_vectors(asset_ids: list[str], vectors: np.ndarray, seed: int = 0) -> list[GroupDraft]:
    """Cluster the photos' vectors into groups, largest first; outliers are left out."""
    if len(asset_ids) == 0:
        return []
    # A tight group of near-duplicates has a tiny spread of similarities, so the themes'
    # outlier cut of 2 standard deviations would drop some of its copies; 3 drops fewer.
    options = ClusterOptions(seed=seed, max_themes=max_groups(len(asset_ids)), outlier_z=3.0)
    clustering = cluster(vectors, options)
    drafts = []
    for number in range(int(clustering.labels.max(initial=-1)) + 1):
        members = np.flatnonzero(clustering.labels == number)
        if len(members) == 0:
            continue
        order = members[np.argsort(-clustering.similarity[members], kind="stable")]
        drafts.append(
            GroupDraft(
                asset_ids=[asset_ids[i] for i in order],
                similarity=[float(clustering.similarity[i]) for i in order],
            )
        )
    return drafts


class PhotoGroups:
    """The stored visual groups of every tenant, each read and written for one tenant."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def run(
        self,
        tenant_id: str,
        index: TenantIndex | None,
        run_id: str,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> RunSummary:
        """Group the tenant's indexed photos and store the groups in place of the earlier ones.

        Raises ``NoPhotos`` when the tenant has no indexed photo.
        """
        report = progress or _no_progress
        started = time.perf_counter()
        report(0.0, "reading the photo vectors")
        asset_ids, vectors = _read_vectors(index)
        if not asset_ids or index is None:
            raise NoPhotos(
                "the tenant has no indexed photos to group; upload photos and wait until their "
                "status is indexed"
            )
        report(0.3, f"grouping {len(asset_ids)} photos")
        drafts = group_vectors(asset_ids, vectors, seed)
        report(0.8, f"storing {len(drafts)} groups")
        kept = self._replace(tenant_id, run_id, index.collection.model_id, drafts)
        grouped = sum(len(draft.asset_ids) for draft in drafts)
        summary = RunSummary(
            run_id=run_id, photos=len(asset_ids), groups=len(drafts),
            ungrouped=len(asset_ids) - grouped, kept_names=kept,
            seconds=time.perf_counter() - started,
        )
        log.info(
            "grouped %d photos of tenant %s into %d groups (%d ungrouped, %d names kept) in "
            "%.2f s, run %s", summary.photos, tenant_id, summary.groups, summary.ungrouped,
            kept, summary.seconds, run_id,
        )
        return summary

    def list(self, tenant_id: str, offset: int = 0, limit: int | None = None) -> list[PhotoGroup]:
        """Return the tenant's groups from ``offset`` on, largest first; all of them by default."""
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(PhotoGroup)
                    .where(PhotoGroup.tenant_id == tenant_id)
                    .order_by(col(PhotoGroup.number))
                    .offset(offset)
                    .limit(limit)
                )
            )

    def get(self, tenant_id: str, group_id: str) -> PhotoGroup | None:
        """Return the tenant's group, or None when the tenant has no group with that id."""
        with Session(self.engine) as session:
            return session.get(PhotoGroup, (tenant_id, group_id))

    def members(
        self, tenant_id: str, group_id: str, limit: int, offset: int
    ) -> tuple[int, list[PhotoGroupMember]]:
        """Return the group's size and one page of its photos, closest to its centre first."""
        where = (PhotoGroupMember.tenant_id == tenant_id, PhotoGroupMember.group_id == group_id)
        with Session(self.engine) as session:
            total = session.exec(select(func.count()).where(*where)).one()
            page = session.exec(
                select(PhotoGroupMember)
                .where(*where)
                .order_by(col(PhotoGroupMember.similarity).desc(), col(PhotoGroupMember.asset_id))
                .offset(offset)
                .limit(limit)
            ).all()
        return int(total), list(page)

    def rename(self, tenant_id: str, group_id: str, name: str | None) -> PhotoGroup | None:
        """Set or clear the group's name; returns None when the tenant has no such group."""
        with Session(self.engine, expire_on_commit=False) as session:
            group = session.get(PhotoGroup, (tenant_id, group_id))
            if group is None:
                return None
            group.name = name
            group.updated_at = utcnow()
            session.add(group)
            session.commit()
        log.info("renamed photo group %s of tenant %s", group_id, tenant_id)
        return group

    def forget_assets(self, tenant_id: str, asset_ids: Sequence[str]) -> int:
        """Take deleted photos out of the tenant's groups; returns the memberships removed.

        A group keeps its name and shrinks, its covers lose the photos, and a group left
        without photos is deleted.
        """
        removed = 0
        with self.engine.begin() as connection:
            for start in range(0, len(asset_ids), _INSERT_CHUNK):
                chunk = list(asset_ids[start : start + _INSERT_CHUNK])
                where = (MEMBERS.c.tenant_id == tenant_id, MEMBERS.c.asset_id.in_(chunk))
                shrunk = Counter(
                    connection.execute(select(MEMBERS.c.group_id).where(*where)).scalars()
                )
                removed += connection.execute(delete(MEMBERS).where(*where)).rowcount
                for group_id, count in shrunk.items():
                    connection.execute(
                        update(GROUPS)
                        .where(GROUPS.c.tenant_id == tenant_id, GROUPS.c.group_id == group_id)
                        .values(size=GROUPS.c.size - count)
                    )
            gone = set(asset_ids)
            groups = connection.execute(
                select(GROUPS.c.group_id, GROUPS.c.cover_asset_ids).where(
                    GROUPS.c.tenant_id == tenant_id
                )
            ).all()
            for group_id, covers in groups:
                kept = [asset_id for asset_id in json.loads(covers) if asset_id not in gone]
                if len(kept) != len(json.loads(covers)):
                    connection.execute(
                        update(GROUPS)
                        .where(GROUPS.c.tenant_id == tenant_id, GROUPS.c.group_id == group_id)
                        .values(cover_asset_ids=json.dumps(kept))
                    )
            connection.execute(
                delete(GROUPS).where(GROUPS.c.tenant_id == tenant_id, GROUPS.c.size <= 0)
            )
        return removed

    def _replace(
        self, tenant_id: str, run_id: str, model_id: str, drafts: list[GroupDraft]
    ) -> int:
        """Store the run's groups in place of the tenant's earlier ones; returns names kept."""
        with Session(self.engine) as session:
            inherited = _inherit(drafts, self._previous(session, tenant_id))
        now = utcnow()
        groups, members = [], []
        for number, draft in enumerate(drafts):
            old = inherited.get(number)
            group_id = old.group_id if old else uuid.uuid4().hex
            groups.append({
                "tenant_id": tenant_id, "group_id": group_id, "run_id": run_id,
                "model_id": model_id, "number": number, "name": old.name if old else None,
                "size": len(draft.asset_ids),
                "cover_asset_ids": json.dumps(draft.asset_ids[:COVER_COUNT]),
                "created_at": old.created_at if old else now, "updated_at": now,
            })
            members.extend(
                {"tenant_id": tenant_id, "asset_id": asset_id, "group_id": group_id,
                 "similarity": similarity}
                for asset_id, similarity in zip(draft.asset_ids, draft.similarity, strict=True)
            )
        with self.engine.begin() as connection:
            connection.execute(delete(MEMBERS).where(MEMBERS.c.tenant_id == tenant_id))
            connection.execute(delete(GROUPS).where(GROUPS.c.tenant_id == tenant_id))
            if groups:
                connection.execute(insert(GROUPS), groups)
            for start in range(0, len(members), _INSERT_CHUNK):
                connection.execute(insert(MEMBERS), members[start : start + _INSERT_CHUNK])
        return sum(1 for old in inherited.values() if old.name)

    @staticmethod
    def _previous(session: Session, tenant_id: str) -> dict[str, tuple[PhotoGroup, set[str]]]:
        groups = {
            group.group_id: (group, set[str]())
            for group in session.exec(select(PhotoGroup).where(PhotoGroup.tenant_id == tenant_id))
        }
        members = session.exec(
            select(PhotoGroupMember.group_id, PhotoGroupMember.asset_id).where(
                PhotoGroupMember.tenant_id == tenant_id
            )
        )
        for group_id, asset_id in members:
            if group_id in groups:
                groups[group_id][1].add(asset_id)
        return groups


def _inherit(
    drafts: list[GroupDraft], previous: dict[str, tuple[PhotoGroup, set[str]]]
) -> dict[int, PhotoGroup]:
    """Pair new groups with old ones that share most of their photos, each old group once."""
    owner = {asset: group_id for group_id, (_, assets) in previous.items() for asset in assets}
    pairs = []
    for number, draft in enumerate(drafts):
        shared: dict[str, int] = {}
        for asset in draft.asset_ids:
            group_id = owner.get(asset)
            if group_id is not None:
                shared[group_id] = shared.get(group_id, 0) + 1
        for group_id, count in shared.items():
            old_size = len(previous[group_id][1])
            if count > MIN_SHARED * len(draft.asset_ids) and count > MIN_SHARED * old_size:
                pairs.append((count, number, group_id))
    inherited: dict[int, PhotoGroup] = {}
    taken: set[str] = set()
    for _, number, group_id in sorted(pairs, reverse=True):
        if number not in inherited and group_id not in taken:
            inherited[number] = previous[group_id][0]
            taken.add(group_id)
    return inherited


def _read_vectors(index: TenantIndex | None) -> tuple[list[str], np.ndarray]:
    # NOTE: every vector of the tenant is held in memory at once, about 200 MB for 100,000
    # photos of a 512-dimensional model; a far larger archive needs sampled fitting here.
    if index is None:
        return [], np.zeros((0, 0), dtype=np.float32)
    asset_ids: list[str] = []
    vectors: list[np.ndarray] = []
    for batch in index.scroll_vectors():
        asset_ids.extend(photo.asset_id for photo in batch)
        vectors.extend(photo.vector for photo in batch)
    if not vectors:
        return [], np.zeros((0, index.collection.dim), dtype=np.float32)
    # The store's order is no contract; sorting makes the same seed give the same groups.
    order = np.argsort(np.asarray(asset_ids), kind="stable")
    return [asset_ids[i] for i in order], np.stack(vectors).astype(np.float32)[order]


def _no_progress(share: float, step: str) -> None:
    pass
