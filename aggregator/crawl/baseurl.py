"""Download-layer glue: base-URL mapping.

Everything above the downloader (spiders, page objects, the store) sees canonical URLs only.
:class:`BaseUrlMiddleware` swaps an overridden source's canonical base for its fetch base just
before the network and swaps it back on the response, so a crawl of a loopback replica stores
exactly what a crawl of the real site would.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from aggregator.config import base_urls_setting
from aggregator.sites import get_site

_CANONICAL_META = "aggregator_canonical_url"
_REDIRECTS_META = "aggregator_redirected_from"


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
        overrides = base_urls_setting(crawler.settings.get("AGGREGATOR_BASE_URLS"))
        return cls({get_site(key).canonical_base: base for key, base in overrides.items()})

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
