"""Page-object tests for hant.example.org (``aggregator.sites.hant``, WordPress, zh-Hant).

Golden tests: every fixture under ``tests/fixtures/hant`` is a raw page copied byte for byte
from the replica, indexed in ``headers.json``; it is decoded exactly as in production and the
parse is compared field by field with the hand-reviewed ``<name>.json``.

Replica tests: every post page of both snapshots, and every listing, feed and sitemap, is
checked against ``truth.json`` (key ``hant``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from aggregator.decoding import decode
from aggregator.items import Listing, Post, Translation, to_jsonable
from aggregator.normalize import page_url
from aggregator.replica import DEFAULT_ROOT
from aggregator.sites import SITES, hant
from aggregator.sites.mirror import Line, chinese_number, parse_mirror
from tests.golden import FIXTURES, fixture_index, fixture_text
from tests.golden import load_json as _load_json

SITE = SITES["hant"]
PAGES = SITE.page_objects()
HEADERS = fixture_index("hant")
REPLICA = DEFAULT_ROOT

PARSERS: dict[str, Callable[[str, str], Any]] = {
    "post": PAGES.parse_document,
    "listing": PAGES.parse_listing,
    "feed": PAGES.parse_feed,
}


def parse_fixture(name: str) -> Any:
    url, text = fixture_text("hant", name)
    return PARSERS[HEADERS[name]["kind"]](url, text)


def post_fixture(name: str) -> Post:
    result = parse_fixture(name)
    assert isinstance(result, Post)
    return result


def mirror_of(post: Post) -> Translation:
    assert post.mirror is not None, f"{post.url} should be a mirror"
    return post.mirror


def test_fixtures_are_indexed() -> None:
    kinds = {meta["kind"] for meta in HEADERS.values()}
    assert kinds == {"post", "listing", "feed"}
    for name, meta in HEADERS.items():
        assert (FIXTURES / "hant" / meta["file"]).read_bytes() == (
            REPLICA / meta["replica_file"]
        ).read_bytes(), f"{name} is not a byte-for-byte copy of the replica page"


# ---------------------------------------------------------------------------------------------
# Golden files
# ---------------------------------------------------------------------------------------------
def test_module_functions_are_the_page_objects() -> None:
    url, html = fixture_text("hant", "post-482")
    assert hant.parse_post(url, html) == PAGES.parse_document(url, html)
    assert hant.page_objects(SITE).parse_document(url, html) == PAGES.parse_document(url, html)


# ---------------------------------------------------------------------------------------------
# Variations
# ---------------------------------------------------------------------------------------------
_DIGITS = "零一二三四五六七八九"


def _cjk(number: int) -> str:
    """A number below 10000 in Chinese numerals, written as a Taiwanese editor would."""
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit % 10
        if digit:
            out += ("零" if zero and out else "") + _DIGITS[digit] + name
            zero = False
        else:
            zero = True
    return out


@pytest.mark.parametrize(
    ("written", "value"),
    [("四百八十一", 481), ("五百零五", 505), ("一千零二十四", 1024), ("兩百", 200),
     ("两百一十", 210), ("十二", 12), ("二十", 20), ("一〇二四", 1024), ("四八一", 481),
     ("一萬零一", 10001), ("十萬", 100000), ("481", 481), ("四百X", None), ("", None)],
)
def test_chinese_numerals(written: str, value: int | None) -> None:
    assert chinese_number(written) == value


def test_issue_number_in_chinese_numerals() -> None:
    post = post_fixture("post-481-chinese-numerals")
    mirror = mirror_of(post)
    written = re.search(r"第(.+?)期", post.title)
    assert written and not written.group(1).isdigit()
    assert mirror.issue_number == chinese_number(written.group(1)) is not None
    assert "第" not in mirror.title and not mirror.title.startswith("：")


def _reparse(name: str, transform: Callable[[str], str]) -> Post:
    url, html = fixture_text("hant", name)
    changed = transform(html)
    assert changed != html, "the transform changed nothing"
    return hant.parse_post(url, changed)


def test_every_digit_title_also_reads_in_chinese_numerals() -> None:
    before = mirror_of(post_fixture("post-482"))
    assert before.issue_number is not None
    number = before.issue_number

    after = mirror_of(_reparse(
        "post-482", lambda h: h.replace(f"第{number}期", f"第{_cjk(number)}期")))
    assert after == before


@pytest.mark.parametrize(
    "colon", [":", " : ", "： ", " ："],
    ids=["ascii", "ascii-spaced", "fullwidth-space", "space-fullwidth"],
)
def test_label_colon_variants_parse_the_same(colon: str) -> None:
    before = mirror_of(post_fixture("post-482"))
    assert SITE.markers is not None
    labels = SITE.markers.all_labels()

    def retype(html: str) -> str:
        for label in labels:
            html = html.replace(f">{label}：", f">{label}{colon}")
        return html

    assert mirror_of(_reparse("post-482", retype)) == before


@pytest.mark.parametrize(
    "prefix",
    ["AI週刊第{n}期：", "AI周刊第{n}期:", "《AI週刊》第 {n} 期 ｜ ", "「AI週刊」第{n}期－"],
)
def test_title_forms(prefix: str) -> None:
    before = mirror_of(post_fixture("post-482"))
    n = before.issue_number
    after = mirror_of(_reparse(
        "post-482", lambda h: h.replace(f"《AI週刊》第{n}期：", prefix.format(n=n))))
    assert (after.issue_number, after.title) == (n, before.title)


def test_no_source_line_and_no_english_original() -> None:
    mirror = mirror_of(post_fixture("post-484-no-source"))
    assert mirror.source_url is None
    assert mirror.english_text == "" and mirror.english_links == ()
    assert mirror.stories and mirror.summary and mirror.week_start is not None


def test_numeric_source_url_is_kept_as_written() -> None:
    mirror = mirror_of(post_fixture("post-503-numeric-source"))
    assert mirror.source_url == f"https://aiweekly.co/issues/{mirror.issue_number}"


def test_repost_title_remark_is_not_the_issue_title() -> None:
    post = post_fixture("post-489-repost")
    mirror = mirror_of(post)
    assert post.title.endswith("（修訂版）")
    assert post.title.startswith("《AI週刊》") and mirror.title in post.title
    assert "修訂" not in mirror.title


def test_edited_post_keeps_its_publication_time() -> None:
    """Snapshot 2 adds ``time.updated`` next to ``time.entry-date.published``."""
    _, html = fixture_text("hant", "post-498-edited-s2")
    assert 'class="updated"' in html
    post = post_fixture("post-498-edited-s2")
    published = re.search(r'class="entry-date published" datetime="([^"]+)"', html)
    assert published and post.published is not None
    assert post.published.isoformat() == published.group(1)


def test_ordinary_posts_mentioning_the_column_are_not_mirrors() -> None:
    post = post_fixture("post-ordinary-mentions-column")
    assert "《AI週刊》" in post.content_text and post.mirror is None
    # A column-like title and a stray summary label are not enough structure.
    title, body = '<h1 class="entry-title">', '<div class="entry-content">'
    fake = _reparse(
        "post-ordinary-mentions-column",
        lambda h: h.replace(title, f"{title}《AI週刊》第999期：", 1)
        .replace(body, f"{body}<p>摘要：人才競爭。</p>", 1),
    )
    assert fake.mirror is None


def test_text_stays_in_traditional_script() -> None:
    post = post_fixture("post-482")
    mirror = mirror_of(post)
    assert "週刊" in post.title and "內容來源" in post.content_text
    assert "，" in mirror.title  # Taiwan punctuation is kept, not folded to ASCII


def test_error_page_is_not_a_post() -> None:
    html = (FIXTURES / "hant" / "error-404.html").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="no WordPress post"):
        hant.parse_post("https://hant.example.org/2099/01/01/missing/", html)


def test_post_id_without_a_shortlink() -> None:
    before = post_fixture("post-482")
    after = _reparse("post-482", lambda h: re.sub(r'<link rel="shortlink"[^>]*>', "", h))
    assert after.post_id == before.post_id is not None


def test_listing_pagination_and_sitemaps() -> None:
    home, last = parse_fixture("home"), parse_fixture("category-ai-weekly-page-2")
    assert isinstance(home, Listing) and isinstance(last, Listing)
    assert home.next_url == page_url(SITE.url("/page/2/"))
    assert last.next_url is None
    index = parse_fixture("wp-sitemap")
    assert index.entries == () and index.follow and all(u.endswith(".xml") for u in index.follow)
    taxonomies = parse_fixture("wp-sitemap-taxonomies-category-1")
    assert taxonomies.entries == () and all(hant.is_listing_url(u) for u in taxonomies.follow)
    posts = parse_fixture("wp-sitemap-posts-post-1")
    assert posts.follow == () and all(hant.is_post_url(e.url) for e in posts.entries)


@pytest.mark.parametrize(
    ("url", "post", "listing", "feed"),
    [
        ("https://hant.example.org/2026/04/19/ai-weekly-482/", True, False, False),
        ("https://hant.example.org/2026/04/19/ai-weekly-482", True, False, False),
        ("https://hant.example.org/?p=1391", True, False, False),
        ("https://hant.example.org/", False, True, False),
        ("https://hant.example.org/page/2/", False, True, False),
        ("https://hant.example.org/category/ai-weekly", False, True, False),
        ("https://hant.example.org/category/ai-weekly/page/2/", False, True, False),
        ("https://hant.example.org/wp-sitemap.xml", False, True, False),
        ("https://hant.example.org/feed/", False, False, True),
        ("https://hant.example.org/wp-admin/", False, False, False),
        ("https://news.qimuai.cn/?p=1391", False, False, False),
    ],
)
def test_url_helpers(url: str, post: bool, listing: bool, feed: bool) -> None:
    assert (hant.is_post_url(url), hant.is_listing_url(url), hant.is_feed_url(url)) == (
        post, listing, feed)


# ---------------------------------------------------------------------------------------------
# Every page of the replica against truth.json
# ---------------------------------------------------------------------------------------------
TRUTH: dict[str, Any] = _load_json(REPLICA / "truth.json")
ISSUES = {issue["number"]: issue for issue in TRUTH["issues"]}
HANT = TRUTH["hant"]
MIRRORS = {page_url(p["url"]): p for p in HANT["mirror_posts"]}
OTHERS = {page_url(p["url"]): p for p in HANT["other_posts"]}
MANIFEST: list[dict[str, Any]] = _load_json(REPLICA / "manifest.json")


def replica_pages(predicate: Callable[[str], bool]) -> list[dict[str, Any]]:
    return [e for e in MANIFEST if e["status"] == 200 and predicate(e["url"])]


def replica_text(entry: dict[str, Any]) -> str:
    body = (REPLICA / entry["file"]).read_bytes()
    return decode(entry["url"], body, entry["headers"]["Content-Type"])


def page_id(entry: dict[str, Any]) -> str:
    return f"s{entry['snapshot']}-{entry['file'].rsplit('/', 1)[-1]}"


REPLICA_POSTS = replica_pages(hant.is_post_url)


def test_replica_has_every_truth_post() -> None:
    assert {page_url(e["url"]) for e in REPLICA_POSTS} == set(MIRRORS) | set(OTHERS)


def _local(post: Post) -> str:
    assert post.published is not None and post.published.utcoffset() is not None
    return post.published.strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("entry", REPLICA_POSTS, ids=page_id)
def test_replica_post_against_truth(entry: dict[str, Any]) -> None:
    post = PAGES.parse_document(entry["url"], replica_text(entry))
    assert isinstance(post, Post)
    assert "\ufffd" not in json.dumps(to_jsonable(post), ensure_ascii=False)
    url = page_url(entry["url"])
    if url in OTHERS:
        other = OTHERS[url]
        assert post.mirror is None
        assert (post.title, post.category, _local(post)) == (
            other["title"], other["category"], other["date"])
        assert post.post_id == other["post_id"]
        return
    truth = MIRRORS[url]
    mirror = mirror_of(post)
    assert (post.title, _local(post), post.post_id) == (
        truth["title"], truth["date"], truth["post_id"])
    number = truth["issue_number"]
    assert mirror.issue_number == number
    assert mirror.title == HANT["issues"][str(number)]["title_zh_hant"]
    assert len(mirror.stories) == HANT["issues"][str(number)]["stories_zh"]
    assert [s.position for s in mirror.stories] == list(range(1, len(mirror.stories) + 1))
    assert all(s.date is not None and s.summary for s in mirror.stories)
    assert mirror.summary and "本期期間" not in mirror.summary
    issue = ISSUES[number]
    assert (str(mirror.week_start), str(mirror.week_end)) == (
        issue["week_start"], issue["week_end"])
    assert [str(s.date) for s in mirror.stories] == [s["date"] for s in issue["stories"]]
    assert _groups([s.section for s in mirror.stories]) == _groups(
        [s["section_en"] for s in issue["stories"]])
    assert (mirror.source_url is not None) is truth["has_source_line"]
    assert mirror.source_url == truth["source_url"]
    assert bool(mirror.english_text) is truth["has_english"]
    if truth["has_english"]:
        assert list(mirror.english_links) == [s["link"] for s in issue["stories"]]
    if truth["variant"] == "numeric_url_for_slug_issue":
        assert mirror.source_url == issue["numeric_url"] != issue["url"]


def _groups(labels: list[str | None]) -> list[int]:
    """Sizes of runs of equal labels: [A, A, B] -> [2, 1]."""
    sizes: list[int] = []
    for i, label in enumerate(labels):
        if i and labels[i - 1] == label:
            sizes[-1] += 1
        else:
            sizes.append(1)
    return sizes


def _taiwan(text: str) -> str:
    """The replica's Taiwan punctuation on converted text: ， ： 「」 except inside numbers."""
    text = re.sub(r"(?<!\d),|,(?!\d)", "，", text)
    text = re.sub(r"(?<!\d):|:(?!\d)", "：", text)
    return text.replace("“", "「").replace("”", "」")


