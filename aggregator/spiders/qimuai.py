"""The ``qimuai`` registry entry, crawled by the shared navigation."""

from aggregator.crawl.spider import SiteSpider


class QimuaiSpider(SiteSpider):
    name = "qimuai"
    custom_settings = SiteSpider.settings_for(name)
