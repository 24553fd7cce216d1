"""Thin Scrapy glue, the card's shape: Normalize -> Store -> Link, each stage once per item.

The stages only call the library (:mod:`aggregator.article`, :class:`~aggregator.store.Store`,
:class:`~aggregator.relink.Linker`) and count what happened in the crawl's stats, which the run
summary prints. The link stage notes the mirrors stored as they arrive and links them once,
when the last crawl of the process sharing the store closes (no crawl left to stall).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError

from aggregator.crawl.parse_record import (
    PARSED_KIND,
    STORED_FORM_KEY,
    known_result,
    parsed_key,
    pending,
    record_data,
)
from aggregator.crawl.store_binding import store_for
from aggregator.dates import parse_rfc822
from aggregator.health import Coverage, document_fields, verdict
from aggregator.items import PageResult
from aggregator.regression import issue_regression, post_regression
from aggregator.relink import ARCHIVE_RELATIVE, Linker, LinkReport
from aggregator.sites import get_site
from aggregator.store import SourceRunRow, Store
from aggregator.store.mapping import sha256_json

logger = logging.getLogger(__name__)

# Flags the spider gives a page whose page object failed: the page is kept in quarantine.
QUARANTINE_FLAGS = ("unparsable", "parser-error")
QUARANTINE_SUFFIXES = tuple(f"({flag})" for flag in QUARANTINE_FLAGS)


class _Stats:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    def inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def set(self, key: str, value: Any) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(key, value)

    def append(self, key: str, value: str) -> None:
        if self.crawler.stats is not None:
            values = list(self.crawler.stats.get_value(key, []))
            if value not in values:
                values.append(value)
            self.crawler.stats.set_value(key, values)


def _changed_at(item: PageResult, fallback: datetime) -> datetime:
    """When the page's content last changed: its Last-Modified if it sent one."""
    if item.last_modified:
        parsed = parse_rfc822(item.last_modified)
        if parsed is not None:
            return parsed
    return fallback


class NormalizePipeline:
    """Make every parsed item clean and safe before anything stores or publishes it.

    A document whose page object gave exactly the result it gave when it was last stored
    (same digest, same :data:`STORED_FORM_KEY`) is passed on unnormalized, marked
    ``stored="unchanged"``: normalizing it again would give the rows the store holds.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageResult) or item.stored == "unchanged":
            return item  # not parsed at all: the spider found its record (parse_record)
        from aggregator.article import normalize_result

        if item.issue is not None or item.post is not None:
            digest = result_digest(item)
            if known_result(self.crawler, item, digest):
                return dataclasses.replace(item, stored="unchanged")
            pending(self.crawler)[item.url] = (digest, None)
        return normalize_result(item, lang=get_site(item.source).lang)


def result_digest(item: PageResult) -> str:
    """The page object's result, whatever body it came from."""
    return sha256_json(dataclasses.replace(item, body_sha256=None, parser=None))


def _kind(item: PageResult) -> str | None:
    if item.issue is not None:
        return "issues"
    if item.post is not None:
        return "mirrors" if item.post.mirror is not None else "posts"
    return None


