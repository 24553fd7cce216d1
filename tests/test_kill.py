"""kill -9 at any moment, then a rerun: nothing lost, nothing duplicated, no half-written
file, and the database passes its integrity check. The kill points fall in the fetch, the
store writes, the end-of-crawl linking and the export of a real run."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from aggregator.replica import ReplicaServer
from aggregator.sites import SITES

SETTINGS = ["-s", "AUTOTHROTTLE_ENABLED=False", "--quiet"]
TABLES = ("pages", "issues", "posts", "stories", "links", "aliases")


def _command(server: ReplicaServer, out: Path, delay: str) -> list[str]:
    bases = [f"{k}={server.base_urls[s.canonical_base]}" for k, s in SITES.items()]
    return [sys.executable, "-m", "aggregator.cli", "run", "--out", str(out),
            *(a for b in bases for a in ("--base-url", b)), "-s", f"DOWNLOAD_DELAY={delay}",
            *SETTINGS]


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.suffix in (".xml", ".json", ".jsonl", ".csv", ".html", ".opml")}


def _counts(out: Path) -> dict[str, int]:
    with sqlite3.connect(out / "aggregator.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, int], dict[str, bytes]]:
    out = tmp_path_factory.mktemp("clean")
    with ReplicaServer(snapshot=2) as server:
        done = subprocess.run(_command(server, out, "0"), capture_output=True, text=True,
                              timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return _counts(out), _outputs(out)


@pytest.mark.parametrize("after", [1.5, 3.5, 6.0, 9.0])
def test_kill_9_then_rerun_loses_and_duplicates_nothing(
        after: float, tmp_path: Path, clean: tuple[dict[str, int], dict[str, bytes]]) -> None:
    counts, outputs = clean
    with ReplicaServer(snapshot=2) as server:
        victim = subprocess.Popen(_command(server, tmp_path, "0.05"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(after)
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
        # Whatever the kill interrupted, every output file that exists is whole.
        for name, data in _outputs(tmp_path).items():
            if name.endswith((".xml", ".opml")):
                etree.fromstring(data)
            elif name.endswith(".json"):
                json.loads(data)
        rerun = subprocess.run(_command(server, tmp_path, "0"), capture_output=True, text=True,
                               timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert _counts(tmp_path) == counts
    assert _outputs(tmp_path) == outputs
    assert not list(tmp_path.rglob("*.tmp"))
