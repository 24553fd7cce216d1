"""aiweekly.co listings: the archive (``/issues?page=N``), the home page and the RSS feed."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from parsel import Selector, SelectorList

from aggregator.dates import parse_day, parse_week_range
from aggregator.items import Entry, Listing
from aggregator.normalize import canonical_url, clean_inline
from aggregator.sites.aiweekly.common import (
    CANONICAL_BASE,
    _attr,
    _site_url,
    _text,
    issue_number_from_url,
)
from aggregator.sites.guards import html_selector, int64, web_links
from aggregator.sites.rss import read_feed

_ISSUE_PAGE_PATH_RE = re.compile(r"^/issues/[^/]+/?$")  # numeric or slug issue page
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

# ---------------------------------------------------------------------------------------------
# Archive and home pages
# ---------------------------------------------------------------------------------------------
def parse_archive_page(url: str, html: str) -> Listing:
    """``/issues`` and ``/issues?page=N`` (also the home page): the issues linked as
    "Issue #N: <title>" with their week range, and the next (older) page."""
    sel = html_selector(html)
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
    return web_links(Listing(url=canonical_url(url), entries=tuple(entries.values()),
                             next_url=_next_url(sel, url)))


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
    number = int64(match.group("number")) if match else issue_number_from_url(url)
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
    number = int64(values[0])
    return number if number is not None else 1


# ---------------------------------------------------------------------------------------------
# RSS feed
# ---------------------------------------------------------------------------------------------
def parse_feed(url: str, xml: str) -> Listing:
    """``/issues.rss``: one entry per item with url, number, title and published (aware)."""
    entries: list[Entry] = []
    for item in read_feed(xml):
        entry_url = _site_url(item.link)
        number, title = _feed_title(item.title)
        entries.append(Entry(
            url=entry_url,
            number=number if number is not None else issue_number_from_url(entry_url),
            title=title or None,
            published=item.published,
        ))
    return web_links(Listing(url=canonical_url(url), entries=tuple(entries), next_url=None))

def _feed_title(raw: str) -> tuple[int | None, str]:
    """(number, issue title) from either era's item title."""
    match = _FEED_SLUG_TITLE_RE.match(raw)
    if match:
        return int64(match.group("number")), clean_inline(match.group("title"))
    match = _FEED_DATED_TITLE_RE.match(raw)
    if match and parse_day(match.group("date")) is not None:
        return None, clean_inline(match.group("title"))
    match = _ENTRY_TEXT_RE.match(raw)
    if match:
        return int64(match.group("number")), clean_inline(match.group("title"))
    return None, raw
