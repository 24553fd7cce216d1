"""Feeds as a reader and a validator see them: every file, id, link, language and archive page.

Each Atom document is validated against the RFC 4287 RELAX NG schema (tests/schemas/atom.rng)
and every RSS and Atom feed is read by feedparser (6.0, which reads no JSON Feed); JSON Feed
is checked against the 1.1 spec's required fields. A small store shows the behaviour; the
demo output shows it on real pages.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from aggregator.catalog import build_catalog
from aggregator.feeds import DEFAULT_BASE_URL, write_feeds
from aggregator.feeds.model import is_ownable_dns_name
from aggregator.sites import SITES, ConfigError, mirror_languages, newsletter
from aggregator.store import Store
from tests.test_store import T0, make_issue, make_post

ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).parent / "schemas" / "atom.rng")))
SET_NAMES = (newsletter().lang, *mirror_languages(), "all")
QIMUAI_POST = "https://news.qimuai.cn/?post=3776"


def fill(store: Store) -> None:
    store.upsert_issue(make_issue(481), seen=T0, updated=T0)
    store.upsert_issue(replace(make_issue(482), title="Second"), seen=T0,
                       updated=T0 + timedelta(days=7))
    _c, row = store.upsert_post(make_post(), source="qimuai", lang="zh", seen=T0, updated=T0)
    store.set_link(row, 481, method="explicit", score=1.0, evidence={}, decided=T0)


def export(store: Store, out: Path, **options: Any) -> dict[str, bytes]:
    """Write the feeds; their bytes by path relative to ``out/feeds``."""
    paths = write_feeds(build_catalog(store), out, **options)
    return {p.relative_to(out / "feeds").as_posix(): p.read_bytes() for p in paths}


def entries(data: bytes) -> list[etree._Element]:
    return list(etree.fromstring(data).iter(f"{ATOM}entry"))


def entry_of(data: bytes, number: int) -> etree._Element:
    return next(e for e in entries(data) if f"#{number}" in (e.findtext(f"{ATOM}title") or "")
                or f"第{number}期" in (e.findtext(f"{ATOM}title") or ""))


def links(element: etree._Element, rel: str) -> list[etree._Element]:
    return [link for link in element.findall(f"{ATOM}link") if link.get("rel") == rel]


def check_atom(name: str, data: bytes, base: str) -> None:
    """RFC 4287 schema, plus what the appendix leaves to Schematron, plus our own promises."""
    root = etree.fromstring(data)
    assert SCHEMA.validate(root), (name, SCHEMA.error_log.last_error)
    assert root.findtext(f"{ATOM}author/{ATOM}name"), name  # RFC 4287 §4.1.1
    assert [link.get("href") for link in links(root, "self")] == [f"{base}feeds/{name}"]
    ids = [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")]
    assert len(ids) == len(set(ids)), name
    for entry in root.iter(f"{ATOM}entry"):
        assert entry.get(XML_LANG), name
        alternates = [(link.get("type"), link.get("hreflang"))
                      for link in links(entry, "alternate")]
        assert alternates and len(alternates) == len(set(alternates)), name  # RFC 4287 §4.2.7.2


def check_feedparser(name: str, data: bytes) -> Any:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
    return parsed


def check_json(name: str, data: bytes, base: str) -> dict[str, Any]:
    feed: dict[str, Any] = json.loads(data)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["feed_url"] == f"{base}feeds/{name}"
    assert isinstance(feed["items"], list)
    assert all(isinstance(a["name"], str) and a["name"] for a in feed["authors"]), name
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"], name
        assert isinstance(item.get("content_html") or item.get("content_text"), str), name
        assert item["language"], name
        for stamp in ("date_published", "date_modified"):  # RFC 3339, with an offset
            assert datetime.fromisoformat(item[stamp]).tzinfo is not None, (name, stamp)
    return feed


def check_all(files: dict[str, bytes], base: str = DEFAULT_BASE_URL) -> None:
    for name, data in files.items():
        if name.endswith(".atom.xml"):
            check_atom(name, data, base)
        if name.endswith(".json"):
            check_json(name, data, base)
        if name.endswith(".xml"):  # feedparser 6.0 has no JSON Feed reader: check_json does it
            check_feedparser(name, data)


def expected_names() -> set[str]:
    stems = [*SET_NAMES, *(f"sources/{key}" for key in SITES)]
    return {f"{stem}.{kind}" for stem in stems for kind in ("atom.xml", "rss.xml", "json")}


# --- a small store -------------------------------------------------------------------------


def test_every_feed_is_written_and_valid(store: Store, tmp_path: Path) -> None:
    fill(store)
    files = export(store, tmp_path)
    assert set(files) == expected_names() | {"feeds.opml"}
    check_all(files)


def test_feeds_are_byte_identical_for_the_same_store(store: Store, tmp_path: Path) -> None:
    fill(store)
    assert export(store, tmp_path / "a") == export(store, tmp_path / "b")
    paged = export(store, tmp_path / "c", limit=1, page_size=1)
    assert "archive/en-1.atom.xml" in paged
    assert paged == export(store, tmp_path / "d", limit=1, page_size=1)


def test_titles_are_plain_text_in_every_format(store: Store, tmp_path: Path) -> None:
    title = "R&D at “Scale” — 5 > 3"
    store.upsert_issue(replace(make_issue(481), title=title), seen=T0, updated=T0)
    files = export(store, tmp_path)
    expected = f"Issue #481: {title}"
    assert [i.findtext("title") for i in etree.fromstring(files["en.rss.xml"]).iter("item")] == [
        expected]  # the XML text is the title itself: no escaped markup to unescape again
    assert check_feedparser("en.rss.xml", files["en.rss.xml"]).entries[0].title == expected
    assert check_feedparser("en.atom.xml", files["en.atom.xml"]).entries[0].title == expected
    assert json.loads(files["en.json"])["items"][0]["title"] == expected


def test_opml_lists_every_feed_at_the_base_url(store: Store, tmp_path: Path) -> None:
    fill(store)
    files = export(store, tmp_path, base_url="https://feeds.example.net/ai")
    outlines = etree.fromstring(files["feeds.opml"]).iter("outline")
    urls = {o.get("xmlUrl") for o in outlines if o.get("xmlUrl")}
    assert urls == {f"https://feeds.example.net/ai/feeds/{n}" for n in expected_names()}


def test_ids_are_tags_of_a_dns_base_and_uuids_otherwise(store: Store, tmp_path: Path) -> None:
    fill(store)
    base = "https://feeds.example.net/"
    tagged = export(store, tmp_path / "dns", base_url=base)
    check_all(tagged, base)
    ids = [e.findtext(f"{ATOM}id") for e in entries(tagged["en.atom.xml"])]
    assert ids == ["tag:feeds.example.net,2026:issue:482:en",
                   "tag:feeds.example.net,2026:issue:481:en"]
    loopback = export(store, tmp_path / "lo")
    ids = [e.findtext(f"{ATOM}id") or "" for e in entries(loopback["en.atom.xml"])]
    assert all(i.startswith("urn:uuid:") for i in ids) and len(set(ids)) == 2
    rss = etree.fromstring(loopback["en.rss.xml"])
    assert [g.text for g in rss.iter("guid")] == ids  # the same entry has one id everywhere
    assert [i["id"] for i in json.loads(loopback["en.json"])["items"]] == ids


@pytest.mark.parametrize(("host", "ownable"), [
    ("feeds.example.net", True), ("aggregator.aiweekly", True), ("127.0.0.1", False),
    ("::1", False), ("localhost", False), ("box.local", False), ("intranet", False),
    ("site.test", False), ("10.0.0.7", False), ("bad_label.com", False)])
def test_which_hosts_may_mint_tags(host: str, ownable: bool) -> None:
    assert is_ownable_dns_name(host) is ownable


@pytest.mark.parametrize("options", [{"base_url": "feeds.example.net"}, {"limit": 0},
                                     {"page_size": 0}])
def test_a_wrong_feed_option_is_a_config_error(tmp_path: Path, options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        write_feeds([], tmp_path, **options)


def test_ids_survive_a_title_edit_and_an_added_mirror(store: Store, tmp_path: Path) -> None:
    store.upsert_issue(make_issue(481), seen=T0, updated=T0)
    before = export(store, tmp_path / "a")
    store.upsert_issue(replace(make_issue(481), title="Edited title"), seen=T0, updated=T0)
    _c, row = store.upsert_post(make_post(), source="qimuai", lang="zh", seen=T0, updated=T0)
    store.set_link(row, 481, method="explicit", score=1.0, evidence={}, decided=T0)
    after = export(store, tmp_path / "b")
    for name in ("en.atom.xml", "all.atom.xml"):
        assert ([e.findtext(f"{ATOM}id") for e in entries(before[name])]
                == [e.findtext(f"{ATOM}id") for e in entries(after[name])]), name
    assert entry_of(after["en.atom.xml"], 481).findtext(f"{ATOM}title") == (
        "Issue #481: Edited title")


def test_updated_moves_only_with_the_content(store: Store, tmp_path: Path) -> None:
    fill(store)
    first = export(store, tmp_path / "a")
    later = T0 + timedelta(days=30)
    # The same content seen again (a later fetch) changes nothing a reader sees.
    store.upsert_issue(make_issue(481), seen=later, updated=later)
    assert export(store, tmp_path / "b") == first
    store.upsert_issue(make_issue(481, headline="New headline"), seen=later, updated=later)
    edited = export(store, tmp_path / "c")
    assert entry_of(edited["en.atom.xml"], 481).findtext(f"{ATOM}updated") == (
        "2026-10-14T09:00:00+00:00")
    assert entry_of(edited["en.atom.xml"], 482).findtext(f"{ATOM}updated") == (
        entry_of(first["en.atom.xml"], 482).findtext(f"{ATOM}updated"))
    assert edited["zh.atom.xml"] == first["zh.atom.xml"]  # the mirror did not change


def test_a_mirror_joining_later_moves_updated_of_the_entries_it_joins(store: Store,
                                                                      tmp_path: Path) -> None:
    fill(store)
    first = export(store, tmp_path / "a")
    lang, site = next((site.lang, key) for key, site in SITES.items()
                      if site.kind == "mirror" and site.lang != "zh")
    joined = T0 + timedelta(days=10)
    # The mirror appeared (was published) ten days later; when this store crawled it is
    # irrelevant, so two stores of the same pages give the same feeds.
    later = dataclasses.replace(make_post("https://mirror.example.org/?p=12"), published=joined)
    _c, row = store.upsert_post(later, source=site, lang=lang, seen=joined + timedelta(days=30),
                                updated=joined)
    store.set_link(row, 481, method="explicit", score=1.0, evidence={}, decided=joined)
    after = export(store, tmp_path / "b")
    for name in ("zh.atom.xml", "all.atom.xml"):
        entry = entry_of(after[name], 481)
        assert entry.findtext(f"{ATOM}updated") == "2026-09-24T09:00:00+00:00", name
        assert ("https://mirror.example.org/?p=12", lang) in {
            (link.get("href"), link.get("hreflang")) for link in links(entry, "alternate")}
    # The English entry shows nothing of the mirrors: it did not change.
    assert after["en.atom.xml"] == first["en.atom.xml"]


def test_en_feed_is_newest_first_with_real_updated(store: Store, tmp_path: Path) -> None:
    fill(store)
    feed = etree.fromstring(export(store, tmp_path)["en.atom.xml"])
    found = list(feed.iter(f"{ATOM}entry"))
    assert [e.findtext(f"{ATOM}title") for e in found] == [
        "Issue #482: Second", "Issue #481: Musk Wants Altman Fired"]
    assert found[0].findtext(f"{ATOM}updated") == "2026-09-21T09:00:00+00:00"
    assert feed.findtext(f"{ATOM}updated") == "2026-09-21T09:00:00+00:00"
    assert [c.get("term") for c in found[1].iter(f"{ATOM}category")] == ["Revenue"]


def test_bilingual_atom_entry_has_an_alternate_per_language(store: Store, tmp_path: Path) -> None:
    fill(store)
    entry = entry_of(export(store, tmp_path)["all.atom.xml"], 481)
    assert entry.get(XML_LANG) == "en"
    assert [(link.get("href"), link.get("hreflang")) for link in links(entry, "alternate")] == [
        ("https://aiweekly.co/issues/481", "en"), (QIMUAI_POST, "zh")]
    assert [c.get("term") for c in entry.iter(f"{ATOM}category")] == ["Revenue", "营收王座易主"]
    content = entry.findtext(f"{ATOM}content") or ""
    assert '<div lang="en">' in content and '<div lang="zh">' in content


def test_chinese_entries_state_their_language_and_link_the_english(store: Store,
                                                                   tmp_path: Path) -> None:
    fill(store)
    files = export(store, tmp_path)
    entry = entry_of(files["zh.atom.xml"], 481)
    assert entry.get(XML_LANG) == "zh"
    assert ("https://aiweekly.co/issues/481", "en") in {
        (link.get("href"), link.get("hreflang")) for link in links(entry, "alternate")}
    item = json.loads(files["zh.json"])["items"][0]
    assert item["language"] == "zh" and 'href="https://aiweekly.co/issues/481"' in (
        item["content_html"])


def test_rss_items_link_every_language_in_their_content(store: Store, tmp_path: Path) -> None:
    fill(store)
    files = export(store, tmp_path)
    parsed = check_feedparser("all.rss.xml", files["all.rss.xml"])
    item = next(i for i in parsed.entries if "481" in i.link)
    # A reader shows the title as text: the store's title, with no markup or entities left.
    assert item.title == "Issue #481: Musk Wants Altman Fired / 标题"
    html = item.content[0].value
    assert "Read in:" in html
    assert 'href="https://aiweekly.co/issues/481"' in html and f'href="{QIMUAI_POST}"' in html
    assert [t.term for t in item.tags] == ["Revenue", "营收王座易主"]
    zh = check_feedparser("zh.rss.xml", files["zh.rss.xml"]).entries[0]
    assert 'href="https://aiweekly.co/issues/481"' in zh.description
    assert zh.get("language") == "zh"
    rss = check_feedparser("en.rss.xml", files["en.rss.xml"]).feed
    assert any(link.rel == "self" and link.href == f"{DEFAULT_BASE_URL}feeds/en.rss.xml"
               for link in rss.links)


def test_source_feeds_hold_what_each_site_published(store: Store, tmp_path: Path) -> None:
    fill(store)
    repost = replace(make_post("https://news.qimuai.cn/?post=3900"),
                     published=datetime(2026, 4, 11, tzinfo=UTC))
    _c, row = store.upsert_post(repost, source="qimuai", lang="zh", seen=T0, updated=T0)
    store.set_link(row, 481, method="explicit", score=1.0, evidence={}, decided=T0)
    files = export(store, tmp_path)
    mirror = next(key for key, site in SITES.items() if site.kind == "mirror" and site.lang == "zh")
    posts = [links(e, "alternate")[0].get("href")
             for e in entries(files[f"sources/{mirror}.atom.xml"])]
    # Each post once, newest first, though the zh feed shows the issue once.
    assert posts == ["https://news.qimuai.cn/?post=3900", QIMUAI_POST]
    assert len(entries(files["zh.atom.xml"])) == 1
    assert len(entries(files[f"sources/{newsletter().key}.atom.xml"])) == 2


def test_old_entries_are_in_rfc5005_archive_pages(store: Store, tmp_path: Path) -> None:
    for number in range(481, 486):
        store.upsert_issue(make_issue(number), seen=T0, updated=T0)
    files = export(store, tmp_path, limit=2, page_size=2)
    check_all(files)
    feed = etree.fromstring(files["en.atom.xml"])
    assert len(list(feed.iter(f"{ATOM}entry"))) == 2
    seen: list[str] = []
    url = links(feed, "prev-archive")[0].get("href") or ""
    visited = []
    while url:  # walk back as an RFC 5005 client does
        page = etree.fromstring(files[url.removeprefix(f"{DEFAULT_BASE_URL}feeds/")])
        visited.append(url.rsplit("/", 1)[1])
        assert page.find(f"{FH}archive") is not None
        assert links(page, "current")[0].get("href") == f"{DEFAULT_BASE_URL}feeds/en.atom.xml"
        seen += [e.findtext(f"{ATOM}title") or "" for e in page.iter(f"{ATOM}entry")]
        previous = links(page, "prev-archive")
        url = previous[0].get("href") or "" if previous else ""
    assert visited == ["en-2.atom.xml", "en-1.atom.xml"]
    current = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert sorted(seen + current) == sorted(f"Issue #{n}: Musk Wants Altman Fired"
                                            for n in range(481, 486))
    newest = etree.fromstring(files["archive/en-1.atom.xml"])
    assert links(newest, "next-archive")[0].get("href") == (
        f"{DEFAULT_BASE_URL}feeds/archive/en-2.atom.xml")


def test_a_full_archive_page_keeps_its_bytes(store: Store, tmp_path: Path) -> None:
    for number in range(481, 485):
        store.upsert_issue(make_issue(number), seen=T0, updated=T0)
    before = export(store, tmp_path / "a", limit=2, page_size=2)
    for number in (485, 486, 487):  # newer issues arrive the next days
        day = T0 + timedelta(days=number - 484)
        store.upsert_issue(make_issue(number), seen=day, updated=day)
    after = export(store, tmp_path / "b", limit=2, page_size=2)
    assert after["archive/en-1.atom.xml"] == before["archive/en-1.atom.xml"]
    assert len(entries(after["archive/en-2.atom.xml"])) == 2
    assert "archive/en-3.atom.xml" in after
    # With room for every entry the archive is gone, not left behind unlinked.
    export(store, tmp_path / "b", limit=50)
    assert not any((tmp_path / "b" / "feeds" / "archive").rglob("*.atom.xml"))


# --- the demo's output -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("demo") / "out"
    done = subprocess.run([sys.executable, "-m", "aggregator.cli", "demo", "--out", str(out),
                           "--quiet"], capture_output=True, text=True, timeout=300,
                          check=False, cwd=out.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    return {p.relative_to(out / "feeds").as_posix(): p.read_bytes()
            for p in sorted((out / "feeds").rglob("*")) if p.is_file()}


def test_demo_feeds_pass_every_validator(demo: dict[str, bytes]) -> None:
    assert expected_names() <= set(demo)
    check_all(demo)


def test_demo_entries_are_the_same_across_formats(demo: dict[str, bytes]) -> None:
    for stem in (*SET_NAMES, *(f"sources/{key}" for key in SITES)):
        atom = [e.findtext(f"{ATOM}id") for e in entries(demo[f"{stem}.atom.xml"])]
        rss = [g.text for g in etree.fromstring(demo[f"{stem}.rss.xml"]).iter("guid")]
        jsonfeed = [i["id"] for i in json.loads(demo[f"{stem}.json"])["items"]]
        assert atom == rss == jsonfeed, stem
        assert atom, stem


def test_demo_bilingual_entries_link_every_mirror(demo: dict[str, bytes]) -> None:
    linked = 0
    for entry in entries(demo["all.atom.xml"]):
        langs = [link.get("hreflang") for link in links(entry, "alternate")]
        assert langs[0] == entry.get(XML_LANG)
        linked += len(langs) > 1
    assert linked > 0


def test_a_stored_title_with_control_characters_never_breaks_a_feed(
        store: Store, tmp_path: Path) -> None:
    """Rows written before the normalize stage (or by hand) may hold anything."""
    fill(store)
    store.upsert_issue(dataclasses.replace(make_issue(481), title="Bad \x1b[0m\x07title\x0b"),
                       seen=T0, updated=T0 + timedelta(days=1))
    files = export(store, tmp_path)
    feed = etree.fromstring(files["en.atom.xml"])
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert "Issue #481: Bad title" in titles