class StorePipeline:
    """Upsert issues and posts; count new/updated/unchanged; flag pages that need a look."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = _Stats(crawler)
        self.store: Store | None = None
        self.coverage = Coverage()
        self.started = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = store_for(self.crawler)
        self.started = datetime.now(UTC)

    def close_spider(self) -> None:
        """Record this crawl in the run history, with its verdict against the recent ones."""
        if self.store is None or self.crawler.spider is None:
            return
        key = str(self.crawler.spider.name)
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        if stats.get("aggregator/locked_by"):
            return  # refused before it began: not a run of this source
        history = [run.coverage for run in self.store.source_runs(key, limit=5)
                   if run.verdict is None and run.documents]
        shares = self.coverage.shares()
        found = verdict(key, shares, self.coverage.documents, history)
        if found is not None:
            self.stats.set("aggregator/verdict", found)

        def count(prefix: str) -> int:
            return sum(int(v) for k, v in stats.items()
                       if k.startswith(prefix) and isinstance(v, int))

        self.store.record_source_run(SourceRunRow(
            source=key, started=self.started, finished=datetime.now(UTC),
            finish_reason=str(stats.get("finish_reason", "finished")),
            pages_fetched=count("aggregator/pages_fetched/"),
            not_modified=count("aggregator/pages_not_modified"),
            documents=self.coverage.documents,
            new=sum(count(f"aggregator/{k}_new") for k in ("issues", "mirrors", "posts")),
            updated=sum(count(f"aggregator/{k}_updated") for k in ("issues", "mirrors", "posts")),
            failed=list(stats.get("aggregator/failed_urls", [])),
            quarantined=[u for u in stats.get("aggregator/flagged_urls", [])
                         if u.endswith(QUARANTINE_SUFFIXES)],
            coverage=shares, verdict=found,
        ))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageResult) or self.store is None:
            return item
        digest, record = pending(self.crawler).pop(item.url, ("", None))
        now = datetime.now(UTC)
        changed_at = _changed_at(item, now)
        for flag in item.flags:
            self.stats.inc(f"aggregator/flagged/{flag}")
            self.stats.append("aggregator/flagged_urls", f"{item.url} ({flag})")
        if item.stored == "unchanged" and record is not None:
            # Parsed as when it was stored: the stored rows stand, counted as before.
            self.stats.inc(f"aggregator/{record['kind']}_unchanged")
            self._cover(record["fields"])
            if item.body_sha256 is not None and (record.get("body"), record.get("parser")) != (
                    item.body_sha256, item.parser):
                # A new body that parses as before (an advert changed): next time, not parsed.
                data = {k: v for k, v in record.items() if not k.startswith("_")}
                self.store.set_features(parsed_key(item.url), kind=PARSED_KIND,
                                        content_sha256=digest, version=STORED_FORM_KEY,
                                        data={**data, "body": item.body_sha256,
                                              "parser": item.parser})
            return item
        try:
            kept = self._keep(item, now, changed_at)
            kind = _kind(item)
            if digest and kept.stored is not None and kind is not None:
                self.store.set_features(
                    parsed_key(item.url), kind=PARSED_KIND, content_sha256=digest,
                    version=STORED_FORM_KEY,
                    data=record_data(self.store, kept, kind=kind, fields=document_fields(kept),
                                     parser=item.parser))
            return kept
        except (SQLAlchemyError, ValueError, OverflowError) as error:
            # One document the store cannot hold never costs the others: kept aside, counted.
            reason = f"could not be stored: {type(error).__name__}: {str(error).splitlines()[0]}"
            logger.warning("quarantined %s: %s", item.url, reason)
            self.store.quarantine(item.url, source=item.source, reason=reason[:500], found=now)
            self.store.drop_features(parsed_key(item.url))
            self.store.set_page_flags(item.url, ("unstorable",))
            self.stats.inc("aggregator/flagged/unstorable")
            self.stats.append("aggregator/flagged_urls", f"{item.url} (unstorable)")
            return item

    def _keep(self, item: PageResult, now: datetime, changed_at: datetime) -> PageResult:
        """Store the document unless its new version is much worse than the stored one."""
        assert self.store is not None
        worse = self._regression(item)
        if worse is not None:
            # Much worse than what is stored: keep the stored document, quarantine this one.
            logger.warning("quarantined %s: %s", item.url, worse)
            self.store.quarantine(item.url, source=item.source, reason=worse, found=now)
            self.store.drop_features(parsed_key(item.url))  # parsed again until it recovers
            self.store.set_page_flags(item.url, ("regression",))
            self.stats.inc("aggregator/flagged/regression")
            self.stats.append("aggregator/flagged_urls", f"{item.url} (regression: {worse})")
            return item
        # The page row remembers its flags (quarantine included) for `aggregator status`.
        if "regression" in self.store.set_page_flags(item.url, item.flags):
            self.store.release(item.url)  # it parses as well as before again
        change = self._upsert(item, now, changed_at)
        self.coverage.add(item)
        return dataclasses.replace(item, stored=change) if change else item

    def _cover(self, fields: dict[str, bool]) -> None:
        """Count a document's recorded fields in this crawl's coverage (as Coverage.add)."""
        if fields:
            self.coverage.documents += 1
            for name, has in fields.items():
                self.coverage.seen[name] += 1
                self.coverage.present[name] += int(has)

    def _upsert(self, item: PageResult, now: datetime, changed_at: datetime) -> str | None:
        assert self.store is not None
        change: str | None = None
        if item.issue is not None:
            change = self.store.upsert_issue(item.issue, seen=now, updated=changed_at)
            self.stats.inc(f"aggregator/issues_{change}")
            for alias in item.redirected_from:
                self.store.add_alias(alias, item.issue.number, "redirect")
        if item.post is not None:
            site = get_site(item.source)
            change, _row = self.store.upsert_post(
                item.post, source=site.key, lang=site.lang, seen=now, updated=changed_at
            )
            kind = "mirrors" if item.post.mirror is not None else "posts"
            self.stats.inc(f"aggregator/{kind}_{change}")
        return change

    def _regression(self, item: PageResult) -> str | None:
        assert self.store is not None
        if item.issue is not None:
            stored = self.store.issue(item.issue.number)
            if stored is None or stored.url != item.issue.url:
                return None
            return issue_regression(item.issue,
                                    self.store.story_count(issue_number=item.issue.number),
                                    stored.title + stored.intro)
        if item.post is not None:
            post = self.store.post(item.post.url)
            if post is None:
                return None
            return post_regression(item.post, was_mirror=post.is_mirror,
                                   stored_stories=self.store.story_count(post_row=post.id),
                                   stored_text=post.title + post.content_text)
        return None


class _SharedLinker:
    """What the crawls of this process sharing one store (several spiders run in one reactor)
    stored for the link stage; the last crawl to close links them all."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.users = 0
        self.changed_mirrors: set[str] = set()  # stored new or updated by these crawls
        self.changed_issues = False


