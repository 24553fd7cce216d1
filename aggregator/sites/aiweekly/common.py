"""What every aiweekly.co page object shares: the site constants, the error, URL and text
helpers, and the story reading both issue markups use (``h3 > a`` headline, outlet, date).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector, SelectorList

from aggregator.dates import parse_month_day
from aggregator.items import Story
from aggregator.normalize import canonical_url, clean_inline, xml_safe
from aggregator.sites.guards import int64

SITE_KEY = "aiweekly"
CANONICAL_BASE = "https://aiweekly.co"


class PageParseError(ValueError):
    """The page holds no recognizable AI Weekly issue (error page, unrelated page, garbage)."""


Nodes = Selector | SelectorList[Selector]

_ISSUE_PATH_RE = re.compile(r"^/issues/(\d+)/?$")
_ISSUE_NUMBER_RE = re.compile(r"\bIssue\s*#\s*(\d+)\b", re.IGNORECASE)
# <title>/og:title: "Issue #481: <title> - AI Weekly".
_HEAD_TITLE_RE = re.compile(
    r"^\s*(?:AI\s+(?:News\s+)?Weekly\s*[-–—:|]?\s*)?Issue\s*#\s*(?P<number>\d+)\s*[:：\-–—|]\s*"
    r"(?P<title>.+?)(?:\s+[-–—|]\s+AI\s+(?:News\s+)?Weekly)?\s*$",
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
    return int64(match.group(1)) if match else None


def _site_url(href: str) -> str:
    """An on-site link made absolute against the canonical site and canonicalized; "" for an
    href no URL can be made of ("http://[::1" raises in urlsplit), which no caller keeps."""
    try:
        return canonical_url(urljoin(CANONICAL_BASE + "/", href.strip()))
    except ValueError:
        return ""


def _outbound_url(href: str, base: str) -> str:
    """A story/watch link: kept as written (only trimmed); relative ones made absolute.

    An unparsable one stays as written: the normalize stage drops it, the story stays.
    """
    href = href.strip()
    try:
        return href if urlsplit(href).scheme else urljoin(base, href)
    except ValueError:
        return href


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
            return int64(match.group("number")), clean_inline(match.group("title"))
    return None, None


def _page_url(sel: Selector, url: str) -> str:
    """``<link rel=canonical>`` made absolute against the site, else the fetched URL.

    The issue is stored under this URL (and the normalize stage leaves it alone), so a canonical
    link off the site (another host, a ``javascript:`` URL) or holding characters no URL may
    (controls, which the fetched URL never has: Scrapy percent-encodes it) is not taken.
    """
    href = _attr(
        sel, "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
    )
    canonical = _site_url(href) if href else None
    if (canonical is None or xml_safe(canonical) != canonical
            or urlsplit(canonical)[:2] != urlsplit(CANONICAL_BASE)[:2]):
        return canonical_url(url)
    return canonical


def _numeric_url(number: int) -> str:
    return f"{CANONICAL_BASE}/issues/{number}"


def _clean_items(nodes: SelectorList[Selector]) -> tuple[str, ...]:
    return tuple(text for text in (_el_text([node.root]) for node in nodes) if text)


def _paragraphs(nodes: SelectorList[Selector]) -> str:
    return "\n\n".join(_clean_items(nodes))


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
    date_text: str | None = None  # the date as written, when no fixed form parsed it


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
                date_text=parts.date_text,
            )
        )
    return tuple(stories)


def _int(value: str | None) -> int | None:
    return int64(value) if value else None


def _number_in(text: str) -> int | None:
    match = _ISSUE_NUMBER_RE.search(text)
    return int64(match.group(1)) if match else None


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
    day, date_text = _story_date(node, near)
    return _StoryParts(
        headline=headline,
        link=_outbound_url(hrefs[0], base) if hrefs else None,
        outlet=_el_text(_X_OUTLET(node)) or None,
        date=day,
        summary=_strip_arrow(_el_text(_X_SUMMARY(node) or _X_PLAIN_P(node))) or None,
        date_text=date_text,
    )


def _story_date(node: Any, near: date | None) -> tuple[date | None, str | None]:
    """(date, text kept for later) from ``time[datetime]`` (modern) or the "Apr 7" text of
    ``span.date`` (classic).

    Text no fixed form reads ("the 7th of April") is returned instead of a date, for the
    normalize stage's (slow) dateparser fallback; a parsed date keeps no text.
    """
    stamps = _X_TIME_STAMP(node)
    stamp = _iso_date(stamps[0]) if stamps else None
    if stamp is not None:
        return stamp, None
    text = _el_text(_X_DATE_TEXT(node))
    if not text:
        return None, None
    # Without the issue's week the year is unknown: leave the text to the fallback.
    day = parse_month_day(text, near=near) if near is not None else None
    return (day, None) if day is not None else (None, text)
