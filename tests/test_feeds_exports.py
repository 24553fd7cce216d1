"""Feeds read the store: deterministic bytes, stable ids, real dates (exports: test_exports)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from lxml import etree

from aggregator.catalog import build_catalog
from aggregator.exports import write_exports
from aggregator.feeds import write_feeds
from aggregator.store import Store
from tests.test_store import T0, make_issue, make_post

ATOM = "{http://www.w3.org/2005/Atom}"


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
    assert set(first) >= {"en.atom.xml", "en.rss.xml", "zh.atom.xml", "zh.rss.xml",
                          "all.atom.xml", "all.rss.xml", "issues.jsonl", "stories.jsonl",
                          "documents.jsonl"}


def test_entry_ids_survive_a_title_edit(store: Store, tmp_path: Path) -> None:
    fill(store)
    before = etree.fromstring(export_all(store, tmp_path / "a")["en.atom.xml"])
    store.upsert_issue(replace(make_issue(481), title="Edited title"), seen=T0, updated=T0)
    after = etree.fromstring(export_all(store, tmp_path / "b")["en.atom.xml"])
    ids = [e.findtext(f"{ATOM}id") for e in before.iter(f"{ATOM}entry")]
    assert ids == [e.findtext(f"{ATOM}id") for e in after.iter(f"{ATOM}entry")]
    titles = [e.findtext(f"{ATOM}title") for e in after.iter(f"{ATOM}entry")]
    assert "Issue #481: Edited title" in titles


def test_en_feed_is_newest_first_with_real_updated(store: Store, tmp_path: Path) -> None:
    fill(store)
    feed = etree.fromstring(export_all(store, tmp_path)["en.atom.xml"])
    entries = list(feed.iter(f"{ATOM}entry"))
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Issue #482: Second", "Issue #481: Musk Wants Altman Fired"]
    assert entries[0].findtext(f"{ATOM}updated") == "2026-09-21T09:00:00+00:00"
    assert feed.findtext(f"{ATOM}updated") == "2026-09-21T09:00:00+00:00"
    content = entries[1].find(f"{ATOM}content")
    assert content is not None and content.get("type") == "html"


def test_bilingual_feed_links_both_languages(store: Store, tmp_path: Path) -> None:
    fill(store)
    feed = etree.fromstring(export_all(store, tmp_path)["all.atom.xml"])
    entry = next(e for e in feed.iter(f"{ATOM}entry") if "481" in (e.findtext(f"{ATOM}id") or ""))
    hrefs = {(link.get("href"), link.get("hreflang")) for link in entry.iter(f"{ATOM}link")}
    assert ("https://aiweekly.co/issues/481", None) in hrefs  # the entry's own link
    assert ("https://news.qimuai.cn/?post=3776", "zh") in hrefs
