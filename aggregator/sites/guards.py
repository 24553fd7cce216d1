"""What every page object does with hostile input, so that no page can break a run.

* Numbers read from page text (issue numbers, post ids, page numbers) as the store holds them:
  its integer columns are 64-bit (BIGINT on PostgreSQL), so a larger number ("Issue
  #99999999999999999999", a typo, a hostile page) gives ``None``, never a Python int the store
  cannot hold. ``str.isdigit`` is no guard either: it accepts "²", which ``int`` refuses.
* Text made parseable: lxml encodes a page to UTF-8 and raises on a lone surrogate (a str
  mangled before it got here); it parses a control character into an attribute name and then
  raises on every ``.attrib`` of that element; and its recovering XML parser turns a character
  reference to a surrogate ("&#xD800;") into bytes that no later ``.get()`` can decode.
* Listing links kept to http(s): every link of a listing becomes a request, and a
  ``javascript:`` or ``data:`` href, or one no URL can be made of, is nothing to fetch.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

from parsel import Selector

from aggregator.items import Listing
from aggregator.normalize import xml_safe

__all__ = ["INT64_MAX", "html_selector", "int64", "web_links", "within_int64", "xml_selector"]

INT64_MAX = 2**63 - 1
_INT64_DIGITS = len(str(INT64_MAX))


def within_int64(value: int) -> int | None:
    """``value`` if a signed 64-bit column holds it, else None."""
    return value if -INT64_MAX - 1 <= value <= INT64_MAX else None


def int64(text: str) -> int | None:
    """The non-negative number ``text`` writes in decimal digits (any script, as ``\\d``
    matches), or None when it is no such number or too large for the store.

    Overlong digit runs are refused before ``int``, which raises on more than 4300 digits.
    """
    digits = text.strip()
    if not digits.isdecimal() or len(digits.lstrip("0")) > _INT64_DIGITS:
        return None
    return within_int64(int(digits))


# Short digit runs only: a surrogate needs no more, and ``int`` refuses over 4300 digits.
_CHAR_REF_RE = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,6})|0*([0-9]{1,7}));")


def _surrogate_to_replacement(match: re.Match[str]) -> str:
    hex_digits, decimal = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(decimal)
    return "&#xFFFD;" if 0xD800 <= code <= 0xDFFF else match.group()


def html_selector(html: str) -> Selector:
    """An HTML page as a Selector, whatever characters the text holds.

    What the normalize stage would remove from every field anyway (terminal escapes, controls,
    lone surrogates: :func:`~aggregator.normalize.xml_safe`) goes before lxml sees it.
    """
    return Selector(text=xml_safe(html))


def xml_selector(xml: str) -> Selector:
    """An XML document (feed, sitemap) as a Selector with namespaces removed.

    A character reference to a surrogate becomes U+FFFD first, as the HTML parser makes it.
    """
    xml = xml_safe(xml)
    if "&#" in xml:
        xml = _CHAR_REF_RE.sub(_surrogate_to_replacement, xml)
    sel = Selector(text=xml, type="xml")
    sel.remove_namespaces()
    return sel


def _is_web(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1"
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def web_links(listing: Listing) -> Listing:
    """``listing`` with only its http(s) links: entries, follow-ups and the next page."""
    next_url = listing.next_url if listing.next_url and _is_web(listing.next_url) else None
    return dataclasses.replace(
        listing,
        entries=tuple(entry for entry in listing.entries if _is_web(entry.url)),
        follow=tuple(url for url in listing.follow if _is_web(url)),
        next_url=next_url,
    )