@pytest.mark.parametrize("entry", [e for e in REPLICA_POSTS
                                   if page_url(e["url"]) in MIRRORS], ids=page_id)
def test_replica_stories_are_the_converted_issue(entry: dict[str, Any]) -> None:
    """Headlines and outlets are the issue's Chinese text in Traditional script (OpenCC s2twp)."""
    opencc = pytest.importorskip("opencc")
    convert = opencc.OpenCC("s2twp").convert
    mirror = mirror_of(PAGES.parse_document(entry["url"], replica_text(entry)))
    assert mirror.issue_number is not None
    want = [(_taiwan(convert(s["headline_zh"])), _taiwan(convert(s["outlet_zh"])))
            for s in ISSUES[mirror.issue_number]["stories"]]
    assert [(s.headline, s.outlet) for s in mirror.stories] == want


def test_repost_agrees_with_the_original() -> None:
    posts = {page_url(e["url"]): e for e in REPLICA_POSTS if e["snapshot"] == 1}
    reposts = [p for p in HANT["mirror_posts"] if p["duplicate_of"]]
    assert reposts
    for truth in reposts:
        again = mirror_of(PAGES.parse_document(truth["url"], replica_text(
            posts[page_url(truth["url"])])))
        first = mirror_of(PAGES.parse_document(truth["duplicate_of"], replica_text(
            posts[page_url(truth["duplicate_of"])])))
        # The re-post edits some wording and adds a note; the issue it mirrors is the same.
        assert (again.issue_number, again.title, again.week_start, again.source_url) == (
            first.issue_number, first.title, first.week_start, first.source_url)
        assert [s.date for s in again.stories] == [s.date for s in first.stories]


