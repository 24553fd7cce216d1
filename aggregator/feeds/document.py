"""Feed documents: the subscription feed and its RFC 5005 archive pages.

A subscription feed carries the newest ``limit`` entries; every older entry is on exactly one
archive page. Pages are filled oldest first in the order entries arrived in the store (by UTC
day, then publication date), so a newly found entry, even an old issue crawled late, joins the
newest page and never shifts entries between pages: a full page keeps its bytes until one of
its own entries changes. The newest page is open (it may be empty right after the page before
it filled up), which lets every full page name its ``next-archive`` from the moment it is full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aggregator.feeds.model import EPOCH, Entry, FeedSpec
from aggregator.sites import ConfigError


@dataclass(frozen=True)
class Document:
    spec: FeedSpec
    path: str  # under OUT/: "feeds/en.atom.xml", "feeds/archive/en-1.atom.xml"
    entries: tuple[Entry, ...]  # newest first
    links: tuple[tuple[str, str], ...] = ()  # (rel, OUT/-relative path): archive navigation
    archive: bool = False

    @property
    def updated(self) -> str:
        """The newest entry's ``updated``: it moves only when an entry in this document does."""
        return stamp(max((e.updated for e in self.entries), default=EPOCH))


def stamp(value: datetime) -> str:
    """RFC 3339 to the second, in UTC (one spelling, so equal instants give equal bytes)."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def _arrival(entry: Entry) -> tuple[str, str, str]:
    return (entry.arrived.astimezone(UTC).date().isoformat(), stamp(entry.published), entry.key)


def _newest_first(entries: list[Entry]) -> tuple[Entry, ...]:
    return tuple(sorted(entries, key=lambda e: (stamp(e.published), e.key), reverse=True))


def subscription_path(spec: FeedSpec, kind: str) -> str:
    suffix = {"atom": "atom.xml", "rss": "rss.xml", "json": "json"}[kind]
    return f"feeds/{spec.path}.{suffix}"


def archive_path(spec: FeedSpec, page: int) -> str:
    return f"feeds/archive/{spec.path}-{page}.atom.xml"


def plan(spec: FeedSpec, entries: list[Entry], *, limit: int,
         page_size: int) -> tuple[tuple[Entry, ...], list[Document]]:
    """The subscription feed's entries and the Atom archive pages (page 1 is the oldest)."""
    if limit < 1 or page_size < 1:
        raise ConfigError(f"feed limit and page size must be positive, got {limit}, {page_size}")
    ordered = sorted(entries, key=_arrival)
    older, current = ordered[:-limit], ordered[-limit:]
    if not older:
        return _newest_first(current), []
    count = len(older) // page_size + 1
    current_path = subscription_path(spec, "atom")
    pages = []
    for number in range(1, count + 1):
        links = [("current", current_path)]
        if number > 1:
            links.append(("prev-archive", archive_path(spec, number - 1)))
        if number < count:
            links.append(("next-archive", archive_path(spec, number + 1)))
        chunk = older[(number - 1) * page_size:number * page_size]
        pages.append(Document(spec, archive_path(spec, number), _newest_first(chunk),
                              tuple(links), archive=True))
    return _newest_first(current), pages
