"""The audience service: imports, community runs, comparisons and personal data, per tenant."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from services.audience.communities import CommunityParameters, find_communities
from services.audience.comparison import CommunityAssignments, Comparison, compare_influencers
from services.audience.engagement import EngagementMetrics, engagement_metrics
from services.audience.graph import AudienceData, build_audience_graph
from services.audience.importing import InvalidImport, parse_upload
from services.audience.importing.records import AccountRole, normalize_handle
from services.audience.imports import record_named
from services.audience.labels import CommunityDescription, describe_communities
from services.audience.models import (
    AudienceImport,
    Community,
    CommunityMembership,
    CommunityRun,
    utcnow,
)
from services.audience.people import (
    ErasureReport,
    PersonData,
    PersonNotFound,
    erase_person,
    export_person,
    find_account_id,
    search_handles,
)
from services.audience.snapshot import load_audience
from services.audience.store import ACCOUNTS, ENGAGEMENTS, FOLLOWS, ImportSummary, store_batch
from services.audience.text_encoder import TextEncoder
from services.audience.vectors import CachedEncoder

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
"""Called with the share of a run done (0 to 1) and the step it is on."""

RUNS = CommunityRun.__table__  # type: ignore[attr-defined]
COMMUNITIES = Community.__table__  # type: ignore[attr-defined]
MEMBERSHIPS = CommunityMembership.__table__  # type: ignore[attr-defined]
IMPORTS = AudienceImport.__table__  # type: ignore[attr-defined]
MAX_INFLUENCERS = 20


class NotFound(LookupError):
    """A tenant's object that does not exist (or belongs to another tenant)."""


class InvalidRequest(ValueError):
    """A request that names valid objects but cannot be served; the message gives the reason."""


@dataclass(frozen=True)
class ImportResult:
    import_id: str
    filename: str
    source: str
    summary: ImportSummary


@dataclass(frozen=True)
class CommunityRunResult:
    run_id: str
    created_at: object
    parameters: dict[str, float | int]
    member_count: int
    assigned_count: int
    communities: list[dict[str, object]]


