"""A broken new version of a page never replaces the good stored document: it is quarantined
beside it, flagged in the summary and listed by `aggregator status`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aggregator.replica import DEFAULT_ROOT, ReplicaServer
from aggregator.sites import SITES

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "--quiet"]


def _run(root: Path, out: Path) -> subprocess.CompletedProcess[str]:
    with ReplicaServer(root=root, snapshot=1) as server:
        bases = [f"{k}={server.base_urls[s.canonical_base]}" for k, s in SITES.items()]
        command = [sys.executable, "-m", "aggregator.cli", "run", "--out", str(out),
                   *(a for b in bases for a in ("--base-url", b)), *FAST]
        return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def _break(root: Path, url: str, change: Any) -> None:
    """Serve a changed version of one page (new ETag, so the crawler downloads it)."""
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    entry = next(e for e in manifest if e["url"] == url and e["snapshot"] == 1)
    page = root / entry["file"]
    page.write_bytes(change(page.read_bytes()))
    entry["headers"] = change_headers = dict(entry["headers"])
    change_headers["ETag"] = '"broken-version"'
    change_headers["Last-Modified"] = "Sun, 01 Nov 2026 00:00:00 GMT"
    if url.endswith("?post=3819"):
        change_headers["Content-Type"] = "text/html; charset=utf-8"  # GBK bytes, wrong header
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def _rows(out: Path, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in
            (out / "exports" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    base = tmp_path_factory.mktemp("guard")
    out = base / "out"
    first = _run(DEFAULT_ROOT, out)
    assert first.returncode == 0, first.stderr
    broken = base / "replica"
    shutil.copytree(DEFAULT_ROOT, broken)

    def cut(body: bytes) -> bytes:
        # Truncated mid-tag a third of the way in, as a dropped connection leaves it.
        return body[: len(body) // 3]

    _break(broken, "https://aiweekly.co/issues/481", cut)
    _break(broken, "https://news.qimuai.cn/?post=3819", lambda body: body)
    second = _run(broken, out)
    return out, first.stdout, second.stdout + second.stderr


def test_a_truncated_issue_page_keeps_the_stored_issue(broken_run: tuple[Path, str, str]) -> None:
    out, _first, second = broken_run
    stories = [s for s in _rows(out, "stories") if s["issue_number"] == 481 and s["lang"] == "en"]
    assert len(stories) == 12
    assert "flagged regression: 0 stories where the stored issue has 12: 1 pages: " \
        "https://aiweekly.co/issues/481" in second


def test_a_gbk_page_served_as_utf8_stays_a_mirror(broken_run: tuple[Path, str, str]) -> None:
    out, _first, second = broken_run
    doc = next(d for d in _rows(out, "documents") if d["url"].endswith("?post=3819"))
    assert doc["kind"] == "mirror" and doc["issue_number"] == 495
    assert "\ufffd" not in json.dumps(_rows(out, "documents"), ensure_ascii=False)
    assert "flagged regression: the stored post is a mirror, the new parse is not: 1 pages: " \
        "https://news.qimuai.cn/?post=3819" in second


def test_status_lists_the_quarantined_versions(broken_run: tuple[Path, str, str]) -> None:
    out, _first, _second = broken_run
    done = subprocess.run([sys.executable, "-m", "aggregator.cli", "status", "--json", "--out",
                           str(out)], capture_output=True, text=True, timeout=60, check=True)
    quarantine = {page["url"]: page for page in json.loads(done.stdout)["quarantine"]}
    assert set(quarantine) == {"https://aiweekly.co/issues/481",
                               "https://news.qimuai.cn/?post=3819"}
    assert "stories" in quarantine["https://aiweekly.co/issues/481"]["reason"]
