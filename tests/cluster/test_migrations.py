"""The migrations on PostgreSQL: they build exactly the models' schema, once, under races."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from infra.postgres_server import PostgresServer
from shared.db import make_engine
from shared.migrate import HOW_TO_FIX, differences, upgrade


def test_migrations_match_models_on_postgres(postgres_server: PostgresServer) -> None:
    engine = make_engine(postgres_server.url)

    # Two processes starting at once both migrate; the advisory lock makes one wait.
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(upgrade, engine, build_empty_from_models=False) for _ in range(2)]
        created = [run.result() for run in runs]

    found = differences(engine)
    with engine.connect() as connection:
        revisions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert created == [[], []]
    assert len(revisions) == 1
    assert found == [], f"the models differ from the migrations: {found}. To fix it, {HOW_TO_FIX}"
