"""news.qimuai.cn (EMLOG): discover posts from rss.php, the AI周刊 category and the home list."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from aggregator.items import Listing, PageResult
from aggregator.middlewares import header
from aggregator.sites import qimuai
from aggregator.sources import get_source

SOURCE = get_source("qimuai")


class QimuaiSpider(scrapy.Spider):
    name = SOURCE.key
    source_key = SOURCE.key
    custom_settings = dict(SOURCE.settings)  # noqa: RUF012 (Scrapy reads it per class)

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(SOURCE.url("/rss.php"), callback=self.parse_feed)
        for path in SOURCE.start_paths:
            if path != "/rss.php":
                yield scrapy.Request(SOURCE.url(path), callback=self.parse_listing)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        yield from self._follow(qimuai.parse_feed(response.url, response.text))

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        listing = qimuai.parse_listing(response.url, response.text)
        yield from self._follow(listing)
        if listing.next_url:
            yield scrapy.Request(listing.next_url, callback=self.parse_listing)

    def _follow(self, listing: Listing) -> Iterator[scrapy.Request]:
        for entry in listing.entries:
            yield scrapy.Request(entry.url, callback=self.parse_post, errback=self.fetch_failed)

    def parse_post(self, response: Response) -> Iterator[PageResult]:
        try:
            post = qimuai.parse_post(response.url, response.text)
        except ValueError as error:
            self.logger.warning("quarantined %s: %s", response.url, error)
            yield PageResult(url=response.url, source=SOURCE.key, status=response.status,
                             flags=("unparsable",))
            return
        yield PageResult(
            url=response.url,
            source=SOURCE.key,
            status=response.status,
            last_modified=header(response, "Last-Modified"),
            post=post,
            flags=("markup-fallback",) if post.markup == "text" else (),
        )

    def fetch_failed(self, failure: Any) -> None:
        self.logger.warning("could not fetch %s: %s", failure.request.url,
                            failure.getErrorMessage())
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("aggregator/fetch_failed")
