"""Alembic environment: the engine comes from ``Config.attributes`` (see store/migrate.py)."""

from __future__ import annotations

from alembic import context

from firebreak.store.tables import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
