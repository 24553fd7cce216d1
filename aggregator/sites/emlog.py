"""Page objects for an EMLOG blog (default template and look-alikes), for any registry entry.

Every function here is a pure function of ``(url, text)`` and the :class:`Site` entry: Scrapy
decodes the body once (a GBK page included) and hands ``response.text`` in. Nothing here imports
Scrapy. This module knows EMLOG's markup and URL shapes (``?post=N``, ``?page=N``, ``?sort=N``,
``/rss.php``); what a mirror post *says* is read by the shared grammar
(:mod:`aggregator.sites.mirror`) with the entry's markers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector

from aggregator.dates import parse_local_datetime
from aggregator.items import Entry, Listing, Markup, Post
from aggregator.normalize import canonical_url, clean_inline, sanitize_html
from aggregator.sites.base import PageObjects, Site
from aggregator.sites.guards import html_selector, int64, web_links
from aggregator.sites.mirror import issue_number, lines_of, markers_of, parse_mirror, render
from aggregator.sites.rss import read_feed

_LISTING_PATHS = frozenset({"/", "/index.php"})
_DATETIME_TEXT_RE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}")


def page_objects(site: Site) -> PageObjects:
    """EMLOG page objects bound to a registry entry (a mirror with no house quirks)."""
    return PageObjects(
        parse_feed=partial(parse_feed, site=site),
        parse_listing=partial(parse_listing, site=site),
        parse_document=partial(parse_post, site=site),
    )


def _is_site_host(url: str, site: Site) -> bool:
    host = (urlsplit(url.strip()).hostname or "").lower()
    # Page objects only ever see canonical URLs: the download layer maps fetch bases back.
    return host == site.host.lower()


def _query(url: str) -> dict[str, list[str]]:
    try:
        return parse_qs(urlsplit(url.strip()).query, keep_blank_values=True)
    except ValueError:  # a broken href ("http://[::1") has no query worth reading
        return {}


def post_id_from_url(url: str) -> int | None:
    """The EMLOG post id of ``…/?post=3776``, or None for any other URL."""
    values = _query(url).get("post")
    return int64(values[0]) if values else None


def is_post_url(url: str, site: Site) -> bool:
    """True for a post page (``/?post=N``) of this site."""
    path = urlsplit(url.strip()).path or "/"
    return _is_site_host(url, site) and path in _LISTING_PATHS and post_id_from_url(url) is not None


def is_listing_url(url: str, site: Site) -> bool:
    """True for the home page, ``?page=N``, ``?sort=N`` and ``?sort=N&page=N``.

    Other EMLOG archives (``?author=``, ``?tag=``, ``?record=``) only repeat posts that the
    home pagination already reaches, so they are not listings for the spider.
    """
    if not _is_site_host(url, site):
        return False
    path = urlsplit(url.strip()).path or "/"
    query = _query(url)
    if path not in _LISTING_PATHS or not set(query) <= {"page", "sort"}:
        return False
    return all(len(v) == 1 and v[0].isdigit() for v in query.values())


def is_feed_url(url: str, site: Site) -> bool:
    """True for the site's RSS feed (``/rss.php``)."""
    return _is_site_host(url, site) and (urlsplit(url.strip()).path or "/") == "/rss.php"


def _absolute(base: str, href: str) -> str:
    # An href no URL can be made of ("http://[::1" raises in urlsplit) gives "", which no
    # listing keeps (only http(s) links are) and no host check accepts: the link is skipped.
    try:
        return canonical_url(urljoin(base, href.strip()))
    except ValueError:
        return ""


# ---------------------------------------------------------------------------------------------
# Post
# ---------------------------------------------------------------------------------------------
def parse_post(
    url: str, html: str, *, site: Site, house_title: Callable[[str], str] = clean_inline
) -> Post:
    """Parse a post page; ``mirror`` is set when the post republishes an AI Weekly issue.

    Raises ``ValueError`` when the page is not a post at all (an error page served with 200,
    a login wall): there is no article body or no title to build a Post from.
    """
    sel = html_selector(html)
    page_url = canonical_url(url)
    content, markup = _content_node(sel)
    title = _post_title(sel, site)
    if content is None or not title:
        raise ValueError(f"{page_url}: no EMLOG post title/body found")
    lines = lines_of(content)
    published = _post_published(sel, site.timezone)
    post_id = post_id_from_url(page_url)
    if post_id is None:
        post_id = post_id_from_url(sel.css(".post-copyright a::attr(href)").get() or "")
    return Post(
        url=page_url,
        post_id=post_id,
        title=title,
        published=published,
        author=_meta_link_text(sel, "author"),
        category=_meta_link_text(sel, "sort"),
        content_html=sanitize_html(_inner_html(content)),
        content_text=render(lines),
        mirror=parse_mirror(title, lines, markers_of(site), published=published,
                            house_title=house_title),
        markup=markup,
    )


def _content_node(sel: Selector) -> tuple[Selector | None, Markup]:
    node = sel.css("div#articleContent")
    if node:
        return node[0], "classic"
    # Another EMLOG template: the article body, minus the copyright box and navigation.
    for query in ("article .markdown", "article .log-content", "article"):
        found = sel.css(query)
        if found:
            node_sel = found[0]
            for junk in node_sel.css(".post-copyright, nav, header, script, style"):
                junk.drop()
            return node_sel, "text"
    return None, "text"


