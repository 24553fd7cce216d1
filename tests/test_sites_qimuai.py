"""Page-object tests for news.qimuai.cn (``aggregator.sites.qimuai``).

Golden tests: every fixture under ``tests/fixtures/qimuai`` is a raw page copied byte for byte
from the replica, with its Content-Type in ``headers.json``. The page is decoded exactly as in
production (a Scrapy response built from bytes + headers, then ``response.text``) and the parse
is compared field by field with the hand-reviewed ``<name>.json``.

Replica tests: every post page of both snapshots is checked against ``truth.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from aggregator.decoding import decode
from aggregator.items import Listing, Post, Translation, to_jsonable
from aggregator.normalize import canonical_url
from aggregator.replica import DEFAULT_ROOT
from aggregator.sites import mirror, qimuai
from tests.golden import diff_fields, load_json

FIXTURES = Path(__file__).parent / "fixtures" / "qimuai"
REPLICA = DEFAULT_ROOT
HEADERS: dict[str, dict[str, Any]] = load_json(FIXTURES / "headers.json")


def fixture_text(name: str) -> tuple[str, str]:
    meta = HEADERS[name]
    body = (FIXTURES / meta["file"]).read_bytes()
    return meta["url"], decode(meta["url"], body, meta["content_type"])


PARSERS: dict[str, Callable[[str, str], Post | Listing]] = {
    "post": qimuai.parse_post,
    "listing": qimuai.parse_listing,
    "feed": qimuai.parse_feed,
}


def parse_fixture(name: str) -> Post | Listing:
    url, text = fixture_text(name)
    return PARSERS[HEADERS[name]["kind"]](url, text)


def post_fixture(name: str) -> Post:
    result = parse_fixture(name)
    assert isinstance(result, Post)
    return result


def mirror_of(post: Post) -> Translation:
    assert post.mirror is not None, f"{post.url} should be a mirror"
    return post.mirror


# ---------------------------------------------------------------------------------------------
# Golden files
# ---------------------------------------------------------------------------------------------
def test_gbk_post_decodes_cleanly() -> None:
    meta = HEADERS["post-3819-gbk"]
    assert "charset=gbk" in meta["content_type"].lower()
    raw = (FIXTURES / meta["file"]).read_bytes()
    assert "🎬".encode() not in raw and b"&#127916;" in raw  # the emoji is a character reference
    post = post_fixture("post-3819-gbk")
    dumped = json.dumps(to_jsonable(post), ensure_ascii=False)
    assert "\ufffd" not in dumped
    assert "🎬 视听首选" in post.content_text.splitlines()
    assert "🎬 Watch & Listen First" in post.content_text.splitlines()
    assert mirror_of(post).title == "xAI融资250亿美元,华盛顿重开对华销售,AlphaFold 4问世"


def test_content_text_matches_the_real_site_text() -> None:
    """The flattened text of post 3776 equals the text a reader copies from the real page."""
    reference = (FIXTURES / "reference-post-3776.txt").read_text(encoding="utf-8").splitlines()
    title, blank, *body = reference
    body = [line for line in body if not re.match(r"^(文章标题|文章链接|本站文章)", line)]
    post = post_fixture("post-3776")
    assert (title, blank) == (post.title, "")
    assert post.content_text.splitlines() == [line for line in body if line.strip()]


# ---------------------------------------------------------------------------------------------
# Variants a real editor produces: the same post must parse to the same translation
# ---------------------------------------------------------------------------------------------
def _article(html: str) -> tuple[str, str, str]:
    """Split a post page around the inner HTML of div#articleContent."""
    start = html.index(">", html.index('id="articleContent"')) + 1
    end = html.index('<div class="post-copyright">')
    end = html.rindex("</div>", start, end)
    return html[:start], html[start:end], html[end:]


def _reparse(transform: Callable[[str], str], *, title: str | None = None) -> Post:
    url, html = fixture_text("post-3776")
    head, content, tail = _article(html)
    if title is not None:
        head = head.replace(
            '<h1 class="log-title">AI周刊第481期:', f'<h1 class="log-title">{title}', 1
        )
    return qimuai.parse_post(url, head + transform(content) + tail)


