"""Exports read the store: deterministic bytes and rows (the feeds' own tests: test_feeds.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from aggregator.catalog import build_catalog
from aggregator.exports import write_exports
from aggregator.feeds import write_feeds
from aggregator.store import Store
from tests.test_store import T0, make_issue, make_post


def export_all(store: Store, out: Path) -> dict[str, bytes]:
    catalog = build_catalog(store)
    paths = write_feeds(catalog, out) + write_exports(store, catalog, out)
    return {p.name: p.read_bytes() for p in paths}


def fill(store: Store) -> None:
    store.upsert_issue(make_issue(481), seen=T0, updated=T0)
    store.upsert_issue(replace(make_issue(482), title="Second"), seen=T0,
                       updated=T0 + timedelta(days=7))
    _c, row = store.upsert_post(make_post(), source="qimuai", lang="zh", seen=T0, updated=T0)
    store.set_link(row, 481, method="explicit", score=1.0, evidence={}, decided=T0)


def test_outputs_are_byte_identical_for_the_same_store(store: Store, tmp_path: Path) -> None:
    fill(store)
    first = export_all(store, tmp_path / "a")
    second = export_all(store, tmp_path / "b")
    assert first == second
    assert set(first) >= {"en.atom.xml", "en.rss.xml", "en.json", "zh.atom.xml", "zh.rss.xml",
                          "all.atom.xml", "all.rss.xml", "feeds.opml", "issues.jsonl",
                          "stories.jsonl", "documents.jsonl"}


def test_exports_rows(store: Store, tmp_path: Path) -> None:
    fill(store)
    files = export_all(store, tmp_path)
    issues = [json.loads(line) for line in files["issues.jsonl"].decode().splitlines()]
    assert issues[0] == {
        "number": 481, "url": "https://aiweekly.co/issues/481",
        "title_en": "Musk Wants Altman Fired", "week_start": "2026-04-03",
        "week_end": "2026-04-09", "stories_en": 2, "title_zh": "标题",
        "mirror_urls": ["https://news.qimuai.cn/?post=3776"], "stories_zh": 1,
        "on_aiweekly": True,
        # One title/story count per further mirror language of the registry.
        "title_zh_hant": None, "stories_zh_hant": 0,
    }
    stories = [json.loads(line) for line in files["stories.jsonl"].decode().splitlines()]
    assert [(s["issue_number"], s["lang"], s["position"]) for s in stories] == [
        (481, "en", 1), (481, "en", 2), (481, "zh", 1), (482, "en", 1), (482, "en", 2)]
    docs = [json.loads(line) for line in files["documents.jsonl"].decode().splitlines()]
    mirror = next(d for d in docs if d["kind"] == "mirror")
    assert mirror["issue_number"] == 481 and mirror["link_method"] == "explicit"
    assert mirror["published"] == "2026-04-10T08:32:00+08:00"


def test_csv_exports_hold_the_same_rows(store: Store, tmp_path: Path) -> None:
    import csv

    fill(store)
    export_all(store, tmp_path)
    for name in ("issues", "stories", "documents"):
        jsonl = [json.loads(line) for line in
                 (tmp_path / "exports" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
        with (tmp_path / "exports" / f"{name}.csv").open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == len(jsonl) and list(rows[0]) == list(jsonl[0]), name
    with (tmp_path / "exports" / "issues.csv").open(encoding="utf-8-sig", newline="") as f:
        issues = {r["number"]: r for r in csv.DictReader(f)}
    assert issues["481"]["title_zh"] == "标题" and issues["482"]["title_zh"] == ""
    assert issues["481"]["mirror_urls"] == "https://news.qimuai.cn/?post=3776"
