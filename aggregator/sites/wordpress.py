"""Page objects for a WordPress blog (default themes and look-alikes), for any registry entry.

WordPress conventions read here: a post is ``article.post`` with ``h1.entry-title``,
``time.entry-date.published[datetime]``, ``div.entry-content`` and ``.cat-links``, its id in the
``rel=shortlink`` (``/?p=N``); listings (home, ``/page/N/``, ``/category/<slug>/`` and their
``page/N/``) are ``article`` cards with ``.entry-title a`` and ``a.next.page-numbers``; the feed
is RSS 2.0 at ``/feed/``; the sitemap is ``/wp-sitemap.xml``, an index of sitemaps.

Pure functions of ``(url, text)`` and the :class:`Site` entry; no Scrapy, no host names. What
a mirror post *says* is read by :mod:`aggregator.sites.mirror` with the entry's markers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from urllib.parse import parse_qs, urljoin, urlsplit
from zoneinfo import ZoneInfo

from parsel import Selector

from aggregator.dates import parse_local_datetime
from aggregator.items import Entry, Listing, Post
from aggregator.normalize import clean_inline, page_url, sanitize_html
from aggregator.sites.base import PageObjects, Site
from aggregator.sites.guards import html_selector, int64, web_links, xml_selector
from aggregator.sites.mirror import issue_number, lines_of, markers_of, parse_mirror, render
from aggregator.sites.rss import read_feed

__all__ = ["is_feed_url", "is_listing_url", "is_post_url", "page_objects", "parse_feed",
           "parse_listing", "parse_post", "parse_sitemap", "post_id_from_url"]

_POST_PATH_RE = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/?$")
_LISTING_PATH_RE = re.compile(r"^(?:/(?:category|tag)/[^/]+)?(?:/page/\d+)?/?$")
_ID_RE = re.compile(r"(?:^|\s)(?:post-|postid-)(\d+)(?:\s|$)")
# Sitemaps of taxonomies and users list archive pages, not documents.
_ARCHIVE_SITEMAP_RE = re.compile(r"-(?:taxonomies|users)-")


def page_objects(site: Site) -> PageObjects:
    """WordPress page objects bound to a registry entry (a mirror with no house quirks)."""
    return PageObjects(
        parse_feed=partial(parse_feed, site=site),
        parse_listing=partial(parse_listing, site=site),
        parse_document=partial(parse_post, site=site),
    )


# ---------------------------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------------------------
def _on_site(url: str, site: Site) -> bool:
    # Page objects only ever see canonical URLs: the download layer maps fetch bases back.
    return (urlsplit(url.strip()).hostname or "").lower() == site.host.lower()


def post_id_from_url(url: str) -> int | None:
    """The WordPress post id of a shortlink ``…/?p=1391``, or None for any other URL."""
    try:
        values = parse_qs(urlsplit(url.strip()).query).get("p")
    except ValueError:  # a broken shortlink ("http://[::1") must not cost the post
        return None
    return int64(values[0]) if values else None


def is_post_url(url: str, site: Site) -> bool:
    """True for a post's pretty URL (``/YYYY/MM/DD/<slug>/``) or its shortlink (``/?p=N``)."""
    path = urlsplit(url.strip()).path or "/"
    return _on_site(url, site) and (
        bool(_POST_PATH_RE.match(path)) or (path == "/" and post_id_from_url(url) is not None)
    )


def is_listing_url(url: str, site: Site) -> bool:
    """True for the home page, ``/page/N/``, ``/category/<slug>/`` (+ ``page/N/``), the sitemaps."""
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    if not _on_site(url, site) or parts.query:
        return False
    return bool(_LISTING_PATH_RE.match(path)) or bool(re.match(r"^/wp-sitemap[\w-]*\.xml$", path))


def is_feed_url(url: str, site: Site) -> bool:
    """True for the site's RSS feed (``/feed/``)."""
    return _on_site(url, site) and (urlsplit(url.strip()).path or "/").rstrip("/") == "/feed"


def _absolute(base: str, href: str) -> str:
    # An href no URL can be made of ("http://[::1" raises in urlsplit) gives "", which no
    # listing keeps (only http(s) links are) and no host check accepts: the link is skipped.
    try:
        return page_url(urljoin(base, href.strip()))
    except ValueError:
        return ""


def _local(value: datetime | None, site: Site) -> datetime | None:
    """An aware datetime shown in the blog's zone (feeds and sitemaps write UTC)."""
    return value.astimezone(ZoneInfo(site.timezone)) if value is not None else None


# ---------------------------------------------------------------------------------------------
# Post
# ---------------------------------------------------------------------------------------------
def parse_post(
    url: str, html: str, *, site: Site, house_title: Callable[[str], str] = clean_inline
) -> Post:
    """Parse a post page; ``mirror`` is set when the post republishes an AI Weekly issue.

    Raises ``ValueError`` for a page that is not a post (the 404 page, an archive): there is no
    ``article`` with a title and an ``entry-content``.
    """
    sel = html_selector(html)
    here_url = page_url(url)
    article = sel.css("article.post") or sel.css("article")
    content = article.css("div.entry-content")
    title = clean_inline(" ".join(article.css("h1.entry-title ::text").getall()))
    if not article or not content or not title:
        raise ValueError(f"{here_url}: no WordPress post title/body found")
    node = content[0]
    lines = lines_of(node)
    published = _published(article[0], site)
    return Post(
        url=here_url,
        post_id=_post_id(sel, article[0], here_url),
        title=title,
        published=published,
        author=clean_inline(" ".join(article.css(".author ::text").getall())) or None,
        category=_category(article[0]),
        content_html=sanitize_html("".join(child.get() for child in node.xpath("./node()"))),
        content_text=render(lines),
        mirror=parse_mirror(title, lines, markers_of(site), published=published,
                            house_title=house_title),
        markup="classic",
    )


