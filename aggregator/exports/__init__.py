"""Analyst datasets (issues, stories, documents, links) as JSON Lines, CSV and Parquet.

One schema (:mod:`aggregator.exports.schema`, documented in ``docs/data-dictionary.md``),
rows streamed from the store (:mod:`aggregator.exports.rows`), one writer per format
(:mod:`aggregator.exports.formats`). The same store gives byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from aggregator.catalog import IndexEntry, IssueView, build_index
from aggregator.exports.formats import WRITERS
from aggregator.exports.rows import (
    Row,
    Selection,
    document_rows,
    issue_rows,
    link_rows,
    story_rows,
)
from aggregator.exports.schema import datasets
from aggregator.sites import SITES, ConfigError, get_site
from aggregator.store import Store

__all__ = ["FORMATS", "Selection", "write_exports"]

FORMATS = tuple(WRITERS)
Rows = Callable[[Session, list[IndexEntry], Selection], Iterator[Row]]
BUILDERS: dict[str, Rows] = {"issues": issue_rows, "stories": story_rows,
                             "documents": document_rows, "links": link_rows}


def write_exports(store: Store, catalog: Sequence[IssueView] | None, out_dir: Path, *,
                  formats: Sequence[str] = FORMATS, since: date | None = None,
                  lang: str | None = None, source: str | None = None) -> list[Path]:
    """Write every dataset in each of ``formats`` into ``out_dir/exports/``.

    ``catalog`` is not read: exports stream from the store and group with
    :func:`aggregator.catalog.build_index`, the grouping the catalog itself uses (the
    parameter stays so callers that pass the feeds' catalog keep working). ``since``,
    ``lang`` and ``source`` narrow the rows (see :class:`Selection`).
    """
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise ValueError(f"unknown export format {unknown[0]!r} (known: {', '.join(WRITERS)})")
    if source is not None:
        get_site(source)  # a one-line ConfigError naming the known keys
    languages = list(dict.fromkeys(site.lang for site in SITES.values()))
    if lang is not None and lang not in languages:
        raise ConfigError(f"unknown language {lang!r} (known: {', '.join(languages)})")
    selection = Selection(since=since, lang=lang, source=source)
    schema = datasets()
    written: list[Path] = []
    with store.session() as session:
        index = build_index(store)
        for fmt in formats:
            suffix, write = WRITERS[fmt]
            for name, build in BUILDERS.items():
                path = out_dir / "exports" / f"{name}.{suffix}"
                write(path, schema[name], build(session, index, selection))
                written.append(path)
    return written
