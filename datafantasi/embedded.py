"""The embedded mode: every service in one process, on SQLite, local Qdrant and the filesystem.

This module is the composition root: it builds each infrastructure part once, hands it to the
services, wires their consumers to one in-process bus and serves all their routers from one app.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from datafantasi.data_lock import DataDirLock
from services.analytics.api import router as analytics_router
from services.analytics.service import AnalyticsService
from services.api.app import create_app
from services.api.tenants import TenantDirectory
from services.audience.api import router as audience_router
from services.audience.service import AudienceService
from services.audience.text_encoder import E5TextEncoder
from services.embedding.api import router as embedding_router
from services.embedding.service import EmbeddingService
from services.ingest.api import router as ingest_router
from services.ingest.service import IngestService
from services.search.api import router as search_router
from services.search.groups import PhotoGroups
from services.search.service import SearchService
from services.search.store import open_vector_store
from shared.bus.memory import InProcessBus
from shared.db import create_tables, make_engine
from shared.jobs import ThreadJobRunner
from shared.jobs.api import router as jobs_router
from shared.settings import Settings
from shared.storage import FilesystemStore

log = logging.getLogger(__name__)


def admin_token(settings: Settings) -> str:
    """Return the operator token: from settings, or generated once into the data folder."""
    if settings.api.admin_token:
        return settings.api.admin_token
    path = settings.data_dir / "admin-token"
    if path.exists():
        return path.read_text().strip()
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(token + "\n")
    return token


class EmbeddedStack:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Taken before anything opens the data folder, so a second process stops here instead
        # of failing the first one's running jobs in start-up cleanup.
        self._lock = DataDirLock(settings.data_dir)
        try:
            self._build(settings)
        except BaseException:
            self._lock.release()
            raise

    def _build(self, settings: Settings) -> None:
        self.engine = make_engine(settings.database_url)
        create_tables(self.engine)
        self.bus = InProcessBus()
        self.objects = FilesystemStore(settings.storage_root)
        self.tenants = TenantDirectory(self.engine)
        self.embedding = EmbeddingService(settings, self.bus, self.objects)
        self.vectors = open_vector_store(settings)
        self.search = SearchService(settings, self.bus, self.vectors, self.embedding)
        self.photo_groups = PhotoGroups(self.engine)
        self.ingest = IngestService(settings, self.engine, self.bus, self.objects)
        self.jobs = ThreadJobRunner(self.engine, services=self, workers=settings.jobs.threads)
        self.analytics = AnalyticsService(settings.analytics, self.engine, jobs=self.jobs)
        self.audience = AudienceService(self.engine, E5TextEncoder())
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self.embedding.start()
        self.embedding.subscribe()
        self.search.subscribe()
        self.ingest.subscribe()
        self.bus.start()
        self.ingest.resume()
        self.jobs.fail_interrupted()
        self.analytics.start()
        self._started = True
        model_state = self.embedding.unavailable_reason or "ready"
        log.info(
            "embedded stack started: data in %s, photo model %s (%s)",
            self.settings.data_dir, self.settings.embedding.photo_model, model_state,
        )

    def stop(self) -> None:
        """Stop the services and release the data folder, which another stack may then open."""
        if not self._started:
            self._lock.release()
            return
        # Jobs first: a running job may still publish records or read the vector store.
        self.jobs.close()
        self.bus.stop()
        self.embedding.close()
        self.analytics.close()
        self.search.close()
        self.engine.dispose()
        self._started = False
        self._lock.release()
        log.info("embedded stack stopped")

    def wait_idle(self, timeout_s: float = 300.0) -> bool:
        return self.bus.wait_idle(timeout_s)

    def create_app(self) -> FastAPI:
        @asynccontextmanager
        async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
            self.start()
            try:
                yield
            finally:
                self.stop()

        app = create_app(
            directory=self.tenants,
            admin_token=admin_token(self.settings),
            routers=[ingest_router, search_router, embedding_router, analytics_router,
                     audience_router, jobs_router],
            health_checks={
                "embedding": self.embedding.health,
                "search": self.search.health,
                "bus": lambda: {"ready": True, "lag": sum(self.bus.lag().values())},
            },
            lifespan=lifespan,
            settings=self.settings,
        )
        app.state.ingest = self.ingest
        app.state.search = self.search
        app.state.photo_groups = self.photo_groups
        app.state.objects = self.objects
        app.state.embedding = self.embedding
        app.state.analytics = self.analytics
        app.state.audience = self.audience
        app.state.jobs = self.jobs
        app.state.stack = self
        return app
