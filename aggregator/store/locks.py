"""The crawl lock: one crawl per source and store at a time, whoever starts it.

``aggregator run``, ``scrapy crawl`` and Scrapyd jobs all take it when their spider starts, so
two different sites may be crawled into one store at once while the same site twice is refused.
The lock lives with the store: a lock file beside a SQLite database (``flock``), a session
advisory lock on PostgreSQL. Both are released by the operating system or the server when the
holder dies, so a lock left by a killed process is simply taken over.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from aggregator.store.schema import sqlite_path


def _pg_key(source: str, schema: str) -> int:
    # A stable signed 63-bit key per source; the namespace keeps clear of other users' locks.
    # Advisory locks are per database, and a store is a schema: two stores in one database
    # (the tests' throwaway schemas) must not block each other.
    digest = hashlib.sha256(f"aggregator-crawl:{schema}:{source}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x3FFF_FFFF_FFFF_FFFF


class SourceLock:
    """Held while one source is crawled into one store; :meth:`acquire` never waits."""

    def __init__(self, engine: Engine, url: str, source: str) -> None:
        self.engine, self.source = engine, source
        self.path = sqlite_path(url)
        self._file: IO[str] | None = None
        self._conn: Connection | None = None
        self._key = 0  # the advisory lock's key, once taken on PostgreSQL

    def acquire(self) -> bool:
        if self.path is not None:
            return self._acquire_file(self.path)
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            schema = str(conn.execute(text("SELECT current_schema()")).scalar())
            self._key = _pg_key(self.source, schema)
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                    {"k": self._key}).scalar())
            conn.commit()
            if not got:
                conn.close()
                return False
            self._conn = conn
        return True  # other databases (in-memory SQLite in tests): nothing to share

    def _acquire_file(self, db: Path) -> bool:
        lock = db.with_name(f"{db.name}.crawl-{self.source}.lock")
        handle = lock.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def holder(self) -> str:
        """Who holds the lock, for the message (the pid a SQLite lock file records)."""
        if self.path is not None:
            lock = self.path.with_name(f"{self.path.name}.crawl-{self.source}.lock")
            pid = lock.read_text().strip() if lock.exists() else ""
            return f"process {pid}" if pid else "another process"
        return "another process"

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            self._conn.commit()
            self._conn.close()
            self._conn = None