class AudienceService:
    def __init__(self, engine: Engine, encoder: TextEncoder) -> None:
        self.engine = engine
        self.encoder = encoder

    # Imports

    def import_file(
        self,
        tenant_id: str,
        filename: str,
        data: bytes,
        *,
        account: str | None = None,
        role: AccountRole | None = None,
    ) -> ImportResult:
        """Parse and store one uploaded file; raises InvalidImport for a file it cannot read.

        A Graph API media listing that names no owner belongs to ``account`` or, without it,
        to the tenant's only brand account.
        """
        started = time.perf_counter()
        if account is None and filename.lower().endswith(".json"):
            account = self._only_brand(tenant_id)
        batch = parse_upload(filename, data, account=account, role=role)
        import_id = uuid.uuid4().hex
        with self.engine.begin() as connection:
            summary, named = store_batch(connection, tenant_id, batch)
            record_named(connection, tenant_id, import_id, named)
            connection.execute(
                insert(IMPORTS).values(
                    import_id=import_id,
                    tenant_id=tenant_id,
                    filename=filename,
                    source=batch.source,
                    summary=json.dumps(
                        {k: v for k, v in asdict(summary).items() if k != "warnings"}
                    ),
                    warnings=json.dumps(summary.warnings, ensure_ascii=False),
                    created_at=utcnow(),
                )
            )
        logger.info(
            "tenant %s: import %s of %s (%s) done in %.1fs",
            tenant_id,
            import_id,
            filename,
            batch.source,
            time.perf_counter() - started,
        )
        return ImportResult(import_id, filename, batch.source, summary)

    def get_import(self, tenant_id: str, import_id: str) -> ImportResult:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(IMPORTS).where(
                    IMPORTS.c.tenant_id == tenant_id, IMPORTS.c.import_id == import_id
                )
            ).first()
        if row is None:
            raise NotFound(f"import {import_id} not found")
        summary = ImportSummary(**json.loads(row.summary), warnings=json.loads(row.warnings))
        return ImportResult(row.import_id, row.filename, row.source, summary)

    def _only_brand(self, tenant_id: str) -> str | None:
        with self.engine.connect() as connection:
            brands = (
                connection.execute(
                    select(ACCOUNTS.c.handle).where(
                        ACCOUNTS.c.tenant_id == tenant_id, ACCOUNTS.c.role == AccountRole.BRAND
                    )
                )
                .scalars()
                .all()
            )
        return brands[0] if len(brands) == 1 else None

    # Communities

    def has_audience(self, tenant_id: str) -> bool:
        """Tell whether the tenant has any follow or engagement to find communities in."""
        with self.engine.connect() as connection:
            for table in (FOLLOWS, ENGAGEMENTS):
                found = connection.execute(
                    select(table.c.tenant_id).where(table.c.tenant_id == tenant_id).limit(1)
                ).first()
                if found is not None:
                    return True
        return False

    def detect_communities(
        self,
        tenant_id: str,
        parameters: CommunityParameters = CommunityParameters(),
        progress: Progress | None = None,
    ) -> CommunityRunResult:
        """Find the tenant's communities and store them as a new run.

        A large audience (100,000 members) takes minutes on two cores, so the API runs this as
        the job kind ``audience.communities``. ``progress`` gets the share done and the step.
        """
        report = progress or _no_progress
        report(0.0, "loading the audience")
        data = load_audience(self.engine, tenant_id)
        cached = CachedEncoder(self.engine, tenant_id, self.encoder)
        report(0.1, "embedding the accounts' texts and building the graph")
        graph = build_audience_graph(data, cached.encode, self.encoder.dim)
        if graph.size == 0:
            raise InvalidRequest(
                "the tenant has no audience members yet; import followers or comments first"
            )
        report(0.5, f"finding communities among {graph.size} members")
        partition = find_communities(graph, parameters)
        report(0.8, f"describing {partition.community_count} communities")
        descriptions = describe_communities(graph, partition)
        report(0.9, "storing the communities")
        run_id = uuid.uuid4().hex
        with self.engine.begin() as connection:
            connection.execute(
                insert(RUNS).values(
                    run_id=run_id,
                    tenant_id=tenant_id,
                    parameters=json.dumps(parameters.as_dict()),
                    member_count=graph.size,
                    assigned_count=int((partition.labels >= 0).sum()),
                    created_at=utcnow(),
                )
            )
            ids = self._store_communities(connection, tenant_id, run_id, descriptions)
            rows = [
                {
                    "run_id": run_id,
                    "account_id": int(account),
                    "tenant_id": tenant_id,
                    "community_id": ids[int(label)],
                    "confidence": float(confidence),
                    "runner_up_id": ids[int(runner)] if runner >= 0 else None,
                    "runner_up_share": float(share),
                }
                for account, label, confidence, runner, share in zip(
                    graph.member_ids,
                    partition.labels,
                    partition.confidence,
                    partition.runner_up,
                    partition.runner_up_share,
                    strict=True,
                )
                if label >= 0
            ]
            for start in range(0, len(rows), 5000):
                connection.execute(insert(MEMBERSHIPS), rows[start : start + 5000])
        logger.info(
            "stored community run %s for tenant %s: %d members, %d communities",
            run_id, tenant_id, graph.size, partition.community_count,
        )
        return self.community_run(tenant_id, run_id)

    @staticmethod
    def _store_communities(
        connection: Connection,
        tenant_id: str,
        run_id: str,
        descriptions: list[CommunityDescription],
    ) -> dict[int, int]:
        ids = {}
        for description in descriptions:
            ids[description.number] = connection.execute(
                insert(COMMUNITIES).values(
                    run_id=run_id,
                    tenant_id=tenant_id,
                    number=description.number,
                    label=description.label,
                    keywords=json.dumps(description.keywords, ensure_ascii=False),
                    typical_accounts=json.dumps([asdict(a) for a in description.typical_accounts]),
                    typical_members=json.dumps(description.typical_members),
                    size=description.size,
                    share=description.share,
                    mean_confidence=description.mean_confidence,
                )
            ).inserted_primary_key[0]
        return ids

    def latest_run_id(self, tenant_id: str) -> str:
        with self.engine.connect() as connection:
            run_id = connection.execute(
                select(RUNS.c.run_id)
                .where(RUNS.c.tenant_id == tenant_id)
                .order_by(RUNS.c.created_at.desc())
                .limit(1)
            ).scalar()
        if run_id is None:
            raise NotFound("no community run yet; start one with POST /v1/audience/community-runs")
        return run_id

    def community_run(self, tenant_id: str, run_id: str) -> CommunityRunResult:
        with self.engine.connect() as connection:
            run = connection.execute(
                select(RUNS).where(RUNS.c.tenant_id == tenant_id, RUNS.c.run_id == run_id)
            ).first()
            if run is None:
                raise NotFound(f"community run {run_id} not found")
            communities = connection.execute(
                select(COMMUNITIES)
                .where(COMMUNITIES.c.run_id == run_id)
                .order_by(COMMUNITIES.c.number)
            ).all()
        return CommunityRunResult(
            run_id=run.run_id,
            created_at=run.created_at,
            parameters=json.loads(run.parameters),
            member_count=run.member_count,
            assigned_count=run.assigned_count,
            communities=[_community_dict(row) for row in communities],
        )

    def community(self, tenant_id: str, community_id: int) -> dict[str, object]:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(COMMUNITIES).where(
                    COMMUNITIES.c.tenant_id == tenant_id, COMMUNITIES.c.id == community_id
                )
            ).first()
        if row is None:
            raise NotFound(f"community {community_id} not found")
        return _community_dict(row)

    def community_members(
        self, tenant_id: str, community_id: int, limit: int, offset: int
    ) -> tuple[int, list[dict[str, object]]]:
        community = self.community(tenant_id, community_id)
        runner = COMMUNITIES.alias("runner")
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(
                    ACCOUNTS.c.handle,
                    MEMBERSHIPS.c.confidence,
                    runner.c.id.label("runner_up_id"),
                    runner.c.label.label("runner_up_label"),
                    MEMBERSHIPS.c.runner_up_share,
                )
                .join(ACCOUNTS, ACCOUNTS.c.id == MEMBERSHIPS.c.account_id)
                .outerjoin(runner, runner.c.id == MEMBERSHIPS.c.runner_up_id)
                .where(
                    MEMBERSHIPS.c.tenant_id == tenant_id, MEMBERSHIPS.c.community_id == community_id
                )
                .order_by(MEMBERSHIPS.c.confidence.desc(), ACCOUNTS.c.handle)
                .limit(limit)
                .offset(offset)
            ).all()
        return int(community["size"]), [dict(row._mapping) for row in rows]  # type: ignore[call-overload]

    def assignments(self, tenant_id: str, run_id: str) -> CommunityAssignments:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(MEMBERSHIPS.c.account_id, COMMUNITIES.c.number)
                .join(COMMUNITIES, COMMUNITIES.c.id == MEMBERSHIPS.c.community_id)
                .where(MEMBERSHIPS.c.run_id == run_id)
            ).all()
            labels = connection.execute(
                select(COMMUNITIES.c.number, COMMUNITIES.c.label).where(
                    COMMUNITIES.c.run_id == run_id
                )
            ).all()
        return CommunityAssignments(
            run_id=run_id,
            community_of={row.account_id: row.number for row in rows},
            labels={row.number: row.label for row in labels},
        )

    # Comparison and engagement

    def compare(self, tenant_id: str, handles: list[str]) -> Comparison:
        """Compare influencers by handle; raises InvalidRequest or NotFound for bad handles."""
        requested = _valid_handles(handles)
        data = load_audience(self.engine, tenant_id)
        ids = dict(zip(data.handles, data.account_ids.tolist(), strict=True))
        with self.engine.connect() as connection:
            influencer_ids = [
                self._account_id(connection, tenant_id, handle) for handle in requested
            ]
        brand_ids = [
            int(account)
            for account, role in zip(data.account_ids, data.roles, strict=True)
            if role == AccountRole.BRAND
        ]
        overlap = set(influencer_ids) & set(brand_ids)
        if overlap:
            names = ", ".join(h for h in requested if ids.get(h) in overlap)
            raise InvalidRequest(f"{names} is the tenant's own brand account, not an influencer")
        try:
            assignments = self.assignments(tenant_id, self.latest_run_id(tenant_id))
        except NotFound:
            assignments = None
        return compare_influencers(
            data, influencer_ids, brand_ids, data.followers_count, assignments
        )

    @staticmethod
    def _account_id(connection: Connection, tenant_id: str, handle: str) -> int:
        try:
            return find_account_id(connection, tenant_id, handle)
        except PersonNotFound as error:
            raise NotFound(str(error)) from error

    def engagement(self, tenant_id: str, handle: str) -> EngagementMetrics:
        requested = _valid_handles([handle])[0]
        with self.engine.connect() as connection:
            account_id = self._account_id(connection, tenant_id, requested)
        data: AudienceData = load_audience(self.engine, tenant_id)
        return engagement_metrics(data, account_id)

    # Personal data

    def find_people(self, tenant_id: str, prefix: str, limit: int, offset: int = 0) -> list[str]:
        prefix = prefix.strip().lstrip("@").lower()
        return search_handles(self.engine, tenant_id, prefix, limit, offset)

    def person(self, tenant_id: str, handle: str) -> PersonData:
        try:
            return export_person(self.engine, tenant_id, _valid_handles([handle])[0])
        except PersonNotFound as error:
            raise NotFound(str(error)) from error

    def erase(self, tenant_id: str, handle: str) -> ErasureReport:
        try:
            return erase_person(self.engine, tenant_id, _valid_handles([handle])[0])
        except PersonNotFound as error:
            raise NotFound(str(error)) from error


def _no_progress(share: float, step: str) -> None:
    pass


def _valid_handles(handles: list[str]) -> list[str]:
    result = []
    for raw in handles:
        handle = normalize_handle(raw)
        if handle is None:
            raise InvalidRequest(
                f"{raw!r} is not a valid Instagram handle (1-30 letters, digits, . or _)"
            )
        if handle in result:
            raise InvalidRequest(f"{handle} is given twice")
        result.append(handle)
    return result


def validate_influencer_count(handles: list[str]) -> None:
    if not 1 <= len(handles) <= MAX_INFLUENCERS:
        raise InvalidRequest(f"give 1 to {MAX_INFLUENCERS} influencers, not {len(handles)}")


def _community_dict(row: object) -> dict[str, object]:
    mapping = dict(row._mapping)  # type: ignore[attr-defined]
    for name in ("keywords", "typical_accounts", "typical_members"):
        mapping[name] = json.loads(mapping[name])
    return mapping


__all__ = ["AudienceService", "InvalidImport", "InvalidRequest", "NotFound"]
