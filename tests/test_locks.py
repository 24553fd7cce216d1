"""The crawl lock belongs to the store: the same source twice is refused (exit 4) within
seconds, two different sources crawl at once, and a lock left by a killed process is taken
over. Each case runs two real processes against the loopback replica."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aggregator.app import EXIT_LOCKED
from aggregator.replica import ReplicaServer
from aggregator.sites import SITES
from aggregator.store.locks import _pg_key

SLOW = ["-s", "DOWNLOAD_DELAY=0.4", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "--quiet"]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "--quiet"]


def _run(server: ReplicaServer, key: str, out: Path, db: str, fast: bool) -> subprocess.Popen[str]:
    base = server.base_urls[SITES[key].canonical_base]
    command = [sys.executable, "-m", "aggregator.cli", "run", "--sources", key, "--out",
               str(out), "--db", db, "--base-url", f"{key}={base}", *(FAST if fast else SLOW)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lock(db_path: Path, key: str) -> None:
    lock = db_path.with_name(f"{db_path.name}.crawl-{key}.lock")
    deadline = time.monotonic() + 30
    while not (lock.exists() and lock.read_text().strip()):
        assert time.monotonic() < deadline, "the first crawl never took its lock"
        time.sleep(0.1)


@pytest.fixture
def server() -> ReplicaServer:
    with ReplicaServer(snapshot=1) as running:
        yield running


def test_the_same_source_twice_is_refused_within_seconds(server: ReplicaServer,
                                                          tmp_path: Path) -> None:
    key = next(k for k, s in SITES.items() if s.kind == "mirror")
    db_path = tmp_path / "store.db"
    first = _run(server, key, tmp_path / "a", f"sqlite:///{db_path}", fast=False)
    try:
        _wait_for_lock(db_path, key)
        started = time.monotonic()
        second = _run(server, key, tmp_path / "b", f"sqlite:///{db_path}", fast=True)
        _out, err = second.communicate(timeout=60)
        assert second.returncode == EXIT_LOCKED, err
        assert time.monotonic() - started < 20
        assert f"{key}: already being crawled into this store by process {first.pid}" in err
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=120)


def test_two_different_sources_crawl_into_one_store_at_once(server: ReplicaServer,
                                                            tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    keys = list(SITES)[:2]
    procs = [_run(server, key, tmp_path / "out", db, fast=True) for key in keys]
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, out + err


def test_a_lock_left_by_a_killed_crawl_is_taken_over(server: ReplicaServer,
                                                     tmp_path: Path) -> None:
    key = next(k for k, s in SITES.items() if s.kind == "mirror")
    db_path = tmp_path / "store.db"
    first = _run(server, key, tmp_path / "a", f"sqlite:///{db_path}", fast=False)
    _wait_for_lock(db_path, key)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)
    again = _run(server, key, tmp_path / "a", f"sqlite:///{db_path}", fast=True)
    out, err = again.communicate(timeout=180)
    assert again.returncode == 0, out + err


def test_the_same_source_twice_is_refused_on_postgresql(server: ReplicaServer,
                                                        tmp_path: Path) -> None:
    import uuid

    from sqlalchemy import create_engine, text

    url = os.environ.get("AGGREGATOR_TEST_PG_URL")
    if not url:
        pytest.skip("PostgreSQL lock test needs AGGREGATOR_TEST_PG_URL (set by .ci/run)")
    schema = f"agglock_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    db = f"{url}{sep}options=-csearch_path%3D{schema}"
    key = next(k for k, s in SITES.items() if s.kind == "mirror")
    first = _run(server, key, tmp_path / "a", db, fast=False)
    try:
        deadline = time.monotonic() + 30
        # The first crawl holds its advisory lock (its own: other tests may crawl at once).
        lock = _pg_key(key, schema)
        with admin.connect() as conn:
            while not conn.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND ((classid::bigint << 32) | objid::bigint) = :k"), {"k": lock}).scalar():
                assert time.monotonic() < deadline, "the first crawl never took its lock"
                time.sleep(0.2)
        second = _run(server, key, tmp_path / "b", db, fast=True)
        _out, err = second.communicate(timeout=60)
        assert second.returncode == EXIT_LOCKED, err
        assert f"{key}: already being crawled into this store" in err
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=120)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
