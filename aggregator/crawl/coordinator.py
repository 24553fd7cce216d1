"""Distributed crawling, the coordinator side: one process per run seeds the shared frontier,
holds the store's crawl locks, starts local workers, waits until no worker has anything left,
links once, and reports the workers' figures as one crawl.

``aggregator run --redis URL --workers N`` is a coordinator with N local workers;
``aggregator run --redis URL --join`` on another machine starts workers for the run in progress.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.process import BaseProcess
from typing import Any

import redis
from scrapy import Request
from scrapy.settings import Settings
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.log import configure_logging
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter

from aggregator.crawl.distributed import run_worker
from aggregator.crawl.frontier import Frontier, Keys, new_worker_id, text
from aggregator.crawl.process import CrawlReport, SourceReport
from aggregator.relink import Linker, LinkReport
from aggregator.store import Store
from aggregator.store.locks import SourceLock

logger = logging.getLogger(__name__)


class DistributedError(ValueError):
    """A distributed run that cannot start or finish (reported as one line)."""


@dataclass(frozen=True)
class Options:
    redis_url: str
    workers: int  # local worker processes (0: coordinate only; workers join from elsewhere)
    prefix: str
    lease: float  # seconds without a heartbeat after which a worker counts as dead
    join_wait: float  # how long ``--join`` waits for a run to appear

    @classmethod
    def of(cls, settings: Settings) -> Options:
        workers = settings.getint("AGGREGATOR_WORKERS", 2)
        if workers < 0:
            raise DistributedError(f"--workers must be 0 or more, got {workers}")
        return cls(str(settings.get("AGGREGATOR_REDIS_URL")), workers,
                   str(settings.get("AGGREGATOR_REDIS_PREFIX") or "aggregator"),
                   settings.getfloat("AGGREGATOR_REDIS_LEASE", 30.0),
                   settings.getfloat("AGGREGATOR_REDIS_JOIN_WAIT", 60.0))


def _connect(url: str) -> redis.Redis:
    server = redis.Redis.from_url(url)
    try:
        server.ping()
    except redis.RedisError as error:
        raise DistributedError(f"cannot reach Redis at {url}: {error}") from None
    return server


def _spawn(keys: Sequence[str], settings: Settings, count: int) -> list[BaseProcess]:
    # spawn, not fork: each worker starts its own Twisted reactor from a clean interpreter.
    context = multiprocessing.get_context("spawn")
    processes: list[BaseProcess] = [context.Process(target=run_worker, args=(tuple(keys), settings,
                                                          new_worker_id()), daemon=False)
                 for _ in range(count)]
    for process in processes:
        process.start()
    return processes


async def _collect(requests: AsyncIterator[Any]) -> list[Request]:
    return [r async for r in requests if isinstance(r, Request)]


def _seed(server: redis.Redis, keys: Keys, sources: Sequence[str], settings: Settings) -> None:
    """Queue every source's start requests once (through the shared duplicate filter)."""
    loader = get_spider_loader(settings)
    for key in sources:
        spider = loader.load(key)()
        spider.settings = settings  # what the spider reads (AGGREGATOR_GENERIC_SOURCES)
        seen = RFPDupeFilter(server, keys.dupefilter(key))
        frontier = Frontier(server, keys, key)
        for request in asyncio.run(_collect(spider.start())):
            if request.dont_filter or not seen.request_seen(request):
                frontier.push(picklecompat.dumps(request.to_dict(spider=spider)),
                              request.priority)


