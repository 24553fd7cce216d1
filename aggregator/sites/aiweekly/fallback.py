"""The text-structure fallback (``markup="text"``) for issue pages in neither known markup.

The real site may change its markup any week, so the page is then read by its text: the
"Issue #N: title" in ``<title>``, a week-range line, and stories as a headline line next to a
"Apr 7 · Outlet" meta line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from parsel import Selector

from aggregator.dates import parse_day, parse_month_day, parse_week_range
from aggregator.items import Issue, Story, WatchItem
from aggregator.normalize import sanitize_html
from aggregator.sites.aiweekly.common import (
    _ISSUE_NUMBER_RE,
    PageParseError,
    _head_title,
    _is_arrow,
    _numeric_url,
    _outbound_url,
    _page_url,
    _published_after,
    _show,
    _strip_arrow,
    issue_number_from_url,
)
from aggregator.sites.guards import int64
from aggregator.sites.text import Link, block_lines

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
        day = parse_month_day(date_text, near=near) if near else parse_day(date_text)
        stories.append(
            Story(
                position=len(stories) + 1,
                headline=head.text,
                section=section,
                link=_outbound_url(head.href, base) if head.href else None,
                outlet=outlet,
                date=day,
                summary=summary or None,
                # Kept only when unparsed ("Feb 30"), for the normalize stage's fallback.
                date_text=date_text if day is None else None,
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
                number = number if number is not None else int64(match.group(1))
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
