"""Opening a database safely: whose it is, whether it exists, whether its schema is this
release's, and one schema creator or migrator at a time.

Several processes may open one store at once (Scrapyd runs jobs in parallel, cron may overlap a
manual run): creating or migrating the tables is serialized by a lock (a file beside a SQLite
database, a transaction-scoped advisory lock on PostgreSQL), and a database that holds other
tables and none of ours is refused rather than extended. A new store is created at the head
revision; a store at an older revision is refused until ``aggregator db upgrade`` migrates it
(:mod:`aggregator.store.upgrade`), so no command writes rows into a schema it does not know.
"""

from __future__ import annotations

import fcntl
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url

from aggregator.store.models import Base

if TYPE_CHECKING:
    from aggregator.store.upgrade import Revision

# pg_advisory_xact_lock key for schema creation: any constant that other code does not use.
_PG_SCHEMA_LOCK = 0x61676772  # "aggr"


class StoreError(Exception):
    """The database cannot be used; the message says why in one line (no password in it)."""

    code = 1  # the command's exit code (README: exit codes)


class SchemaBehind(StoreError):
    """The database has an older release's schema: `aggregator db upgrade` migrates it."""

    code = 2


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


@contextmanager
def _schema_transaction(engine: Engine, url: str) -> Iterator[Connection]:
    """One transaction that no other process creating or migrating the schema overlaps."""
    path = sqlite_path(url)
    if path is not None:
        with _sqlite_lock(path), engine.begin() as conn:
            yield conn
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
        yield conn


def upgrade_command(url: str) -> str:
    return f"aggregator db upgrade --db {shlex.quote(masked(url))}"


def _check_revision(state: Revision, url: str) -> None:
    from aggregator.store import upgrade  # Alembic loads only where a store is opened

    if not state.known:
        raise StoreError(f"{masked(url)} has schema revision {state.current}, which this "
                         f"aggregator (schema {upgrade.head()}) does not know: it was made by a "
                         "newer release; upgrade aggregator")


def ensure_schema(engine: Engine, url: str, *, create: bool = True) -> None:
    """Check the database is ours and at this release's schema; create an empty one at head.

    A store at an older revision (or made before migrations) raises :class:`SchemaBehind`
    naming the command that migrates it.
    """
    from aggregator.store import upgrade

    with _schema_transaction(engine, url) as conn:
        _check_ours(conn, url, create=create)
        state = upgrade.revision_of(conn)
        if state.current is None:
            upgrade.create_at_head(conn)
            return
        _check_revision(state, url)
        if not state.at_head:
            raise SchemaBehind(f"{masked(url)} has an older schema ({state.shown}; this "
                               f"aggregator needs {upgrade.head()}): run `{upgrade_command(url)}`")


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    check_exists(url)  # a typo in a SQLite path is not a new, empty store to migrate
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def upgrade_schema(url: str) -> tuple[Revision, Revision]:
    """Migrate the database at ``url`` to head (an empty one is created); (before, after)."""
    from aggregator.store import upgrade

    with _engine(url) as engine, _schema_transaction(engine, url) as conn:
        _check_ours(conn, url, create=True)
        before = upgrade.revision_of(conn)
        _check_revision(before, url)
        upgrade.upgrade(conn)
        return before, upgrade.revision_of(conn)


def schema_revision(url: str) -> Revision:
    """Where the database at ``url`` stands (it must be ours, or empty)."""
    from aggregator.store import upgrade

    with _engine(url) as engine, engine.connect() as conn:
        _check_ours(conn, url, create=True)
        state = upgrade.revision_of(conn)
    _check_revision(state, url)
    return state
