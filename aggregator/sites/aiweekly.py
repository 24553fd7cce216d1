"""Page objects for aiweekly.co: issue pages, archive and home pages, and the RSS feed.

Pure functions of ``(url, html)`` returning the typed items of :mod:`aggregator.items`; no
Scrapy here. Issue pages come in two markup generations (see ``data/replica/README.md``):

* classic (issues <= 495, ``/issues/<N>``): ``div#issue`` with ``h2.issue-title``,
  ``p.range``, ``#news`` holding ``h2.category`` headings and story ``div``\\ s;
* modern (issues >= 496, ``/issues/<slug>``): ``article.issue[data-issue]`` with a header,
  ``div.lede`` and one ``<section>`` of ``div.story`` per topic.

The real site may change its markup any week, so when neither generation is recognized (or the
recognized one yields no stories) the page is read by its *text structure* instead
(``markup="text"``): the "Issue #N: title" in ``<title>``, a week-range line, and stories as a
headline line next to a "Apr 7 · Outlet" meta line. A page with no recognizable issue at all
raises :class:`PageParseError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree
from parsel import Selector, SelectorList

from aggregator.dates import parse_day, parse_month_day, parse_rfc822, parse_week_range
from aggregator.items import Entry, Issue, Listing, Story, WatchItem
from aggregator.normalize import canonical_url, clean_inline, sanitize_html
from aggregator.sites.text import Link, block_lines

__all__ = [
    "CANONICAL_BASE",
    "SITE_KEY",
    "PageParseError",
    "issue_number_from_url",
    "parse_archive_page",
    "parse_feed",
    "parse_home_page",
    "parse_issue_page",
]

SITE_KEY = "aiweekly"
CANONICAL_BASE = "https://aiweekly.co"


class PageParseError(ValueError):
    """The page holds no recognizable AI Weekly issue (error page, unrelated page, garbage)."""


Nodes = Selector | SelectorList[Selector]

_ISSUE_PATH_RE = re.compile(r"^/issues/(\d+)/?$")
_ISSUE_PAGE_PATH_RE = re.compile(r"^/issues/[^/]+/?$")  # numeric or slug issue page
_ISSUE_NUMBER_RE = re.compile(r"\bIssue\s*#\s*(\d+)\b", re.IGNORECASE)
# <title>/og:title: "Issue #481: <title> - AI Weekly".
_HEAD_TITLE_RE = re.compile(
    r"^\s*(?:AI\s+(?:News\s+)?Weekly\s*[-–—:|]?\s*)?Issue\s*#\s*(?P<number>\d+)\s*[:：\-–—|]\s*"
    r"(?P<title>.+?)(?:\s+[-–—|]\s+AI\s+(?:News\s+)?Weekly)?\s*$",
    re.IGNORECASE,
)
# Archive/home anchors: "Issue #503: <title>".
_ENTRY_TEXT_RE = re.compile(
    r"^\s*(?:AI\s+(?:News\s+)?Weekly\s+)?Issue\s*#\s*(?P<number>\d+)\s*[:：\-–—]\s*(?P<title>.+?)\s*$",
    re.IGNORECASE,
)
# Feed item titles: "AI Weekly Issue #519: <title>" (slug era) and
# "AI News Weekly - <title> - Apr 10th 2026" (numeric era: no number in the title).
_FEED_SLUG_TITLE_RE = re.compile(
    r"^\s*AI\s+(?:News\s+)?Weekly\s+Issue\s*#\s*(?P<number>\d+)\s*[:：\-–—]\s*(?P<title>.+?)\s*$",
    re.IGNORECASE,
)
_FEED_DATED_TITLE_RE = re.compile(
    r"^\s*AI\s+(?:News\s+)?Weekly\s*[-–—:]\s*(?P<title>.+?)\s*[-–—]\s*"
    r"(?P<date>[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})\s*$",
    re.IGNORECASE,
)
# Summaries and watch notes start with an arrow that is decoration, not content.
_ARROW_RE = re.compile(r"^\s*(?:→|->|⟶|➔|➜|➝)\s*")
# "Watch on YouTube", "Listen on Spotify": the player, not the show.
_CALL_TO_ACTION_RE = re.compile(
    r"^(?:watch|listen|read|stream|view)(?:\s+it)?\s+(?:on|at)\s+\S", re.I
)
_FIELD_SPLIT_RE = re.compile(r"\s+[·•|]\s+|\s*·\s*")


def _has_class(name: str) -> str:
    """XPath predicate body for "has CSS class ``name``" (class lists are space-separated)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def issue_number_from_url(url: str) -> int | None:
    """The issue number of a numeric issue URL (``/issues/481``); ``None`` for slug URLs."""
    match = _ISSUE_PATH_RE.match(urlsplit(url.strip()).path)
    return int(match.group(1)) if match else None


