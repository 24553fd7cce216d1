"""Shared fixtures: the store backend of the run, and a fresh database per test on it.

The suite runs once per backend. ``AGGREGATOR_TEST_STORE=sqlite`` (the default) keeps every
store a SQLite file; ``AGGREGATOR_TEST_STORE=postgresql`` makes every store the tests create a
fresh PostgreSQL schema on ``$AGGREGATOR_TEST_PG_URL`` (dropped afterwards). The seam is the
product's own configuration: each test (and each module, for module-scoped fixtures) gets
``AGGREGATOR_DB_URL`` pointing at its schema, which ``aggregator`` commands, Scrapy and the
subprocesses the tests start read when no ``--db`` is given. Tests that are about SQLite files
themselves are listed in :data:`SQLITE_ONLY` and skipped in the PostgreSQL run, with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from aggregator.config import DB_ENV
from aggregator.store import Store

PG_ENV = "AGGREGATOR_TEST_PG_URL"
BACKEND_ENV = "AGGREGATOR_TEST_STORE"
BACKENDS = ("sqlite", "postgresql")

# Tests that are about SQLite files (or name a SQLite URL themselves): node id prefix -> why.
# They run in the SQLite run only; the PostgreSQL run reports each as skipped with this reason.
SQLITE_ONLY = {
    "tests/test_kill.py": "kill -9 of a SQLite writer, then reads the file with sqlite3",
    "tests/test_newsboat.py": "edits the demo's SQLite file with sqlite3, then exports it",
    "tests/test_recheck.py": "ages stored pages by editing the SQLite file with sqlite3",
    "tests/test_locks.py::test_the_same_source_twice_is_refused_within_seconds":
        "watches the crawl lock file beside a SQLite database (PostgreSQL: the test after it)",
    "tests/test_locks.py::test_two_different_sources_crawl_into_one_store_at_once":
        "two crawls into one SQLite file",
    "tests/test_locks.py::test_a_lock_left_by_a_killed_crawl_is_taken_over":
        "watches the crawl lock file beside a SQLite database",
    "tests/test_safety.py::test_ctrl_c_keeps_what_was_crawled_and_rewrites_no_output":
        "watches the SQLite file fill up to interrupt the crawl mid-way",
    "tests/test_safety.py::test_export_from_a_mistyped_database_keeps_the_outputs":
        "a mistyped SQLite path creates no file",
    "tests/test_safety.py::test_a_database_that_is_not_ours_is_refused_untouched":
        "a foreign SQLite file made with sqlite3",
    "tests/test_safety.py::test_parallel_processes_create_one_schema_without_errors":
        "processes racing to create one fresh SQLite file",
    "tests/test_migrations.py::test_upgrade_of_a_missing_sqlite_file_creates_nothing":
        "a mistyped SQLite path creates no file",
    "tests/test_faults.py": "copies a crawled SQLite file per fault and counts its rows",
    "tests/test_scrapyd.py": "Scrapyd jobs share one SQLite file named in their settings",
    "tests/test_packaging.py": "the installed wheel's demo, away from the checkout's settings",
    # Not about SQLite, but already on PostgreSQL in both runs: once is enough (~2 minutes).
    "tests/test_distributed.py": "stores in PostgreSQL itself, so the SQLite run covers it",
}


def backend() -> str:
    value = os.environ.get(BACKEND_ENV) or "sqlite"
    if value not in BACKENDS:
        raise pytest.UsageError(f"{BACKEND_ENV}={value!r}: expected one of {', '.join(BACKENDS)}")
    return value


def pytest_configure(config: pytest.Config) -> None:
    # A store configured for real use must never receive the tests' rows: every test gets its
    # own (SQLite beside its outputs, or its PostgreSQL schema, set below).
    os.environ.pop(DB_ENV, None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if backend() != "postgresql":
        return
    if not os.environ.get(PG_ENV):
        skip = pytest.mark.skip(reason=f"{BACKEND_ENV}=postgresql needs {PG_ENV} (set by .ci/run)")
        for item in items:
            item.add_marker(skip)
        return
    for item in items:
        for prefix, why in SQLITE_ONLY.items():
            if item.nodeid.startswith(prefix):
                item.add_marker(pytest.mark.skip(reason=f"SQLite only ({why}): runs in the "
                                                        "SQLite run"))


_ADMIN: dict[str, Engine] = {}  # one admin engine per test process and server URL
_CLEAN: list[str] = []  # schemas handed out that a test left empty: the next test may take one


def _admin(url: str) -> Engine:
    from sqlalchemy import create_engine

    if url not in _ADMIN:
        _ADMIN[url] = create_engine(url)
    return _ADMIN[url]


def _schema_url(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@contextmanager
def pg_schema(tag: str = "aggtest") -> Iterator[str]:
    """A fresh, empty PostgreSQL schema; yields a URL whose connections use only it. Dropped
    afterwards, unless the test left it empty (most tests never open a store): then the next
    test gets it, which saves a CREATE and a DROP per test."""
    from sqlalchemy import text

    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (set by .ci/run)")
    admin = _admin(url)
    if _CLEAN:
        schema = _CLEAN.pop()
    else:
        schema = f"{tag}_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _schema_url(url, schema)
    finally:
        with admin.begin() as conn:
            used = conn.execute(text("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON "
                                     "n.oid = c.relnamespace WHERE n.nspname = :s"),
                                {"s": schema}).scalar()
            if used:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        if not used:
            _CLEAN.append(schema)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the empty schemas still held for reuse."""
    from sqlalchemy import text

    for admin in _ADMIN.values():
        with admin.begin() as conn:
            for schema in _CLEAN:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    _CLEAN.clear()


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database on the run's backend (nothing created yet)."""
    if backend() == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with pg_schema() as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A fresh, empty Store on the run's backend."""
    opened = Store.open(db_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module", autouse=True)
def _module_database() -> Iterator[None]:
    """PostgreSQL run: the default store of the module-scoped fixtures' commands."""
    if backend() != "postgresql" or not os.environ.get(PG_ENV):
        yield
        return
    with pg_schema("aggmod") as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv(DB_ENV, url)
        yield


def _shares_wider_fixture(request: pytest.FixtureRequest) -> bool:
    """Whether the test reads what a module- or session-scoped fixture stored (on SQLite it
    reads that fixture's output folder, so here it keeps that fixture's database)."""
    info = getattr(request.node, "_fixtureinfo", None)
    defs = getattr(info, "name2fixturedefs", {})
    return any(d[-1].scope != "function" for name, d in defs.items()
               if d and not name.startswith("_") and d[-1].baseid != "")


@pytest.fixture(autouse=True)
def _test_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """PostgreSQL run: every test's commands store into a fresh schema of its own."""
    if (backend() != "postgresql" or not os.environ.get(PG_ENV)
            or _shares_wider_fixture(request)):
        yield
        return
    with pg_schema() as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv(DB_ENV, url)
        yield
