"""The migrations build exactly the models' schema; older databases are brought up to it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from shared.db import make_engine
from shared.migrate import HOW_TO_FIX, differences, load_models, migration_config, upgrade


def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")

    upgrade(engine, build_empty_from_models=False)

    found = differences(engine)
    engine.dispose()
    assert found == [], f"the models differ from the migrations: {found}. To fix it, {HOW_TO_FIX}"


def test_unversioned_database_is_upgraded(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.connect() as connection:
        command.upgrade(migration_config(connection, load_models()), "0001")
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(
            text(
                "INSERT INTO jobs (job_id, tenant_id, kind, status, progress, message, "
                "created_at) VALUES ('j1', 't1', 'themes', 'SUCCEEDED', 1.0, 'done', "
                "'2026-01-01 00:00:00')"
            )
        )
        connection.commit()

    upgrade(engine)

    with engine.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        params = connection.execute(text("SELECT params FROM jobs WHERE job_id = 'j1'")).scalar()
        columns = {column["name"] for column in inspect(connection).get_columns("jobs")}
    engine.dispose()
    assert revision is not None and revision > "0001"
    assert params == "{}"
    assert "params" in columns


def test_new_database_is_stamped_at_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")

    upgrade(engine)
    upgrade(engine)

    with engine.connect() as connection:
        revisions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert len(revisions) == 1
    assert {"assets", "jobs", "tenants"} <= tables
