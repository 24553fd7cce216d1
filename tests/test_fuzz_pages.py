"""Fuzzing the page objects (issue 8, item 10): hostile and broken pages never break a run.

Every page object of every registered site (and its generic fallback, ``Site.as_generic``) is
fed (a) replica pages mutated the way real pages break (cut short, tags lost or repeated,
control characters, terminal escapes, lone surrogates, exotic Unicode, issue numbers beyond
int64, 500-deep nesting) and (b) small pages generated from the sites' own markers. Properties:

* nothing escapes but the ``ValueError`` that ``parse_document`` documents for a non-document;
* every result is well typed: the :mod:`aggregator.items` dataclasses with their declared field
  types, dates as ``date`` or aware ``datetime``, every int within int64 (the store's column);
* after :func:`aggregator.article.normalize_result`, every string is XML-safe and every link
  is http(s) or None.

CI runs a fixed, derandomized profile; ``AGGREGATOR_FUZZ_EXAMPLES=2000`` runs a longer search.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import cache
from typing import Any, Literal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aggregator.article import normalize_result
from aggregator.decoding import decode
from aggregator.items import Issue, Listing, PageResult, Post
from aggregator.replica import DEFAULT_ROOT, load_manifest
from aggregator.sites import SITES, Site, site_of_url

# A fixed example count and derandomized search: the same examples every CI run, in well under
# a minute; a local run asks for more through the environment.
EXAMPLES = int(os.environ.get("AGGREGATOR_FUZZ_EXAMPLES", "200"))
# Replica pages are large examples, and a parse takes milliseconds: neither is a test bug.
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# What an XML document may not hold (C0 but \t\n\r, DEL and C1, surrogates, U+FFFE/U+FFFF).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Fields that hold a link the store, feeds or exports may follow (``source_url`` is the
# mirror's claim kept as written, text or URL, so it is not one of them).
_LINK_FIELDS = frozenset({"url", "numeric_url", "link", "next_url"})
_LINK_TUPLE_FIELDS = frozenset({"english_links", "follow"})

Reader = Literal["parse_feed", "parse_listing", "parse_document"]
READERS: tuple[Reader, ...] = ("parse_feed", "parse_listing", "parse_document")
# Bespoke page objects and the generic fallback a site can be switched to.
VARIANTS: dict[str, Site] = {
    **SITES, **{f"{key}-generic": site.as_generic() for key, site in SITES.items()}
}


# ---------------------------------------------------------------------------------------------
# Replica pages
# ---------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Page:
    key: str  # site key
    url: str
    body: bytes
    content_type: str | None


@cache
def replica_pages() -> tuple[Page, ...]:
    pages: list[Page] = []
    for entry in load_manifest(DEFAULT_ROOT):
        site = site_of_url(entry.url)
        if entry.file is None or site is None:
            continue
        body = (DEFAULT_ROOT / entry.file).read_bytes()
        pages.append(Page(site.key, entry.url, body, entry.header("Content-Type")))
    return tuple(pages)


def test_the_replica_has_pages_of_every_site() -> None:
    assert {page.key for page in replica_pages()} == set(SITES)


# ---------------------------------------------------------------------------------------------
# Hostile text
# ---------------------------------------------------------------------------------------------
HUGE_NUMBERS = ("99999999999999999999", "9223372036854775808", "18446744073709551616",
                "1" + "0" * 40, "7" * 5000, "９９９９９９９９９９９９９９９９９９９９", "²³", "٣٤٥")
HOSTILE = (
    "\x00", "\x07", "\x0b", "\x1b", "\x1b[0m", "\x1b[31;1m", "\x1b]0;title\x07", "\x7f",
    "\x85", "\x9b", "\ud800", "\udfff", "\ud83d", "\ufffe", "\uffff", "\ufeff", "\u200b",
    "\u202e", "\u200f", "שלום", "مرحبا", "\u0301\u0301\u0301", "e\u0301", "，：；！？（）",
    "ＡＩ周刊", "第９９期", "𠀀𪚥", "龜", "\u3000", "&#0;", "&#x1b;", "&#xD800;", "&#1114112;",
    "<", ">", "&", "]]>", "<!--", "-->", "<![CDATA[", "javascript:alert(1)",
    "data:text/html,x", "第99999999999999999999期", "Issue #99999999999999999999",
    "Issue #9223372036854775808: Big", "AI周刊第99999999999999999999期：大", "",
)
_CHARS = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x9F),  # C0, ASCII, DEL, C1
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # lone surrogates
    st.characters(categories=["Lo", "Mn", "Me", "Pd", "Ps", "Pe", "Po", "Nd", "No", "Zs"]),
    st.sampled_from("\u202e\u200f\ufffe\uffff\ufeff\u3000：，《》「」丨｜·→"),
)
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(_CHARS, max_size=20))


# ---------------------------------------------------------------------------------------------
# Mutations of a decoded page
# ---------------------------------------------------------------------------------------------
_TAG_RE = re.compile(r"<[^<>]*>")
_DIGITS_RE = re.compile(r"\d+")
Mutation = Callable[[st.DrawFn, str], str]


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


# Positions are drawn uniformly (sampled_from), not with st.integers: hypothesis biases
# integers towards small values, which would cut nearly every page in its <head>.
def _offset(draw: st.DrawFn, length: int) -> int:
    return draw(st.sampled_from(range(length + 1)))


def _pick(draw: st.DrawFn, spans: list[tuple[int, int]]) -> tuple[int, int] | None:
    return draw(st.sampled_from(spans)) if spans else None


def cut(draw: st.DrawFn, text: str) -> str:
    return text[: _offset(draw, len(text))]


def delete_tag(draw: st.DrawFn, text: str) -> str:
    span = _pick(draw, _spans(_TAG_RE, text))
    return text[: span[0]] + text[span[1] :] if span else text


def duplicate_tag(draw: st.DrawFn, text: str) -> str:
    span = _pick(draw, _spans(_TAG_RE, text))
    return text[: span[1]] + text[span[0] : span[1]] + text[span[1] :] if span else text


def swap_tags(draw: st.DrawFn, text: str) -> str:
    spans = _spans(_TAG_RE, text)
    first, second = _pick(draw, spans), _pick(draw, spans)
    if first is None or second is None or first == second:
        return text
    (a, b), (c, d) = sorted((first, second))
    return text[:a] + text[c:d] + text[b:c] + text[a:b] + text[d:]


def shuffle_lines(draw: st.DrawFn, text: str) -> str:
    lines = text.split("\n")
    i, j = _offset(draw, len(lines) - 1), _offset(draw, len(lines) - 1)
    action = draw(st.sampled_from(("delete", "duplicate", "swap")))
    if action == "delete":
        del lines[i]
    elif action == "duplicate":
        lines.insert(i, lines[j])
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def inject(draw: st.DrawFn, text: str) -> str:
    """Hostile text where parsers read: just after a tag (inside a title, a heading, an
    attribute-free text node) or anywhere at all."""
    tags = _spans(_TAG_RE, text)
    at = (_pick(draw, tags) or (0, 0))[1] if draw(st.booleans()) else _offset(draw, len(text))
    return text[:at] + draw(hostile_text) + text[at:]


def huge_number(draw: st.DrawFn, text: str) -> str:
    """A digit run (an issue number, a post id, a date part) beyond int64 or in other digits."""
    span = _pick(draw, _spans(_DIGITS_RE, text))
    if span is None:
        return text
    return text[: span[0]] + draw(st.sampled_from(HUGE_NUMBERS)) + text[span[1] :]


def deep_nesting(draw: st.DrawFn, text: str) -> str:
    tag = draw(st.sampled_from(("div", "p", "b", "span", "li", "section", "a href='/x'")))
    name = tag.split()[0]
    at = _offset(draw, len(text))
    return text[:at] + f"<{tag}>" * 500 + "deep" + f"</{name}>" * 500 + text[at:]


def empty(draw: st.DrawFn, text: str) -> str:
    return draw(st.sampled_from(("", " ", "\n", "<html></html>", "\ufeff", "<")))


EDITS: tuple[Mutation, ...] = (delete_tag, duplicate_tag, swap_tags, shuffle_lines, inject,
                               huge_number, deep_nesting)
# Truncation and emptying are drawn once, at the end, and rarely: among the edits they would
# leave most examples a few bytes long.
ENDINGS: tuple[Mutation | None, ...] = (None, None, None, cut, empty)


@st.composite
def mutated_pages(draw: st.DrawFn, key: str) -> tuple[str, str]:
    """(url, text) of one of the site's replica pages, edited one to four times, then maybe cut
    short or emptied."""
    page = draw(st.sampled_from([p for p in replica_pages() if p.key == key]))
    body = page.body
    # A body cut short in transit, maybe inside a UTF-8/GBK sequence.
    if draw(st.sampled_from((False, False, False, True))):
        body = body[: _offset(draw, len(body))]
    text = decode(page.url, body, page.content_type)
    for mutation in draw(st.lists(st.sampled_from(EDITS), min_size=1, max_size=4)):
        text = mutation(draw, text)
    ending = draw(st.sampled_from(ENDINGS))
    return page.url, ending(draw, text) if ending is not None else text


# ---------------------------------------------------------------------------------------------
# Pages generated from the sites' markers
# ---------------------------------------------------------------------------------------------
def _labels(site: Site) -> tuple[str, ...]:
    markers = site.markers
    if markers is None:
        return ("Key Takeaways", "Quick Hits", "Watch & Listen First", "AI Weekly")
    return tuple(label for field in dataclasses.fields(markers)
                 for label in getattr(markers, field.name))


@st.composite
def generated_pages(draw: st.DrawFn, key: str) -> tuple[str, str]:
    """A minimal page in one of the markups the sites use, filled with random labels, numbers
    and hostile text: an issue, a mirror post, a listing or a feed."""
    site = SITES[key]
    label = st.sampled_from(_labels(site))
    number = st.one_of(st.integers(0, 2000).map(str), st.sampled_from(HUGE_NUMBERS))
    text = st.one_of(hostile_text, label, st.text(max_size=30))
    column = (site.markers.column[0] if site.markers else "AI Weekly")
    num, words, lab = draw(number), draw(text), draw(label)
    title = draw(st.sampled_from((f"Issue #{num}: {words}", f"{column}第{num}期：{words}",
                                  f"《{column}》第{num}期｜{words}", words)))
    day = draw(st.sampled_from(("2026-04-10", "2026-4-10 08:30", "Fri, 10 Apr 2026 00:00:00 +0000",
                                "9999-99-99", words, "")))
    href = draw(st.sampled_from((f"/issues/{num}", f"/?post={num}", f"/?p={num}",
                                 "javascript:alert(1)", "data:,x", "//evil.example/x",
                                 f"https://aiweekly.co/issues/{num}", "http://[::1", words)))
    fragments = (
        f"<article class='issue' data-issue='{num}'><header><h1>{title}</h1></header>"
        f"<p class='range'><time datetime='{day}'>a</time><time datetime='{day}'>b</time></p>"
        f"<section><h2>{lab}</h2><div class='story'><h3><a href='{href}'>{words}</a></h3>"
        f"<span class='outlet'>{words}</span><time datetime='{day}'>Apr 7</time>"
        f"<p class='summary'>→ {words}</p></div></section></article>",
        f"<div id='issue'><h1>Issue #{num}</h1><h2 class='issue-title'>{title}</h2>"
        f"<p class='range'>April 3 – 9, 2026</p><div id='news'><h2>{lab}</h2><div><h3>"
        f"<a href='{href}'>{words}</a></h3><span class='date'>{words}</span></div></div></div>",
        f"<article class='post' id='post-{num}'><h1 class='entry-title'>{title}</h1>"
        f"<time class='entry-date published' datetime='{day}'>{day}</time>"
        f"<div class='entry-content'><p>{lab}：{href}</p><p>{lab}</p><p>{words}</p>"
        f"<p>（{lab}：4月3日–9日）</p><p>{words} · 4月7日 · {words}</p><p>→ {words}</p></div>"
        f"</article>",
        f"<h1 class='log-title'>{title}</h1><div class='log-meta'>{day}</div>"
        f"<div id='articleContent'><p>{lab}：{words}</p><p>{lab}</p><li>{words}</li></div>",
        f"<a class='loglist-title' href='{href}'>{title}</a><a rel='next' href='{href}'>»</a>"
        f"<article><h2 class='entry-title'><a href='{href}'>{title}</a></h2></article>"
        f"<a href='{href}'>Issue #{num}: {words}</a><span>April 3 – 9, 2026</span>",
        f"<rss><channel><item><title>{title}</title><link>{href}</link>"
        f"<pubDate>{day}</pubDate></item></channel></rss>",
        f"<feed><entry><title>{title}</title><link href='{href}'/><updated>{day}</updated>"
        f"</entry></feed>",
        f"<urlset><url><loc>{href}</loc><lastmod>{day}</lastmod></url></urlset>",
    )
    body = "".join(draw(st.lists(st.sampled_from(fragments), min_size=1, max_size=3)))
    head = f"<title>{title}</title><link rel='canonical' href='{href}'>"
    page = draw(st.sampled_from((f"<html><head>{head}</head><body>{body}</body></html>", body)))
    url = draw(st.sampled_from([p.url for p in replica_pages() if p.key == key]))
    return url, page


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------
def parse(site: Site, reader: Reader, url: str, text: str) -> Listing | Issue | Post | None:
    """The page object's result; ``None`` for the documented ValueError of a non-document."""
    page_object: Callable[[str, str], Listing | Issue | Post] = getattr(site.page_objects(),
                                                                        reader)
    if reader != "parse_document":
        return page_object(url, text)
    try:
        return page_object(url, text)
    except ValueError:
        return None


