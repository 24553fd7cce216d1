"""The navigation every site shares: start at the source's discovery URLs, follow listings
and their next pages, hand each document page to the site's page object."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from aggregator.items import Listing, PageResult
from aggregator.middlewares import header, redirected_from
from aggregator.sources import Source

ListingParser = Callable[[str, str], Listing]


class SiteSpider(scrapy.Spider):
    """Subclasses name their source and page objects; they hold no selectors."""

    source: Source
    feed_paths: tuple[str, ...] = ()  # discovery URLs parsed with ``parse_feed_page``

    def parse_feed_page(self, url: str, text: str) -> Listing:
        raise NotImplementedError

    def parse_listing_page(self, url: str, text: str) -> Listing:
        raise NotImplementedError

    def parse_document(self, response: Response) -> PageResult:
        """Build the PageResult for one document page (raise ValueError if unparsable)."""
        raise NotImplementedError

    async def start(self) -> AsyncIterator[Any]:
        for path in self.source.start_paths:
            callback = self.parse_feed if path in self.feed_paths else self.parse_listing
            yield scrapy.Request(self.source.url(path), callback=callback)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        yield from self._follow(self.parse_feed_page(response.url, response.text))

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        listing = self.parse_listing_page(response.url, response.text)
        yield from self._follow(listing)
        if listing.next_url:
            yield scrapy.Request(listing.next_url, callback=self.parse_listing)

    def _follow(self, listing: Listing) -> Iterator[scrapy.Request]:
        for entry in listing.entries:
            yield scrapy.Request(entry.url, callback=self.parse_page, errback=self.fetch_failed)

    def parse_page(self, response: Response) -> Iterator[PageResult]:
        # A page that cannot be parsed is quarantined, never fatal: its raw bytes stay in the
        # store for a later re-parse, what was stored from it before is kept, and the run
        # summary lists it.
        try:
            result = self.parse_document(response)
        except ValueError as error:
            self.logger.warning("quarantined %s: %s", response.url, error)
            result = self._quarantined(response, "unparsable")
        except Exception:
            self.logger.exception("quarantined %s: page object failed", response.url)
            result = self._quarantined(response, "parser-error")
        yield result

    def _quarantined(self, response: Response, flag: str) -> PageResult:
        return PageResult(url=response.url, source=self.source.key, status=response.status,
                          flags=(flag,))

    def result(self, response: Response, **parsed: Any) -> PageResult:
        return PageResult(
            url=response.url,
            source=self.source.key,
            status=response.status,
            last_modified=header(response, "Last-Modified"),
            redirected_from=tuple(redirected_from(response)),
            **parsed,
        )

    def fetch_failed(self, failure: Any) -> None:
        self.logger.warning("could not fetch %s: %s", failure.request.url,
                            failure.getErrorMessage())
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("aggregator/fetch_failed")