LISTINGS = replica_pages(lambda u: hant.is_listing_url(u) or hant.is_feed_url(u))
KNOWN_URLS = {page_url(e["url"]) for e in MANIFEST}


@pytest.mark.parametrize("entry", LISTINGS, ids=page_id)
def test_replica_listing_against_truth(entry: dict[str, Any]) -> None:
    parse = PAGES.parse_feed if hant.is_feed_url(entry["url"]) else PAGES.parse_listing
    listing = parse(entry["url"], replica_text(entry))
    assert listing.entries or listing.follow, "a listing with nothing to walk"
    sitemap = entry["url"].endswith(".xml")
    edited = {page_url(u) for u in HANT["snapshot2"]["edited_post_urls"]}
    for item in listing.entries:
        truth = MIRRORS.get(item.url) or OTHERS[item.url]
        assert item.published is not None and item.published.utcoffset() is not None
        shown = item.published.strftime("%Y-%m-%d %H:%M")
        if sitemap and entry["snapshot"] == 2 and item.url in edited:
            assert shown > truth["date"]  # <lastmod> moved with the edit
        else:
            assert shown == truth["date"]
        if not sitemap:  # sitemaps carry no titles
            assert item.title == truth["title"]
            assert item.number == truth.get("issue_number")
    if not sitemap:
        dates = [item.published for item in listing.entries]
        assert dates == sorted(dates, reverse=True), "listings are newest first"
    assert listing.next_url is None or listing.next_url in KNOWN_URLS
    assert all(url in KNOWN_URLS for url in listing.follow)


