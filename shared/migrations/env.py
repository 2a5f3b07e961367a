"""alembic's environment: migrations run on the connection that ``shared.db`` hands over.

``shared.db.migration_config`` puts the connection in ``config.attributes["connection"]`` and
the models' metadata in ``config.attributes["target_metadata"]``; there is no alembic.ini.
"""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=config.attributes["target_metadata"],
    # SQLite alters a table by copying it; batch mode does that, and issues plain ALTERs on
    # PostgreSQL.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
