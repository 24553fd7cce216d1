"""Generic mirror page objects (``aggregator.sites.generic``) against the replica's truth.

The hant registry entry is turned into a generic one
(``replace(site, pages_module="aggregator.sites.generic", bespoke=False)``), once with its own
markers and once with none (the default Traditional markers), and every hant post page of both
snapshots is parsed by structure and compared with ``truth.json``. The EMLOG site (qimuai) is
measured the same way as a second platform.

Measured on the bundled replica (25 hant pages: 19 mirror pages of 17 posts and 6 ordinary
ones; 39 qimuai pages: 27 mirror pages and 12 ordinary ones), with the entry's markers and with
the default markers alike:

    hant   issue number 19/19, mirror flag 25/25, title 25/25, published 25/25, stories 19/19,
           issue title 19/19, source line 19/19, English original 19/19
    qimuai issue number 27/27, mirror flag 39/39, title 39/39, published 39/39, stories 27/27,
           issue title 26/27 (the re-post keeps its fullwidth "，": no house style is known)

The asserts below are the floor a structural parser must keep on any replica: every mirror is
recognized with its issue number, and the other fields are right on at least 90% of pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from aggregator.decoding import decode
from aggregator.items import Listing, Post
from aggregator.normalize import page_url
from aggregator.replica import DEFAULT_ROOT
from aggregator.sites import SITES, hant, qimuai
from aggregator.sites.base import Site
from tests.golden import FIXTURES, fixture_text, load_json

REPLICA = DEFAULT_ROOT
TRUTH: dict[str, Any] = load_json(REPLICA / "truth.json")
MANIFEST: list[dict[str, Any]] = load_json(REPLICA / "manifest.json")
ISSUES = {issue["number"]: issue for issue in TRUTH["issues"]}


def generic(site: Site, *, own_markers: bool = True) -> Site:
    entry = replace(site, pages_module="aggregator.sites.generic", bespoke=False)
    return entry if own_markers else replace(entry, markers=None)


@dataclass
class Score:
    """Right answers per field, over the pages where the field applies."""

    right: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, where: str) -> None:
        self.total[name] = self.total.get(name, 0) + 1
        self.right[name] = self.right.get(name, 0) + ok
        if not ok:
            self.misses.append(f"{name}: {where}")

    def ratio(self, name: str) -> float:
        return self.right.get(name, 0) / self.total[name]

    def figures(self) -> str:
        return ", ".join(f"{k} {self.right[k]}/{self.total[k]}" for k in self.total)


def _pages(is_post: Callable[[str], bool]) -> list[dict[str, Any]]:
    return [e for e in MANIFEST if e["status"] == 200 and is_post(e["url"])]


def _parse(site: Site, entry: dict[str, Any]) -> Post:
    body = (REPLICA / entry["file"]).read_bytes()
    text = decode(entry["url"], body, entry["headers"]["Content-Type"])
    post = site.page_objects().parse_document(entry["url"], text)
    assert isinstance(post, Post)
    return post


def _local(post: Post) -> str | None:
    return post.published.strftime("%Y-%m-%d %H:%M") if post.published else None


def score_hant(site: Site) -> Score:
    truth = TRUTH["hant"]
    mirrors = {page_url(p["url"]): p for p in truth["mirror_posts"]}
    others = {page_url(p["url"]): p for p in truth["other_posts"]}
    score = Score()
    for entry in _pages(hant.is_post_url):
        post = _parse(site, entry)
        assert post.markup == "text", "generic parses are flagged for the run summary"
        where = f"s{entry['snapshot']} {entry['url']}"
        url = page_url(entry["url"])
        expected = mirrors.get(url) or others[url]
        score.check("mirror flag", (post.mirror is not None) is (url in mirrors), where)
        score.check("title", post.title == expected["title"], where)
        score.check("published", _local(post) == expected["date"], where)
        if url not in mirrors:
            continue
        mirror = post.mirror
        issue = truth["issues"][str(expected["issue_number"])]
        score.check("issue number", bool(mirror and mirror.issue_number
                                         == expected["issue_number"]), where)
        score.check("issue title", bool(mirror and mirror.title == issue["title_zh_hant"]), where)
        score.check("stories", bool(mirror and len(mirror.stories) == issue["stories_zh"]), where)
        score.check("source line", bool(mirror and mirror.source_url == expected["source_url"]),
                    where)
        score.check("English original", bool(mirror and bool(mirror.english_links)
                                              is expected["has_english"]), where)
    return score


def score_qimuai(site: Site) -> Score:
    mirrors = {page_url(p["url"]): p for p in TRUTH["mirror_posts"]}
    others = {page_url(p["url"]): p for p in TRUTH["other_posts"]}
    score = Score()
    for entry in _pages(qimuai.is_post_url):
        post = _parse(site, entry)
        where = f"s{entry['snapshot']} {entry['url']}"
        url = page_url(entry["url"])
        expected = mirrors.get(url) or others[url]
        score.check("mirror flag", (post.mirror is not None) is (url in mirrors), where)
        score.check("published", _local(post) == expected["date"], where)
        if url not in mirrors:
            score.check("title", post.title == expected["title"], where)
            continue
        mirror = post.mirror
        issue = ISSUES[expected["issue_number"]]
        number = expected["issue_number"]
        score.check("issue number", bool(mirror and mirror.issue_number == number), where)
        score.check("title", post.title.startswith(f"AI周刊第{number}期"), where)
        score.check("issue title", bool(mirror and mirror.title == issue["title_zh"]), where)
        score.check("stories", bool(mirror and len(mirror.stories) == len(issue["stories"])),
                    where)
    return score


SCORERS: dict[str, tuple[str, Callable[[Site], Score]]] = {
    "hant": ("hant", score_hant),
    "qimuai": ("qimuai", score_qimuai),
}


@pytest.mark.parametrize("own_markers", [True, False], ids=["entry-markers", "default-markers"])
@pytest.mark.parametrize("key", sorted(SCORERS))
def test_generic_accuracy(key: str, own_markers: bool) -> None:
    site_key, scorer = SCORERS[key]
    score = scorer(generic(SITES[site_key], own_markers=own_markers))
    print(f"\n{key} ({'entry' if own_markers else 'default'} markers): {score.figures()}")
    assert score.total["issue number"] > 0 and score.total["mirror flag"] > 0
    # Every mirror recognized, every ordinary post left alone, every issue number right.
    assert score.ratio("mirror flag") == 1.0, score.misses
    assert score.ratio("issue number") == 1.0, score.misses
    for name in score.total:
        assert score.ratio(name) >= 0.9, (name, score.misses)


def test_generic_listings_follow_the_platform() -> None:
    """A WordPress entry's generic listings read like the bespoke ones (pagination, sitemaps)."""
    pages = generic(SITES["hant"]).page_objects()
    for name in ("home", "category-ai-weekly", "wp-sitemap", "wp-sitemap-posts-post-1"):
        url, text = fixture_text("hant", name)
        assert pages.parse_listing(url, text) == hant.parse_listing(url, text), name
    url, text = fixture_text("hant", "feed")
    bespoke = hant.parse_feed(url, text)
    feed = pages.parse_feed(url, text)
    assert [(e.url, e.number, e.title, e.published) for e in feed.entries] == [
        (e.url, e.number, e.title, e.published) for e in bespoke.entries]