def test_walking_the_sitemap_reaches_every_post() -> None:
    """From ``/wp-sitemap.xml`` through ``follow``: every post of the snapshot, once."""
    pages = {page_url(e["url"]): e for e in MANIFEST if e["snapshot"] == 1}
    todo, seen, found = [page_url(SITE.url("/wp-sitemap.xml"))], set(), []
    while todo:
        url = todo.pop()
        if url in seen or not url.endswith(".xml"):
            continue
        seen.add(url)
        listing = PAGES.parse_listing(url, replica_text(pages[url]))
        todo.extend(listing.follow)
        found.extend(e.url for e in listing.entries)
    first = {u for u, p in (MIRRORS | OTHERS).items() if p["snapshot"] == 1}
    assert sorted(found) == sorted(first)


def test_mirror_titles_in_listings_without_numbers_are_not_guessed() -> None:
    listing = parse_fixture("home")
    assert isinstance(listing, Listing)
    for item in listing.entries:
        assert (item.number is None) is (item.url in OTHERS)


def test_site_entry_drives_the_markers() -> None:
    """Another entry's markers change what is recognized: nothing is spelled in the grammar."""
    assert SITE.markers is not None
    url, html = fixture_text("hant", "post-482")
    blind = replace(SITE, markers=replace(SITE.markers, column=("別的專欄",), summary=("總結",),
                                          translation=("翻譯",), english=("原文",)))
    post = hant.parse_post(url, html, site=blind)
    assert post.mirror is None or post.mirror.issue_number is None


