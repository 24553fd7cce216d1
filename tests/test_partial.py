"""A page that never answers makes the run partial: everything else is published, the page
is listed with its reason, the exit code is 3, and the next run tries it again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from aggregator.app import EXIT_PARTIAL
from aggregator.replica import ReplicaServer
from aggregator.replica.faults import Fault
from aggregator.sites import SITES

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=1",
        "-s", "AGGREGATOR_RETRY_BACKOFF=0", "--quiet"]


def _run(server: ReplicaServer, out: Path) -> subprocess.CompletedProcess[str]:
    bases = [f"{k}={server.base_urls[s.canonical_base]}" for k, s in SITES.items()]
    command = [sys.executable, "-m", "aggregator.cli", "run", "--out", str(out),
               *(a for b in bases for a in ("--base-url", b)), *FAST]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_a_permanent_500_makes_the_run_partial_and_is_retried_next_time(tmp_path: Path) -> None:
    broken = "https://aiweekly.co/issues/485"
    with ReplicaServer(snapshot=1) as server:
        server.set_fault(broken, Fault.status(500, times=None))
        first = _run(server, tmp_path)
        assert first.returncode == EXIT_PARTIAL, first.stdout + first.stderr
        assert f"{broken} (http 500)" in first.stdout
        assert "partial run: 1 pages could not be fetched" in first.stderr
        assert (tmp_path / "feeds" / "en.atom.xml").exists()  # the rest is published
        server.set_fault(broken, None)
        server.clear_log()
        second = _run(server, tmp_path)
        assert second.returncode == 0, second.stdout + second.stderr
        assert any(r.url == broken and r.status == 200 for r in server.requests)
