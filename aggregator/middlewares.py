"""Download-layer glue: base-URL mapping and conditional GET.

Everything above the downloader (spiders, page objects, the store) sees canonical URLs only.
:class:`BaseUrlMiddleware` swaps an overridden source's canonical base for its fetch base just
before the network and swaps it back on the response, so a crawl of a loopback replica stores
exactly what a crawl of the real site would.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.responsetypes import responsetypes

from aggregator.crawl_store import store_for
from aggregator.sources import SOURCES, base_url_map, parse_base_urls
from aggregator.store import StoredPage

logger = logging.getLogger(__name__)

_CANONICAL_META = "aggregator_canonical_url"
_REDIRECTS_META = "aggregator_redirected_from"
_STORED_META = "aggregator_stored_page"


def header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def redirected_from(response: Response) -> list[str]:
    """Canonical URLs that redirected to this response (e.g. a numeric issue URL)."""
    meta = response.meta
    return list(meta.get(_REDIRECTS_META) or meta.get("redirect_urls") or [])


def canonical_request_url(request: Request) -> str:
    """The canonical URL a (possibly remapped) request stands for."""
    return str(request.meta.get(_CANONICAL_META, request.url))


class BaseUrlMiddleware:
    """Fetch ``https://aiweekly.co/x`` from ``http://127.0.0.1:PORT/x`` when overridden."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping  # canonical base -> fetch base
        self.reverse = {fetch: canonical for canonical, fetch in mapping.items()}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BaseUrlMiddleware:
        overrides = crawler.settings.get("AGGREGATOR_BASE_URLS")
        if isinstance(overrides, dict):
            overrides = [f"{k}={v}" for k, v in overrides.items()]
        return cls(base_url_map(parse_base_urls(overrides)))

    def to_fetch(self, url: str) -> str | None:
        for canonical, fetch in self.mapping.items():
            if url == canonical or url.startswith(canonical + "/"):
                return fetch + url[len(canonical) :]
        return None

    def to_canonical(self, url: str) -> str:
        for fetch, canonical in self.reverse.items():
            if url == fetch or url.startswith(fetch + "/"):
                return canonical + url[len(fetch) :]
        return url

    def process_request(self, request: Request) -> Request | None:
        fetch_url = self.to_fetch(request.url)
        if fetch_url is None:
            return None
        meta = {
            **request.meta,
            _CANONICAL_META: request.url,
            # Robots and offsite checks already ran on the canonical URL.
            "dont_obey_robotstxt": True,
            "allow_offsite": True,
        }
        if request.meta.get("redirect_urls"):
            meta[_REDIRECTS_META] = [self.to_canonical(u) for u in request.meta["redirect_urls"]]
        return request.replace(url=fetch_url, meta=meta, dont_filter=True)

    def process_response(self, request: Request, response: Response) -> Response:
        canonical = request.meta.get(_CANONICAL_META)
        if canonical is None or self.to_canonical(response.url) == response.url:
            return response
        return response.replace(url=self.to_canonical(response.url))


class ConditionalGetMiddleware:
    """Revalidate stored pages and record every fetch in the store.

    A page already held is requested with ``If-None-Match``/``If-Modified-Since``; on 304 the
    stored body is handed on as a normal response flagged ``cached``, so the spider navigates
    as usual while nothing unchanged is downloaded twice.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("AGGREGATOR_CONDITIONAL_GET", True)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def _source_of(self, url: str) -> str:
        for source in SOURCES.values():
            if url.startswith(source.canonical_base):
                return source.key
        return "other"

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
                headers: dict[bytes, bytes] = {}
                if stored.content_type:
                    headers[b"Content-Type"] = stored.content_type.encode("latin-1")
                if stored.last_modified:
                    headers[b"Last-Modified"] = stored.last_modified.encode("latin-1")
                cls = responsetypes.from_args(headers=headers, url=url, body=stored.body)
                return cls(url=url, status=200, headers=headers, body=stored.body,
                           flags=["cached"], request=request)
            logger.warning("304 for %s, which was requested without validators", url)
            return response
        if 300 <= response.status < 400:
            return response  # the redirect middleware follows it; the target is recorded
        self._inc(f"aggregator/pages_fetched/{response.status}")
        store.record_page(
            url=url, source=self._source_of(url), status=response.status, body=response.body,
            content_type=header(response, "Content-Type"), etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified"), fetched=now,
        )
        return response

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
