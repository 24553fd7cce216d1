"""Atom 1.0 (RFC 4287) documents, with RFC 5005 archive links, written with lxml.

Written directly rather than with feedgen: feedgen stamps the current time, drops link
attributes (``hreflang``, ``title``) and has no per-entry ``xml:lang``; each of those is
something a reader or validator sees.
"""

from __future__ import annotations

from lxml import etree

from aggregator.feeds.document import Document, stamp
from aggregator.feeds.model import Entry, Identity

ATOM_NS = "http://www.w3.org/2005/Atom"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_A = f"{{{ATOM_NS}}}"
HTML = "text/html"


def _add(parent: etree._Element, tag: str, text: str | None = None,
         **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{_A}{tag}", attrib=attributes)
    if text is not None:
        element.text = text
    return element


def _entry(parent: etree._Element, entry: Entry, identity: Identity) -> None:
    element = _add(parent, "entry")
    element.set(XML_LANG, entry.lang)
    _add(element, "id", identity.id(entry.key))
    _add(element, "title", entry.title, type="text")
    _add(element, "updated", stamp(entry.updated))
    _add(element, "published", stamp(entry.published))
    # One alternate per language (RFC 4287 §4.2.7.2 allows one per type and hreflang), the
    # entry's own first; older re-posts of the same issue are related documents.
    versions = sorted(entry.versions, key=lambda v: v.href != entry.link)
    if not any(v.href == entry.link for v in versions):
        _add(element, "link", href=entry.link, rel="alternate", type=HTML, hreflang=entry.lang)
    for version in versions:
        _add(element, "link", href=version.href, rel="alternate", type=HTML,
             hreflang=version.lang, title=version.title)
    for version in entry.related:
        _add(element, "link", href=version.href, rel="related", type=HTML,
             hreflang=version.lang, title=version.title)
    for category in entry.categories:
        _add(element, "category", term=category)
    if entry.summary:
        _add(element, "summary", entry.summary, type="text")
    _add(element, "content", entry.content_html, type="html")


def render(document: Document, identity: Identity) -> bytes:
    spec = document.spec
    root = etree.Element(f"{_A}feed", nsmap={None: ATOM_NS, "fh": FH_NS})
    root.set(XML_LANG, spec.language)
    # Archive pages share the subscription feed's id: RFC 5005 pages are one logical feed.
    _add(root, "id", identity.id(f"feed:{spec.path}"))
    _add(root, "title", spec.title, type="text")
    _add(root, "subtitle", spec.subtitle, type="text")
    _add(root, "updated", document.updated)
    for name in spec.authors:  # RFC 4287 §4.1.1: a feed whose entries name none needs one
        _add(_add(root, "author"), "name", name)
    _add(root, "link", href=spec.home, rel="alternate", type=HTML)
    _add(root, "link", href=identity.url(document.path), rel="self",
         type="application/atom+xml")
    for rel, path in document.links:
        _add(root, "link", href=identity.url(path), rel=rel, type="application/atom+xml")
    _add(root, "generator", "aggregator")
    if document.archive:
        etree.SubElement(root, f"{{{FH_NS}}}archive")
    for entry in document.entries:
        _entry(root, entry, identity)
    return bytes(etree.tostring(root, pretty_print=True, xml_declaration=True,
                                encoding="UTF-8"))