def type_problems(value: Any, hint: Any, where: str) -> Iterator[str]:
    """Where ``value`` is not of the declared type ``hint`` (the items' own annotations)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        # Reported against the member the value claims to be (its own type), if any.
        found = [list(type_problems(value, arg, where)) for arg in args]
        if all(found):
            yield from min(found, key=len)
    elif origin is Literal:
        if value not in args:
            yield f"{where}: {value!r} not in {args}"
    elif origin is tuple:
        if not isinstance(value, tuple):
            yield f"{where}: {type(value).__name__}, not a tuple"
            return
        for i, item in enumerate(value):
            yield from type_problems(item, args[0], f"{where}[{i}]")
    elif hint is type(None):
        if value is not None:
            yield f"{where}: {value!r:.80} is not None"
    elif dataclasses.is_dataclass(hint):
        if type(value) is not hint:
            yield f"{where}: {type(value).__name__}, not {hint.__name__}"
            return
        hints = typing.get_type_hints(hint)
        for field in dataclasses.fields(hint):
            yield from type_problems(getattr(value, field.name), hints[field.name],
                                     f"{where}.{field.name}")
    elif hint is int:
        if type(value) is not int:
            yield f"{where}: {type(value).__name__}, not int"
        elif not INT64_MIN <= value <= INT64_MAX:
            yield f"{where}: {value} does not fit the store's 64-bit integer"
    elif hint is datetime:
        if type(value) is not datetime or value.utcoffset() is None:
            yield f"{where}: {value!r} is not an aware datetime"
    elif hint is date:
        if type(value) is not date:  # a datetime is a date too, but not a calendar day
            yield f"{where}: {value!r} is not a date"
    elif type(value) is not hint:
        yield f"{where}: {type(value).__name__}, not {hint}"


def text_problems(value: Any, where: str, field: str = "") -> Iterator[str]:
    """XML-forbidden characters in any string, and links that are not http(s)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from text_problems(getattr(value, f.name), f"{where}.{f.name}", f.name)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from text_problems(item, f"{where}[{i}]", field)
    elif isinstance(value, str):
        if found := _XML_FORBIDDEN.search(value):
            yield f"{where}: XML-forbidden {found.group()!r} in {value!r:.80}"
        if field in _LINK_FIELDS | _LINK_TUPLE_FIELDS and not re.match(r"https?://", value):
            yield f"{where}: not an http(s) link: {value!r:.80}"


