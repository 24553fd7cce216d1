"""Conditional GET: revalidate stored pages and record every good fetch in the store."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from aggregator.crawl.baseurl import canonical_request_url, header
from aggregator.crawl.retry import broken_reason
from aggregator.crawl.store_binding import before_close, store_for
from aggregator.decoding import response_for
from aggregator.sites import site_of_url
from aggregator.store import StoredPage

logger = logging.getLogger(__name__)

_STORED_META = "aggregator_stored_page"
_LOOKED_UP_META = "aggregator_looked_up"  # (canonical URL, redirects) its stored page was read for
TOUCH_BATCH = 200  # 304s whose last_fetched is written in one statement


DOCUMENT_META = "aggregator_document"  # set by the spider on document (not listing) requests
NOT_RECHECKED = "not-rechecked"


@dataclass(frozen=True)
class RecheckPolicy:
    """Which stored documents a run revalidates: those that changed within ``recent`` every
    run, older ones once per ``every`` (spread over 0.5-1.5 x ``every`` by URL, so a backfilled
    archive is not rechecked all on one day). Requests then grow with what can have changed,
    not with the archive."""

    recent: timedelta
    every: timedelta

    def due(self, url: str, page: StoredPage, now: datetime) -> bool:
        if page.last_changed is None or page.last_fetched is None:
            return True
        if now - page.last_changed <= self.recent:
            return True
        spread = 0.5 + int.from_bytes(hashlib.sha256(url.encode()).digest()[:2], "big") / 65536
        return now - page.last_fetched >= self.every * spread


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
        self._touched: dict[str, datetime] = {}  # 304s not yet written (see touch)
        self._flush_registered = False
        self.enabled = crawler.settings.getbool("AGGREGATOR_CONDITIONAL_GET", True)
        self.stats = crawler.stats
        self.policy = RecheckPolicy(
            recent=timedelta(days=crawler.settings.getfloat("AGGREGATOR_RECHECK_RECENT_DAYS", 60)),
            every=timedelta(days=crawler.settings.getfloat("AGGREGATOR_RECHECK_OLDER_DAYS", 7)),
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    @staticmethod
    def _source_of(url: str) -> str:
        site = site_of_url(url)
        return site.key if site is not None else "other"

    def process_request(self, request: Request) -> Response | None:
        if not self.enabled or request.url.endswith("/robots.txt"):
            return None
        url = canonical_request_url(request)
        # The base-URL mapping sends a request through the middlewares again: its stored
        # page was read the first time (a redirect's target is read anew).
        looked_up = (url, request.meta.get("redirect_times", 0))
        if request.meta.get(_LOOKED_UP_META) == looked_up:
            return None
        request.meta[_LOOKED_UP_META] = looked_up
        stored = store_for(self.crawler).stored_page(url)
        if stored is None or stored.status != 200 or stored.body is None:
            return None
        if request.meta.get(DOCUMENT_META) and not self.policy.due(url, stored,
                                                                   datetime.now(UTC)):
            # An old, long-unchanged document checked recently: its stored copy answers,
            # without a request (the recheck policy; listings and feeds are always checked).
            self._inc("aggregator/pages_not_rechecked")
            headers = {"Content-Type": stored.content_type, "Last-Modified": stored.last_modified}
            return response_for(url, stored.body, headers, flags=["cached", NOT_RECHECKED],
                                request=request)
        # Kept with the request (meta survives the base-URL remapping) for the 304 answer.
        request.meta[_STORED_META] = stored
        if stored.etag:
            request.headers.setdefault(b"If-None-Match", stored.etag.encode("latin-1"))
        if stored.last_modified:
            request.headers.setdefault(
                b"If-Modified-Since", stored.last_modified.encode("latin-1")
            )
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        url = canonical_request_url(request)
        if url.endswith("/robots.txt") or NOT_RECHECKED in response.flags:
            return response
        store = store_for(self.crawler)
        now = datetime.now(UTC)
        if response.status == 304 and self.enabled:
            stored: StoredPage | None = request.meta.get(_STORED_META)
            if stored is not None and stored.body is not None:
                self._inc("aggregator/pages_not_modified")
                self.touch(url, now)
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

    def touch(self, url: str, fetched: datetime) -> None:
        """Note that a revalidation found ``url`` unchanged; written TOUCH_BATCH at a time and
        when the spider closes (a killed crawl loses only some ``last_fetched`` stamps: those
        pages are revalidated a little sooner)."""
        if not self._flush_registered:
            before_close(self.crawler, self.flush)
            self._flush_registered = True
        self._touched[url] = fetched
        if len(self._touched) >= TOUCH_BATCH:
            self.flush()

    def flush(self) -> None:
        if self._touched:
            touched, self._touched = self._touched, {}
            store_for(self.crawler).touch_pages(touched)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
