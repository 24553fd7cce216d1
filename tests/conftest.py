"""Shared fixtures: a store on every backend the project supports."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.store import Store

PG_ENV = "AGGREGATOR_TEST_PG_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty Store on SQLite and on PostgreSQL (in a throwaway schema)."""
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path / 'test.db'}")
        yield opened
        opened.close()
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (set by .ci/run)")
    from sqlalchemy import create_engine, text

    schema = f"aggtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    opened = Store.open(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        yield opened
    finally:
        opened.close()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
