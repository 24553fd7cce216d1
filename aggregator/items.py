"""Typed items that page objects return and pipelines store.

Page objects build these from ``(url, html)``; nothing here knows about Scrapy. Dates are
``datetime.date`` (calendar days) or timezone-aware ``datetime.datetime``; never naive datetimes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Markup = Literal["classic", "modern", "text"]
"""Which markup generation a page was parsed with; ``text`` is the text-structure fallback."""


@dataclass(frozen=True)
class Story:
    """One news story inside an issue, in one language."""

    position: int  # 1-based order inside the issue (across sections)
    headline: str
    section: str | None = None
    link: str | None = None  # the story's outbound URL (absent in Chinese translations)
    outlet: str | None = None
    date: date | None = None
    summary: str | None = None
    # The date as written, kept only when no fixed form parsed it: the normalize stage then
    # asks the (slow, cached) dateparser fallback once and fills ``date``.
    date_text: str | None = None


@dataclass(frozen=True)
class WatchItem:
    """An entry of the "Watch & Listen First" box."""

    title: str
    link: str | None = None
    show: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Issue:
    """An English AI Weekly issue as parsed from its page (or its RSS item)."""

    number: int
    url: str  # canonical URL of the issue page (slug URL for modern issues)
    numeric_url: str  # https://aiweekly.co/issues/<number>
    title: str
    week_start: date | None
    week_end: date | None
    intro: str = ""
    takeaways: tuple[str, ...] = ()
    quick_hits: tuple[str, ...] = ()
    watch: tuple[WatchItem, ...] = ()
    stories: tuple[Story, ...] = ()
    published: datetime | None = None
    content_html: str = ""  # sanitized HTML of the issue body
    markup: Markup = "classic"


@dataclass(frozen=True)
class Entry:
    """A document seen in a listing (archive, home page, RSS, blog list) before it is fetched."""

    url: str
    number: int | None = None
    title: str | None = None
    week_start: date | None = None
    week_end: date | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class Listing:
    """A listing page: the documents it links and the next (older) page, if any."""

    url: str
    entries: tuple[Entry, ...] = ()
    next_url: str | None = None
    # Other listings to walk (a sitemap index's sitemaps, category pages), parsed the same way.
    follow: tuple[str, ...] = ()


@dataclass(frozen=True)
class Translation:
    """The Chinese side of a mirror post: the editor's summary and the full translation."""

    issue_number: int | None
    title: str  # Chinese issue title (the part after "AI周刊第N期:")
    source_url: str | None  # the stated English source URL, as written (not canonicalized)
    summary: str  # 内容总结 text
    week_start: date | None
    week_end: date | None
    intro: str = ""
    takeaways: tuple[str, ...] = ()
    quick_hits: tuple[str, ...] = ()
    watch: tuple[WatchItem, ...] = ()
    stories: tuple[Story, ...] = ()
    english_text: str = ""  # the 英文来源 part, as plain text
    english_links: tuple[str, ...] = ()  # story links found in the English part


@dataclass(frozen=True)
class Post:
    """A blog post on a mirror site; ``mirror`` is set when it republishes an AI Weekly issue."""

    url: str
    post_id: int | None
    title: str
    published: datetime | None
    author: str | None
    category: str | None
    content_html: str  # sanitized
    content_text: str
    mirror: Translation | None = None
    markup: Markup = "classic"


@dataclass(frozen=True)
class PageResult:
    """What a spider hands to the pipelines for one fetched page (fetch state is stored by the
    download layer; this carries what was parsed from it)."""

    url: str  # canonical URL
    source: str  # site key
    status: int
    last_modified: str | None = None
    redirected_from: tuple[str, ...] = ()  # canonical URLs that redirected here
    issue: Issue | None = None
    post: Post | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)  # e.g. "markup-fallback"
    stored: str | None = None  # set by the store stage: "new", "updated" or "unchanged"
    body_sha256: str | None = None  # of the body it was parsed from (see crawl.parse_record)
    parser: str | None = None  # the page-object code key it was parsed with (ditto)


def to_jsonable(value: Any) -> Any:
    """Turn an item (or any nesting of items, tuples, dates) into plain JSON values.

    Dates and datetimes become ISO 8601 strings; datetimes keep their UTC offset.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value