def _inner_html(node: Selector) -> str:
    return "".join(child.get() for child in node.xpath("./node()"))


def _post_title(sel: Selector, site: Site) -> str:
    title = clean_inline(" ".join(sel.css("h1.log-title ::text").getall()))
    if title:
        return title
    meta = sel.css('meta[property="og:title"]::attr(content)').get()
    if meta:
        return clean_inline(meta)
    # "<post title> - <blog name>" in the page title: drop the blog's name.
    page_title = clean_inline(sel.css("title::text").get() or "")
    return page_title.removesuffix(f" - {site.name}").strip()


def _post_published(sel: Selector, timezone: str) -> datetime | None:
    meta = sel.css(".log-meta, .log-header, article").css("time")
    for node in meta:
        for candidate in (node.attrib.get("datetime"), node.css("::text").get()):
            if candidate and (parsed := parse_local_datetime(candidate.strip(), tz=timezone)):
                return parsed
    # No <time>: the meta line still shows "2026-4-10 08:30" in local time.
    meta_text = " ".join(sel.css(".log-meta ::text").getall())
    match = _DATETIME_TEXT_RE.search(meta_text)
    return parse_local_datetime(match.group(0), tz=timezone) if match else None


def _meta_link_text(sel: Selector, param: str) -> str | None:
    for link in sel.css(".log-meta a, .log-info a"):
        href = link.attrib.get("href", "")
        if param in _query(href):
            text = clean_inline(" ".join(link.css("::text").getall()))
            if text:
                return text
    return None


# ---------------------------------------------------------------------------------------------
# Listings and feed
# ---------------------------------------------------------------------------------------------
def _issue_number(title: str | None, site: Site) -> int | None:
    return issue_number(title, markers_of(site))


def parse_listing(url: str, html: str, *, site: Site) -> Listing:
    """Parse the home page, ``?page=N``, ``?sort=N`` or ``?sort=N&page=N``.

    ``Entry.number`` is the AI Weekly issue number when the title names one (mirror posts).
    """
    sel = html_selector(html)
    entries: list[Entry] = []
    seen: set[str] = set()
    for link in sel.css("a.loglist-title") or _post_links(sel, url, site):
        href = link.attrib.get("href")
        if not href:
            continue
        entry_url = _absolute(url, href)
        if entry_url in seen:
            continue
        seen.add(entry_url)
        title = clean_inline(" ".join(link.css("::text").getall())) or None
        # The card is the nearest ancestor that also holds the "发布于 <time>" info row.
        card = link.xpath("ancestor::div[.//div[contains(@class,'log-info')]][1]")
        when = card.css(".log-info time::text, .log-info time::attr(datetime)").getall()
        published = next(
            (p for t in when if (p := parse_local_datetime(t.strip(), tz=site.timezone))), None
        )
        entries.append(Entry(url=entry_url, number=_issue_number(title, site), title=title,
                             published=published))
    return web_links(Listing(url=canonical_url(url), entries=tuple(entries),
                             next_url=_next_url(sel, url, site)))


def _post_links(sel: Selector, url: str, site: Site) -> list[Selector]:
    """Every link to a post of this site: EMLOG's default template marks post titles
    (``a.loglist-title``); another template may not. Sidebar repeats are harmless (the spider
    fetches a URL once); comment anchors (``#comment``) are not posts."""
    links = []
    for anchor in sel.xpath("//a[@href]"):
        href = anchor.attrib["href"]
        target = _absolute(url, href)
        if ("#" not in href and _is_site_host(target, site)
                and post_id_from_url(target) is not None):
            links.append(anchor)
    return links


def _next_url(sel: Selector, url: str, site: Site) -> str | None:
    found = _marked_next_url(sel, url)
    if found is not None:
        return found
    # No marked "next" link (another template): the link to page N+1 of the same listing.
    here = _query(url)
    page = (here.get("page") or ["1"])[0]
    number = int64(page)
    wanted = str(number + 1 if number is not None else 2)
    for href in sel.xpath("//a/@href").getall():
        target = _absolute(url, href)
        query = _query(target)
        if (_is_site_host(target, site) and query.get("page") == [wanted]
                and query.get("sort") == here.get("sort")):
            return target
    return None


def _marked_next_url(sel: Selector, url: str) -> str | None:
    for link in sel.css(".pagination a, .page-navigator a, nav a"):
        text = clean_inline(" ".join(link.css("::text").getall()))
        if (
            link.attrib.get("title") == "Next Page"
            or link.attrib.get("rel") == "next"
            or (text in {"»", "下一页", "Next"})
        ):
            href = link.attrib.get("href")
            if href:
                return _absolute(url, href)
    return None


def parse_feed(url: str, xml: str, *, site: Site) -> Listing:
    """Parse ``/rss.php`` (RSS 2.0): one entry per item, newest first, no next page."""
    entries = [Entry(url=_absolute(url, item.link), number=_issue_number(item.title or None, site),
                     title=item.title or None, published=item.published)
               for item in read_feed(xml, timezone=site.timezone)]
    return web_links(Listing(url=canonical_url(url), entries=tuple(entries), next_url=None))

