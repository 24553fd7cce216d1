"""RSS 2.0 documents (the newest entries only; the archive is Atom's, RFC 5005).

RSS has no per-link language, so the other language versions are a "Read in" paragraph of
links inside ``description`` and ``content:encoded``; the entry's language goes in
``dc:language``, which feedparser and most readers understand.
"""

from __future__ import annotations

import html
from email.utils import format_datetime

from lxml import etree

from aggregator.feeds.document import Document
from aggregator.feeds.entries import read_in_html
from aggregator.feeds.model import EPOCH, Entry, Identity

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
_NSMAP = {"atom": ATOM_NS, "content": CONTENT_NS, "dc": DC_NS}


def _add(parent: etree._Element, tag: str, text: str | None = None,
         **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib=attributes)
    if text is not None:
        element.text = text
    return element


def _description(entry: Entry) -> str:
    paragraphs = [f"<p>{html.escape(p)}</p>" for p in entry.summary.split("\n") if p.strip()]
    return "\n".join(p for p in (read_in_html(entry.versions), *paragraphs) if p)


def _item(channel: etree._Element, entry: Entry, identity: Identity) -> None:
    item = _add(channel, "item")
    _add(item, "title", entry.title)  # plain text: lxml escapes it once, no markup inside
    _add(item, "link", entry.link)
    _add(item, "guid", identity.id(entry.key), isPermaLink="false")
    _add(item, "pubDate", format_datetime(entry.published, usegmt=False))
    for category in entry.categories:
        _add(item, "category", category)
    _add(item, "description", _description(entry) or html.escape(entry.title))
    _add(item, f"{{{CONTENT_NS}}}encoded", entry.content_html)
    _add(item, f"{{{DC_NS}}}language", entry.lang)


def render(document: Document, identity: Identity) -> bytes:
    spec = document.spec
    root = etree.Element("rss", nsmap=_NSMAP, version="2.0")
    channel = _add(root, "channel")
    _add(channel, "title", spec.title)
    _add(channel, "link", spec.home)
    _add(channel, "description", spec.subtitle)
    _add(channel, f"{{{ATOM_NS}}}link", href=identity.url(document.path), rel="self",
         type="application/rss+xml")
    _add(channel, "language", spec.language)
    newest = max((e.updated for e in document.entries), default=EPOCH)
    _add(channel, "lastBuildDate", format_datetime(newest, usegmt=False))
    _add(channel, "generator", "aggregator")
    _add(channel, "docs", "https://www.rssboard.org/rss-specification")
    for entry in document.entries:
        _item(channel, entry, identity)
    return bytes(etree.tostring(root, pretty_print=True, xml_declaration=True,
                                encoding="UTF-8"))
