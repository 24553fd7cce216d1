"""news.qimuai.cn (EMLOG): posts from rss.php, the AI周刊 category and the home list."""

from __future__ import annotations

from scrapy.http import Response

from aggregator.items import Listing, PageResult
from aggregator.sites import qimuai
from aggregator.sources import get_source
from spiders.base import SiteSpider

SOURCE = get_source("qimuai")


class QimuaiSpider(SiteSpider):
    name = SOURCE.key
    source = SOURCE
    feed_paths = ("/rss.php",)
    custom_settings = dict(SOURCE.settings)  # noqa: RUF012 (Scrapy reads it per class)

    def parse_feed_page(self, url: str, text: str) -> Listing:
        return qimuai.parse_feed(url, text)

    def parse_listing_page(self, url: str, text: str) -> Listing:
        return qimuai.parse_listing(url, text)

    def parse_document(self, response: Response) -> PageResult:
        post = qimuai.parse_post(response.url, response.text)
        flags = ("markup-fallback",) if post.markup == "text" else ()
        return self.result(response, post=post, flags=flags)
