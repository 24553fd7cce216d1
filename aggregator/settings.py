"""Scrapy settings: the one configuration surface (Scrapy's keys plus ``AGGREGATOR_*``).

Environment variables override the defaults here: ``AGGREGATOR_DB_URL`` and
``AGGREGATOR_BASE_URLS`` (``key=url,key=url``). Command-line ``-s NAME=VALUE`` wins over both.
"""

from __future__ import annotations

import os

from aggregator import __version__

BOT_NAME = "aggregator"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# -- ours --------------------------------------------------------------------------------------
AGGREGATOR_DB_URL = os.environ.get("AGGREGATOR_DB_URL", "sqlite:///data/aggregator.db")
AGGREGATOR_BASE_URLS = os.environ.get("AGGREGATOR_BASE_URLS", "")
AGGREGATOR_CONDITIONAL_GET = True

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
DOWNLOAD_TIMEOUT = 30
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # Revalidate pages we already hold (If-None-Match / If-Modified-Since) and record fetches.
    "aggregator.middlewares.ConditionalGetMiddleware": 880,
    # Last before the network: map canonical URLs to an overridden fetch base and back.
    "aggregator.middlewares.BaseUrlMiddleware": 950,
}
ITEM_PIPELINES = {
    "aggregator.pipelines.StorePipeline": 300,
}

LOG_LEVEL = os.environ.get("AGGREGATOR_LOG_LEVEL", "INFO")
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