def test_listing_of_another_theme_still_lists_posts() -> None:
    """No ``.entry-title`` links in the cards: links shaped like posts remain the entries."""
    url, html = fixture_text("hant", "category-ai-weekly")
    expected = hant.parse_listing(url, html)
    listing = hant.parse_listing(url, html.replace('class="entry-title', 'class="card-title'))
    assert {e.url for e in expected.entries} <= {e.url for e in listing.entries}
    assert all(hant.is_post_url(e.url) for e in listing.entries)
    assert listing.next_url == expected.next_url is not None


@pytest.mark.parametrize("module", ["aggregator.sites.wordpress", "aggregator.sites.generic"])
def test_platform_modules_are_page_objects_for_the_entry(module: str) -> None:
    url, html = fixture_text("hant", "post-482")
    pages = replace(SITE, pages_module=module).page_objects()
    post = pages.parse_document(url, html)
    assert isinstance(post, Post) and post.mirror is not None
    assert post.mirror.issue_number == mirror_of(hant.parse_post(url, html)).issue_number


@pytest.mark.parametrize("name", ["home", "category-ai-weekly"])
def test_listing_pages_are_not_posts(name: str) -> None:
    url, html = fixture_text("hant", name)
    with pytest.raises(ValueError, match="no WordPress post"):
        hant.parse_post(url, html)


def test_story_dates_without_a_week_keep_their_text() -> None:
    """No period, no range line, no English, no publication time: nothing places "4月11日" in
    a year, so the date is kept as written for the normalize stage."""
    assert SITE.markers is not None
    lines = [Line("摘要："), Line("本週重點。"), Line("全文翻譯："), Line("資本動向"),
             Line("某公司融資 · 4月11日 · 彭博社"), Line("→ 摘要。")]
    mirror = parse_mirror("《AI週刊》第12期：標題", lines, SITE.markers)
    assert mirror is not None and mirror.issue_number == 12
    assert [(s.date, s.date_text, s.section) for s in mirror.stories] == [
        (None, "4月11日", "資本動向")]
