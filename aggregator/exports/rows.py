"""Rows of the analyst datasets, streamed from the store.

The grouping of documents into issues is :func:`aggregator.catalog.build_index` (the same
function the feeds' catalog uses), a few columns per document. Stories, documents and links
are then read in batches (``yield_per``, or a page of issues at a time), so memory stays flat
however large the archive. Values are Python objects (``date``, aware ``datetime``, lists);
the writers in :mod:`aggregator.exports.formats` give them each format's spelling.

Order is stable: issues and stories by issue number (unnumbered last, then key), documents
and links by (source, URL) in byte order on every backend, so two exports diff cleanly.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from aggregator.catalog import IndexEntry, PostRef
from aggregator.exports.schema import lang_suffix, on_newsletter_column
from aggregator.normalize import canonical_url
from aggregator.sites import SITES, mirror_languages, newsletter
from aggregator.store import IssueRow, LinkRow, PostRow, StoryRow

Row = dict[str, Any]
BATCH = 1000  # rows per fetch (yield_per)
PAGE = 50  # issues per page: their stories (a few hundred to a thousand) are in memory at once


@dataclass(frozen=True)
class Selection:
    """Which rows an export keeps. A document is kept when its source and language match
    and its issue (its own date for a post of no issue) was published on or after ``since``;
    stories and links follow their document; an issue is kept when it passes ``since`` and,
    under a language or source filter, one of its documents is kept. So every kept story,
    document and link joins a kept issue."""

    since: date | None = None
    lang: str | None = None
    source: str | None = None

    def _dated(self, published: datetime | None) -> bool:
        if self.since is None:
            return True
        return published is not None and published.date() >= self.since

    def document(self, source: str, lang: str, published: datetime | None) -> bool:
        return ((self.source is None or source == self.source)
                and (self.lang is None or lang == self.lang) and self._dated(published))

    def english(self, entry: IndexEntry) -> bool:
        site = newsletter()
        return entry.english and self.document(site.key, site.lang, entry.published)

    def mirrors(self, entry: IndexEntry) -> list[PostRef]:
        return [m for m in entry.mirrors if self.document(m.source, m.lang, entry.published)]

    def issue(self, entry: IndexEntry) -> bool:
        if self.lang is None and self.source is None:
            return self._dated(entry.published)
        return self.english(entry) or bool(self.mirrors(entry))


def _batches(items: Iterable[IndexEntry]) -> Iterator[list[IndexEntry]]:
    iterator = iter(items)
    while batch := list(islice(iterator, PAGE)):
        yield batch


def byte_order(column: QueryableAttribute[str], session: Session) -> ColumnElement[str]:
    """Order text by code point on every backend (PostgreSQL's locale collation would not)."""
    if session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column.expression


def local_time(value: datetime | None, source: str) -> datetime | None:
    """A post's datetime in its site's own time zone (the offset its readers saw)."""
    if value is None:
        return None
    zone = SITES[source].timezone if source in SITES else "UTC"
    return value.astimezone(ZoneInfo(zone))


# -- issues -------------------------------------------------------------------------------------


def _story_counts(s: Session, numbers: list[int], post_ids: list[int]
                  ) -> tuple[dict[int, int], dict[int, int]]:
    by_issue = dict(s.execute(select(StoryRow.issue_number, func.count())
                              .where(StoryRow.issue_number.in_(numbers))
                              .group_by(StoryRow.issue_number)).all())
    by_post = dict(s.execute(select(StoryRow.post_row, func.count())
                             .where(StoryRow.post_row.in_(post_ids))
                             .group_by(StoryRow.post_row)).all())
    return ({k: v for k, v in by_issue.items() if k is not None},
            {k: v for k, v in by_post.items() if k is not None})


def issue_rows(s: Session, index: list[IndexEntry], selection: Selection) -> Iterator[Row]:
    """One row per issue; ``title_<lang>``/``stories_<lang>`` per mirror language of the
    registry, from that language's newest mirror post."""
    for batch in _batches(e for e in index if selection.issue(e)):
        numbers = [e.number for e in batch if e.english and e.number is not None]
        post_ids = [m.id for e in batch for m in e.mirrors]
        english = {row.number: row for row in s.execute(
            select(IssueRow.number, IssueRow.url, IssueRow.title, IssueRow.week_start,
                   IssueRow.week_end).where(IssueRow.number.in_(numbers)))}
        posts = {row.id: row for row in s.execute(
            select(PostRow.id, PostRow.title_zh, PostRow.source_url, PostRow.week_start,
                   PostRow.week_end).where(PostRow.id.in_(post_ids)))}
        en_counts, post_counts = _story_counts(s, numbers, post_ids)
        for entry in batch:
            en = english.get(entry.number) if entry.english else None
            mirrors = [posts[m.id] for m in entry.mirrors]  # newest first
            stated = next((p.source_url for p in mirrors if p.source_url), None)
            url = en.url if en is not None else (canonical_url(stated) if stated else None)
            dated = en or next((p for p in mirrors if p.week_start), None)
            row: Row = {
                "number": entry.number, "url": url,
                "title_en": en.title if en is not None else None,
                "week_start": dated.week_start if dated is not None else None,
                "week_end": dated.week_end if dated is not None else None,
                "stories_en": en_counts.get(en.number, 0) if en is not None else 0,
            }
            for i, lang in enumerate(mirror_languages()):
                newest = entry.mirror_in(lang)
                sfx = lang_suffix(lang)
                row[f"title_{sfx}"] = posts[newest.id].title_zh if newest else None
                if i == 0:
                    row["mirror_urls"] = sorted(m.url for m in entry.mirrors)
                row[f"stories_{sfx}"] = post_counts.get(newest.id, 0) if newest else 0
                if i == 0:
                    row[on_newsletter_column()] = entry.english
                    row["issue_group"] = entry.key
            row.setdefault("mirror_urls", sorted(m.url for m in entry.mirrors))
            row.setdefault(on_newsletter_column(), entry.english)
            row.setdefault("issue_group", entry.key)
            yield row


# -- stories ------------------------------------------------------------------------------------


def _stories_of(s: Session, owner: Any, ids: list[int]) -> dict[int, list[StoryRow]]:
    grouped: dict[int, list[StoryRow]] = {}
    query = (select(StoryRow).where(owner.in_(ids)).order_by(owner, StoryRow.position,
                                                             StoryRow.id))
    for story in s.scalars(query.execution_options(yield_per=BATCH)):
        grouped.setdefault(getattr(story, owner.key), []).append(story)
    return grouped


def _story_row(story: StoryRow, entry: IndexEntry, document_url: str,
               english_links: dict[int, str]) -> Row:
    link = story.link
    if link is None and story.lang != newsletter().lang and story.pair is not None:
        link = english_links.get(story.pair)  # the aligned English story's link
    return {
        "issue_number": entry.number, "lang": story.lang, "section": story.section,
        "position": story.position, "headline": story.headline, "link": link,
        "outlet": story.outlet, "date": story.date, "summary": story.summary,
        "pair": story.pair, "document_url": document_url, "issue_group": entry.key,
    }


def story_rows(s: Session, index: list[IndexEntry], selection: Selection) -> Iterator[Row]:
    """Per issue: its English stories, then per mirror language the stories of its newest
    mirror post in that language (older re-posts are versions, not more stories)."""
    for batch in _batches(e for e in index if selection.issue(e)):
        numbers = [e.number for e in batch if e.english and e.number is not None]
        newest = {e.key: [m for lang in mirror_languages()
                          if (m := e.mirror_in(lang)) is not None and m in selection.mirrors(e)]
                  for e in batch}
        english = _stories_of(s, StoryRow.issue_number, numbers)
        translated = _stories_of(s, StoryRow.post_row, [m.id for ms in newest.values()
                                                        for m in ms])
        urls = dict(s.execute(select(IssueRow.number, IssueRow.url)
                              .where(IssueRow.number.in_(numbers))).all())
        for entry in batch:
            en_stories = english.get(entry.number, []) if entry.number is not None else []
            links = {st.position: st.link for st in en_stories if st.link}
            if entry.number in urls and selection.english(entry):
                yield from (_story_row(st, entry, urls[entry.number], links)
                            for st in en_stories)
            for mirror in newest[entry.key]:
                yield from (_story_row(st, entry, mirror.url, links)
                            for st in translated.get(mirror.id, []))
        del english, translated  # before the next page loads, so one page is held at a time


# -- documents ----------------------------------------------------------------------------------


def _groups(index: list[IndexEntry]) -> tuple[dict[int, IndexEntry], dict[int, str]]:
    """{post id: its issue}, {post id: URL of the newest version in its language}."""
    entry_of: dict[int, IndexEntry] = {}
    duplicate_of: dict[int, str] = {}
    for entry in index:
        for mirror in entry.mirrors:
            entry_of[mirror.id] = entry
            # A re-post is a duplicate of the newest mirror in its own language; a mirror in
            # another language is a sibling, never a duplicate.
            newest = entry.mirror_in(mirror.lang)
            if newest is not None and newest.id != mirror.id:
                duplicate_of[mirror.id] = newest.url
    return entry_of, duplicate_of


def _english_documents(s: Session, index: dict[int, IndexEntry], selection: Selection
                       ) -> Iterator[Row]:
    site = newsletter()
    query = select(IssueRow.url, IssueRow.title, IssueRow.published, IssueRow.number)
    for url, title, published, number in s.execute(
            query.order_by(byte_order(IssueRow.url, s)).execution_options(yield_per=BATCH)):
        entry = index[number]
        if not selection.english(entry):
            continue
        yield {
            "url": url, "source": site.key, "lang": site.lang, "kind": "issue",
            "title": title, "published": published, "issue_number": number,
            "link_method": None, "link_score": None, "stated_issue_number": number,
            "issue_group": entry.key, "duplicate_of": None,
        }


def _post_documents(s: Session, index: list[IndexEntry], selection: Selection
                    ) -> Iterator[Row]:
    entry_of, duplicate_of = _groups(index)
    query = (select(PostRow.id, PostRow.url, PostRow.source, PostRow.lang, PostRow.is_mirror,
                    PostRow.title, PostRow.published, PostRow.stated_issue_number,
                    LinkRow.issue_number, LinkRow.method, LinkRow.score)
             .outerjoin(LinkRow, LinkRow.post_row == PostRow.id)
             .order_by(byte_order(PostRow.source, s), byte_order(PostRow.url, s)))
    for post in s.execute(query.execution_options(yield_per=BATCH)):
        entry = entry_of.get(post.id) if post.is_mirror else None
        dated = entry.published if entry is not None else post.published
        if not selection.document(post.source, post.lang, dated):
            continue
        linked = post.is_mirror and post.issue_number is not None
        yield {
            "url": post.url, "source": post.source, "lang": post.lang,
            "kind": "mirror" if post.is_mirror else "other", "title": post.title,
            "published": local_time(post.published, post.source),
            "issue_number": entry.number if entry is not None else None,
            "link_method": post.method if linked else None,  # null is the one "not linked"
            "link_score": post.score if linked else None,
            "stated_issue_number": post.stated_issue_number,
            "issue_group": entry.key if entry is not None else f"post:{post.url}",
            "duplicate_of": duplicate_of.get(post.id),
        }


def document_rows(s: Session, index: list[IndexEntry], selection: Selection) -> Iterator[Row]:
    """One row per crawled document (English issue page or mirror-site post), by (source,
    URL); ``issue_group`` names the issue shared across languages."""
    by_number = {e.number: e for e in index if e.english and e.number is not None}
    return heapq.merge(_english_documents(s, by_number, selection),
                       _post_documents(s, index, selection),
                       key=lambda row: (row["source"], row["url"]))  # code points = bytes


# -- links --------------------------------------------------------------------------------------


def link_rows(s: Session, index: list[IndexEntry], selection: Selection) -> Iterator[Row]:
    """One row per mirror post linked to an English issue, by (source, URL). When the link
    was decided is left out: it is wall-clock time, so equal crawls would not diff cleanly."""
    entry_of, _ = _groups(index)
    query = (select(PostRow.id, PostRow.url, PostRow.source, PostRow.lang, LinkRow.issue_number,
                    IssueRow.url.label("issue_url"), LinkRow.method, LinkRow.score,
                    LinkRow.evidence)
             .join(LinkRow, LinkRow.post_row == PostRow.id)
             .outerjoin(IssueRow, IssueRow.number == LinkRow.issue_number)
             .where(PostRow.is_mirror.is_(True), LinkRow.issue_number.is_not(None))
             .order_by(byte_order(PostRow.source, s), byte_order(PostRow.url, s)))
    for link in s.execute(query.execution_options(yield_per=BATCH)):
        entry = entry_of.get(link.id)
        dated = entry.published if entry is not None else None
        if not selection.document(link.source, link.lang, dated):
            continue
        yield {
            "post_url": link.url, "source": link.source, "lang": link.lang,
            "issue_number": link.issue_number, "issue_url": link.issue_url,
            "method": link.method, "score": link.score,
            "evidence": json.dumps(link.evidence or {}, ensure_ascii=False, sort_keys=True),
        }
