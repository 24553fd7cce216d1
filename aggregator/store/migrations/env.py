"""Alembic's environment: run the migrations on the connection the caller already holds.

:mod:`aggregator.store.upgrade` opens the connection (and takes the schema lock) and passes it
in ``config.attributes["connection"]``, so migrations run inside that one transaction.
"""

from __future__ import annotations

from alembic import context

from aggregator.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  # SQLite alters a column by copying its table: batch mode does that.
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
