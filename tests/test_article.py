"""The normalize stage (``aggregator.article.normalize_result``): one test per rule, then the
properties (idempotent, never raises, XML-safe) on the fixture pages and on odd input."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import pytest
from lxml import etree

from aggregator import article
from aggregator.article import normalize_html, normalize_result
from aggregator.items import Issue, PageResult, Post, Story, Translation, WatchItem
from aggregator.normalize import clean_link, normalize_text
from aggregator.sites import SITES
from tests.golden import fixture_index, fixture_text

PAGE = "https://aiweekly.co/issues/481"


def issue(**fields: Any) -> Issue:
    values: dict[str, Any] = {
        "number": 481,
        "url": PAGE,
        "numeric_url": PAGE,
        "title": "Musk Wants Altman Fired",
        "week_start": date(2026, 4, 3),
        "week_end": date(2026, 4, 9),
    }
    return Issue(**(values | fields))


def story(**fields: Any) -> Story:
    values: dict[str, Any] = {"position": 1, "headline": "Anthropic Passes OpenAI",
                              "link": "https://www.bloomberg.com/news/a", "outlet": "Bloomberg"}
    return Story(**(values | fields))


def result_of(item: Issue | Post) -> PageResult:
    return PageResult(
        url=item.url,
        source="aiweekly" if isinstance(item, Issue) else "qimuai",
        status=200,
        issue=item if isinstance(item, Issue) else None,
        post=item if isinstance(item, Post) else None,
    )


def normalized_issue(item: Issue, lang: str = "en") -> Issue:
    out = normalize_result(result_of(item), lang=lang).issue
    assert out is not None
    return out


def html_of(body: str, lang: str = "en") -> str:
    return normalize_html(body, base_url=PAGE, lang=lang)


# ---------------------------------------------------------------------------------------------
# Article HTML
# ---------------------------------------------------------------------------------------------
def test_relative_links_become_absolute_against_the_page() -> None:
    out = normalized_issue(issue(content_html=(
        '<p><a href="/issues/480">last week</a> <a href="../about">about</a>'
        ' <a href="#top">top</a> <img src="img/chart.png" alt="chart"></p>'
    ))).content_html
    assert 'href="https://aiweekly.co/issues/480"' in out
    assert 'href="https://aiweekly.co/about"' in out
    assert 'href="https://aiweekly.co/issues/481#top"' in out
    assert 'src="https://aiweekly.co/issues/img/chart.png"' in out


def test_tracking_parameters_are_dropped_and_the_rest_kept_as_written() -> None:
    href = "https://example.com/a?id=7&utm_source=aiweekly&utm_medium=email&fbclid=x&ref=hn&q=a%20b"
    out = html_of(f'<p><a href="{href}">story</a></p>')
    assert 'href="https://example.com/a?id=7&amp;q=a%20b"' in out
    assert clean_link("https://example.com/?gclid=1&mc_cid=2&mc_eid=3&spm=4") == (
        "https://example.com/"
    )


@pytest.mark.parametrize(
    ("wrapped", "target"),
    [
        ("https://www.google.com/url?q=https://example.com/a%3Fx%3D1%26utm_source%3Dg&sa=D",
         "https://example.com/a?x=1"),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fb&h=AT0", "https://example.com/b"),
        ("https://news.example.org/redirect?url=https%3A%2F%2Fexample.com%2Fc", "https://example.com/c"),
        # Nested wrappers are all unwrapped at once.
        ("https://www.google.com/url?q=" + quote("https://l.facebook.com/l.php?u="
                                              + quote("https://example.com/e?fbclid=1", safe=""),
                                              safe=""),
         "https://example.com/e"),
        # A shortener cannot be resolved offline: kept.
        ("https://t.co/abc123", "https://t.co/abc123"),
        # A "redirect" to something that is not a web page is no wrapper to unwrap.
        ("https://www.google.com/url?q=javascript:alert(1)", "https://www.google.com/url?q=javascript:alert(1)"),
    ],
)
def test_redirect_wrappers_are_unwrapped(wrapped: str, target: str) -> None:
    assert clean_link(wrapped) == target
    out = normalized_issue(issue(stories=(story(link=wrapped),)))
    assert out.stories[0].link == target


def test_google_redirect_in_article_html_points_at_the_target() -> None:
    out = html_of('<p><a href="https://www.google.com/url?q=https%3A%2F%2Fexample.com%2Fd">d</a></p>')
    assert 'href="https://example.com/d"' in out and "google" not in out


def test_empty_and_presentational_elements_are_dropped() -> None:
    out = html_of(
        '<div class="wrap" style="color:red"><p></p><p>&nbsp; </p><p><br></p>'
        '<center><font face="Arial" color="red">Big <b>news</b></font></center>'
        '<p>one<span> </span>two<span></span></p><div><p> </p></div>'
        '<p><img src="https://example.com/x.png" alt=""></p></div>'
    )
    assert out == (
        '<div>Big <b>news</b><p>one two</p>'
        '<p><img src="https://example.com/x.png" alt=""></p></div>'
    )


def test_text_in_html_is_xml_safe_nfc_and_has_no_space_runs() -> None:
    out = html_of("<p>Caf\u0065\u0301\u00a0\u00a0 \u200bnews\x1b[0m\x00\x9b here</p>"
                  "<pre>a  b</pre>")
    assert out == "<p>Caf\u00e9 news here</p><pre>a  b</pre>"


def test_scripts_comments_and_javascript_links_go() -> None:
    out = html_of('<p>a<!-- x --><script>alert(1)</script><a href="javascript:alert(1)">b</a></p>')
    assert out == '<p>a<a rel="noopener noreferrer">b</a></p>'


# ---------------------------------------------------------------------------------------------
# Plain-text fields and links
# ---------------------------------------------------------------------------------------------
def test_control_characters_and_terminal_escapes_leave_a_title() -> None:
    out = normalized_issue(issue(title="\x1b[1mMusk\x1b[0m Wants\x07 Altman\x00 Fired\x1b]0;x\x07"))
    assert out.title == "Musk Wants Altman Fired"


def test_lone_surrogates_are_dropped_and_pairs_joined() -> None:
    out = normalized_issue(issue(
        title="Agents \ud83e\udd16 Everywhere",  # a pair, as surrogatepass decoding leaves it
        stories=(story(headline="Broken \ud800Headline", summary="tail\udfff"),),
        content_html="<p>x\ud800y</p>",
    ))
    assert out.title == "Agents \U0001f916 Everywhere"
    assert (out.stories[0].headline, out.stories[0].summary) == ("Broken Headline", "tail")
    assert out.content_html == "<p>xy</p>"


def test_whitespace_nfc_and_fullwidth_in_english_fields() -> None:
    out = normalized_issue(issue(
        title="  Ｍｕｓｋ\u00a0\u00a0Wants\u200b Caf\u0065\u0301\n Fired ",
        intro="First  paragraph.\n\n\n\nSecond\u00a0one.  ",
        takeaways=("  ", "Chips lead."),
    ))
    assert out.title == "Musk Wants Caf\u00e9 Fired"
    assert out.intro == "First paragraph.\n\nSecond one."
    assert out.takeaways == ("Chips lead.",)


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://x.org/f",
                                  "mailto:a@b.org", "  ", "http://[::1"])
def test_only_http_links_are_kept_in_stories_and_watch(link: str) -> None:
    out = normalized_issue(issue(
        stories=(story(link=link),),
        watch=(WatchItem(title="Talk", link=link),),
    ))
    assert out.stories[0].link is None and out.watch[0].link is None


def test_story_and_article_links_stay_the_same_after_cleaning() -> None:
    """The article HTML and the story list point at the same URLs (the linker relies on it)."""
    link = "https://example.com/a?utm_campaign=w&id=1"
    out = normalized_issue(issue(
        stories=(story(link=link),),
        content_html=f'<div><h3><a href="{link}">Anthropic Passes OpenAI</a></h3></div>',
    ))
    assert out.stories[0].link == "https://example.com/a?id=1"
    assert f'href="{out.stories[0].link}"' in out.content_html


# ---------------------------------------------------------------------------------------------
# Story dates
# ---------------------------------------------------------------------------------------------
def test_date_text_is_read_by_the_fallback_with_the_year_of_the_issue_week() -> None:
    out = normalized_issue(issue(stories=(
        story(date_text="7-Apr"),  # no fixed form reads "7-Apr"
        story(position=2, date_text="the 6th of April 2026"),  # a written year wins
        story(position=3, date_text="soon"),  # nothing to read: left alone
    )))
    assert [s.date for s in out.stories] == [date(2026, 4, 7), date(2026, 4, 6), None]
    assert out.stories[2].date_text == "soon"


def test_date_text_year_is_taken_across_new_year() -> None:
    out = normalized_issue(issue(week_start=date(2025, 12, 29), week_end=date(2026, 1, 4),
                                 stories=(story(date_text="2-Jan"), story(date_text="30-Dec"))))
    assert [s.date for s in out.stories] == [date(2026, 1, 2), date(2025, 12, 30)]


def test_the_fallback_stays_off_the_common_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("dateparser called for a story whose date was parsed")

    monkeypatch.setattr(article, "parse_date_fallback", refuse)
    url, text = fixture_text("aiweekly", "issue_481_classic")
    parsed = SITES["aiweekly"].page_objects().parse_document(url, text)
    assert isinstance(parsed, Issue)
    out = normalized_issue(dataclasses.replace(
        parsed, stories=(*parsed.stories, story(date=date(2026, 4, 8), date_text="8-Apr"))
    ))
    assert out.stories[-1].date == date(2026, 4, 8)


# ---------------------------------------------------------------------------------------------
# Chinese text, idempotence, odd input
# ---------------------------------------------------------------------------------------------
# Fullwidth letters and punctuation, ideographic spaces, and U+F900 (a compatibility ideograph).
CHINESE = "内容总结：本周ＡＩ行业\u3000\u3000「三大」变化，（见下文）！\uf900"


def post(**fields: Any) -> Post:
    values: dict[str, Any] = {
        "url": "https://news.qimuai.cn/?post=3776", "post_id": 3776,
        "title": "AI周刊第481期：马斯克要求解雇奥特曼",
        "published": datetime(2026, 4, 11, tzinfo=UTC),
        "author": "启幕", "category": "AI周刊", "content_html": f"<p>{CHINESE}</p>",
        "content_text": CHINESE,
    }
    return Post(**(values | fields))


def test_chinese_text_is_untouched() -> None:
    mirror = Translation(
        issue_number=481, title="马斯克要求解雇奥特曼", source_url="https://aiweekly.co/issues/481",
        summary=CHINESE, week_start=date(2026, 4, 3), week_end=date(2026, 4, 9),
        stories=(Story(position=1, headline="Anthropic收入超过OpenAI", summary=CHINESE,
                       date=date(2026, 4, 7)),),
    )
    item = post(mirror=mirror)
    out = normalize_result(result_of(item), lang="zh").post
    assert out is not None and out.mirror is not None
    assert out.content_text == CHINESE and out.mirror.summary == CHINESE
    assert out.mirror.stories[0].summary == CHINESE
    assert out.content_html == f"<p>{CHINESE}</p>"
    assert out.title == item.title and out.mirror.title == mirror.title
    assert "\uf900" in out.content_text  # NFC would have replaced it with U+8C48
    # The same text on an English page is folded: fullwidth letters and spaces are noise there.
    assert normalize_text("ＡＩ\u3000行业", lang="en") == "AI 行业"


def _fixture_items() -> list[tuple[str, Issue]]:
    page_objects = SITES["aiweekly"].page_objects()
    items = []
    for name, meta in fixture_index("aiweekly").items():
        if meta["kind"] == "issue":
            parsed = page_objects.parse_document(*fixture_text("aiweekly", name))
            assert isinstance(parsed, Issue)
            items.append((name, parsed))
    return items


ODD_STRINGS = [
    "", " ", "\x00", "\ud800", "\udfff\ud800", "\x1b[", "\x1b]0;", "\x9b", "<<<>>>", "&#0;",
    "<p", "</p>", "<script>", "javascript:", "\ufffe\uffff", "e\u0301" * 50, "\u200b" * 10,
    "http://[::1", "//evil.example/x", "a\r\nb\rc", "\u3000", "<a href='?utm_source=x'>",
]


def _odd_issue(odd: str) -> Issue:
    return issue(
        title=odd, intro=odd, takeaways=(odd,), quick_hits=(odd,),
        watch=(WatchItem(title=odd, link=odd, show=odd, note=odd),),
        stories=(story(headline=odd, section=odd, link=odd, outlet=odd, summary=odd,
                       date_text=odd),),
        content_html=f"<div><p>{odd}</p><a href='{odd}'>{odd}</a>{odd}</div>",
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_normalizing_twice_is_normalizing_once(lang: str) -> None:
    items = [item for _, item in _fixture_items()]
    items += [_odd_issue(odd) for odd in ODD_STRINGS]
    items.append(issue(
        title="\x1b[0m Ｔｉｔｌｅ\u00a0 e\u0301 ", intro="a\n\n\n b ",
        content_html=(
            '<center><p style="x"> <a href="/x?utm_source=y">x</a>\u00a0 </p><p></p></center>'
        ),
        stories=(story(link="https://www.google.com/url?q=https://example.com/%3Fref%3Dx"),),
    ))
    for item in items:
        once = normalize_result(result_of(item), lang=lang)
        assert normalize_result(once, lang=lang) == once, item.title


@pytest.mark.parametrize("odd", ODD_STRINGS)
def test_odd_input_never_raises_and_comes_out_xml_safe(odd: str) -> None:
    for lang in ("en", "zh-Hant"):
        out = normalized_issue(_odd_issue(odd), lang)
        for text in (out.title, out.intro, out.stories[0].headline, out.stories[0].summary or "",
                     out.watch[0].title, out.content_html):
            etree.fromstring(b"<x/>").text = text  # lxml refuses XML-forbidden characters
            assert unicodedata.is_normalized("NFC", text)
        assert out.stories[0].link is None or out.stories[0].link.startswith("https://")


def test_fixture_issues_keep_their_content() -> None:
    """On real pages the stage changes no visible text and keeps every story link in the HTML."""
    for name, item in _fixture_items():
        out = normalized_issue(item)
        assert (out.title, out.stories, out.takeaways, out.watch) == (
            item.title, item.stories, item.takeaways, item.watch
        ), name
        for each in out.stories:
            assert each.link is not None and f'href="{each.link}"' in out.content_html
        assert _words(out.content_html) == _words(item.content_html), name


def _words(html: str) -> list[str]:
    from lxml import html as lxml_html

    return lxml_html.fromstring(html).text_content().split()
