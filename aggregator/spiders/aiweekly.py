"""The ``aiweekly`` registry entry, crawled by the shared navigation."""

from aggregator.crawl.spider import SiteSpider


class AiweeklySpider(SiteSpider):
    name = "aiweekly"
    custom_settings = SiteSpider.settings_for(name)
