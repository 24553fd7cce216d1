"""The one way a stored or fetched body becomes text: Scrapy's response classes.

The crawler re-serves stored bodies on a 304, and the tests and benchmarks rebuild pages from
fixture bytes; all of them go through :func:`response_for`, so the charset detection (GBK
pages, ``<meta charset>``, BOMs) is always the production one.
"""

from __future__ import annotations

from collections.abc import Mapping

from scrapy.http import Headers, Request, Response, TextResponse
from scrapy.responsetypes import responsetypes


def response_for(url: str, body: bytes, headers: Mapping[str, str | None] | None = None, *,
                 status: int = 200, flags: list[str] | None = None,
                 request: Request | None = None) -> Response:
    """The Scrapy response (Html/Xml/Text or plain) that the downloader would have built."""
    scrapy_headers = Headers({k: v for k, v in (headers or {}).items() if v is not None})
    cls = responsetypes.from_args(headers=scrapy_headers, url=url, body=body)
    return cls(url=url, status=status, headers=scrapy_headers, body=body, flags=flags or [],
               request=request)


def decode(url: str, body: bytes, content_type: str | None) -> str:
    """A body's text as the spiders see it (``response.text``)."""
    response = response_for(url, body, {"Content-Type": content_type} if content_type else {})
    if not isinstance(response, TextResponse):
        raise ValueError(f"{url}: {content_type!r} is not a text response")
    return response.text
