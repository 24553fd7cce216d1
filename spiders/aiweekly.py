"""aiweekly.co: discover every issue from the RSS feed and the archive pages; navigation only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from aggregator.items import Listing, PageResult
from aggregator.middlewares import header, redirected_from
from aggregator.sites import aiweekly
from aggregator.sources import get_source

SOURCE = get_source("aiweekly")


class AiweeklySpider(scrapy.Spider):
    name = SOURCE.key
    source_key = SOURCE.key
    custom_settings = dict(SOURCE.settings)  # noqa: RUF012 (Scrapy reads it per class)

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(SOURCE.url("/issues.rss"), callback=self.parse_feed)
        yield scrapy.Request(SOURCE.url("/issues"), callback=self.parse_listing)
        yield scrapy.Request(SOURCE.url("/"), callback=self.parse_listing)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        yield from self._follow(aiweekly.parse_feed(response.url, response.text))

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        listing = aiweekly.parse_archive_page(response.url, response.text)
        yield from self._follow(listing)
        if listing.next_url:
            yield scrapy.Request(listing.next_url, callback=self.parse_listing)

    def _follow(self, listing: Listing) -> Iterator[scrapy.Request]:
        for entry in listing.entries:
            yield scrapy.Request(entry.url, callback=self.parse_issue, errback=self.fetch_failed)

    def parse_issue(self, response: Response) -> Iterator[PageResult]:
        flags: tuple[str, ...] = ()
        try:
            issue = aiweekly.parse_issue_page(response.url, response.text)
        except aiweekly.PageParseError as error:
            self.logger.warning("quarantined %s: %s", response.url, error)
            yield PageResult(url=response.url, source=SOURCE.key, status=response.status,
                             flags=("unparsable",))
            return
        if issue.markup == "text":
            flags = ("markup-fallback",)
        yield PageResult(
            url=response.url,
            source=SOURCE.key,
            status=response.status,
            last_modified=header(response, "Last-Modified"),
            redirected_from=tuple(redirected_from(response)),
            issue=issue,
            flags=flags,
        )

    def fetch_failed(self, failure: Any) -> None:
        request = failure.request
        self.logger.warning("could not fetch %s: %s", request.url, failure.getErrorMessage())
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("aggregator/fetch_failed")
