"""The one feed reader every site's ``parse_feed`` uses: RSS 2.0 and Atom items as plain
values (title, link, published); each site only maps them to its listing entries."""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from datetime import datetime

from aggregator.dates import parse_local_datetime, parse_rfc822
from aggregator.normalize import clean_inline
from aggregator.sites.guards import xml_selector


@dataclass(frozen=True)
class FeedItem:
    title: str  # one line; entities escaped a second time by the blog are undone
    link: str  # as written (the item's link, an Atom alternate, else a permalink guid)
    published: datetime | None  # aware


def read_feed(xml: str, *, timezone: str = "UTC") -> list[FeedItem]:
    """Every item of an RSS 2.0 or Atom document, in feed order; items without a link are
    skipped. ``timezone`` places an Atom date written without an offset."""
    sel = xml_selector(xml)
    items: list[FeedItem] = []
    for node in sel.xpath("//item | //entry"):
        link = (clean_inline(node.xpath("string(link)").get() or "")
                or clean_inline(node.xpath("link[not(@rel) or @rel='alternate']/@href").get()
                                or "")
                or clean_inline(node.xpath("guid[not(@isPermaLink='false')]/text()").get()
                                or ""))
        if not link:
            continue
        # EMLOG and WordPress html-escape titles before writing them into the XML.
        title = clean_inline(html_lib.unescape(node.xpath("string(title)").get() or ""))
        when = clean_inline(node.xpath("string(pubDate | published | updated)").get() or "")
        published = (parse_rfc822(when) or parse_local_datetime(when, tz=timezone)
                     if when else None)
        items.append(FeedItem(title, link, published))
    return items