TITLE_481 = "马斯克呼吁解雇奥特曼,Anthropic超越OpenAI,Meta转向封闭模式"


def _fullwidth_colons(content: str) -> str:
    for marker in ("内容来源", "内容总结", "中文翻译", "英文来源"):
        content = content.replace(f"<p>{marker}:", f"<p>{marker} ： ", 1)
    return content


def _headings_wrapped(content: str) -> str:
    for marker in ("内容总结:", "中文翻译:", "英文来源:"):
        content = content.replace(f"<p>{marker}</p>", f"<p><strong>{marker}</strong></p>", 1)
    for heading in ("核心要点", "快讯", "🎬 视听首选", "营收王座易主", "开源竞赛"):
        content = content.replace(f"<p>{heading}</p>", f"<h2>{heading}</h2>", 1)
    return content.replace("<p>Meta转向闭源</p>", "<h3><strong>Meta转向闭源</strong></h3>", 1)


def _br_lines(content: str) -> str:
    """One <p> with <br> line breaks and "- " bullets, as an editor pasting plain text makes."""
    content = re.sub(r"</?ul>\s*", "", content)
    content = re.sub(r"<li>(.*?)</li>\s*", r"- \1<br>\n", content)
    content = re.sub(r"</p>\s*<p>", "<br>\n", content)
    return content.replace("</p>", "<br>\n")


def _no_source(content: str) -> str:
    return re.sub(r"^<p>内容来源:.*?</p>\s*", "", content)


def _source_plain_with_remark(content: str) -> str:
    return re.sub(
        r"^<p>内容来源:.*?</p>",
        "<p>内容来源: https://aiweekly.co/issues/481 (英文原版)</p>",
        content,
        count=1,
    )


def _source_on_next_line(content: str) -> str:
    return content.replace("<p>内容来源:<a", "<p>内容来源:</p><p><a", 1)


@pytest.mark.parametrize(
    ("transform", "title", "changes"),
    [
        (_fullwidth_colons, None, {}),
        (_headings_wrapped, None, {}),
        (_br_lines, None, {}),
        (_source_on_next_line, None, {}),
        (_source_plain_with_remark, None, {}),
        (_no_source, None, {"source_url": None}),
        (lambda c: c, "AI周刊 第 481 期 ： ", {}),
        (lambda c: c, "AI周刊:", {"issue_number": None}),
        (_no_source, "", {"issue_number": None, "source_url": None, "title": TITLE_481}),
    ],
    ids=[
        "fullwidth-colons",
        "headings-in-strong-h2-h3",
        "br-separated-lines",
        "source-url-on-next-line",
        "source-plain-text-with-remark",
        "no-source-line",
        "spaced-issue-number",
        "title-without-number",
        "bare-title-no-source",
    ],
)
def test_markup_variants_parse_the_same(
    transform: Callable[[str], str], title: str | None, changes: dict[str, Any]
) -> None:
    expected = replace(mirror_of(post_fixture("post-3776")), **changes)
    post = _reparse(transform, title=title)
    problems = diff_fields(to_jsonable(expected), to_jsonable(mirror_of(post)))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    "title",
    ["AI周刊第481期｜", "AI周刊第481期 | ", "AI周刊第481期丨", "AI周刊第481期 - ",
     "AI周刊第481期 — "],
)
def test_title_with_a_bar_or_dash_after_the_issue_number(title: str) -> None:
    """"AI周刊第481期｜<title>": the separator is not part of the Chinese title."""
    mirror = mirror_of(_reparse(lambda c: c, title=title))
    assert (mirror.issue_number, mirror.title) == (481, TITLE_481)


