"""The cluster mode's service processes: what each one builds, consumes and serves.

Three processes share the broker, the database and the object-store folder:

- ``api``: the public routers (tenants, uploads, assets, search, models, analytics, audience), the
  ingest status consumers and the search indexing consumers. The search router and the indexing
  consumers must share one process because the edge vector store is a library that one process
  opens at a time, and there is no Qdrant server here. Query texts and photos are encoded by the
  embedding process over HTTP.
- ``embedding``: the photo model, the asset.ingested consumer and the encode routes.
- ``worker``: the Celery worker that runs jobs (``datafantasi/worker.py``).

Each serves /health (ready when its broker, database and store are reachable) and /metrics.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from datafantasi.embedded import admin_token
from datafantasi.worker import WorkerProcess
from services.analytics.api import router as analytics_router
from services.analytics.service import AnalyticsService
from services.api.app import add_health, add_metrics, create_app
from services.api.tenants import TenantDirectory
from services.audience.api import router as audience_router
from services.audience.service import AudienceService
from services.audience.text_encoder import E5TextEncoder
from services.embedding.api import router as models_router
from services.embedding.client import EmbeddingClient
from services.embedding.encode_api import router as encode_router
from services.embedding.service import EmbeddingService
from services.ingest.api import router as ingest_router
from services.ingest.service import IngestService
from services.search.api import router as search_router
from services.search.groups import PhotoGroups
from services.search.service import SearchService
from services.search.store import open_vector_store
from shared.bus.factory import open_bus
from shared.db import create_tables, make_engine
from shared.jobs.api import router as jobs_router
from shared.jobs.factory import open_job_runner
from shared.readiness import bus_check, database_check, store_check
from shared.settings import Settings
from shared.storage import FilesystemStore

log = logging.getLogger(__name__)


def embedding_url(settings: Settings) -> str:
    """Return the base URL at which other processes reach the embedding process."""
    return settings.embedding.service_url or f"http://{settings.api.host}:{settings.embedding.port}"


def _lifespan(
    start: Callable[[], None], stop: Callable[[], None]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        start()
        try:
            yield
        finally:
            stop()

    return lifespan


class ApiProcess:
    """The public API with ingest and search, on the database, the bus and the vector store."""

    name = "api"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(settings.database_url)
        create_tables(self.engine)
        self.bus = open_bus(settings)
        self.objects = FilesystemStore(settings.storage_root)
        self.tenants = TenantDirectory(self.engine)
        self.encoder = EmbeddingClient(embedding_url(settings), settings.embedding.photo_model)
        self.vectors = open_vector_store(settings)
        self.search = SearchService(settings, self.bus, self.vectors, self.encoder)
        self.photo_groups = PhotoGroups(self.engine)
        self.ingest = IngestService(settings, self.engine, self.bus, self.objects)
        # With jobs.backend=celery, jobs go to the worker process; kinds registered in_process
        # (those that need this process's vector store) run in threads here.
        self.jobs = open_job_runner(settings, self.engine, self)
        self.analytics = AnalyticsService(settings.analytics, self.engine, jobs=self.jobs)
        # The text model loads on first use: community runs are jobs, which the worker runs
        # unless jobs.backend is "thread".
        self.audience = AudienceService(self.engine, E5TextEncoder())

    @property
    def port(self) -> int:
        return self.settings.api.port

    def start(self) -> None:
        self.search.subscribe()
        self.ingest.subscribe()
        self.bus.start()
        # Kafka keeps the records, but an API process that stopped between storing an asset's
        # row and publishing its record left that asset without one. This sends it again.
        self.ingest.resume()
        self.jobs.fail_interrupted()
        self.analytics.start()
        log.info(
            "api process started: %s bus, %s database, embedding at %s",
            self.settings.bus.backend, self.engine.dialect.name, self.encoder.base_url,
        )

    def stop(self) -> None:
        self.jobs.close()
        self.bus.stop()
        self.analytics.close()
        self.search.close()
        self.encoder.close()
        self.engine.dispose()
        log.info("api process stopped")

    def create_app(self) -> FastAPI:
        app = create_app(
            directory=self.tenants,
            admin_token=admin_token(self.settings),
            routers=[
                ingest_router, search_router, models_router, analytics_router, audience_router,
                jobs_router,
            ],
            health_checks={
                "bus": bus_check(self.bus),
                "database": database_check(self.engine),
                "objects": store_check(self.objects),
                "search": self.search.health,
                "embedding": self._embedding_state,
            },
            lifespan=_lifespan(self.start, self.stop),
            settings=self.settings,
        )
        app.state.ingest = self.ingest
        app.state.search = self.search
        app.state.photo_groups = self.photo_groups
        app.state.objects = self.objects
        app.state.embedding = self.encoder
        app.state.analytics = self.analytics
        app.state.audience = self.audience
        app.state.jobs = self.jobs
        return app

    def _embedding_state(self) -> dict[str, object]:
        # Reported without a "ready" key: uploads and similar-photo search work while the
        # embedding process is down, so it does not take the API out of readiness.
        state = self.encoder.health()
        state["model_ready"] = state.pop("ready")
        return state


class EmbeddingProcess:
    """The photo model: embeds ingested photos from the bus and encodes queries over HTTP."""

    name = "embedding"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bus = open_bus(settings)
        self.objects = FilesystemStore(settings.storage_root)
        self.embedding = EmbeddingService(settings, self.bus, self.objects)

    @property
    def port(self) -> int:
        return self.settings.embedding.port

    def start(self) -> None:
        self.embedding.start()
        self.embedding.subscribe()
        self.bus.start()
        log.info(
            "embedding process started: model %s (%s)",
            self.embedding.model_id, self.embedding.unavailable_reason or "ready",
        )

    def stop(self) -> None:
        self.bus.stop()
        self.embedding.close()
        log.info("embedding process stopped")

    def create_app(self) -> FastAPI:
        app = FastAPI(
            title="Datafantasi embedding service",
            version="1",
            lifespan=_lifespan(self.start, self.stop),
        )
        app.include_router(encode_router)
        add_health(
            app,
            {
                "embedding": self.embedding.health,
                "bus": bus_check(self.bus),
                "objects": store_check(self.objects),
            },
        )
        add_metrics(app)
        app.state.embedding = self.embedding
        app.state.max_image_pixels = self.settings.ingest.max_image_pixels
        return app


PROCESSES: dict[str, Callable[[Settings], ApiProcess | EmbeddingProcess | WorkerProcess]] = {
    ApiProcess.name: ApiProcess,
    EmbeddingProcess.name: EmbeddingProcess,
    WorkerProcess.name: WorkerProcess,
}
