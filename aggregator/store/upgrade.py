"""The store's schema revision: which Alembic revision a database is at, and upgrading it.

The migrations ship inside the package (:mod:`aggregator.store.migrations`) and are configured
here in code, so users need no ``alembic.ini``. A store made before migrations existed
(aggregator 0.1.0: its tables, no ``alembic_version``) is at the baseline revision's schema;
upgrading it runs every later revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from aggregator.store.models import Base

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001_baseline"  # the schema of 0.1.0, the last release without alembic_version
LEGACY = "0.1.0, before migrations"  # how a pre-migration store's revision is shown


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, without an ini file; migrations run on ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())  # reads the revision files once per process


def head() -> str:
    """The revision this release's models correspond to."""
    revision = _scripts().get_current_head()
    assert revision is not None, "the migrations have one head"
    return revision


@dataclass(frozen=True)
class Revision:
    """Where a database stands: ``current`` None means no aggregator tables at all."""

    current: str | None
    legacy: bool = False  # our tables, but made before migrations (no alembic_version)

    @property
    def shown(self) -> str:
        return LEGACY if self.legacy else (self.current or "empty")

    @property
    def at_head(self) -> bool:
        return self.current == head() and not self.legacy

    @property
    def known(self) -> bool:
        """A revision of this release (else a newer release made the database)."""
        if self.current is None:
            return True
        return self.current in {script.revision for script in _scripts().walk_revisions()}


def revision_of(conn: Connection) -> Revision:
    current = MigrationContext.configure(conn).get_current_revision()
    if current is not None:
        return Revision(current)
    if set(inspect(conn).get_table_names()) & set(Base.metadata.tables):
        return Revision(BASELINE, legacy=True)
    return Revision(None)


def create_at_head(conn: Connection) -> None:
    """A new, empty store: today's tables straight from the models, stamped as head (the
    same schema the migrations reach; a test compares the two)."""
    Base.metadata.create_all(conn)
    MigrationContext.configure(conn).stamp(_scripts(), "head")


def upgrade(conn: Connection) -> None:
    """Run every revision after the database's own, up to head, on ``conn``."""
    command.upgrade(config(conn), "head")
