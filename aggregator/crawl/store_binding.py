"""One Store per running crawler, opened when the spider opens and closed when it closes.

The conditional-GET middleware and the store pipeline share it, so a crawl holds one engine
(one connection pool) instead of one per component, and nothing connects in a constructor.
"""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler

from aggregator.store import Store

_STORES: WeakKeyDictionary[Crawler, Store] = WeakKeyDictionary()
_BEFORE_CLOSE: WeakKeyDictionary[Crawler, list[Callable[[], None]]] = WeakKeyDictionary()


def before_close(crawler: Crawler, flush: Callable[[], None]) -> None:
    """Run ``flush`` (a component's pending writes) just before the crawler's store closes,
    when its spider closes: finished, or stopped by Ctrl-C / SIGTERM alike."""
    _BEFORE_CLOSE.setdefault(crawler, []).append(flush)


def take_crawl_lock(crawler: Crawler, source: str) -> str | None:
    """Take the store's lock for crawling ``source``; None when taken, else who holds it.

    Released when the spider closes (or by the OS / the server if the process dies).
    """
    lock = store_for(crawler).crawl_lock(source)
    if not lock.acquire():
        return lock.holder()

    def release(spider: object) -> None:
        lock.release()

    crawler.signals.connect(release, signal=signals.spider_closed, weak=False)
    return None


def store_for(crawler: Crawler) -> Store:
    store = _STORES.get(crawler)
    if store is None:
        store = Store.open(crawler.settings.get("AGGREGATOR_DB_URL"))
        _STORES[crawler] = store

        def close(spider: object) -> None:
            for flush in _BEFORE_CLOSE.pop(crawler, []):
                flush()
            closing = _STORES.pop(crawler, None)
            if closing is not None:
                closing.close()

        # Connected last-in-first-out is not guaranteed; the pipeline finishes its work in
        # close_spider (called before spider_closed fires), so closing here is safe.
        crawler.signals.connect(close, signal=signals.spider_closed, weak=False)
    return store
