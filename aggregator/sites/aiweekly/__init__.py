"""Page objects for aiweekly.co: issue pages, archive and home pages, and the RSS feed.

Pure functions of ``(url, html)`` returning the typed items of :mod:`aggregator.items`; no
Scrapy here. Issue pages come in two markup generations (see ``aggregator/replica/data/README.md``):

* classic (issues <= 495, ``/issues/<N>``): :mod:`.classic`;
* modern (issues >= 496, ``/issues/<slug>``): :mod:`.modern`.

The real site may change its markup any week, so when neither generation is recognized (or the
recognized one yields no stories) the page is read by its *text structure* instead
(``markup="text"``, :mod:`.fallback`). A page with no recognizable issue at all raises
:class:`PageParseError`. Listings (archive, home page, RSS) are in :mod:`.listings`; what they
all share is in :mod:`.common`.
"""

from __future__ import annotations

from aggregator.items import Issue
from aggregator.sites.aiweekly.classic import _parse_classic
from aggregator.sites.aiweekly.common import (
    CANONICAL_BASE,
    SITE_KEY,
    PageParseError,
    _has_class,
    issue_number_from_url,
)
from aggregator.sites.aiweekly.fallback import _parse_text
from aggregator.sites.aiweekly.listings import parse_archive_page, parse_feed, parse_home_page
from aggregator.sites.aiweekly.modern import _parse_modern
from aggregator.sites.base import PageObjects, Site
from aggregator.sites.guards import html_selector

__all__ = [
    "CANONICAL_BASE",
    "SITE_KEY",
    "PageParseError",
    "issue_number_from_url",
    "page_objects",
    "parse_archive_page",
    "parse_feed",
    "parse_home_page",
    "parse_issue_page",
]


def parse_issue_page(url: str, html: str) -> Issue:
    """Parse an issue page fetched at canonical ``url`` (after redirects).

    Tries the modern, then the classic markup; falls back to the page's text structure when
    neither is present or the recognized one yields no stories (a partial markup change).
    Raises :class:`PageParseError` when the page holds no issue at all.
    """
    sel = html_selector(html)
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


def page_objects(site: Site) -> PageObjects:
    """The registry's binding (``Site.pages_module``): feed, archive/home listing, issue page.

    ``site`` is accepted for the common factory signature; aiweekly.co has one entry.
    """
    del site
    return PageObjects(
        parse_feed=parse_feed,
        parse_listing=parse_archive_page,
        parse_document=parse_issue_page,
    )