def test_listing_reads_the_number_of_a_title_with_a_bar() -> None:
    assert qimuai._issue_number("AI周刊第1187期｜陪审团折中裁决") == 1187


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("· 2026年4月7日 ·", "2026-04-07"),  # a translator wrote the year
        ("· 4月7号 ·", "2026-04-07"),
    ],
)
def test_story_dates_with_a_year_or_hao(written: str, expected: str) -> None:
    """Story lines dated "2026年4月7日" or "4月7号" are still story lines."""
    before = mirror_of(post_fixture("post-3776"))
    post = _reparse(lambda c: c.replace("· 4月7日 ·", written))
    after = mirror_of(post)
    assert len(after.stories) == len(before.stories)
    assert [s.date for s in after.stories] == [s.date for s in before.stories]
    assert [s.headline for s in after.stories] == [s.headline for s in before.stories]
    assert expected in {s.date.isoformat() for s in after.stories if s.date}


def test_english_story_dates_with_a_year() -> None:
    line = mirror.Line("Anthropic Hits $30B Run Rate · Jan 2, 2027 · Bloomberg")
    assert mirror.is_story_line(line)


@pytest.mark.parametrize(
    ("source_html", "expected"),
    [
        ("<p>内容来源：aiweekly.co/issues/481</p>", "https://aiweekly.co/issues/481"),
        ("<p>内容来源: www.aiweekly.co/issues/481 (英文原版)</p>",
         "https://www.aiweekly.co/issues/481"),
        ("<p>内容来源:</p><p>aiweekly.co/issues/481</p>", "https://aiweekly.co/issues/481"),
        ('<p>内容来源:<a href="https://aiweekly.co/issues/481">AI Weekly 原文</a></p>',
         "https://aiweekly.co/issues/481"),
    ],
    ids=["no-scheme", "no-scheme-www-with-remark", "no-scheme-next-line", "link-with-text"],
)
def test_source_url_written_without_scheme_or_as_a_named_link(
    source_html: str, expected: str
) -> None:
    post = _reparse(lambda c: re.sub(r"^<p>内容来源:.*?</p>", source_html, c, count=1))
    assert mirror_of(post).source_url == expected


def test_other_template_falls_back_to_text_structure() -> None:
    url, html = fixture_text("post-3776")
    post = qimuai.parse_post(url, html.replace('id="articleContent"', 'id="logcontent"', 1))
    assert post.markup == "text"
    assert post.mirror == post_fixture("post-3776").mirror
    assert "文章链接" not in post.content_text


def test_error_page_is_not_a_post() -> None:
    url = "https://news.qimuai.cn/?post=9999"
    html = (FIXTURES / "error-404.html").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="no EMLOG post"):
        qimuai.parse_post(url, html)


def test_quick_hits_heading_merged_with_first_item() -> None:
    """The real site writes "Quick Hits - <first item>"; the same quirk in Chinese is handled."""
    post = _reparse(
        lambda c: re.sub(
            r"<p>快讯</p>\s*<ul>\s*<li>(.*?)</li>", r"<p>快讯 - \1</p><ul>", c, count=1
        )
    )
    assert mirror_of(post).quick_hits == mirror_of(post_fixture("post-3776")).quick_hits


def test_ordinary_posts_mentioning_the_column_are_not_mirrors() -> None:
    notice = post_fixture("post-3779")
    assert notice.category == "AI周刊" and "aiweekly.co" in notice.content_text
    assert notice.mirror is None
    url, html = fixture_text("post-3782")
    # A news post whose title happens to start like a mirror but has none of its structure.
    fake = html.replace(
        '<h1 class="log-title">', '<h1 class="log-title">AI周刊第999期:', 1
    ).replace("</p></div>", "</p><p>内容总结:本文介绍百度融资。</p></div>", 1)
    assert qimuai.parse_post(url, fake).mirror is None


def test_published_falls_back_to_visible_local_time() -> None:
    url, html = fixture_text("post-3782")
    html = re.sub(r'<time datetime="[^"]*">([^<]*)</time>', r"\1", html)
    published = qimuai.parse_post(url, html).published
    assert published is not None and published.isoformat() == "2026-04-19T20:01:00+08:00"


