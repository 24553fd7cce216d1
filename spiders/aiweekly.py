"""aiweekly.co: every issue from the RSS feed and the archive pages; navigation only."""

from __future__ import annotations

from scrapy.http import Response

from aggregator.items import Listing, PageResult
from aggregator.sites import aiweekly
from aggregator.sources import get_source
from spiders.base import SiteSpider

SOURCE = get_source("aiweekly")


class AiweeklySpider(SiteSpider):
    name = SOURCE.key
    source = SOURCE
    feed_paths = ("/issues.rss",)
    custom_settings = dict(SOURCE.settings)  # noqa: RUF012 (Scrapy reads it per class)

    def parse_feed_page(self, url: str, text: str) -> Listing:
        return aiweekly.parse_feed(url, text)

    def parse_listing_page(self, url: str, text: str) -> Listing:
        return aiweekly.parse_archive_page(url, text)

    def parse_document(self, response: Response) -> PageResult:
        issue = aiweekly.parse_issue_page(response.url, response.text)
        flags = ("markup-fallback",) if issue.markup == "text" else ()
        return self.result(response, issue=issue, flags=flags)
