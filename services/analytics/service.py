"""The analytics service: one object that the API and the embedded app hold on app.state."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import SimpleNamespace

from sqlalchemy.engine import Engine

from services.analytics import participation, privacy
from services.analytics.enrichment.base import CompanyDataConnector
from services.analytics.enrichment.service import EnrichmentReport, enrich_members
from services.analytics.figures import Figure
from services.analytics.importing.columns import FileKind
from services.analytics.importing.importer import Importer, ImportReport
from services.analytics.job_kinds import THEMES
from services.analytics.overview import build_overview, render_html
from services.analytics.participation import ParticipationData
from services.analytics.themes.clustering import ClusterOptions
from services.analytics.themes.embedding import TextEmbedder, make_embedder
from services.analytics.themes.service import ThemeService
from shared.jobs import Job, JobRunner, ThreadJobRunner
from shared.settings import AnalyticsSettings

logger = logging.getLogger(__name__)


class AnalyticsService:
    def __init__(
        self,
        settings: AnalyticsSettings,
        engine: Engine,
        embedder: TextEmbedder | None = None,
        jobs: JobRunner | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.importer = Importer(engine)
        # A composition root passes the runner it shares between services; alone, the service
        # runs its jobs in a thread runner of its own, with itself as the jobs' services.
        self._owns_jobs = jobs is None
        self.jobs = jobs or ThreadJobRunner(
            engine, services=SimpleNamespace(engine=engine, analytics=self)
        )
        self.themes = ThemeService(
            engine,
            embedder or make_embedder(settings.text_model, settings.embed_batch_size),
            ClusterOptions(seed=settings.theme_seed, max_themes=settings.max_themes),
        )

    def start(self) -> None:
        if self._owns_jobs:
            self.jobs.fail_interrupted()

    def close(self) -> None:
        if self._owns_jobs:
            self.jobs.close()

    def import_file(
        self,
        tenant_id: str,
        kind: FileKind,
        filename: str,
        data: bytes,
        mapping: dict[str, str] | None = None,
    ) -> ImportReport:
        if len(data) > self.settings.max_import_bytes:
            raise ValueError(
                f"the file {filename!r} has {len(data)} bytes; the largest accepted import is "
                f"{self.settings.max_import_bytes} bytes"
            )
        return self.importer.import_file(tenant_id, kind, filename, data, mapping)

    def enrich(self, tenant_id: str, connector: CompanyDataConnector) -> EnrichmentReport:
        return enrich_members(self.engine, tenant_id, connector)

    def figure(self, tenant_id: str, name: str, **options: object) -> Figure:
        data = ParticipationData.load(self.engine, tenant_id)
        return participation.compute(data, name, **options)

    def figures(self, tenant_id: str, names: Sequence[str]) -> dict[str, Figure]:
        """Compute several figures from one read of the tenant's participation data."""
        data = ParticipationData.load(self.engine, tenant_id)
        return {name: participation.compute(data, name) for name in names}

    def start_theme_run(self, tenant_id: str) -> Job:
        return self.jobs.submit(tenant_id, THEMES, {})

    def job(self, tenant_id: str, job_id: str) -> Job | None:
        return self.jobs.get(tenant_id, job_id)

    def overview(self, tenant_id: str) -> dict[str, object]:
        data = ParticipationData.load(self.engine, tenant_id)
        return build_overview(data, self.themes, tenant_id)

    def overview_html(self, tenant_id: str) -> str:
        return render_html(self.overview(tenant_id))

    def find_members(
        self, tenant_id: str, query: str, limit: int = 50, offset: int = 0
    ) -> list[dict[str, object]]:
        return [
            {
                "member_id": member.member_id,
                "kind": member.kind.value,
                "name": member.name,
                "email": member.email,
                "organisation_id": member.organisation_id,
            }
            for member in privacy.find_members(self.engine, tenant_id, query, limit, offset)
        ]

    def export_member(self, tenant_id: str, member_id: str) -> dict[str, object] | None:
        return privacy.export_member(self.engine, tenant_id, member_id)

    def delete_member(self, tenant_id: str, member_id: str) -> privacy.DeletionReport | None:
        return privacy.delete_member(self.engine, tenant_id, member_id)

    def delete_tenant(self, tenant_id: str) -> None:
        privacy.delete_tenant(self.engine, tenant_id)

