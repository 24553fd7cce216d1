"""Feeds built from the store: Atom 1.0, RSS 2.0 and JSON Feed 1.1, with RFC 5005 archives.

Under ``OUT/feeds/``: ``<name>.atom.xml``, ``<name>.rss.xml`` and ``<name>.json`` for each
language of the registry, the bilingual ``all`` and each source (``sources/<key>.*``); the
Atom archive pages ``archive/<name>-<k>.atom.xml`` (k = 1 is the oldest); ``feeds.opml``.

Every date comes from the store, so the same store gives byte-identical files and a reader
marks an entry unread only when its content really changed. Ids are built from the issue
number (or the mirror URL), never from a title; see :class:`~aggregator.feeds.model.Identity`.
"""

from __future__ import annotations

import re
from pathlib import Path

from aggregator.catalog import IssueView
from aggregator.feeds import atom, jsonfeed, opml, rss
from aggregator.feeds.document import Document, archive_path, plan, subscription_path
from aggregator.feeds.entries import feed_specs
from aggregator.feeds.model import DEFAULT_BASE_URL, Entry, FeedSpec, Identity
from aggregator.files import write_atomically
from aggregator.sites import newsletter

__all__ = ["DEFAULT_BASE_URL", "Entry", "FeedSpec", "Identity", "feed_specs", "write_feeds"]

OPML_PATH = "feeds/feeds.opml"


def write_feeds(catalog: list[IssueView], out_dir: Path, *,
                base_url: str = DEFAULT_BASE_URL, limit: int = 50,
                page_size: int = 50) -> list[Path]:
    """Write every feed, its archive pages and the OPML list under ``out_dir``; return them.

    ``base_url`` is where ``out_dir`` is served (the feeds' ``self`` links and their ids'
    authority); ``limit`` is how many entries a subscription feed carries; ``page_size`` how
    many an archive page holds.
    """
    identity = Identity.of(base_url)
    specs = feed_specs()
    written: list[Path] = []
    paths: dict[tuple[str, str], str] = {}

    def write(path: str, data: bytes) -> None:
        written.append(write_atomically(out_dir / path, data))

    for spec in specs:
        current, pages = plan(spec, spec.entries(catalog), limit=limit, page_size=page_size)
        links = (("prev-archive", pages[-1].path),) if pages else ()
        for kind, render in (("atom", atom.render), ("rss", rss.render),
                             ("json", jsonfeed.render)):
            path = subscription_path(spec, kind)
            paths[(spec.path, kind)] = path
            write(path, render(Document(spec, path, current, links), identity))
        for page in pages:
            write(page.path, atom.render(page, identity))
        _remove_stale_pages(out_dir, spec, len(pages))
    write(OPML_PATH, opml.render(specs, paths, identity, f"{newsletter().feed_title} feeds"))
    return written


def _remove_stale_pages(out_dir: Path, spec: FeedSpec, count: int) -> None:
    """Delete this feed's archive pages beyond ``count`` (left by a larger ``limit`` or a
    smaller ``page_size``), so the served archive is exactly the chain the feed links."""
    folder = (out_dir / archive_path(spec, 1)).parent
    pattern = re.compile(rf"{re.escape(Path(spec.path).name)}-(\d+)\.atom\.xml")
    for path in folder.glob("*.atom.xml") if folder.is_dir() else ():
        found = pattern.fullmatch(path.name)
        if found and int(found.group(1)) > count:
            path.unlink()
