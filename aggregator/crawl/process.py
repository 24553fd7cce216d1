"""Run the spiders in-process and report what they did.

This is the library behind ``aggregator run``: crawl the chosen sites (spiders found by name
through Scrapy's spider loader) in one process and collect the figures their pipelines counted
for the run summary.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings


@dataclass
class SourceReport:
    key: str
    finish_reason: str
    stats: dict[str, Any]

    def count(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    def prefixed(self, prefix: str) -> int:
        return sum(int(v) for k, v in self.stats.items()
                   if k.startswith(prefix) and isinstance(v, int))

    @property
    def pages_fetched(self) -> int:
        return self.prefixed("aggregator/pages_fetched/")

    @property
    def locked_by(self) -> str | None:
        """Who held this source's crawl lock, when this crawl was refused."""
        value = self.stats.get("aggregator/locked_by")
        return str(value) if value else None

    @property
    def documents(self) -> int:
        """Issues and posts the store stage saw (new, updated or unchanged)."""
        return sum(self.prefixed(f"aggregator/{kind}_") for kind in ("issues", "mirrors", "posts"))

    @property
    def not_modified(self) -> int:
        return self.count("aggregator/pages_not_modified")

    @property
    def failures(self) -> list[str]:
        problems = []
        if self.finish_reason != "finished":
            problems.append(f"{self.key}: crawl ended with '{self.finish_reason}'")
        if self.count("spider_exceptions/count"):
            problems.append(f"{self.key}: {self.count('spider_exceptions/count')} spider errors")
        if self.locked_by:
            return [f"{self.key}: already being crawled into this store by {self.locked_by}"]
        if self.stats.get("aggregator/verdict"):
            problems.append(str(self.stats["aggregator/verdict"]))
        if self.pages_fetched + self.not_modified == 0:
            problems.append(f"{self.key}: no page could be fetched (is the site reachable?)")
        elif self.documents == 0:
            failed = self.count("aggregator/fetch_failed")
            problems.append(f"{self.key}: {self.pages_fetched + self.not_modified} pages "
                            f"fetched but no document stored ({failed} failed; is the base URL "
                            "right?)")
        return problems


@dataclass
class CrawlReport:
    sources: list[SourceReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[str]:
        return [p for s in self.sources for p in s.failures]


def _log_without_tracebacks() -> None:
    """Every log record keeps its message and loses its traceback, so an unreachable site is
    a few lines, not hundreds (``-v`` keeps them). A record factory, because Scrapy replaces
    its log handler whenever a crawler starts."""
    make = logging.getLogRecordFactory()
    if getattr(make, "aggregator_one_line", False):
        return

    def one_line(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if record.exc_info:
            reason = record.exc_info[1]
            message = record.getMessage()
            if reason is not None and str(reason) and str(reason) not in message:
                record.msg, record.args = f"{message}: {reason}", ()
            record.exc_info, record.exc_text = None, None
        return record

    one_line.aggregator_one_line = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(one_line)


class _Progress:
    """Prints one short line per page on a terminal (every 10 pages otherwise) to stderr."""

    def __init__(self, key: str) -> None:
        self.key, self.pages, self.items = key, 0, 0
        self.tty = sys.stderr.isatty()

    def response(self, **_: Any) -> None:
        self.pages += 1
        if self.tty:
            print(f"\r[{self.key}] {self.pages} pages, {self.items} documents", end="",
                  file=sys.stderr, flush=True)
        elif self.pages % 10 == 0:
            print(f"[{self.key}] {self.pages} pages...", file=sys.stderr, flush=True)

    def item(self, **_: Any) -> None:
        self.items += 1

    def done(self, **_: Any) -> None:
        end = "\n" if self.tty else ""
        print(f"{end}[{self.key}] done: {self.pages} pages, {self.items} documents",
              file=sys.stderr, flush=True)


def run_crawl(keys: Sequence[str], settings: Settings, *, progress: bool = True) -> CrawlReport:
    """Crawl the sources (one Scrapy process, sources in parallel) and return their figures.

    With ``AGGREGATOR_REDIS_URL`` set, worker processes share one frontier in Redis instead
    (:mod:`aggregator.crawl.coordinator`), and the run links once, after they finish.
    """
    if settings.get("AGGREGATOR_REDIS_URL"):
        from aggregator.crawl.coordinator import run_distributed

        return run_distributed(keys, settings, progress=progress)
    started = time.monotonic()
    if not settings.getbool("AGGREGATOR_LOG_TRACEBACKS", True):
        _log_without_tracebacks()
    process = CrawlerProcess(settings)
    crawlers: list[tuple[str, Crawler]] = []
    for key in keys:
        crawler = process.create_crawler(key)
        if progress:
            meter = _Progress(key)
            crawler.signals.connect(meter.response, signal=signals.response_received, weak=False)
            crawler.signals.connect(meter.item, signal=signals.item_scraped, weak=False)
            crawler.signals.connect(meter.done, signal=signals.spider_closed, weak=False)
        crawlers.append((key, crawler))
        process.crawl(crawler)
    process.start()
    report = CrawlReport(seconds=time.monotonic() - started)
    for key, crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        report.sources.append(SourceReport(key, str(stats.get("finish_reason", "unknown")), stats))
    return report