def check(variant: str, url: str, text: str) -> None:
    site = VARIANTS[variant]
    for reader in READERS:
        result = parse(site, reader, url, text)
        if result is None:
            continue
        expected: Any = Listing if reader != "parse_document" else Issue | Post
        problems = list(type_problems(result, expected, reader))
        if isinstance(result, Listing):
            problems += [p for p in text_problems(result, reader) if "http(s)" in p]
        else:
            page = PageResult(url=url, source=site.key, status=200,
                              issue=result if isinstance(result, Issue) else None,
                              post=result if isinstance(result, Post) else None)
            normalized = normalize_result(page, lang=site.lang)
            problems += type_problems(normalized, PageResult, "normalized")
            problems += text_problems(normalized.issue or normalized.post, "normalized")
        assert not problems, f"{variant} {reader} {url}:\n" + "\n".join(problems)


Case = tuple[str, str, str]  # (variant, url, text)


def cases(pages: Callable[[str], st.SearchStrategy[tuple[str, str]]]) -> st.SearchStrategy[Case]:
    """A variant of some site's page objects with a page of that site."""
    def with_variant(variant: str) -> st.SearchStrategy[Case]:
        return pages(VARIANTS[variant].key).map(lambda page: (variant, *page))
    return st.sampled_from(sorted(VARIANTS)).flatmap(with_variant)


