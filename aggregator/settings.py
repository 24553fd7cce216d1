"""Scrapy settings: the one configuration surface (Scrapy's keys plus ``AGGREGATOR_*``).

``AGGREGATOR_DB_URL`` and ``AGGREGATOR_BASE_URLS`` (``key=url,key=url``) are read from the
environment by :mod:`aggregator.config`, the same resolver the CLI uses; ``-s NAME=VALUE`` wins.
"""

from __future__ import annotations

import os

from aggregator import __version__, config

BOT_NAME = "aggregator"
SPIDER_MODULES = ["aggregator.spiders"]
NEWSPIDER_MODULE = "aggregator.spiders"
SPIDER_LOADER_CLASS = "aggregator.crawl.loader.RegistrySpiderLoader"

# -- ours --------------------------------------------------------------------------------------
AGGREGATOR_DB_URL = config.db_url(None, config.DEFAULT_OUT)
AGGREGATOR_BASE_URLS = config.parse_base_urls(os.environ.get(config.BASE_URLS_ENV))
AGGREGATOR_CONDITIONAL_GET = True
# The recheck policy: documents that changed within this many days are revalidated every run;
# older ones about once per AGGREGATOR_RECHECK_OLDER_DAYS (listings and feeds: every run).
AGGREGATOR_RECHECK_RECENT_DAYS = 60.0
AGGREGATOR_RECHECK_OLDER_DAYS = 7.0
# Distributed crawling (aggregator.crawl.coordinator): with a Redis URL, `aggregator run` seeds
# a shared frontier there and starts AGGREGATOR_WORKERS worker processes (0: only coordinate;
# `aggregator run --join` adds workers from other machines). A worker whose heartbeat is older
# than AGGREGATOR_REDIS_LEASE seconds counts as dead and its requests go back to the queue.
AGGREGATOR_REDIS_URL = config.redis_url(None)
AGGREGATOR_WORKERS = 2
AGGREGATOR_REDIS_PREFIX = os.environ.get(config.REDIS_PREFIX_ENV, "aggregator")
AGGREGATOR_REDIS_LEASE = 30.0
AGGREGATOR_REDIS_POLL = 0.25
AGGREGATOR_REDIS_JOIN_WAIT = 60.0
# Sites read with the generic page objects instead of their own (pages flagged in the summary).
AGGREGATOR_GENERIC_SOURCES: list[str] = []

# -- politeness --------------------------------------------------------------------------------
USER_AGENT = f"aggregator/{__version__} (+https://github.com/aggregator-project/aggregator)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
RETRY_ENABLED = True
RETRY_TIMES = 3
# Waits before a retry (aggregator.crawl.retry): the server's Retry-After up to this many
# seconds (a site asking for more is skipped for the run), else 1 s, 2 s, 4 s ... up to 30 s.
AGGREGATOR_RETRY_AFTER_MAX = 60.0
AGGREGATOR_RETRY_BACKOFF = 1.0
AGGREGATOR_RETRY_BACKOFF_MAX = 30.0
DOWNLOAD_TIMEOUT = 30
# Pages are 10–100 KB: one far bigger is not a page we want, nor one to store every run.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # Retries that wait (Retry-After, backoff) and record every page given up, in Scrapy's slot.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "aggregator.crawl.retry.RetryMiddleware": 550,
    # Just above Scrapy's RedirectMiddleware (600): a redirect back into its chain is a loop.
    "aggregator.crawl.retry.RedirectLoopMiddleware": 610,
    # Revalidate pages we already hold (If-None-Match / If-Modified-Since) and record fetches.
    "aggregator.crawl.revalidate.ConditionalGetMiddleware": 880,
    # Last before the network: map canonical URLs to an overridden fetch base and back.
    "aggregator.crawl.baseurl.BaseUrlMiddleware": 950,
}
# The card's shape, each stage once per item: normalize, store, link.
ITEM_PIPELINES = {
    "aggregator.crawl.pipelines.NormalizePipeline": 100,
    "aggregator.crawl.pipelines.StorePipeline": 300,
    "aggregator.crawl.pipelines.LinkPipeline": 500,
}

LOG_LEVEL = os.environ.get("AGGREGATOR_LOG_LEVEL", "INFO")
# Tracebacks in the log (the CLI turns them off unless -v: one line per problem instead).
AGGREGATOR_LOG_TRACEBACKS = os.environ.get("AGGREGATOR_LOG_TRACEBACKS", "1") != "0"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
