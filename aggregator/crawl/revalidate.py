"""Conditional GET: revalidate stored pages and record every good fetch in the store."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from aggregator.crawl.baseurl import canonical_request_url, header
from aggregator.crawl.retry import broken_reason
from aggregator.crawl.store_binding import store_for
from aggregator.decoding import response_for
from aggregator.sites import site_of_url
from aggregator.store import StoredPage

logger = logging.getLogger(__name__)

_STORED_META = "aggregator_stored_page"


class ConditionalGetMiddleware:
    """Revalidate stored pages and record every good fetch in the store.

    A page already held is requested with ``If-None-Match``/``If-Modified-Since``; on 304 the
    stored body is handed on as a normal response flagged ``cached``, so the spider navigates
    as usual while nothing unchanged is downloaded twice.

    Only a whole 2xx is recorded: an error answer (5xx, 429, 404 ...) or a broken 2xx
    (truncated, empty, HTML for a feed: :func:`~aggregator.crawl.retry.broken_reason`) never
    replaces the stored body or its validators, so the next run revalidates the good copy.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("AGGREGATOR_CONDITIONAL_GET", True)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    @staticmethod
    def _source_of(url: str) -> str:
        site = site_of_url(url)
        return site.key if site is not None else "other"

    def process_request(self, request: Request) -> None:
        if not self.enabled or request.url.endswith("/robots.txt"):
            return
        stored = store_for(self.crawler).stored_page(canonical_request_url(request))
        if stored is None or stored.status != 200 or stored.body is None:
            return
        # Kept with the request (meta survives the base-URL remapping) for the 304 answer.
        request.meta[_STORED_META] = stored
        if stored.etag:
            request.headers.setdefault(b"If-None-Match", stored.etag.encode("latin-1"))
        if stored.last_modified:
            request.headers.setdefault(
                b"If-Modified-Since", stored.last_modified.encode("latin-1")
            )

    def process_response(self, request: Request, response: Response) -> Response:
        url = canonical_request_url(request)
        if url.endswith("/robots.txt"):
            return response
        store = store_for(self.crawler)
        now = datetime.now(UTC)
        if response.status == 304 and self.enabled:
            stored: StoredPage | None = request.meta.get(_STORED_META)
            if stored is not None and stored.body is not None:
                self._inc("aggregator/pages_not_modified")
                store.touch_page(url, fetched=now)
                headers = {"Content-Type": stored.content_type,
                           "Last-Modified": stored.last_modified}
                return response_for(url, stored.body, headers, flags=["cached"],
                                    request=request)
            logger.warning("304 for %s, which was requested without validators", url)
            return response
        if 300 <= response.status < 400:
            return response  # the redirect middleware follows it; the target is recorded
        self._inc(f"aggregator/pages_fetched/{response.status}")
        if not 200 <= response.status < 300 or broken_reason(request, response) is not None:
            return response  # the retry middleware retries it or records it as failed
        store.record_page(
            url=url, source=self._source_of(url), status=response.status, body=response.body,
            content_type=header(response, "Content-Type"), etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified"), fetched=now,
        )
        return response

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
