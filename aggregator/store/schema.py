"""Opening a database safely: whose it is, whether it exists, and one schema creator at a time.

Several processes may open one store at once (Scrapyd runs jobs in parallel, cron may overlap a
manual run): creating the tables is serialized by a lock (a file beside a SQLite database, a
transaction-scoped advisory lock on PostgreSQL), and a database that holds other tables and
none of ours is refused rather than extended.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine, make_url

from aggregator.store.models import Base

# pg_advisory_xact_lock key for schema creation: any constant that other code does not use.
_PG_SCHEMA_LOCK = 0x61676772  # "aggr"


class StoreError(Exception):
    """The database cannot be used; the message says why in one line (no password in it)."""


def masked(url: str) -> str:
    """The database URL as it may be printed: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL has no recognisable password part to hide
        return url.split("@")[-1] if "@" in url else url


def sqlite_path(url: str) -> Path | None:
    """The file of a file-backed SQLite URL (None for other databases and :memory:)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return None if parsed.database == ":memory:" else Path(parsed.database)


def check_exists(url: str) -> None:
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise StoreError(f"no database at {path} (crawl first with `aggregator run`, or pass "
                         "--db)")


@contextmanager
def _sqlite_lock(path: Path) -> Iterator[None]:
    lock = path.with_name(path.name + ".schema-lock")
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits for a concurrent creator; freed at exit
        yield


def _check_ours(conn: Connection, url: str, *, create: bool) -> None:
    names = set(inspect(conn).get_table_names())
    ours = set(Base.metadata.tables)
    if names and not names & ours:
        shown = ", ".join(sorted(names)[:5])
        raise StoreError(f"{masked(url)} is not an aggregator database (it has other tables: "
                         f"{shown}); refusing to add ours")
    if not create and not ours <= names:
        raise StoreError(f"{masked(url)} has no aggregator tables yet (crawl first with "
                         "`aggregator run`)")


def ensure_schema(engine: Engine, url: str, *, create: bool = True) -> None:
    """Check the database is ours (or empty) and create missing tables, one process at a time."""
    path = sqlite_path(url)
    if path is not None:
        with _sqlite_lock(path), engine.begin() as conn:
            _check_ours(conn, url, create=create)
            Base.metadata.create_all(conn)
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
        _check_ours(conn, url, create=create)
        Base.metadata.create_all(conn)