def _site_url(href: str) -> str:
    """An on-site link made absolute against the canonical site and canonicalized."""
    return canonical_url(urljoin(CANONICAL_BASE + "/", href.strip()))


def _outbound_url(href: str, base: str) -> str:
    """A story/watch link: kept as written (only trimmed); relative ones made absolute."""
    href = href.strip()
    return href if urlsplit(href).scheme else urljoin(base, href)


def _text(nodes: Nodes) -> str:
    """The whole text of the first node, on one line ("" when there is none)."""
    if isinstance(nodes, SelectorList):
        if not nodes:
            return ""
        nodes = nodes[0]
    if isinstance(nodes.root, str):  # a text or attribute result
        return clean_inline(nodes.root)
    return _el_text([nodes.root])


def _attr(nodes: Nodes, xpath: str) -> str | None:
    value = nodes.xpath(xpath).get()
    return value.strip() if value and value.strip() else None


def _strip_arrow(text: str) -> str:
    return _ARROW_RE.sub("", text, count=1).strip()


def _is_arrow(text: str) -> bool:
    return _ARROW_RE.match(text) is not None


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _published_after(week_end: date | None) -> datetime | None:
    """An issue is published the day after its week ends (Friday, 00:00 UTC as in the feed)."""
    return _midnight_utc(week_end + timedelta(days=1)) if week_end else None


def _show(text: str) -> str | None:
    """The show name from "Show · Watch on YouTube" (the player is dropped)."""
    for part in _FIELD_SPLIT_RE.split(text):
        part = part.strip(" ·•|")
        if part and not _CALL_TO_ACTION_RE.match(part):
            return part
    return None


def _head_title(sel: Selector) -> tuple[int | None, str | None]:
    """(number, title) from ``<title>`` or ``og:title``: "Issue #481: <title> - AI Weekly"."""
    for raw in (
        sel.xpath("//title/text()").get(),
        sel.xpath("//meta[@property='og:title']/@content").get(),
    ):
        match = _HEAD_TITLE_RE.match(clean_inline(raw or ""))
        if match:
            return int(match.group("number")), clean_inline(match.group("title"))
    return None, None


def _page_url(sel: Selector, url: str) -> str:
    """``<link rel=canonical>`` made absolute against the site, else the fetched URL."""
    href = _attr(
        sel, "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
    )
    return _site_url(href) if href else canonical_url(url)


def _numeric_url(number: int) -> str:
    return f"{CANONICAL_BASE}/issues/{number}"


def _clean_items(nodes: SelectorList[Selector]) -> tuple[str, ...]:
    return tuple(text for text in (_el_text([node.root]) for node in nodes) if text)


def _paragraphs(nodes: SelectorList[Selector]) -> str:
    return "\n\n".join(_clean_items(nodes))


# ---------------------------------------------------------------------------------------------
# Issue pages
# ---------------------------------------------------------------------------------------------
def parse_issue_page(url: str, html: str) -> Issue:
    """Parse an issue page fetched at canonical ``url`` (after redirects).

    Tries the modern, then the classic markup; falls back to the page's text structure when
    neither is present or the recognized one yields no stories (a partial markup change).
    Raises :class:`PageParseError` when the page holds no issue at all.
    """
    sel = Selector(text=html)
    parsed: Issue | None = None
    try:
        article = sel.xpath(f"//article[{_has_class('issue')}][@data-issue]")
        classic = sel.xpath("//div[@id='issue']")
        if article:
            parsed = _parse_modern(url, sel, article[0])
        elif classic:
            parsed = _parse_classic(url, sel, classic[0])
    except PageParseError:
        parsed = None
    if parsed is not None and parsed.stories:
        return parsed
    try:
        return _parse_text(url, sel)
    except PageParseError:
        if parsed is not None:
            return parsed  # a genuinely story-less issue in known markup
        raise