_SHARED: dict[str, _SharedLinker] = {}


class LinkPipeline:
    """Note each mirror post as it is stored; link them once, when the last crawl closes.

    Deciding a link needs the index of every stored issue and the mirror's linking features
    (anchors, shingles): the work of about half a backfill. Done as each mirror arrived, it
    ran on the reactor thread and stalled every crawl of the process; done once at the end,
    it runs when no crawl is left to stall, in one batched transaction.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = _Stats(crawler)
        self.shared: _SharedLinker | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LinkPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        url = str(self.crawler.settings.get("AGGREGATOR_DB_URL"))
        shared = _SHARED.get(url)
        if shared is None:
            shared = _SHARED[url] = _SharedLinker(store_for(self.crawler))
        shared.users += 1
        self.shared = shared

    def process_item(self, item: Any) -> Any:
        if (not isinstance(item, PageResult) or self.shared is None
                or item.stored in (None, "unchanged")):
            return item
        if item.issue is not None:
            self.shared.changed_issues = True
        if item.post is not None and item.post.mirror is not None:
            self.shared.changed_mirrors.add(item.post.url)
        return item

    def close_spider(self) -> None:
        shared = self.shared
        if shared is None:
            return
        shared.users -= 1
        if shared.users > 0:
            return  # another crawl of this process still runs: it may bring the issue
        _SHARED.pop(next(k for k, v in _SHARED.items() if v is shared), None)
        if not (shared.changed_mirrors or shared.changed_issues
                or shared.store.unsettled_mirrors(ARCHIVE_RELATIVE)):
            return  # nothing stored, nothing waiting: the pass would decide what it did
        # Built now, from the store: other processes (parallel Scrapyd jobs) may have stored
        # issues meanwhile.
        with shared.store.batch():
            report = Linker(shared.store).link_all(
                decided=datetime.now(UTC), redo=frozenset(shared.changed_mirrors))
        self._count(report)
        for url in report.unlinked_mirrors:
            self.stats.append("aggregator/unlinked_mirrors",
                              f"{url} ({report.reasons.get(url, 'no match')})")
        self.stats.inc("aggregator/link_passes")

    def _count(self, report: LinkReport) -> None:
        # A link re-decided to the issue it already had is not a link made by this run.
        self.stats.inc("aggregator/links_made", len(report.linked) - len(report.renewed))
        self.stats.inc("aggregator/links_changed", len(report.changed))
        self.stats.inc("aggregator/story_pairs", report.story_pairs)
        for url, number, method in report.linked:
            if url not in report.renewed:
                self.stats.append("aggregator/linked", f"{url} -> #{number} ({method})")
