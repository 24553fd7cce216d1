"""Faults: retries that back off and honour ``Retry-After``, and every page given up recorded.

:class:`RetryMiddleware` replaces Scrapy's. It retries what Scrapy retries (``RETRY_HTTP_CODES``,
``RETRY_EXCEPTIONS``) plus a 2xx that is not the page (:func:`broken_reason`: truncated, empty,
HTML where a feed should be), waiting before each retry: the server's ``Retry-After`` when it
sent one (at most ``AGGREGATOR_RETRY_AFTER_MAX`` seconds), else an exponential backoff. A site
asking for a longer wait is skipped for the rest of the run. :class:`RedirectLoopMiddleware`
gives up on a redirect back to a URL already in the chain.

What was given up is the stats contract the run summary and exit code read:

- ``aggregator/failed_urls``: ``"<canonical url> (<reason>)"``, each once;
- ``aggregator/failed/<slug>``: a counter per reason (``http-500``, ``timeout``, ...);
- ``aggregator/skipped_site``: why the site was skipped, when it was;
- ``aggregator/skipped_requests``: requests not made because the site was skipped.

Nothing here writes to the store, so a page given up keeps its stored body and validators and
is requested again on the next run.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware as ScrapyRetryMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import sleep
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.internet.error import TimeoutError as TxTimeoutError
from w3lib.url import canonicalize_url

from aggregator.crawl.baseurl import canonical_request_url, header
from aggregator.sites import site_of_url

__all__ = ["FAILED_PREFIX", "FAILED_URLS", "SKIPPED_REQUESTS", "SKIPPED_SITE", "GaveUp",
           "RedirectLoopMiddleware", "RetryMiddleware", "SiteSkipped", "broken_reason",
           "exception_reason", "record_failure"]

FAILED_URLS = "aggregator/failed_urls"
FAILED_PREFIX = "aggregator/failed/"
SKIPPED_SITE = "aggregator/skipped_site"
SKIPPED_REQUESTS = "aggregator/skipped_requests"

# A page that is gone is an answer, not a fault: the spider's errback counts it.
_GONE = frozenset({404, 410})


class GaveUp(IgnoreRequest):
    """A response that is not the page, after its last retry: never parsed, never stored."""


class SiteSkipped(IgnoreRequest):
    """A request to a site skipped for this run (it asked to wait longer than we will)."""


def slug(reason: str) -> str:
    """``"http 429 retry-after 3600s: site skipped"`` -> ``"site-skipped"``; else the reason
    in lower-case words joined by dashes (``"http 500"`` -> ``"http-500"``)."""
    if reason.endswith("site skipped"):
        return "site-skipped"
    return re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "unknown"


def record_failure(stats: StatsCollector | None, url: str, reason: str) -> None:
    if stats is None:
        return
    entry = f"{url} ({reason})"
    failed = list(stats.get_value(FAILED_URLS, []))
    if entry in failed:
        return  # the same page failing the same way twice (a redirect to it) counts once
    stats.set_value(FAILED_URLS, [*failed, entry])
    stats.inc_value(FAILED_PREFIX + slug(reason))


def _is_feed(url: str) -> bool:
    site = site_of_url(url)
    return site is not None and any(site.url(path) == url for path in site.feeds)


def _looks_like_html(response: Response) -> bool:
    """An HTML page, not XML: the body decides (a real feed sent as text/html is a feed)."""
    start = response.body[:512].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if start.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")):
        return False
    content_type = (header(response, "Content-Type") or "").lower()
    return "html" in content_type or start.startswith((b"<!doctype html", b"<html"))


def broken_reason(request: Request, response: Response) -> str | None:
    """Why a 2xx response is not the page it stands for (so it must be neither stored nor
    parsed), or None. A revalidated page re-served from the store (``cached``) is whole."""
    if not 200 <= response.status < 300 or "cached" in response.flags:
        return None
    if "dataloss" in response.flags:  # DOWNLOAD_FAIL_ON_DATALOSS=False lets these through
        return "truncated"
    if request.method == "HEAD" or response.status == 204:
        return None
    length = header(response, "Content-Length")
    # Shorter than announced: cut short. (A decompressed body is longer, never shorter.)
    if length and length.strip().isdigit() and len(response.body) < int(length):
        return "truncated"
    if not response.body.strip():
        return "empty 200"
    if _is_feed(canonical_request_url(request)) and _looks_like_html(response):
        return "html for feed"
    return None


def _causes(exception: BaseException) -> list[BaseException]:
    """The exception, its cause chain, and the reasons a Twisted ResponseFailed carries."""
    found: list[BaseException] = []
    current: BaseException | None = exception
    while current is not None and current not in found:
        found.append(current)
        for failure in getattr(current, "reasons", None) or ():
            value = getattr(failure, "value", None)
            if isinstance(value, BaseException):
                found.append(value)
        current = current.__cause__ or current.__context__
    return found


def exception_reason(exception: BaseException) -> str:
    """The failure reason of a download exception, in the summary's words."""
    causes = _causes(exception)
    # A connection dropped without a clean close (ConnectionDone is the clean one).
    reset = any(isinstance(c, ConnectionLost) for c in causes)
    if isinstance(exception, (DownloadTimeoutError, TxTimeoutError)):
        return "timeout"
    if isinstance(exception, ResponseDataLossError):
        return "connection reset" if reset else "truncated"
    if isinstance(exception, DownloadCancelledError):
        return "too large" if "max size" in str(exception) else "cancelled"
    if isinstance(exception, (DownloadConnectionRefusedError, ConnectionRefusedError)):
        return "connection refused"
    if isinstance(exception, CannotResolveHostError):
        return "dns lookup failed"
    if isinstance(exception, IgnoreRequest) and "robots.txt" in str(exception):
        return "robots.txt"
    if reset or isinstance(exception, ConnectionResetError):
        return "connection reset"
    if isinstance(exception, ConnectionDone):
        return "connection closed"
    if isinstance(exception, DownloadFailedError):
        return "download failed"
    return f"error {type(exception).__name__}"


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now (RFC 9110 §10.2.3: delay-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _site_key(url: str) -> str:
    site = site_of_url(url)
    return site.key if site is not None else "other"


class RetryMiddleware(ScrapyRetryMiddleware):
    """Scrapy's retries, with waits and a record of every page given up (module docstring)."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("AGGREGATOR_RETRY_AFTER_MAX", 60.0)
        self.backoff = settings.getfloat("AGGREGATOR_RETRY_BACKOFF", 1.0)
        self.backoff_max = settings.getfloat("AGGREGATOR_RETRY_BACKOFF_MAX", 30.0)
        self.skipped: dict[str, str] = {}  # site key -> why
        self.paused: dict[str, float] = {}  # site key -> monotonic time its Retry-After ends

    @property
    def _stats(self) -> StatsCollector | None:
        return self.crawler.stats

    def _wait(self, request: Request) -> float:
        """Exponential backoff: ``backoff``, twice that, ... for the 1st, 2nd ... retry."""
        tries = int(request.meta.get("retry_times", 0))
        return float(min(self.backoff_max, self.backoff * 2 ** tries))

    async def process_request(self, request: Request) -> None:
        key = _site_key(canonical_request_url(request))
        if key in self.skipped:
            if self._stats is not None:
                self._stats.inc_value(SKIPPED_REQUESTS)
            raise SiteSkipped(f"{key} skipped for this run: {self.skipped[key]}")
        # Retry-After is about the server, not one page: nothing goes to the site until then.
        remaining = self.paused.get(key, 0.0) - time.monotonic()
        if remaining > 0:
            await sleep(remaining)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False):
            return response
        url = canonical_request_url(request)
        reason = (f"http {response.status}" if response.status in self.retry_http_codes
                  else broken_reason(request, response))
        if reason is None:
            if response.status >= 400 and response.status not in _GONE:
                record_failure(self._stats, url, f"http {response.status}")
            return response
        wait = self._wait(request)
        asked = retry_after_seconds(header(response, "Retry-After"))
        if asked is not None and response.status in (429, 503):
            if asked > self.retry_after_max:
                return self._skip_site(url, f"{reason} retry-after {asked:.0f}s", response)
            wait = asked
            key = _site_key(url)
            self.paused[key] = max(self.paused.get(key, 0.0), time.monotonic() + asked)
        retry = self._retry(request, reason)
        if retry is None:
            record_failure(self._stats, url, reason)
            if response.status in self.retry_http_codes:
                return response  # the spider sees the error status (its errback counts it)
            raise GaveUp(f"{url}: {reason}")
        await sleep(wait)
        return retry

    def _skip_site(self, url: str, reason: str, response: Response) -> Response:
        key = _site_key(url)
        record_failure(self._stats, url, f"{reason}: site skipped")
        why = (f"{key}: {reason} is over AGGREGATOR_RETRY_AFTER_MAX "
               f"({self.retry_after_max:.0f}s); no more requests to it this run")
        self.skipped[key] = why
        if self._stats is not None:
            self._stats.set_value(SKIPPED_SITE, why)
        return response

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if isinstance(exception, SiteSkipped):
            return None
        url = canonical_request_url(request)
        if (isinstance(exception, self.exceptions_to_retry)
                and not request.meta.get("dont_retry", False)):
            # Named in our words: "truncated" says more than ResponseDataLossError('').
            retry = self._retry(request, exception_reason(exception))
            if retry is not None:
                await sleep(self._wait(request))
                return retry
        if isinstance(exception, IgnoreRequest) and "robots.txt" not in str(exception):
            return None  # dropped on purpose (offsite, a duplicate): not a failure
        record_failure(self._stats, url, exception_reason(exception))
        return None


class RedirectLoopMiddleware:
    """Give up on a redirect back into its own chain at once (Scrapy would follow it
    ``REDIRECT_MAX_TIMES`` times); register it just above Scrapy's RedirectMiddleware."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = header(response, "Location")
        if not 300 <= response.status < 400 or not location:
            return response
        url = canonical_request_url(request)
        target = canonicalize_url(response.urljoin(location))
        chain = [*request.meta.get("aggregator_redirected_from", ()), url]
        if target in {canonicalize_url(u) for u in chain}:
            record_failure(self.crawler.stats, chain[0], "redirect loop")
            raise GaveUp(f"{chain[0]}: redirect loop")
        if int(request.meta.get("redirect_times", 0)) >= self.max_times:
            record_failure(self.crawler.stats, chain[0], "too many redirects")
        return response