# ---------------------------------------------------------------------------------------------
# URL helpers
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "post_id", "is_post", "is_listing"),
    [
        ("https://news.qimuai.cn/?post=3776", 3776, True, False),
        ("http://news.qimuai.cn/index.php?post=12", 12, True, False),
        ("https://news.qimuai.cn/?post=abc", None, False, False),
        ("https://news.qimuai.cn/", None, False, True),
        ("https://news.qimuai.cn/?page=2", None, False, True),
        ("https://news.qimuai.cn/?sort=3&page=3", None, False, True),
        ("https://news.qimuai.cn/?author=1", None, False, False),
        ("https://news.qimuai.cn/rss.php", None, False, False),
        ("https://news.qimuai.cn/admin/", None, False, False),
        ("http://127.0.0.1:8081/?post=3776", 3776, False, False),  # not a canonical URL
        ("https://aiweekly.co/?post=3776", 3776, False, False),
        ("https://aiweekly.co/issues/481", None, False, False),
    ],
)
def test_url_helpers(url: str, post_id: int | None, is_post: bool, is_listing: bool) -> None:
    assert qimuai.post_id_from_url(url) == post_id
    assert qimuai.is_post_url(url) is is_post
    assert qimuai.is_listing_url(url) is is_listing


def test_feed_url() -> None:
    assert qimuai.is_feed_url("https://news.qimuai.cn/rss.php")
    assert not qimuai.is_feed_url("https://news.qimuai.cn/?post=1")


def test_listing_pagination_ends() -> None:
    first = parse_fixture("sort-3")
    last = parse_fixture("sort-3-page-3")
    assert isinstance(first, Listing) and isinstance(last, Listing)
    assert first.next_url == canonical_url("https://news.qimuai.cn/?sort=3&page=2")
    assert last.next_url is None
    assert [e.url for e in last.entries][-1] == "https://news.qimuai.cn/?post=3776"


# ---------------------------------------------------------------------------------------------
# Every post of the replica against truth.json
# ---------------------------------------------------------------------------------------------
def _replica_posts() -> list[dict[str, Any]]:
    manifest: list[dict[str, Any]] = load_json(REPLICA / "manifest.json")
    return [e for e in manifest if qimuai.is_post_url(e["url"]) and e["status"] == 200]


TRUTH: dict[str, Any] = load_json(REPLICA / "truth.json")
ISSUES = {issue["number"]: issue for issue in TRUTH["issues"]}
MIRRORS = {post["url"]: post for post in TRUTH["mirror_posts"]}
OTHERS = {post["url"]: post for post in TRUTH["other_posts"]}
REPLICA_POSTS = _replica_posts()


def _parse_replica(entry: dict[str, Any]) -> Post:
    body = (REPLICA / entry["file"]).read_bytes()
    return qimuai.parse_post(
        entry["url"], decode(entry["url"], body, entry["headers"]["Content-Type"])
    )


def _replica_id(entry: dict[str, Any]) -> str:
    return f"s{entry['snapshot']}-post-{qimuai.post_id_from_url(entry['url'])}"


def test_replica_has_every_truth_post() -> None:
    urls = {e["url"] for e in REPLICA_POSTS}
    assert set(MIRRORS) | set(OTHERS) == urls


