"""An OPML 2.0 subscription list of every feed, one outline group per format.

Readers import each outline as a subscription, so the groups let a person keep one format
(three copies of the same entries would otherwise show up side by side).
"""

from __future__ import annotations

from lxml import etree

from aggregator.feeds.model import FeedSpec, Identity

FORMATS = (("atom", "Atom"), ("rss", "RSS 2.0"), ("json", "JSON Feed"))


def render(specs: tuple[FeedSpec, ...], paths: dict[tuple[str, str], str],
           identity: Identity, title: str) -> bytes:
    """``paths`` maps (feed path, format) to the file under OUT/."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    for kind, label in FORMATS:
        group = etree.SubElement(body, "outline", text=label, title=label)
        for spec in specs:
            etree.SubElement(group, "outline", type="rss", text=spec.title, title=spec.title,
                             xmlUrl=identity.url(paths[(spec.path, kind)]), htmlUrl=spec.home,
                             language=spec.language)
    return bytes(etree.tostring(root, pretty_print=True, xml_declaration=True,
                                encoding="UTF-8"))
