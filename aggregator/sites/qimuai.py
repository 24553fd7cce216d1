"""Page objects for news.qimuai.cn, an EMLOG blog that mirrors AI Weekly in Chinese.

The EMLOG markup is read by :mod:`aggregator.sites.emlog` and the mirror text by the shared
grammar (:mod:`aggregator.sites.mirror`) with this site's markers from its registry entry. What
is left here is this site's own house style, and the public functions that default to its
registry entry.
"""

from __future__ import annotations

from functools import partial

from aggregator.items import Listing, Post
from aggregator.sites import SITES, emlog
from aggregator.sites.base import PageObjects, Site
from aggregator.sites.emlog import post_id_from_url
from aggregator.sites.mirror import ascii_punctuation, issue_number

__all__ = ["CANONICAL_BASE", "SITE_KEY", "TIMEZONE", "is_feed_url", "is_listing_url",
           "is_post_url", "page_objects", "parse_feed", "parse_listing", "parse_post",
           "post_id_from_url"]

SITE_KEY = "qimuai"
_SITE = SITES[SITE_KEY]
CANONICAL_BASE = _SITE.canonical_base
TIMEZONE = _SITE.timezone


def page_objects(site: Site) -> PageObjects:
    """This module's page objects bound to a registry entry (its markers and time zone)."""
    return PageObjects(
        parse_feed=partial(parse_feed, site=site),
        parse_listing=partial(parse_listing, site=site),
        parse_document=partial(parse_post, site=site),
    )


def parse_post(url: str, html: str, *, site: Site = _SITE) -> Post:
    """Parse a post page; ``mirror`` is set when the post republishes an AI Weekly issue.

    Raises ``ValueError`` when the page is not a post at all (an error page served with 200,
    a login wall): there is no article body or no title to build a Post from.
    """
    # The house style of this blog's titles is ASCII "," and ":"; a re-post (3833) retyped one
    # comma as "，". Folding keeps two mirrors of one issue agreeing on ``Translation.title``;
    # ``Post.title`` keeps the text exactly as written.
    return emlog.parse_post(url, html, site=site, house_title=ascii_punctuation)


def parse_listing(url: str, html: str, *, site: Site = _SITE) -> Listing:
    """Parse the home page, ``?page=N``, ``?sort=N`` or ``?sort=N&page=N``."""
    return emlog.parse_listing(url, html, site=site)


def parse_feed(url: str, xml: str, *, site: Site = _SITE) -> Listing:
    """Parse ``/rss.php`` (RSS 2.0): one entry per item, newest first, no next page."""
    return emlog.parse_feed(url, xml, site=site)


def is_post_url(url: str) -> bool:
    """True for a post page (``/?post=N``) of this site."""
    return emlog.is_post_url(url, _SITE)


def is_listing_url(url: str) -> bool:
    """True for the home page, ``?page=N``, ``?sort=N`` and ``?sort=N&page=N``."""
    return emlog.is_listing_url(url, _SITE)


def is_feed_url(url: str) -> bool:
    """True for the site's RSS feed (``/rss.php``)."""
    return emlog.is_feed_url(url, _SITE)


def _issue_number(title: str | None) -> int | None:
    """The issue number a post title names, with this site's markers."""
    assert _SITE.markers is not None
    return issue_number(title, _SITE.markers)