def _published(article: Selector, site: Site) -> datetime | None:
    # An edited post shows ``time.updated`` beside ``time.published``; only the latter counts.
    for query in ("time.entry-date.published", "time.published", "time.entry-date", "time"):
        for node in article.css(query):
            for candidate in (node.attrib.get("datetime"), node.css("::text").get()):
                if candidate and (found := parse_local_datetime(candidate, tz=site.timezone)):
                    return found
    return None


def _post_id(sel: Selector, article: Selector, here_url: str) -> int | None:
    shortlink = sel.css('link[rel="shortlink"]::attr(href)').get() or ""
    for candidate in (post_id_from_url(shortlink), post_id_from_url(here_url)):
        if candidate is not None:
            return candidate
    # No shortlink (a plugin removed it): ``<article id="post-1391">``.
    found = _ID_RE.search(" " + (article.attrib.get("id") or "") + " ")
    return int64(found.group(1)) if found else None


def _category(article: Selector) -> str | None:
    names = [clean_inline(" ".join(a.css("::text").getall())) for a in article.css(".cat-links a")]
    return next((name for name in names if name), None)


# ---------------------------------------------------------------------------------------------
# Listings, sitemaps and feed
# ---------------------------------------------------------------------------------------------
def parse_listing(url: str, text: str, *, site: Site) -> Listing:
    """Parse a listing: an HTML archive page, a sitemap (index or urlset) or the feed.

    The spider hands every non-feed start page here, the sitemap included, so the text decides.
    """
    head = text[:2000]
    if "<sitemapindex" in head or "<urlset" in head:
        return parse_sitemap(url, text, site=site)
    if "<rss" in head:
        return parse_feed(url, text, site=site)
    sel = html_selector(text)
    entries: list[Entry] = []
    seen: set[str] = set()
    for card in sel.css("article"):
        link = card.css(".entry-title a")
        href = link.attrib.get("href") if link else None
        if not href:
            continue
        entry_url = _absolute(url, href)
        if entry_url in seen:
            continue
        seen.add(entry_url)
        title = clean_inline(" ".join(link.css("::text").getall())) or None
        entries.append(Entry(url=entry_url, number=issue_number(title, markers_of(site)),
                             title=title, published=_published(card, site)))
    if not entries:  # another theme without title links in cards: links shaped like posts
        entries = _post_links(sel, url, site)
    return web_links(Listing(url=page_url(url), entries=tuple(entries),
                             next_url=_next_url(sel, url)))


def _post_links(sel: Selector, url: str, site: Site) -> list[Entry]:
    entries: dict[str, Entry] = {}
    for anchor in sel.xpath("//body//a[@href]"):
        target = _absolute(url, anchor.attrib["href"])
        if target in entries or "#" in anchor.attrib["href"] or not is_post_url(target, site):
            continue
        title = clean_inline(" ".join(anchor.css("::text").getall())) or None
        entries[target] = Entry(url=target, number=issue_number(title, markers_of(site)),
                                title=title)
    return list(entries.values())


def _next_url(sel: Selector, url: str) -> str | None:
    href = (sel.css("a.next.page-numbers::attr(href)").get()
            or sel.css('link[rel="next"]::attr(href), a[rel="next"]::attr(href)').get())
    return _absolute(url, href) if href else None


def parse_sitemap(url: str, xml: str, *, site: Site) -> Listing:
    """A sitemap index gives its sitemaps as ``follow``; a posts sitemap gives entries.

    ``Entry.published`` is the ``<lastmod>``: WordPress writes the post's modified date there,
    which is the publication date until an editor revises the post.
    """
    sel = xml_selector(xml)
    if sel.xpath("/sitemapindex"):
        follow = [_absolute(url, loc) for loc in sel.xpath("//sitemap/loc/text()").getall()]
        return web_links(Listing(url=page_url(url), follow=tuple(follow)))
    entries: list[Entry] = []
    follow = []
    archive = bool(_ARCHIVE_SITEMAP_RE.search(urlsplit(url).path))
    for node in sel.xpath("//url"):
        loc = clean_inline(node.xpath("string(loc)").get() or "")
        if not loc:
            continue
        target = _absolute(url, loc)
        if archive or target.endswith(".xml"):
            follow.append(target)  # category pages and nested sitemaps are listings to walk
            continue
        lastmod = node.xpath("string(lastmod)").get() or ""
        entries.append(Entry(url=target, published=_local(
            parse_local_datetime(lastmod.strip(), tz="UTC") if lastmod.strip() else None, site)))
    return web_links(Listing(url=page_url(url), entries=tuple(entries), follow=tuple(follow)))


def parse_feed(url: str, xml: str, *, site: Site) -> Listing:
    """Parse ``/feed/`` (RSS 2.0): one entry per item, newest first, no next page.

    ``pubDate`` is written in UTC (+0000); entries show it in the blog's zone, like its pages.
    """
    entries = [Entry(url=_absolute(url, item.link),
                     number=issue_number(item.title or None, markers_of(site)),
                     title=item.title or None, published=_local(item.published, site))
               for item in read_feed(xml, timezone=site.timezone)]
    return web_links(Listing(url=page_url(url), entries=tuple(entries), next_url=None))

