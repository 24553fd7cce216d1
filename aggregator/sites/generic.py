"""Generic page objects for a mirror blog nobody wrote a parser for.

A registry entry with only a base URL, a ``platform`` and a language gets these. Listings follow
the platform's conventions (WordPress or EMLOG pagination; for ``generic``, every same-host link
plus the feeds the page announces); a post is read by *structure*: the title from ``<h1>`` /
``og:title`` / ``<title>``, the publication time from ``meta[article:published_time]`` /
``time[datetime]``, the body as the element holding the largest block of text. Mirror detection
is the shared grammar (:mod:`aggregator.sites.mirror`) with the entry's markers, or the default
markers of its script.

Every post parsed here has ``markup = "text"``, so the run summary flags the site's pages for a
maintainer. No site is named here: everything comes from the :class:`Site` entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector

from aggregator.dates import parse_local_datetime
from aggregator.items import Entry, Listing, Post
from aggregator.normalize import clean_inline, page_url, sanitize_html
from aggregator.sites import emlog, wordpress
from aggregator.sites.base import PageObjects, Site
from aggregator.sites.guards import html_selector, int64, web_links
from aggregator.sites.mirror import (
    issue_number,
    lines_of,
    markers_of,
    parse_mirror,
    render,
    strip_revision_remark,
)
from aggregator.sites.rss import read_feed

__all__ = ["page_objects", "parse_feed", "parse_links", "parse_listing",
           "parse_post"]

# Children that carry an article's text; their text decides which element is the body.
_TEXT_CHILDREN = frozenset({"p", "ul", "ol", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
                            "table", "figure", "dl"})
_CONTAINERS = "//div | //article | //section | //main | //td"
_JUNK = ("script", "style", "nav", "form", "aside", "noscript", "template")
_ID_PARAMS = ("p", "post", "id")
_ARTICLE_ID_RE = re.compile(r"^post-(\d+)$")
# Links that never lead to a document: assets, admin pages, feeds, comment anchors.
_NOT_A_DOCUMENT_RE = re.compile(
    r"\.(?:css|js|png|jpe?g|gif|svg|webp|ico|pdf|zip|xml)$|/(?:wp-admin|wp-content|wp-includes|"
    r"admin|feed|tag|author)(?:/|$)|/(?:rss\.php|wp-login\.php)$",
    re.IGNORECASE,
)
_NEXT_TEXTS = frozenset({"»", "›", "下一頁", "下一页", "Next", "Next »", "Older posts", "較舊文章",
                         "较旧文章", "下頁", "下页"})
_MIN_BODY_CHARS = 200  # an undated page with less text than this is a notice, not a post


def page_objects(site: Site) -> PageObjects:
    """Generic page objects for a registry entry, by its platform."""
    return PageObjects(
        parse_feed=partial(parse_feed, site=site),
        parse_listing=partial(parse_listing, site=site),
        parse_document=partial(parse_post, site=site),
    )


# ---------------------------------------------------------------------------------------------
# Listings and feeds
# ---------------------------------------------------------------------------------------------
def parse_listing(url: str, text: str, *, site: Site) -> Listing:
    """A listing by the platform's conventions; XML bodies (feeds, sitemaps) by their format."""
    head = text[:2000]
    if "<rss" in head or "<feed" in head:
        return parse_feed(url, text, site=site)
    if site.platform == "wordpress" or "<sitemapindex" in head or "<urlset" in head:
        return wordpress.parse_listing(url, text, site=site)
    if site.platform == "emlog":
        return emlog.parse_listing(url, text, site=site)
    return parse_links(url, text, site=site)


def parse_links(url: str, html: str, *, site: Site) -> Listing:
    """Every same-host link as an entry; announced feeds to follow; a marked next page.

    Without platform knowledge a listing cannot tell posts from archive pages, so every link
    that may be a document is an entry (the document parser refuses the rest).
    """
    sel = html_selector(html)
    here = page_url(url)
    entries: list[Entry] = []
    seen = {here}
    for anchor in sel.xpath("//body//a[@href]"):
        href = anchor.attrib["href"].strip()
        target = _absolute(url, href)
        if (href.startswith("#") or target in seen or not site.owns(target)
                or _NOT_A_DOCUMENT_RE.search(urlsplit(target).path)):
            continue
        seen.add(target)
        title = clean_inline(" ".join(anchor.css("::text").getall())) or None
        entries.append(Entry(url=target, number=issue_number(title, markers_of(site)),
                             title=title))
    feeds = sel.css('link[rel="alternate"][type*="rss"]::attr(href), '
                    'link[rel="alternate"][type*="atom"]::attr(href)').getall()
    follow = tuple(dict.fromkeys(
        f for f in (_absolute(url, h) for h in feeds) if site.owns(f)))
    return web_links(Listing(url=here, entries=tuple(entries), next_url=_next_url(sel, url),
                             follow=follow))


def _absolute(base: str, href: str) -> str:
    # An href no URL can be made of ("http://[::1" raises in urlsplit) gives "", which no
    # listing keeps (only http(s) links are) and no host check accepts: the link is skipped.
    try:
        return page_url(urljoin(base, href.strip()))
    except ValueError:
        return ""