@FUZZ
@given(case=cases(mutated_pages))
def test_mutated_replica_pages(case: Case) -> None:
    check(*case)


@FUZZ
@given(case=cases(generated_pages))
# Regressions: each of these broke a page object before the fix named in its comment.
# A lone surrogate reached lxml, which raised UnicodeEncodeError (from every parser).
@example(case=("aiweekly", "https://aiweekly.co/issues.rss",
               "\ud800<rss><channel><item><title>x</title><link>https://aiweekly.co/issues/1</link>"
               "</item></channel></rss>"))
# Issue numbers beyond int64 became Python ints the store's BIGINT cannot hold.
@example(case=("aiweekly", "https://aiweekly.co/issues",
               "<main><a href='/issues/1'>Issue #99999999999999999999: Big</a></main>"))
@example(case=("qimuai", "https://news.qimuai.cn/",
               "<a class='loglist-title' href='/?post=1'>AI周刊第"
               "九九九九九九九九九九九九九九九九九九九九期：大</a>"))
# "²" passed str.isdigit and int() refused it: ValueError out of a listing parser.
@example(case=("qimuai", "https://news.qimuai.cn/", "<body><a href='/?post=²'>x</a></body>"))
# 5000 digits: int() refuses strings over 4300 digits.
@example(case=("hant", "https://hant.example.org/",
               "<body><a href='/?p=" + "7" * 5000 + "'>x</a></body>"))
