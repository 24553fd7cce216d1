"""Feeds and exports together read the store: the same store gives the same bytes (their own
tests: test_feeds.py, test_exports.py)."""

from __future__ import annotations

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


