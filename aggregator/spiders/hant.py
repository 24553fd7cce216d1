"""The ``hant`` registry entry, crawled by the shared navigation."""

from aggregator.crawl.spider import SiteSpider


class HantSpider(SiteSpider):
    name = "hant"
    custom_settings = SiteSpider.settings_for(name)