def _next_url(sel: Selector, url: str) -> str | None:
    href = sel.css('link[rel="next"]::attr(href), a[rel~="next"]::attr(href)').get()
    if not href:
        for anchor in sel.xpath("//a[@href]"):
            if clean_inline(" ".join(anchor.css("::text").getall())) in _NEXT_TEXTS:
                href = anchor.attrib["href"]
                break
    return (_absolute(url, href) or None) if href else None


def parse_feed(url: str, xml: str, *, site: Site) -> Listing:
    """An RSS 2.0 or Atom feed: one entry per item, as ordered in the feed."""
    entries = [Entry(url=_absolute(url, item.link),
                     number=issue_number(item.title or None, markers_of(site)),
                     title=item.title or None, published=item.published)
               for item in read_feed(xml, timezone=site.timezone)]
    return web_links(Listing(url=page_url(url), entries=tuple(entries)))

# ---------------------------------------------------------------------------------------------
# Posts by structure
# ---------------------------------------------------------------------------------------------
def parse_post(url: str, html: str, *, site: Site,
               house_title: Callable[[str], str] = strip_revision_remark) -> Post:
    """A post read by structure; raises ``ValueError`` for a page that is not a post.

    Not a post: no title, no body text, a page listing several articles, or an undated page
    with little text (an error page served with 200).
    """
    sel = html_selector(html)
    here_url = page_url(url)
    if len(sel.css("article")) > 1:
        raise ValueError(f"{here_url}: a page of several articles is a listing, not a post")
    for junk in sel.css(", ".join(_JUNK)):
        junk.drop()
    title = _title(sel, site)
    body = _body(sel)
    if not title or body is None:
        raise ValueError(f"{here_url}: no post title/body found")
    lines = lines_of(body)
    text = render(lines)
    published = _published(sel, site)
    if published is None and len(text) < _MIN_BODY_CHARS:
        raise ValueError(f"{here_url}: an undated page with little text is not a post")
    return Post(
        url=here_url,
        post_id=_post_id(sel, here_url),
        title=title,
        published=published,
        author=_first_text(sel, 'meta[name="author"]::attr(content)', ".author ::text",
                           'a[rel~="author"] ::text'),
        category=_first_text(sel, 'a[rel~="category"] ::text',
                             'meta[property="article:section"]::attr(content)'),
        content_html=sanitize_html("".join(child.get() for child in body.xpath("./node()"))),
        content_text=text,
        mirror=parse_mirror(title, lines, markers_of(site), published=published,
                            house_title=house_title),
        markup="text",
    )


def _title(sel: Selector, site: Site) -> str:
    for query in ("article h1 ::text", "h1 ::text"):
        found = clean_inline(" ".join(sel.css(query).getall()))
        if found:
            return found
    meta = clean_inline(sel.css('meta[property="og:title"]::attr(content)').get() or "")
    if meta:
        return meta
    page_title = clean_inline(sel.css("title::text").get() or "")
    # "<post title> – <blog name>" (or "-", "|"): drop the blog's name.
    return re.sub(rf"\s*[-–—|｜]\s*{re.escape(site.name)}\s*$", "", page_title)


def _body(sel: Selector) -> Selector | None:
    """The element whose own text-bearing children hold the most text."""
    best, best_score = None, 0
    for node in sel.xpath(_CONTAINERS):
        score = sum(
            len(clean_inline("".join(child.root.itertext())))
            for child in node.xpath("./*")
            if isinstance(child.root.tag, str) and child.root.tag.lower() in _TEXT_CHILDREN
        )
        if score > best_score:
            best, best_score = node, score
    return best


def _published(sel: Selector, site: Site) -> datetime | None:
    candidates = [
        *sel.css('meta[property="article:published_time"]::attr(content)').getall(),
        *sel.css("time.published::attr(datetime), time[itemprop=datePublished]::attr(datetime)")
        .getall(),
        *sel.css("time[datetime]::attr(datetime)").getall(),
    ]
    return next((found for text in candidates
                 if (found := parse_local_datetime(text.strip(), tz=site.timezone))), None)


def _post_id(sel: Selector, here_url: str) -> int | None:
    shortlink = sel.css('link[rel="shortlink"]::attr(href)').get() or ""
    for link in (shortlink, here_url):
        try:
            query = parse_qs(urlsplit(link).query)
        except ValueError:  # a broken shortlink ("http://[::1") must not cost the post
            continue
        for name in _ID_PARAMS:
            if (number := int64((query.get(name) or [""])[0])) is not None:
                return number
    for article_id in sel.css("article::attr(id)").getall():
        found = _ARTICLE_ID_RE.match(article_id)
        if found and (number := int64(found.group(1))) is not None:
            return number
    return None


def _first_text(sel: Selector, *queries: str) -> str | None:
    for query in queries:
        for value in sel.css(query).getall():
            if text := clean_inline(value):
                return text
    return None