def _require_number(number: int | None, sel: Selector, url: str) -> int:
    if number is None:
        number = _head_title(sel)[0]
    if number is None:
        number = issue_number_from_url(url)
    if number is None:
        raise PageParseError(f"no issue number on {url}")
    return number


def _require_title(title: str, sel: Selector, url: str) -> str:
    if not title:
        title = _head_title(sel)[1] or ""
    if not title:
        raise PageParseError(f"no issue title on {url}")
    return title


@dataclass(frozen=True)
class _StoryParts:
    """The story fields every markup yields, before position/section are assigned."""

    headline: str
    link: str | None
    outlet: str | None
    date: date | None
    summary: str | None


def _section_stories(
    nodes: SelectorList[Selector],
    read_story: Callable[[Any], _StoryParts | None],
    *,
    heading_tag: str = "h2",
) -> tuple[Story, ...]:
    """Stories in document order; each gets the text of the last heading before it."""
    stories: list[Story] = []
    section: str | None = None
    for node in (selector.root for selector in nodes):
        if node.tag == heading_tag:
            section = _el_text([node]) or section
            continue
        parts = read_story(node)
        if parts is None:
            continue
        stories.append(
            Story(
                position=len(stories) + 1,
                headline=parts.headline,
                section=section,
                link=parts.link,
                outlet=parts.outlet,
                date=parts.date,
                summary=parts.summary,
            )
        )
    return tuple(stories)