# An href no URL can be made of raised in urlsplit (ValueError: Invalid IPv6 URL).
@example(case=("hant", "https://hant.example.org/",
               "<article><h2 class='entry-title'><a href='http://[::1'>x</a></h2></article>"))
@example(case=("aiweekly", "https://aiweekly.co/issues",
               "<main><a href='http://[::1'>Issue #1: x</a></main>"))
# javascript: links became listing links and the issue's own URL.
@example(case=("aiweekly", "https://aiweekly.co/issues",
               "<a rel='next' href='javascript:alert(1)'>»</a>"))
@example(case=("aiweekly", "https://aiweekly.co/issues/483",
               "<html><head><link rel='canonical' href='javascript:alert(1)'></head><body>"
               "<article class='issue' data-issue='1'><header><h1>T</h1></header>"
               "<section><h2>S</h2><div class='story'><h3><a href='https://x.example/'>H</a></h3></div></section>"
               "</article></body></html>"))
# A C1 control in the canonical link reached Issue.url, which nothing normalizes.
@example(case=("aiweekly", "https://aiweekly.co/issues/483",
               "<html><head><link rel='canonical' href='/issues/x\x92'></head><body>"
               "<article class='issue' data-issue='1'><header><h1>T</h1></header>"
               "<section><h2>S</h2><div class='story'><h3><a href='https://x.example/'>H</a></h3></div></section>"
               "</article></body></html>"))
