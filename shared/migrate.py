"""Schema migrations with alembic: the models' tables, versioned in ``shared/migrations``.

Every process runs ``upgrade`` at start (through ``shared.db.create_tables``), so a database is
brought to the newest revision before anything reads it. A new, empty database is built from
the models and stamped with the newest revision. After changing or adding a model::

    .venv/bin/python -m shared.migrate new "add photo groups"   # writes versions/NNNN_*.py
    .venv/bin/python -m shared.migrate check                    # prints what still differs

``new`` compares the models with a scratch SQLite database at the newest revision and writes the
difference as a new revision; read it before committing it, because alembic cannot tell a
rename from a drop and an add. The tests compare the migrated schema with the models on SQLite
and on PostgreSQL and fail with these commands while they differ.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSIONS = MIGRATIONS / "versions"
# The schema that create_all made before migrations existed; such a database is stamped with
# it and then upgraded.
BASELINE_REVISION = "0001"
# Any constant: PostgreSQL's advisory lock that keeps two starting processes from migrating
# at the same time.
_LOCK_KEY = 0x6466_6D69
HOW_TO_FIX = (
    'write a migration: .venv/bin/python -m shared.migrate new "what changed", read the new '
    "file in shared/migrations/versions/, and commit it"
)


def load_models() -> MetaData:
    """Import every module that defines tables and return their metadata."""
    from shared.db import MODEL_MODULES

    for module in MODEL_MODULES:
        importlib.import_module(module)
    return SQLModel.metadata


def migration_config(connection: Connection | None, metadata: MetaData) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = metadata
    return config


def upgrade(engine: Engine, *, build_empty_from_models: bool = True) -> list[str]:
    """Bring the database to the newest revision; return the tables that no migration makes.

    A database without tables is built from the models and stamped with the newest revision,
    as alembic's documentation recommends for a new database. The schema tests check that the
    migrations build the same schema. Tables that no migration makes are created from the
    models, with a warning, so a model added without its migration still works in a
    development tree; the schema tests fail until it has one.
    """
    metadata = load_models()
    with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
            connection.commit()
        try:
            config = migration_config(connection, metadata)
            if build_empty_from_models and not inspect(connection).get_table_names():
                metadata.create_all(connection)
                command.stamp(config, "head")
                connection.commit()
                log.info("created the schema from the models, at the newest revision")
                return []
            _stamp_baseline_if_unversioned(connection, config)
            command.upgrade(config, "head")
            connection.commit()
            missing = _create_unmigrated_tables(connection, metadata)
        finally:
            if postgres:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
                connection.commit()
    return missing


def differences(engine: Engine) -> list[Any]:
    """Return alembic's list of differences between the database and the models."""
    metadata = load_models()
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), metadata)


def _stamp_baseline_if_unversioned(connection: Connection, config: Config) -> None:
    # NOTE: this assumes the tables match revision 0001. A development database made by
    # create_all after the users tables were added fails in 0002; stamp it with the right
    # revision (alembic's stamp) or delete it.
    inspector = inspect(connection)
    if inspector.has_table("alembic_version") or not inspector.has_table("assets"):
        return
    log.warning(
        "the database has tables but no migration revision; it was created before migrations "
        "and is stamped with revision %s", BASELINE_REVISION,
    )
    command.stamp(config, BASELINE_REVISION)
    connection.commit()


def _create_unmigrated_tables(connection: Connection, metadata: MetaData) -> list[str]:
    inspector = inspect(connection)
    missing = [table for table in metadata.sorted_tables if not inspector.has_table(table.name)]
    if not missing:
        return []
    names = [table.name for table in missing]
    log.warning(
        "tables %s have no migration and were created from the models; %s",
        ", ".join(names), HOW_TO_FIX,
    )
    metadata.create_all(connection, tables=missing)
    connection.commit()
    return names


def new_revision(message: str) -> Path | None:
    """Write a revision with the difference between the models and the newest revision.

    Returns its path, or None when there is no difference.
    """
    from shared.db import make_engine

    metadata = load_models()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        with engine.connect() as connection:
            config = migration_config(connection, metadata)
            command.upgrade(config, "head")
            connection.commit()
            if not compare_metadata(MigrationContext.configure(connection), metadata):
                engine.dispose()
                return None
            script = command.revision(
                config, message=message, autogenerate=True, rev_id=_next_revision_id()
            )
        engine.dispose()
    if script is None or isinstance(script, list):
        return None
    path = Path(script.path)
    # The generated code is formatted to the project's line length, so the lint passes.
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(path)], check=False)
    return path


def _next_revision_id() -> str:
    numbers = [int(match.group(1)) for path in VERSIONS.glob("*.py")
               if (match := re.match(r"(\d{4})_", path.name))]
    return f"{max(numbers, default=0) + 1:04d}"


def main(argv: list[str] | None = None) -> int:
    from shared.db import make_engine
    from shared.settings import Settings

    parser = argparse.ArgumentParser(
        prog="python -m shared.migrate", description="Manage the database schema's migrations."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="write a revision for what the models changed")
    new.add_argument("message", help="what the revision changes, e.g. 'add photo groups'")
    for name, text_ in (("check", "print how the database differs from the models"),
                        ("upgrade", "bring the database to the newest revision")):
        sub = commands.add_parser(name, help=text_)
        sub.add_argument("--url", help="SQLAlchemy URL; default: DATAFANTASI_DATABASE__URL")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    if arguments.command == "new":
        path = new_revision(arguments.message)
        print(f"wrote {path}" if path else "the models match the newest revision; nothing to write")
        return 0
    engine = make_engine(arguments.url or Settings().database_url)
    if arguments.command == "upgrade":
        upgrade(engine)
        return 0
    found = differences(engine)
    for difference in found:
        print(difference)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
