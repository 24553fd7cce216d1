"""Thin Scrapy glue: store what the spiders hand over, then link what changed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler

from aggregator.crawl_store import store_for
from aggregator.dates import parse_rfc822
from aggregator.items import PageResult
from aggregator.relink import link_posts
from aggregator.sources import get_source
from aggregator.store import Store

logger = logging.getLogger(__name__)


def _changed_at(item: PageResult, fallback: datetime) -> datetime:
    """When the page's content last changed: its Last-Modified if it sent one."""
    if item.last_modified:
        parsed = parse_rfc822(item.last_modified)
        if parsed is not None:
            return parsed
    return fallback


class StorePipeline:
    """Upsert issues and posts; count new/updated/unchanged; flag pages that need a look."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = store_for(self.crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageResult) or self.store is None:
            return item
        now = datetime.now(UTC)
        changed_at = _changed_at(item, now)
        for flag in item.flags:
            self._inc(f"aggregator/flagged/{flag}")
            self._append("aggregator/flagged_urls", f"{item.url} ({flag})")
        if item.issue is not None:
            change = self.store.upsert_issue(item.issue, seen=now, updated=changed_at)
            self._inc(f"aggregator/issues_{change}")
            for alias in item.redirected_from:
                self.store.add_alias(alias, item.issue.number, "redirect")
        if item.post is not None:
            source = get_source(item.source)
            change, _row = self.store.upsert_post(
                item.post, source=source.key, lang=source.lang, seen=now, updated=changed_at
            )
            kind = "mirrors" if item.post.mirror is not None else "posts"
            self._inc(f"aggregator/{kind}_{change}")
        return item

    def close_spider(self) -> None:
        if self.store is None:
            return
        # Linking is cheap and incremental: new posts, and mirrors waiting for their issue.
        report = link_posts(self.store, decided=datetime.now(UTC))
        for key, value in report.counts().items():
            self._set(f"aggregator/links_{key}", value)
        for url in report.unlinked_mirrors:
            self._append("aggregator/unlinked_mirrors", url)

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)

    def _set(self, key: str, value: Any) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(key, value)

    def _append(self, key: str, value: str) -> None:
        if self.crawler.stats is not None:
            values = list(self.crawler.stats.get_value(key, []))
            if value not in values:
                values.append(value)
            self.crawler.stats.set_value(key, values)
