"""Database engine and sessions: SQLite in the data folder (embedded) or any SQLAlchemy URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
            # WAL lets the API read while a consumer writes; foreign keys are off by default.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql"):
        # The tables' datetime columns have no time zone, and the services write UTC times: with
        # the session in UTC, PostgreSQL stores and compares them as UTC, as SQLite does.
        return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c TimeZone=UTC"})
    return create_engine(url, pool_pre_ping=True)


# Modules whose import registers their tables on SQLModel.metadata, one per owning service.
MODEL_MODULES = (
    "services.api.models",
    "services.ingest.models",
    "services.analytics.models",
    "services.audience.models",
    "services.search.models",
    "shared.jobs.models",
)


def create_tables(engine: Engine) -> None:
    """Bring the database's schema to the newest migration (``shared/migrate.py``)."""
    # Imported here: shared.migrate imports this module.
    from shared.migrate import upgrade

    upgrade(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