# --- modern markup ----------------------------------------------------------------------------
def _parse_modern(url: str, sel: Selector, article: Selector) -> Issue:
    number = _require_number(
        _int(article.attrib.get("data-issue")) or _number_in(_text(article.css("p.kicker"))),
        sel,
        url,
    )
    title = _require_title(_text(article.xpath(".//header//h1")), sel, url)
    week = _modern_week(article)
    near = week[0] if week else None
    page_url = _page_url(sel, url)

    def read_story(node: Any) -> _StoryParts | None:
        return _read_story(node, near, page_url)

    story_nodes = article.xpath(f".//h2 | .//div[{_has_class('story')}]")
    return Issue(
        number=number,
        url=page_url,
        numeric_url=_numeric_url(number),
        title=title,
        week_start=week[0] if week else None,
        week_end=week[1] if week else None,
        intro=_paragraphs(article.css("div.lede p")),
        takeaways=_clean_items(article.css("ul.takeaways > li")),
        quick_hits=_clean_items(article.css("ul.quick-hits > li")),
        watch=tuple(_modern_watch(article, page_url)),
        stories=_section_stories(story_nodes, read_story),
        published=_published_after(week[1] if week else None),
        content_html=sanitize_html(article.get()),
        markup="modern",
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _number_in(text: str) -> int | None:
    match = _ISSUE_NUMBER_RE.search(text)
    return int(match.group(1)) if match else None


def _modern_week(article: Selector) -> tuple[date, date] | None:
    """The two ``time[datetime]`` of ``p.range``; their text if the attributes are unusable."""
    rng = article.css("p.range")
    stamps = [_iso_date(value) for value in rng.css("time::attr(datetime)").getall()]
    if len(stamps) == 2 and stamps[0] and stamps[1] and stamps[0] <= stamps[1]:
        return stamps[0], stamps[1]
    return parse_week_range(_text(rng))


def _modern_watch(article: Selector, base: str) -> Iterator[WatchItem]:
    for item in article.css("aside.watch div.watch-item"):
        title = _text(item.css("h3")) or _text(item.css("a"))
        if not title:
            continue
        link = _attr(item, ".//h3//a/@href") or _attr(item, ".//a/@href")
        yield WatchItem(
            title=title,
            link=_outbound_url(link, base) if link else None,
            show=_show(_text(item.css("p.show"))),
            note=_strip_arrow(_text(item.css("p.note"))) or None,
        )


# Story fields are read with precompiled lxml XPath on the raw element: a parsel Selector
# per query costs ~30 µs, which dominated the parse time of a 12-story page.
_X_H3 = etree.XPath(".//h3")
_X_H3_HREF = etree.XPath(".//h3//a/@href")
_X_OUTLET = etree.XPath(f".//*[{_has_class('outlet')}]")
_X_TIME_STAMP = etree.XPath(".//time/@datetime")
_X_DATE_TEXT = etree.XPath(f".//*[{_has_class('date')}] | .//time")
_X_SUMMARY = etree.XPath(f"./p[{_has_class('summary')}]")
_X_PLAIN_P = etree.XPath(f"./p[not({_has_class('meta')})]")


def _el_text(elements: Sequence[Any]) -> str:
    """The whole text of the first element, on one line ("" when there is none)."""
    return clean_inline("".join(elements[0].itertext())) if elements else ""


def _read_story(node: Any, near: date | None, base: str) -> _StoryParts | None:
    """One story element of either markup: ``h3 > a`` headline, outlet, date, summary."""
    headline = _el_text(_X_H3(node))
    if not headline:
        return None
    hrefs = [href.strip() for href in _X_H3_HREF(node) if href.strip()]
    return _StoryParts(
        headline=headline,
        link=_outbound_url(hrefs[0], base) if hrefs else None,
        outlet=_el_text(_X_OUTLET(node)) or None,
        date=_story_date(node, near),
        summary=_strip_arrow(_el_text(_X_SUMMARY(node) or _X_PLAIN_P(node))) or None,
    )


def _story_date(node: Any, near: date | None) -> date | None:
    """``time[datetime]`` (modern) or the "Apr 7" text of ``span.date`` (classic)."""
    stamps = _X_TIME_STAMP(node)
    stamp = _iso_date(stamps[0]) if stamps else None
    if stamp is not None:
        return stamp
    text = _el_text(_X_DATE_TEXT(node))
    if not text or near is None:
        return None
    return parse_month_day(text, near=near)


# --- classic markup ---------------------------------------------------------------------------
def _parse_classic(url: str, sel: Selector, container: Selector) -> Issue:
    number = _require_number(_number_in(_text(container.xpath(".//h1"))), sel, url)
    title = _require_title(_text(container.css("h2.issue-title")), sel, url)
    issue_day = parse_day(_text(container.css("p.issue-date")))
    week = parse_week_range(_text(container.css("p.range")))
    if week is None and issue_day is not None:
        # No range line: the week is the seven days before the publication day.
        week = (issue_day - timedelta(days=7), issue_day - timedelta(days=1))
    near = week[0] if week else issue_day
    page_url = _page_url(sel, url)

    def read_story(node: Any) -> _StoryParts | None:
        return _read_story(node, near, page_url)

    story_nodes = container.xpath(".//*[@id='news']/h2 | .//*[@id='news']/div[.//h3]")
    published = (
        _midnight_utc(issue_day) if issue_day else _published_after(week[1] if week else None)
    )
    return Issue(
        number=number,
        url=page_url,
        numeric_url=_numeric_url(number),
        title=title,
        week_start=week[0] if week else None,
        week_end=week[1] if week else None,
        intro=_paragraphs(
            container.xpath(f".//div[{_has_class('intro')}]/p[not({_has_class('range')})]")
        ),
        takeaways=_clean_items(container.css("div.takeaways li")),
        quick_hits=_clean_items(container.css("div.quick-hits li")),
        watch=tuple(_classic_watch(container, page_url)),
        stories=_section_stories(story_nodes, read_story),
        published=published,
        content_html=sanitize_html(container.get()),
        markup="classic",
    )


def _classic_watch(container: Selector, base: str) -> Iterator[WatchItem]:
    """``p.watch-title`` ("<a>title</a> · Show · Listen on Spotify") + ``p.watch-note``."""
    for line in container.css("div.watch p.watch-title"):
        whole = _text(line)
        title = _text(line.css("a")) or whole
        rest = whole[len(title) :] if whole.startswith(title) else ""
        link = _attr(line, ".//a/@href")
        note = line.xpath(f"following-sibling::p[1][{_has_class('watch-note')}]")
        yield WatchItem(
            title=title,
            link=_outbound_url(link, base) if link else None,
            show=_show(rest),
            note=_strip_arrow(_text(note)) or None,
        )


# ---------------------------------------------------------------------------------------------
# Text-structure fallback
# ---------------------------------------------------------------------------------------------
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "dd", "details", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "button"})
_HEADING_MAX_CHARS = 90
_HEADLINE_MAX_CHARS = 200
_OUTLET_MAX_CHARS = 60
_OUTLET_MAX_WORDS = 8