def _merge(snapshots: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The workers' stats of one source as one crawl's: numbers added, lists joined."""
    merged: dict[str, Any] = {}
    for stats in snapshots:
        for name, value in stats.items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float | list):
                merged.setdefault(name, value)
            elif isinstance(value, list):
                bucket = merged.setdefault(name, [])
                bucket.extend(v for v in value if v not in bucket)
            elif isinstance(merged.get(name, 0), int | float):
                merged[name] = merged.get(name, 0) + value
    return merged


class Coordinator:
    def __init__(self, sources: Sequence[str], settings: Settings, *, progress: bool) -> None:
        self.sources, self.settings, self.progress = tuple(sources), settings, progress
        self.options = Options.of(settings)
        self.keys = Keys(self.options.prefix)
        self.me = f"coordinator-{new_worker_id()}"
        self.server = _connect(self.options.redis_url)

    def _heartbeat(self) -> None:
        self.server.set(self.keys.alive(self.me), "1", px=int(self.options.lease * 1000))

    def _claim(self) -> None:
        """One run per prefix: refuse while another coordinator is alive, clear a dead one's."""
        holder = self.server.hget(self.keys.run, "coordinator")
        if holder and self.server.exists(self.keys.alive(text(holder))):
            raise DistributedError(f"Redis prefix '{self.options.prefix}' is in use by a "
                                   f"running distributed crawl ({text(holder)}); set "
                                   "AGGREGATOR_REDIS_PREFIX to run another one")
        self._clear()
        self._heartbeat()
        self.server.hset(self.keys.run, "coordinator", self.me)

    def _clear(self) -> None:
        names = [self.keys.run, self.keys.changed, self.keys.workers]
        names += [name for key in self.sources for name in self.keys.of_source(key)]
        # Heartbeats of workers that died (they expire anyway), never a live coordinator's.
        names += [n for n in (text(k) for k in self.server.scan_iter(
            f"{self.keys.alive_prefix}*")) if n != self.keys.alive(self.me)
            and not n.startswith(f"{self.keys.alive_prefix}coordinator-")]
        self.server.delete(*names)

    def _alive_workers(self) -> list[str]:
        names = [text(name) for name in self.server.scan_iter(f"{self.keys.alive_prefix}*")]
        return [n for n in names if not n.startswith(f"{self.keys.alive_prefix}coordinator-")]

    def _sizes(self, sources: Sequence[str]) -> tuple[int, int]:
        queued = inflight = 0
        for key in sources:
            frontier = Frontier(self.server, self.keys, key)
            frontier.requeue_dead()
            q, f = frontier.sizes()
            queued, inflight = queued + q, inflight + f
        return queued, inflight

    def run(self) -> CrawlReport:
        started = time.monotonic()
        configure_logging(self.settings)  # what CrawlerProcess does for a one-process crawl
        self._claim()
        store = Store.open(str(self.settings.get("AGGREGATOR_DB_URL")))
        locks: list[SourceLock] = []
        report = CrawlReport()
        try:
            running: list[str] = []
            for key in self.sources:
                lock = store.crawl_lock(key)
                if lock.acquire():
                    locks.append(lock)
                    running.append(key)
                else:
                    report.sources.append(SourceReport(key, "finished",
                                                       {"aggregator/locked_by": lock.holder()}))
            finish = "finished"
            if running:
                _seed(self.server, self.keys, running, self.settings)
                # Workers wait for "sources": the run is open once the frontier is seeded.
                self.server.hset(self.keys.run, mapping={
                    "sources": ",".join(running), "started": datetime.now(UTC).isoformat()})
                logger.info("frontier seeded for %s", ", ".join(running))
                finish = self._wait(running)
                logger.info("crawl %s; linking", finish)
                links = self._link(store) if finish == "finished" else LinkReport()
                logger.info("linked")
                report.sources[:0] = self._reports(running, finish, links)
        finally:
            for lock in locks:
                lock.release()
            store.close()
            # Linking a large archive can outlast the lease: if another coordinator claimed
            # the prefix meanwhile, its keys are not ours to clear.
            if text(self.server.hget(self.keys.run, "coordinator") or b"") == self.me:
                self._clear()
            self.server.delete(self.keys.alive(self.me))
            self.server.close()
        report.seconds = time.monotonic() - started
        return report

    def _wait(self, sources: Sequence[str]) -> str:
        """Until the frontier is drained and no worker is left; the crawl's finish reason."""
        processes = _spawn(sources, self.settings, self.options.workers)
        restore = _sigterm_interrupts()
        shown = time.monotonic()
        drained_at = 0.0
        try:
            while True:
                self._heartbeat()
                queued, inflight = self._sizes(sources)
                alive = self._alive_workers()
                local = [p for p in processes if p.is_alive()]
                if queued == inflight == 0 and not local and not alive:
                    return "finished"
                if queued == inflight == 0 and not drained_at:
                    drained_at = time.monotonic()
                    logger.info("frontier drained; waiting for %d workers to stop", len(alive))
                if processes and not local and not alive:
                    codes = ", ".join(str(p.exitcode) for p in processes)
                    raise DistributedError(
                        f"every worker stopped (exit codes {codes}) with {queued + inflight} "
                        "requests left in the frontier; what was crawled is stored, the next "
                        "run starts over")
                if self.progress and time.monotonic() - shown > 5:
                    shown = time.monotonic()
                    print(f"[distributed] {len(alive)} workers: {queued} queued, {inflight} in "
                          "flight", file=sys.stderr, flush=True)
                time.sleep(0.2)
        except KeyboardInterrupt:
            for process in processes:
                process.terminate()  # SIGTERM: each worker hands its requests back and stops
            for process in processes:
                process.join(30)
            return "shutdown"
        finally:
            restore()
            for process in processes:
                process.join(5)

    def _link(self, store: Store) -> LinkReport:
        """The link stage of the whole run, once, as one process's link stage does it when its
        last crawl closes: the mirrors the workers stored new or changed are re-decided, then
        every mirror still waiting, in one batched transaction."""
        changed = frozenset(text(v) for v in self.server.smembers(self.keys.changed))
        with store.batch():
            return Linker(store).link_all(decided=datetime.now(UTC), redo=changed)

    def _reports(self, sources: Sequence[str], finish: str,
                 links: LinkReport) -> list[SourceReport]:
        reports = []
        for key in sources:
            snapshots = [json.loads(v) for v in self.server.hvals(self.keys.stats(key))]
            stats = _merge(snapshots)
            stats["finish_reason"] = finish
            reports.append(SourceReport(key, finish, stats))
        first = reports[0].stats
        first["aggregator/links_made"] = len(links.linked) - len(links.renewed)
        first["aggregator/links_changed"] = len(links.changed)
        first["aggregator/story_pairs"] = links.story_pairs
        first["aggregator/unlinked_mirrors"] = [
            f"{url} ({links.reasons.get(url, 'no match')})" for url in links.unlinked_mirrors]
        first["aggregator/link_passes"] = 1
        return reports


def _sigterm_interrupts() -> Callable[[], None]:
    """SIGTERM (systemd stop) stops the run as Ctrl-C does: the workers hand back and stop."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def run_distributed(sources: Sequence[str], settings: Settings, *,
                    progress: bool = True) -> CrawlReport:
    """Crawl ``sources`` with workers sharing one Redis frontier; link once at the end."""
    url = str(settings.get("AGGREGATOR_DB_URL"))
    if url.startswith("sqlite"):
        raise DistributedError("distributed crawling needs a database every worker can reach "
                               "(--db postgresql+psycopg://...), not SQLite")
    return Coordinator(sources, settings, progress=progress).run()


def join(settings: Settings) -> int:
    """``--join``: start workers for the run in progress on this Redis; the number of workers
    that failed (0 when all finished)."""
    options = Options.of(settings)
    keys = Keys(options.prefix)
    server = _connect(options.redis_url)
    deadline = time.monotonic() + options.join_wait
    while not server.hexists(keys.run, "sources"):
        if time.monotonic() > deadline:
            raise DistributedError(f"no distributed run on {options.redis_url} (prefix "
                                   f"'{options.prefix}') after {options.join_wait:.0f} s")
        time.sleep(0.5)
    sources = text(server.hget(keys.run, "sources") or b"").split(",")
    server.close()
    processes = _spawn(sources, settings, max(options.workers, 1))
    for process in processes:
        process.join()
    return sum(1 for p in processes if p.exitcode != 0)
