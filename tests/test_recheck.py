"""The recheck policy: a run revalidates listings, feeds and recently changed documents;
an old, long-unchanged document is revalidated only about once a week, so requests grow with
what can have changed, not with the archive."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aggregator.crawl.revalidate import RecheckPolicy
from aggregator.replica import ReplicaServer
from aggregator.sites import SITES
from aggregator.store import StoredPage

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "--quiet"]
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _page(changed_days: float, fetched_days: float) -> StoredPage:
    return StoredPage("u", 200, None, None, None, b"", NOW - timedelta(days=fetched_days),
                      NOW - timedelta(days=changed_days))


def test_policy_rechecks_recent_pages_every_run_and_old_ones_weekly() -> None:
    policy = RecheckPolicy(recent=timedelta(days=60), every=timedelta(days=7))
    assert policy.due("https://x/1", _page(changed_days=3, fetched_days=0.1), NOW)
    assert not policy.due("https://x/1", _page(changed_days=400, fetched_days=0.1), NOW)
    assert policy.due("https://x/1", _page(changed_days=400, fetched_days=11), NOW)
    # Spread by URL between half and one and a half intervals: not all on one day.
    days = {url: next(d for d in range(1, 12) if policy.due(url, _page(400, d), NOW))
            for url in (f"https://x/{i}" for i in range(50))}
    assert min(days.values()) >= 4 and max(days.values()) <= 11 and len(set(days.values())) > 3


def _run(server: ReplicaServer, out: Path) -> subprocess.CompletedProcess[str]:
    bases = [f"{k}={server.base_urls[s.canonical_base]}" for k, s in SITES.items()]
    command = [sys.executable, "-m", "aggregator.cli", "run", "--out", str(out),
               *(a for b in bases for a in ("--base-url", b)), *FAST]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def _age(db: Path, *, changed_days: int, fetched_days: int) -> set[str]:
    """Pretend every stored document page is old (listings keep their dates)."""
    with sqlite3.connect(db) as conn:
        docs = {url for (url,) in conn.execute(
            "SELECT url FROM pages WHERE url IN (SELECT url FROM issues UNION "
            "SELECT url FROM posts)")}
        changed = (datetime.now(UTC) - timedelta(days=changed_days)).isoformat(" ")
        fetched = (datetime.now(UTC) - timedelta(days=fetched_days)).isoformat(" ")
        conn.executemany("UPDATE pages SET last_changed = ?, last_fetched = ? WHERE url = ?",
                         [(changed, fetched, url) for url in docs])
    return docs


def test_old_documents_checked_recently_cost_no_request(tmp_path: Path) -> None:
    with ReplicaServer(snapshot=2) as server:
        assert _run(server, tmp_path).returncode == 0
        before = (tmp_path / "exports" / "documents.jsonl").read_bytes()
        docs = _age(tmp_path / "aggregator.db", changed_days=400, fetched_days=1)
        server.clear_log()
        quiet = _run(server, tmp_path)
        assert quiet.returncode == 0, quiet.stderr
        asked = {r.url for r in server.requests}
        assert not asked & docs  # no old document was requested ...
        assert asked  # ... while listings and feeds were
        assert (tmp_path / "exports" / "documents.jsonl").read_bytes() == before
        _age(tmp_path / "aggregator.db", changed_days=400, fetched_days=30)
        server.clear_log()
        assert _run(server, tmp_path).returncode == 0
        assert docs <= {r.url for r in server.requests}  # a month later: all revalidated
