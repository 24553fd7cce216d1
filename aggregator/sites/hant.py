"""Page objects for hant.example.org, a WordPress blog that mirrors AI Weekly in Traditional
Chinese (Taiwan usage and punctuation).

The WordPress markup is read by :mod:`aggregator.sites.wordpress` and the mirror text by the
shared grammar (:mod:`aggregator.sites.mirror`) with this site's markers from its registry
entry. What is left here is this site's house style: titles keep Taiwan's fullwidth
punctuation (，：「」), a re-post's "（修訂版）" remark is not part of the issue title, and the text
stays in Traditional script (the linker converts, the store keeps the original).
"""

from __future__ import annotations

from functools import partial

from aggregator.items import Listing, Post
from aggregator.sites import SITES, wordpress
from aggregator.sites.base import PageObjects, Site
from aggregator.sites.mirror import issue_number, strip_revision_remark
from aggregator.sites.wordpress import post_id_from_url

__all__ = ["SITE_KEY", "is_feed_url", "is_listing_url", "is_post_url", "page_objects",
           "parse_feed", "parse_listing", "parse_post", "post_id_from_url"]

SITE_KEY = "hant"
_SITE = SITES[SITE_KEY]


def page_objects(site: Site) -> PageObjects:
    """This module's page objects bound to a registry entry (its markers and time zone)."""
    return PageObjects(
        parse_feed=partial(parse_feed, site=site),
        parse_listing=partial(parse_listing, site=site),
        parse_document=partial(parse_post, site=site),
    )


def parse_post(url: str, html: str, *, site: Site = _SITE) -> Post:
    """Parse a post page; ``mirror`` is set when the post republishes an AI Weekly issue.

    Raises ``ValueError`` for a page that is not a post (the 404 page, an archive page).
    """
    return wordpress.parse_post(url, html, site=site, house_title=strip_revision_remark)


def parse_listing(url: str, text: str, *, site: Site = _SITE) -> Listing:
    """Parse the home page, ``/page/N/``, a category page (+ ``page/N/``) or a sitemap."""
    return wordpress.parse_listing(url, text, site=site)


def parse_feed(url: str, xml: str, *, site: Site = _SITE) -> Listing:
    """Parse ``/feed/`` (RSS 2.0, latest posts, newest first)."""
    return wordpress.parse_feed(url, xml, site=site)


def is_post_url(url: str) -> bool:
    """True for a post (``/YYYY/MM/DD/<slug>/``) or its shortlink (``/?p=N``) on this site."""
    return wordpress.is_post_url(url, _SITE)


def is_listing_url(url: str) -> bool:
    """True for the home page, its pages, category pages and the sitemaps of this site."""
    return wordpress.is_listing_url(url, _SITE)


def is_feed_url(url: str) -> bool:
    """True for the site's RSS feed (``/feed/``)."""
    return wordpress.is_feed_url(url, _SITE)


def issue_number_of(title: str | None) -> int | None:
    """The issue number a post title names, with this site's markers."""
    assert _SITE.markers is not None
    return issue_number(title, _SITE.markers)
