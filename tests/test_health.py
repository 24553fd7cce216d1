"""Run history and health: every crawl is recorded per source; a field whose coverage falls
well below its recent history fails the run, naming the source and the field."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from aggregator.health import verdict
from aggregator.replica import DEFAULT_ROOT
from aggregator.sites import SITES
from aggregator.store import SourceRunRow, Store


def test_verdict_names_the_field_that_collapsed() -> None:
    history = [{"published": 1.0, "title": 1.0}] * 3
    assert verdict("blog", {"published": 1.0, "title": 1.0}, 20, history) is None
    found = verdict("blog", {"published": 0.1, "title": 1.0}, 20, history)
    assert found is not None and "blog: field 'published'" in found
    assert verdict("blog", {"published": 0.1}, 3, history) is None  # too few documents
    assert verdict("blog", {"published": 0.1}, 20, history[:1]) is None  # too little history


def test_status_lists_every_run_of_every_source(tmp_path: Path) -> None:
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "aggregator.cli", "demo", "--quiet",
                               "--out", str(tmp_path)], capture_output=True, text=True,
                              timeout=300, check=False)
        assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "aggregator.cli", "status", "--json", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=60, check=True)
    report = json.loads(done.stdout)
    assert set(report["sources"]) == set(SITES)
    for key, source in report["sources"].items():
        assert len(source["runs"]) == 2 and source["healthy"], key
        backfill, repeat = source["runs"][1], source["runs"][0]
        assert backfill["new"] == backfill["documents"] > 0 and backfill["pages_fetched"] > 0
        assert repeat["new"] == 0 and repeat["not_modified"] > 0 and repeat["pages_fetched"] == 0
        assert all(share == 1.0 for share in repeat["coverage"].values()), key
    assert report["quarantine"] == []


def test_a_field_collapsing_after_a_template_change_fails_the_run(tmp_path: Path,
                                                                  db_url: str) -> None:
    mirror = next(key for key, site in SITES.items() if site.platform == "wordpress")
    replica = tmp_path / "replica"
    shutil.copytree(DEFAULT_ROOT, replica)
    # The blog's new theme prints no machine-readable date on its posts.
    for page in (replica / "sites" / SITES[mirror].host).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(re.sub(r"<time\b[^>]*>.*?</time>", "", text), encoding="utf-8")
    db = db_url  # conftest: a fresh database on the run's backend
    store = Store.open(db)
    now = datetime.now(UTC)
    for _ in range(3):  # the recent history: every post had its date
        store.record_source_run(SourceRunRow(
            source=mirror, started=now, finished=now, finish_reason="finished", documents=23,
            coverage={"published": 1.0, "title": 1.0, "text": 1.0}, verdict=None))
    store.close()
    done = subprocess.run([sys.executable, "-m", "aggregator.cli", "demo", "--quiet",
                           "--replica", str(replica), "--out", str(tmp_path / "out"), "--db", db],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{mirror}: field 'published'" in done.stderr.strip().splitlines()[-1]