_META_DATE = (
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d{1,2}(?!\d)"
    r"(?:st|nd|rd|th)?(?:,?\s*\d{4})?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}-\d{2}-\d{2})"
)
_META_JOIN = r"(?:\s*[·•|,—–-]\s*|\s+)"
_META_DATE_FIRST_RE = re.compile(
    rf"^(?P<date>{_META_DATE}){_META_JOIN}(?P<outlet>\S.*)$", re.IGNORECASE
)
_META_OUTLET_FIRST_RE = re.compile(
    rf"^(?P<outlet>.*?\S){_META_JOIN}(?P<date>{_META_DATE})$", re.IGNORECASE
)
_TAKEAWAYS_RE = re.compile(r"^\W*key\s+take-?aways?\W*$", re.IGNORECASE)
_QUICK_HITS_RE = re.compile(r"^\W*quick\s+hits\W*$", re.IGNORECASE)
_WATCH_RE = re.compile(r"^\W*(?:watch|listen)\b.{0,30}$", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?…:;,]['\"”’)]*$")


@dataclass(frozen=True)
class _Line:
    """One visual line of the page: its text and the first link in it."""

    text: str
    href: str | None = None
    link_text: str = ""

    @property
    def is_link_line(self) -> bool:
        """The line is (almost) all one link's text, as a linked headline is."""
        return bool(self.href and self.link_text) and len(self.link_text) >= 0.8 * len(self.text)


def _text_lines(sel: Selector) -> list[_Line]:
    """The page body as lines, each with the first link met since the previous line."""
    body = sel.xpath("//body")
    lines: list[_Line] = []
    # <a href><h3>headline</h3></a>: the anchor opens before the headline's line starts, so its
    # link arrives on a textless break; it is held for the next line with text.
    pending: Link | None = None
    for line in block_lines(
        (body[0] if body else sel).root, block_tags=_BLOCK_TAGS, skip_tags=_SKIP_TAGS
    ):
        link = pending or (line.links[0] if line.links else None)
        if not line.text:
            pending = link
            continue
        lines.append(_Line(line.text, link.href, link.text) if link else _Line(line.text))
        pending = None
    return lines


def _meta(text: str) -> tuple[str, str] | None:
    """(date text, outlet) of a story meta line: "Apr 7 · Bloomberg", "Bloomberg Apr 7"."""
    if len(text) > _OUTLET_MAX_CHARS + 20 or _is_arrow(text) or parse_week_range(text):
        return None
    for pattern in (_META_DATE_FIRST_RE, _META_OUTLET_FIRST_RE):
        match = pattern.match(text)
        if match is None:
            continue
        outlet = match.group("outlet").strip(" ·•|,—–-")
        if (
            outlet
            and len(outlet) <= _OUTLET_MAX_CHARS
            and len(outlet.split()) <= _OUTLET_MAX_WORDS
            and re.search(r"[^\W\d_]", outlet)  # has a letter: "9, 2026" is no outlet
            and ". " not in outlet  # a sentence, not a name
        ):
            return match.group("date"), outlet
    return None


def _is_heading(line: _Line) -> bool:
    """A short title-like line: no sentence punctuation at the end, not a meta/summary line."""
    text = line.text
    return (
        len(text) <= _HEADING_MAX_CHARS
        and not _is_arrow(text)
        and not _SENTENCE_END_RE.search(text)
        and _meta(text) is None
    )


def _headline_like(line: _Line) -> bool:
    text = line.text
    return len(text) <= _HEADLINE_MAX_CHARS and not _SENTENCE_END_RE.search(text)


@dataclass(frozen=True)
class _TextStory:
    headline: int  # line indexes
    meta: int
    summary: int | None
    section: int | None


def _find_text_stories(lines: Sequence[_Line]) -> list[_TextStory]:
    """Stories as (headline, meta, summary) line triples, in both orders the site has used:
    headline / meta / "→ summary" (modern) and headline / summary / meta (classic)."""
    found: list[_TextStory] = []
    last_used = -1

    is_meta = [_meta(line.text) is not None for line in lines]

    def usable(index: int) -> bool:
        return index > last_used and not _is_arrow(lines[index].text) and not is_meta[index]

    for i in range(len(lines)):
        if not is_meta[i]:
            continue
        after = i + 1 if i + 1 < len(lines) and _is_arrow(lines[i + 1].text) else None
        headline: int | None = None
        summary: int | None = after
        if i >= 1 and usable(i - 1) and lines[i - 1].is_link_line:
            headline = i - 1
        elif i >= 2 and usable(i - 2) and lines[i - 2].is_link_line and usable(i - 1):
            headline, summary = i - 2, i - 1
        elif after is not None and i >= 1 and usable(i - 1) and _headline_like(lines[i - 1]):
            # Unlinked headline: only with a "→" summary after the meta line as evidence, so
            # a short line ending in a date ("Jury trial starts Jan 3") invents no story.
            headline = i - 1
        if headline is None:
            continue
        before = headline - 1
        section = before if before > last_used and _is_heading(lines[before]) else None
        found.append(_TextStory(headline, i, summary, section))
        last_used = max(i, summary if summary is not None else i)
    return found


def _text_story_items(
    lines: Sequence[_Line], found: Sequence[_TextStory], near: date | None, base: str
) -> tuple[Story, ...]:
    stories: list[Story] = []
    section: str | None = None
    for item in found:
        if item.section is not None:
            section = lines[item.section].text
        head = lines[item.headline]
        meta = _meta(lines[item.meta].text)
        assert meta is not None
        date_text, outlet = meta
        summary = _strip_arrow(lines[item.summary].text) if item.summary is not None else None
        stories.append(
            Story(
                position=len(stories) + 1,
                headline=head.text,
                section=section,
                link=_outbound_url(head.href, base) if head.href else None,
                outlet=outlet,
                date=parse_month_day(date_text, near=near) if near else parse_day(date_text),
                summary=summary or None,
            )
        )
    return tuple(stories)


def _text_number_title(
    sel: Selector, lines: Sequence[_Line], url: str
) -> tuple[int | None, str | None, int | None]:
    """(number, title, index of the title line) from ``<title>``, then the lines, then the URL."""
    number, title = _head_title(sel)
    title_line: int | None = None
    if title:
        title_line = next((i for i, line in enumerate(lines) if line.text == title), None)
    if number is None or not title:
        # "AI News Weekly - Issue #481" / "Issue #496" on its own line, the title just after.
        for i, line in enumerate(lines[:40]):
            match = _ISSUE_NUMBER_RE.search(line.text)
            if match and len(line.text) <= 40:
                number = number if number is not None else int(match.group(1))
                if not title and i + 1 < len(lines):
                    title, title_line = lines[i + 1].text, i + 1
                break
    if number is None:
        number = issue_number_from_url(url)
    return number, title, title_line


def _region(lines: Sequence[_Line], start: int | None, markers: Sequence[int]) -> Sequence[_Line]:
    """Lines after the marker ``start`` up to the next marker."""
    if start is None:
        return ()
    end = min((m for m in markers if m > start), default=len(lines))
    return lines[start + 1 : end]


def _text_watch(region: Sequence[_Line], base: str) -> Iterator[WatchItem]:
    """Items as "title[ · show · player]" / ["show · player"] / "→ note" line groups."""
    current: dict[str, str | None] | None = None

    def done(item: dict[str, str | None]) -> WatchItem:
        return WatchItem(
            title=item["title"] or "", link=item["link"], show=item["show"], note=item["note"]
        )

    for line in region:
        if _is_arrow(line.text):
            if current is not None:
                current["note"] = _strip_arrow(line.text)
                yield done(current)
                current = None
            continue
        if current is None or current["show"] is not None:
            if current is not None:
                yield done(current)
            title = line.link_text or line.text
            rest = line.text[len(title) :] if line.text.startswith(title) else ""
            current = {
                "title": title,
                "link": _outbound_url(line.href, base) if line.href else None,
                "show": _show(rest),
                "note": None,
            }
        else:
            current["show"] = _show(line.text)
    if current is not None:
        yield done(current)


def _parse_text(url: str, sel: Selector) -> Issue:
    lines = _text_lines(sel)
    number, title, title_line = _text_number_title(sel, lines, url)
    week_line = next(
        (
            i
            for i, line in enumerate(lines)
            if len(line.text) <= 120 and parse_week_range(line.text)
        ),
        None,
    )
    week = parse_week_range(lines[week_line].text) if week_line is not None else None
    found = _find_text_stories(lines)
    if number is None or not title or (week is None and not found):
        raise PageParseError(f"no recognizable AI Weekly issue on {url}")
    page_url = _page_url(sel, url)
    near = week[0] if week else None

    first_story = (
        (found[0].section if found[0].section is not None else found[0].headline) if found else None
    )
    # Block headings ("Key Takeaways", "Quick Hits", "Watch & Listen First") come before the
    # stories; a look-alike line further down (a summary "Watch this space") is not one.
    before_stories = lines[:first_story] if first_story is not None else lines

    def marker(pattern: re.Pattern[str]) -> int | None:
        return next(
            (
                i
                for i, line in enumerate(before_stories)
                if pattern.match(line.text) and _is_heading(line)
            ),
            None,
        )

    takeaways_at, quick_at, watch_at = (
        marker(_TAKEAWAYS_RE),
        marker(_QUICK_HITS_RE),
        marker(_WATCH_RE),
    )
    markers = [m for m in (takeaways_at, quick_at, watch_at, first_story) if m is not None]
    # The intro runs from the title (or just before the range line) to the first block heading.
    intro_start = (
        title_line if title_line is not None else (week_line - 1 if week_line is not None else None)
    )
    intro = [
        line.text
        for line in _region(lines, intro_start, markers)
        if parse_week_range(line.text) is None
        and not _is_date_line(line.text)
        and (len(line.text) >= 40 or _SENTENCE_END_RE.search(line.text))
    ]
    container = sel.xpath("//main") or sel.xpath("//body")
    return Issue(
        number=number,
        url=page_url,
        numeric_url=_numeric_url(number),
        title=title,
        week_start=week[0] if week else None,
        week_end=week[1] if week else None,
        intro="\n\n".join(intro),
        takeaways=tuple(line.text for line in _region(lines, takeaways_at, markers)),
        quick_hits=tuple(line.text for line in _region(lines, quick_at, markers)),
        watch=tuple(_text_watch(_region(lines, watch_at, markers), page_url)),
        stories=_text_story_items(lines, found, near, page_url),
        published=_published_after(week[1] if week else None),
        content_html=sanitize_html(container.get() or "") if container else "",
        markup="text",
    )


def _is_date_line(text: str) -> bool:
    """A line that is just a date ("Apr 10th 2026"), like the classic issue date."""
    return len(text) <= 30 and parse_day(text) is not None


# ---------------------------------------------------------------------------------------------
# Archive and home pages
# ---------------------------------------------------------------------------------------------
def parse_archive_page(url: str, html: str) -> Listing:
    """``/issues`` and ``/issues?page=N`` (also the home page): the issues linked as
    "Issue #N: <title>" with their week range, and the next (older) page."""
    sel = Selector(text=html)
    scope = sel.xpath("//main") or sel.xpath("//body") or SelectorList([sel])
    entries: dict[str, Entry] = {}
    for anchor in scope[0].xpath(".//a[@href]"):
        entry = _archive_entry(anchor)
        if entry is None:
            continue
        seen = entries.get(entry.url)
        if seen is None:
            entries[entry.url] = entry
        elif seen.week_start is None and entry.week_start is not None:
            # The home page links the latest issue twice; only the list entry has its range.
            entries[entry.url] = entry
    return Listing(url=canonical_url(url), entries=tuple(entries.values()),
                   next_url=_next_url(sel, url))


parse_home_page = parse_archive_page


def _archive_entry(anchor: Selector) -> Entry | None:
    href = anchor.attrib.get("href", "").strip()
    if not href:
        return None
    url = _site_url(href)
    parts = urlsplit(url)
    if urlsplit(CANONICAL_BASE).netloc != parts.netloc or not _ISSUE_PAGE_PATH_RE.match(
            parts.path):
        return None
    text = _text(anchor)
    match = _ENTRY_TEXT_RE.match(text)
    # An archive that shows bare titles ("Musk Wants Altman Fired, …") still links issues:
    # keep the link; the number then comes from a numeric URL or, later, from the page.
    number = int(match.group("number")) if match else issue_number_from_url(url)
    title = clean_inline(match.group("title")) if match else (text or None)
    # The range sits next to the link ("<a>Issue #N: …</a> <span>April 3 – 9, 2026</span>").
    around = _text(anchor.xpath("..")).replace(text, " ", 1)
    week = parse_week_range(around)
    return Entry(
        url=url,
        number=number,
        title=title,
        week_start=week[0] if week else None,
        week_end=week[1] if week else None,
    )


def _next_url(sel: Selector, url: str) -> str | None:
    rel_next = "contains(concat(' ', normalize-space(@rel), ' '), ' next ')"
    href = _attr(sel, f"//link[{rel_next}]/@href") or _attr(sel, f"//a[{rel_next}]/@href")
    if href:
        return _site_url(href)
    # No rel=next (a redesign, a theme change): the archive link to page N+1 is the next page.
    wanted = _page_number(url) + 1
    for candidate in sel.xpath("//a/@href").getall():
        target = _site_url(candidate)
        if urlsplit(target).path == "/issues" and _page_number(target) == wanted:
            return target
    return None


def _page_number(url: str) -> int:
    values = parse_qs(urlsplit(url).query).get("page", ["1"])
    return int(values[0]) if values[0].isdigit() else 1


# ---------------------------------------------------------------------------------------------
# RSS feed
# ---------------------------------------------------------------------------------------------
def parse_feed(url: str, xml: str) -> Listing:
    """``/issues.rss``: one entry per item with url, number, title and published (aware)."""
    sel = Selector(text=xml, type="xml")
    entries: list[Entry] = []
    for item in sel.xpath("//item"):
        link = clean_inline(item.xpath("string(link)").get() or "") or clean_inline(
            item.xpath("string(guid)").get() or ""
        )
        if not link:
            continue
        entry_url = _site_url(link)
        number, title = _feed_title(clean_inline(item.xpath("string(title)").get() or ""))
        entries.append(
            Entry(
                url=entry_url,
                number=number if number is not None else issue_number_from_url(entry_url),
                title=title or None,
                published=parse_rfc822(item.xpath("string(pubDate)").get() or ""),
            )
        )
    return Listing(url=canonical_url(url), entries=tuple(entries), next_url=None)


def _feed_title(raw: str) -> tuple[int | None, str]:
    """(number, issue title) from either era's item title."""
    match = _FEED_SLUG_TITLE_RE.match(raw)
    if match:
        return int(match.group("number")), clean_inline(match.group("title"))
    match = _FEED_DATED_TITLE_RE.match(raw)
    if match and parse_day(match.group("date")) is not None:
        return None, clean_inline(match.group("title"))
    match = _ENTRY_TEXT_RE.match(raw)
    if match:
        return int(match.group("number")), clean_inline(match.group("title"))
    return None, raw