@pytest.mark.parametrize("entry", REPLICA_POSTS, ids=_replica_id)
def test_replica_post_against_truth(entry: dict[str, Any]) -> None:
    post = _parse_replica(entry)
    assert "\ufffd" not in json.dumps(to_jsonable(post), ensure_ascii=False)
    assert post.published is not None and post.published.utcoffset() is not None
    assert post.post_id == qimuai.post_id_from_url(entry["url"])
    if entry["url"] in OTHERS:
        other = OTHERS[entry["url"]]
        assert post.mirror is None
        assert post.title == other["title"]
        assert post.published.strftime("%Y-%m-%d %H:%M") == other["date"]
        return
    truth = MIRRORS[entry["url"]]
    issue = ISSUES[truth["issue_number"]]
    mirror = mirror_of(post)
    assert post.published.strftime("%Y-%m-%d %H:%M") == truth["date"]
    assert mirror.issue_number == truth["issue_number"]
    # The re-post (3833) retyped one comma of its title as fullwidth "，"; truth keeps the
    # issue's title, so the Translation folds punctuation while Post.title stays as written.
    assert mirror.title == issue["title_zh"]
    if truth["duplicate_of"]:
        assert post.title == f"AI周刊第{issue['number']}期:" + issue["title_zh"].replace(
            ",", "，", 1
        )
    assert (str(mirror.week_start), str(mirror.week_end)) == (
        issue["week_start"],
        issue["week_end"],
    )
    got = [(s.headline, s.outlet, str(s.date)) for s in mirror.stories]
    want = [(s["headline_zh"], s["outlet_zh"], s["date"]) for s in issue["stories"]]
    assert got == want
    assert [s.position for s in mirror.stories] == list(range(1, len(want) + 1))
    # Chinese section headings split the stories exactly where the English sections do.
    assert _groups([s.section for s in mirror.stories]) == _groups(
        [s["section_en"] for s in issue["stories"]]
    )
    assert all(s.summary and not s.summary.startswith("→") for s in mirror.stories)
    assert list(mirror.english_links) == [s["link"] for s in issue["stories"]]
    assert mirror.summary and "本期周期" not in mirror.summary
    if truth["variant"] == "no_source_line":
        assert mirror.source_url is None
    else:
        assert mirror.source_url is not None
        assert mirror.source_url.startswith("https://aiweekly.co/issues/")
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


def _replica_pages(predicate: Callable[[str], bool]) -> list[dict[str, Any]]:
    manifest: list[dict[str, Any]] = load_json(REPLICA / "manifest.json")
    return [e for e in manifest if predicate(e["url"]) and e["status"] == 200]


LISTING_PAGES = _replica_pages(qimuai.is_listing_url) + _replica_pages(qimuai.is_feed_url)
KNOWN_URLS = {canonical_url(e["url"]) for e in load_json(REPLICA / "manifest.json")}


@pytest.mark.parametrize(
    "entry", LISTING_PAGES, ids=lambda e: f"s{e['snapshot']}-{e['file'].rsplit('/', 1)[-1]}"
)
def test_replica_listing_against_truth(entry: dict[str, Any]) -> None:
    body = (REPLICA / entry["file"]).read_bytes()
    text = decode(entry["url"], body, entry["headers"]["Content-Type"])
    parse = qimuai.parse_feed if qimuai.is_feed_url(entry["url"]) else qimuai.parse_listing
    listing = parse(entry["url"], text)
    assert listing.entries, "a listing without entries"
    for item in listing.entries:
        assert item.published is not None
        if item.url in MIRRORS:
            truth = MIRRORS[item.url]
            assert item.number == truth["issue_number"]
        else:
            truth = OTHERS[item.url]
            assert (item.number, item.title) == (None, truth["title"])
        assert item.published.strftime("%Y-%m-%d %H:%M") == truth["date"]
        assert item.published.utcoffset() is not None
    dates = [item.published for item in listing.entries if item.published]
    assert dates == sorted(dates, reverse=True), "listings are newest first"
    assert listing.next_url is None or listing.next_url in KNOWN_URLS


def test_listing_of_another_template_still_lists_posts_and_next_page() -> None:
    """No ``a.loglist-title``, no "Next Page"/&raquo; link: post links and page N+1 remain."""
    raw = (FIXTURES / "sort-3.html").read_text(encoding="utf-8")
    expected = qimuai.parse_listing("https://news.qimuai.cn/?sort=3", raw)
    html = raw.replace('class="loglist-title"', 'class="title"')
    html = re.sub(r'<a [^>]*title="Next Page">&raquo;</a>', "", html)
    html = html.replace('class="pagination bottom-5"', 'class="pages"')
    listing = qimuai.parse_listing("https://news.qimuai.cn/?sort=3", html)
    assert {e.url for e in expected.entries} <= {e.url for e in listing.entries}
    assert all(qimuai.is_post_url(e.url) and "#" not in e.url for e in listing.entries)
    assert listing.next_url == expected.next_url == "https://news.qimuai.cn/?page=2&sort=3"
