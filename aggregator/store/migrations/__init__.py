"""Alembic migrations of the store (configured in :mod:`aggregator.store.upgrade`, no .ini)."""
