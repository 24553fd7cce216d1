"""Distributed crawling, the worker side: N processes (or machines) share one crawl frontier in
Redis through scrapy-redis's scheduler and duplicate filter, and one store (PostgreSQL).

A worker is an ordinary crawl of every source of the run (one crawler per source, as
``aggregator run``), with four things swapped in by :func:`worker_settings`:

* the scheduler (:class:`FrontierScheduler`): scrapy-redis's, over the reliable queue of
  :mod:`aggregator.crawl.frontier`; it acknowledges a request once Scrapy is done with it,
  keeps the worker's heartbeat, re-queues the requests of dead workers, and keeps the spider
  open while any worker still has requests of its source in flight;
* the spiders (:class:`WorkerSpiderLoader`): they yield no start requests (the coordinator
  seeded the frontier once) and take no crawl lock (the coordinator holds the store's lock
  for the whole run, on behalf of its workers);
* the link stage: replaced by :class:`ChangedMirrorsPipeline`, which only notes the mirrors
  this run stored new or changed; the coordinator links once, after the workers finish;
* the duplicate filter: scrapy-redis's, one set of fingerprints per source in Redis. Requests
  are filtered on their canonical URL (the base-URL remap happens below the scheduler and its
  requests skip the filter), so a page is fetched once across all workers.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DontCloseSpider, ScrapyDeprecationWarning
from scrapy.settings import Settings
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from aggregator.crawl.baseurl import canonical_request_url
from aggregator.crawl.frontier import Keys, ReliableQueue, new_worker_id, to_json
from aggregator.crawl.loader import RegistrySpiderLoader
from aggregator.crawl.spider import SiteSpider
from aggregator.items import PageResult

logger = logging.getLogger(__name__)
# scrapy-redis 0.9.1 still calls Scrapy APIs deprecated since 2.13 (Spider.log, stats with a
# spider argument): nothing for a user to act on.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")

_CANONICAL_META = "aggregator_canonical_url"  # set by BaseUrlMiddleware on remapped requests
# A reactor that has not ticked for this many leases (at least a minute) is hung, not busy:
# its heartbeat stops so that the others take its requests over.
HUNG_LEASES = 5


class Heartbeat(threading.Thread):
    """Keeps a worker's lease alive from a thread of its own.

    Beaten from the reactor, the lease lapsed whenever the reactor was busy longer than it
    (parsing a large page on a loaded machine), and the worker's requests were fetched twice.
    From a thread it lapses when the process is killed, frozen or its reactor hung."""

    def __init__(self, server: redis.Redis, key: str, lease: float) -> None:
        super().__init__(name=f"heartbeat {key}", daemon=True)
        self.server, self.key, self.lease = server, key, lease
        self.ticked = time.monotonic()  # the reactor's last sign of life (see tick)
        self._stopping = threading.Event()

    def tick(self) -> None:
        self.ticked = time.monotonic()

    def beat(self) -> None:
        self.server.set(self.key, "1", px=int(self.lease * 1000))

    def run(self) -> None:
        hung_after = max(self.lease * HUNG_LEASES, 60.0)
        while not self._stopping.wait(self.lease / 4):
            if time.monotonic() - self.ticked > hung_after:
                continue  # a hung reactor: let the lease lapse
            try:
                self.beat()
            except redis.RedisError as error:
                logger.warning("redis heartbeat: %s", error)

    def stop(self) -> None:
        self._stopping.set()
        self.join(self.lease)


def worker_settings(settings: Settings, worker: str) -> Settings:
    """``settings`` (a run's, with ``AGGREGATOR_REDIS_URL``) turned into one worker's."""
    prefix = str(settings.get("AGGREGATOR_REDIS_PREFIX") or "aggregator")
    keys = Keys(prefix)
    out = settings.copy()
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    pipelines["aggregator.crawl.pipelines.LinkPipeline"] = None
    pipelines["aggregator.crawl.distributed.ChangedMirrorsPipeline"] = 500
    out.setdict({
        "AGGREGATOR_WORKER_ID": worker,
        "AGGREGATOR_REDIS_PREFIX": prefix,
        "SCHEDULER": "aggregator.crawl.distributed.FrontierScheduler",
        "SCHEDULER_QUEUE_CLASS": "aggregator.crawl.frontier.ReliableQueue",
        "SCHEDULER_QUEUE_KEY": keys.queue("%(spider)s"),
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter("%(spider)s"),
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # The coordinator clears the run's keys; a worker that ends must not.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": settings.get("AGGREGATOR_REDIS_URL"),
        "SPIDER_LOADER_CLASS": "aggregator.crawl.distributed.WorkerSpiderLoader",
        "ITEM_PIPELINES": pipelines,
    }, priority="cmdline")
    return out


class WorkerSpider(SiteSpider):
    """A site spider whose requests all come from the shared frontier."""

    async def start(self) -> AsyncIterator[Any]:
        # The coordinator seeded the frontier and holds the crawl lock for the whole run.
        return
        yield  # an (empty) async generator, as Scrapy expects


class WorkerSpiderLoader(RegistrySpiderLoader):
    def load(self, spider_name: str) -> type[Spider]:
        cls = super().load(spider_name)
        if issubclass(cls, WorkerSpider) or not issubclass(cls, SiteSpider):
            return cls
        worker_cls = type(cls.__name__, (WorkerSpider, cls), {"__module__": cls.__module__})
        self._spiders[spider_name] = worker_cls
        return worker_cls


class ChangedMirrorsPipeline:
    """The link stage of a worker: note which mirrors changed, for the coordinator's pass."""

    def __init__(self, crawler: Crawler) -> None:
        self.server = redis.Redis.from_url(str(crawler.settings.get("AGGREGATOR_REDIS_URL")))
        self.key = Keys(str(crawler.settings.get("AGGREGATOR_REDIS_PREFIX"))).changed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChangedMirrorsPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if (isinstance(item, PageResult) and item.post is not None
                and item.post.mirror is not None and item.stored not in (None, "unchanged")):
            self.server.sadd(self.key, item.post.url)
        return item

    def close_spider(self) -> None:
        self.server.close()


@dataclass
class _Held:
    request: Request  # the request Scrapy works on now (a remap or retry replaces it)
    entry: bytes  # what it was popped as, to acknowledge in Redis


def _engine_slot(crawler: Crawler) -> Any:
    # Scrapy keeps the requests it is working on in its engine slot (``inprogress``, from
    # the scheduler's hand-over until the response and its items are processed) and wakes the
    # engine with ``nextcall``. Neither is public API; without them acks wait until close.
    return getattr(crawler.engine, "_slot", None)


class FrontierScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler over the reliable frontier (see the module docstring)."""

    crawler: Crawler
    queue: ReliableQueue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        instance: FrontierScheduler = super().from_crawler(crawler)
        instance.crawler = crawler
        return instance

    def open(self, spider: Spider) -> None:
        super().open(spider)
        settings = self.crawler.settings
        self.keys = self.queue.keys
        self.frontier = self.queue.frontier
        self.worker = self.queue.worker
        self.lease = settings.getfloat("AGGREGATOR_REDIS_LEASE", 30.0)
        self.held: list[_Held] = []
        self.local: deque[Request] = deque()  # remapped / retried requests already held
        self._stats_at = 0.0
        self.heartbeat = Heartbeat(self.server, self.keys.alive(self.worker), self.lease)
        self.heartbeat.beat()
        self.heartbeat.start()
        self.crawler.signals.connect(self._idle, signal=signals.spider_idle, weak=False)
        self.ticker = LoopingCall(self._tick)
        self.ticker.start(settings.getfloat("AGGREGATOR_REDIS_POLL", 0.25), now=False)

    def close(self, reason: str) -> None:
        # Called once the downloader and the item pipelines are closed: the stats are final.
        if self.ticker.running:
            self.ticker.stop()
        self.heartbeat.stop()
        try:
            if reason == "finished":
                self._ack([held.entry for held in self.held])  # the engine is done with them
                self.held.clear()
            self._publish_stats(finish_reason=reason)
            self.server.delete(self.keys.alive(self.worker))
            if reason != "finished":
                # Stopped before the end: hand what this worker held to the others now.
                self.frontier.requeue_dead()
        except redis.RedisError as error:
            logger.warning("redis: %s", error)
        super().close(reason)

    def __len__(self) -> int:
        return len(self.local) + len(self.queue)

    def has_pending_requests(self) -> bool:
        return bool(self.local) or len(self.queue) > 0

    def enqueue_request(self, request: Request) -> bool:
        held = self._holder_of(request)
        if held is not None:
            # The same page again (the base-URL remap, a retry): it stays with this worker,
            # under the entry it was popped as, so it is neither lost nor fetched twice.
            held.request = request
            self.local.append(request)
            return True
        return bool(super().enqueue_request(request))

    def next_request(self) -> Request | None:
        if self.local:
            return self.local.popleft()
        request = self.queue.pop()
        if request is None:
            return None
        entry = self.queue.take_entry(request)
        if entry is not None:
            self.held.append(_Held(request, entry))
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    # -- bookkeeping -----------------------------------------------------------------------

    def _holder_of(self, request: Request) -> _Held | None:
        if not request.dont_filter or _CANONICAL_META not in request.meta:
            return None
        canonical = canonical_request_url(request)
        for held in self.held:
            if held.request is not request and canonical_request_url(held.request) == canonical:
                return held
        return None

    def _ack(self, entries: list[bytes]) -> None:
        self.frontier.ack(entries, self.worker)

    def _ack_finished(self) -> None:
        slot = _engine_slot(self.crawler)
        active = getattr(slot, "inprogress", None)
        engine = self.crawler.engine
        if active is None or engine is None or not engine.running or slot.closing is not None:
            return  # stopping: what the engine drops now was not done, so it is not acked
        done = [h for h in self.held if h.request not in active and h.request not in self.local]
        if done:
            self._ack([h.entry for h in done])
            self.held = [h for h in self.held if h not in done]

    def _publish_stats(self, **extra: Any) -> None:
        stats = dict(self.crawler.stats.get_stats()) if self.crawler.stats is not None else {}
        stats.update(extra)
        self.server.hset(self.keys.stats(self.frontier.spider), self.worker, to_json(stats))

    def _tick(self) -> None:
        try:
            self.heartbeat.tick()
            self._ack_finished()
            self.frontier.requeue_dead()
            if time.monotonic() - self._stats_at > 1.0:
                self._stats_at = time.monotonic()
                self._publish_stats()
        except redis.RedisError as error:
            logger.warning("redis: %s", error)
            return
        slot = _engine_slot(self.crawler)
        if slot is not None:
            # Other workers queue requests and drain the frontier: look now, not at Scrapy's
            # next 5 s heartbeat (this also re-runs the idle check that lets the spider close).
            slot.nextcall.schedule()

    def _idle(self, **_: Any) -> None:
        self._ack_finished()
        self.frontier.requeue_dead()
        if self.local:
            raise DontCloseSpider
        if not self.server.exists(self.keys.run):
            return  # the coordinator ended the run
        if not self.frontier.drained():
            raise DontCloseSpider  # another worker's request may yet bring more


def run_worker(keys: Sequence[str], settings: Settings, worker: str | None = None) -> None:
    """One worker process: crawl ``keys`` from the frontier until it is drained."""
    import json
    import os
    import socket

    worker = worker or new_worker_id()
    config = worker_settings(settings, worker)
    server = redis.Redis.from_url(str(settings.get("AGGREGATOR_REDIS_URL")))
    keys_ = Keys(str(config.get("AGGREGATOR_REDIS_PREFIX")))
    server.hset(keys_.workers, worker, json.dumps({"pid": os.getpid(),
                                                   "host": socket.gethostname()}))
    server.close()
    process = CrawlerProcess(config)
    for key in keys:
        process.crawl(process.create_crawler(key))
    process.start()