def test_generic_platform_lists_same_host_links_and_feeds() -> None:
    site = replace(generic(SITES["hant"]), platform="generic")
    url, text = fixture_text("hant", "home")
    listing = site.page_objects().parse_listing(url, text)
    bespoke = hant.parse_listing(url, text)
    urls = [e.url for e in listing.entries]
    assert {e.url for e in bespoke.entries} <= set(urls)
    assert all(site.owns(u) for u in urls) and len(urls) == len(set(urls))
    assert listing.next_url == bespoke.next_url
    assert listing.follow == (page_url(site.url("/feed/")),)
    numbered = {e.url: e.number for e in listing.entries if e.number is not None}
    assert numbered == {e.url: e.number for e in bespoke.entries if e.number is not None}


def test_generic_emlog_listing() -> None:
    site = generic(SITES["qimuai"])
    raw = (FIXTURES / "qimuai" / "sort-3.html").read_text(encoding="utf-8")
    url = "https://news.qimuai.cn/?sort=3"
    assert site.page_objects().parse_listing(url, raw) == qimuai.parse_listing(url, raw)


@pytest.mark.parametrize("name", ["home", "category-ai-weekly"])
def test_listing_pages_are_not_posts(name: str) -> None:
    url, text = fixture_text("hant", name)
    with pytest.raises(ValueError, match="listing"):
        generic(SITES["hant"]).page_objects().parse_document(url, text)


def test_error_page_is_not_a_post() -> None:
    html = (FIXTURES / "hant" / "error-404.html").read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        generic(SITES["hant"]).page_objects().parse_document(
            "https://hant.example.org/2099/01/01/missing/", html)


def test_generic_title_falls_back_to_the_page_title() -> None:
    url, html = fixture_text("hant", "post-482")
    bespoke = hant.parse_post(url, html)
    no_h1 = html.replace("<h1 ", "<p ").replace("</h1>", "</p>")
    post = generic(SITES["hant"]).page_objects().parse_document(url, no_h1)
    assert isinstance(post, Post) and post.title == bespoke.title
    assert post.mirror is not None and bespoke.mirror is not None
    assert post.mirror.issue_number == bespoke.mirror.issue_number


def test_listing_fixture_is_a_listing() -> None:
    url, text = fixture_text("hant", "home")
    assert isinstance(generic(SITES["hant"]).page_objects().parse_listing(url, text), Listing)


def test_generic_reads_a_theme_without_wordpress_classes() -> None:
    """Structure, not markup: no classes, no ``<article>``, the same post and translation."""
    url, html = fixture_text("hant", "post-482")
    bespoke = hant.parse_post(url, html)
    bare = re.sub(r'\s(?:class|id)="[^"]*"', "", html)
    bare = bare.replace("<article", "<div").replace("</article>", "</div>")
    post = generic(SITES["hant"]).page_objects().parse_document(url, bare)
    assert isinstance(post, Post)
    assert (post.title, post.published, post.post_id) == (
        bespoke.title, bespoke.published, bespoke.post_id)
    assert post.mirror == bespoke.mirror