# &#xD800; in a feed: lxml's XML parser kept undecodable bytes (UnicodeDecodeError).
@example(case=("qimuai", "https://news.qimuai.cn/rss.php",
               "<rss><channel><item><title>a&#xD800;</title>"
               "<link>https://news.qimuai.cn/?post=1</link></item></channel></rss>"))
# A control character in an attribute name: lxml raised on every .attrib of that element.
@example(case=("hant", "https://hant.example.org/",
               "<article><h2 class='entry-title'><a x\x01='1' href='/2026/01/01/a/'>x</a></h2>"
               "</article>"))
def test_generated_pages(case: Case) -> None:
    check(*case)


_HREF_RE = re.compile(r"""\bhref=(["'])(.*?)\1""", re.S)
BROKEN_HREFS = ("http://[::1", "http://[", "//[x", "javascript:alert(1)", "data:,x", "\x00",
                "\x1b[0m", "\ud800", "https://a.example/?p=" + "9" * 5000, "")


@cache
def documents() -> tuple[Case, ...]:
    """(variant, url, text) of every replica page a variant reads as a document."""
    found: list[Case] = []
    for variant, site in sorted(VARIANTS.items()):
        for page in replica_pages():
            if page.key != site.key:
                continue
            text = decode(page.url, page.body, page.content_type)
            if parse(site, "parse_document", page.url, text) is not None:
                found.append((variant, page.url, text))
    return tuple(found)


@st.composite
def broken_links(draw: st.DrawFn) -> Case:
    """A replica document with one href (a shortlink, a story link, a canonical link...)
    replaced by a broken one."""
    variant, url, text = draw(st.sampled_from(documents()))
    spans = [m.span(2) for m in _HREF_RE.finditer(text)]
    start, end = draw(st.sampled_from(spans)) if spans else (0, 0)
    broken = draw(st.one_of(st.sampled_from(BROKEN_HREFS), hostile_text))
    return variant, url, text[:start] + broken + text[end:]


@FUZZ
@given(case=broken_links())
# A broken WordPress shortlink made the whole post "not a document" (urlsplit's ValueError).
@example(case=("hant", "https://hant.example.org/2026/04/19/ai-weekly-482/",
               "<html><head><link rel='shortlink' href='http://[::1'></head><body>"
               "<article class='post'><h1 class='entry-title'>T</h1>"
               "<div class='entry-content'><p>x</p></div></article></body></html>"))
def test_a_broken_link_never_costs_a_document(case: Case) -> None:
    """One bad href drops that link, never the document: parse_document's ValueError means
    "not a document", not "one odd link"."""
    variant, url, text = case
    assert parse(VARIANTS[variant], "parse_document", url, text) is not None, (variant, url)
    check(variant, url, text)
