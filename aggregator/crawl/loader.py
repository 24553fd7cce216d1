"""Scrapy's spider loader, completed from the site registry.

Scrapy finds the bindings in ``SPIDER_MODULES``; a registry entry without one (a generic
mirror: only a base URL, a platform and a language) still gets a spider, so ``scrapy list``,
``scrapy crawl KEY`` and ``create_crawler(KEY)`` know every site.
"""

from __future__ import annotations

from typing import Any

from scrapy.spiderloader import SpiderLoader

from aggregator.crawl.spider import SiteSpider
from aggregator.sites import SITES


class RegistrySpiderLoader(SpiderLoader):
    def _load_all_spiders(self) -> None:
        super()._load_all_spiders()
        spiders: dict[str, Any] = self._spiders
        for key in SITES:
            if key not in spiders:
                attributes = {"name": key, "custom_settings": SiteSpider.settings_for(key)}
                spiders[key] = type(f"{key.title()}Spider", (SiteSpider,), attributes)
