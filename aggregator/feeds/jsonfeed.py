"""JSON Feed 1.1 documents (https://www.jsonfeed.org/version/1.1/), the newest entries only."""

from __future__ import annotations

import json
from typing import Any

from aggregator.feeds.document import Document, stamp
from aggregator.feeds.model import Entry, Identity

VERSION = "https://jsonfeed.org/version/1.1"


def _item(entry: Entry, identity: Identity) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": identity.id(entry.key),
        "url": entry.link,
        "title": entry.title,
        "content_html": entry.content_html,
        "date_published": stamp(entry.published),
        "date_modified": stamp(entry.updated),
        "language": entry.lang,
    }
    if entry.summary:
        item["summary"] = entry.summary
    if entry.categories:
        item["tags"] = list(entry.categories)
    return item


def render(document: Document, identity: Identity) -> bytes:
    spec = document.spec
    feed = {
        "version": VERSION,
        "title": spec.title,
        "home_page_url": spec.home,
        "feed_url": identity.url(document.path),
        "description": spec.subtitle,
        "language": spec.language,
        "authors": [{"name": name} for name in spec.authors],
        "items": [_item(entry, identity) for entry in document.entries],
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
