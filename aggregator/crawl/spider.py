"""The navigation every site shares: start at the site's discovery URLs, follow listings and
their next pages, hand each document page to the site's page objects.

A spider is a registry entry plus this class: it holds no selectors and names no site. The
bindings in :mod:`aggregator.spiders` only set ``name``; :class:`RegistrySpiderLoader` makes
one for a registry entry that has no binding (a generic mirror).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Any

import scrapy
from scrapy.http import Response

from aggregator.crawl.baseurl import header, redirected_from
from aggregator.crawl.parse_record import PARSER_KEY, body_sha256, known_body
from aggregator.crawl.revalidate import DOCUMENT_META
from aggregator.crawl.store_binding import take_crawl_lock
from aggregator.items import Issue, Listing, PageResult
from aggregator.sites import PageObjects, Site, get_site


class SiteSpider(scrapy.Spider):
    """Crawls the registry entry named ``name``."""

    @staticmethod
    def settings_for(key: str) -> dict[str, Any]:
        """A binding's ``custom_settings``: the entry's politeness (Scrapy reads it per class)."""
        return dict(get_site(key).settings)

    @cached_property
    def site(self) -> Site:
        site = get_site(self.name)
        # A maintainer can switch a bespoke parser off (AGGREGATOR_GENERIC_SOURCES=key,...).
        settings = getattr(self, "settings", None)  # absent on a spider made without a crawler
        if settings is not None and self.name in settings.getlist("AGGREGATOR_GENERIC_SOURCES"):
            return site.as_generic()
        return site

    @cached_property
    def pages(self) -> PageObjects:
        return self.site.page_objects()

    async def start(self) -> AsyncIterator[Any]:
        # A spider made without a crawler (a unit test) has no store to lock.
        crawler = getattr(self, "crawler", None)
        holder = take_crawl_lock(crawler, self.name) if crawler is not None else None
        if holder is not None:
            # The same site is being crawled into this store right now: refuse, don't queue.
            self.logger.error("%s is already being crawled into this store by %s",
                              self.name, holder)
            if self.crawler.stats is not None:
                self.crawler.stats.set_value("aggregator/locked_by", holder)
            return
        for path in self.site.discovery_paths:
            callback = self.parse_feed if path in self.site.feeds else self.parse_listing
            yield scrapy.Request(self.site.url(path), callback=callback)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        yield from self._follow(self.pages.parse_feed(response.url, response.text))

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        listing = self.pages.parse_listing(response.url, response.text)
        yield from self._follow(listing)
        for url in (*listing.follow, *([listing.next_url] if listing.next_url else [])):
            yield scrapy.Request(url, callback=self.parse_listing)

    def _follow(self, listing: Listing) -> Iterator[scrapy.Request]:
        for entry in listing.entries:
            yield scrapy.Request(entry.url, callback=self.parse_page, errback=self.fetch_failed,
                                 meta={DOCUMENT_META: True})

    @cached_property
    def parser_key(self) -> str:
        """The page-object code this spider parses with (a generic switch changes it)."""
        return f"{PARSER_KEY}:{self.site.key}:{'bespoke' if self.site.bespoke else 'generic'}"

    def parse_page(self, response: Response) -> Iterator[PageResult]:
        # The very body stored last time, for the same page objects: nothing to parse.
        # The bytes and how they are to be decoded (a GBK page served as UTF-8 parses apart).
        sha = body_sha256(response.body, header(response, "Content-Type"))
        crawler = getattr(self, "crawler", None)
        record = (known_body(crawler, response.url, sha, self.parser_key)
                  if crawler is not None else None)
        if record is not None:
            yield PageResult(url=response.url, source=self.site.key, status=response.status,
                             flags=tuple(record.get("flags", ())), stored="unchanged",
                             body_sha256=sha, parser=self.parser_key)
            return
        for result in self._parse_page(response):
            yield dataclasses.replace(result, body_sha256=sha, parser=self.parser_key)

    def _parse_page(self, response: Response) -> Iterator[PageResult]:
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

    def parse_document(self, response: Response) -> PageResult:
        document = self.pages.parse_document(response.url, response.text)
        flags: list[str] = []
        if document.markup == "text":
            flags.append("markup-fallback")
        if not self.site.bespoke:
            flags.append("generic-page-object")
        if isinstance(document, Issue):
            return self.result(response, issue=document, flags=tuple(flags))
        return self.result(response, post=document, flags=tuple(flags))

    def _quarantined(self, response: Response, flag: str) -> PageResult:
        return PageResult(url=response.url, source=self.site.key, status=response.status,
                          flags=(flag,))

    def result(self, response: Response, **parsed: Any) -> PageResult:
        return PageResult(
            url=response.url,
            source=self.site.key,
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
