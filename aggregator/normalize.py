"""Canonical URLs and text cleanup shared by page objects, the store and the linker."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import nh3

# Query parameters that only track a click; they never select content.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_TRACKING_NAMES = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref", "ref_src", "spm", "from"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str, *, https: bool = True) -> str:
    """Return ``url`` in a stable form for comparison and storage.

    Lowercases scheme and host, drops default ports, fragments, tracking parameters and a
    trailing slash on non-root paths, and sorts the remaining query. ``http`` becomes ``https``
    when ``https`` is true: both sites serve one resource under either scheme.
    """
    text = url.strip()
    if text.startswith("//"):
        text = "https:" + text
    parts = urlsplit(text)
    scheme = (parts.scheme or "https").lower()
    if https and scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_NAMES
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


_SPACE_RE = re.compile(r"[ \t\u00a0\u3000\u200b\ufeff]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")


def clean_text(text: str) -> str:
    """NFC-normalize, collapse runs of spaces (incl. NBSP and ideographic space), trim lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


def clean_inline(text: str) -> str:
    """Like :func:`clean_text` but for one-line values such as titles and headlines."""
    return _SPACE_RE.sub(" ", clean_text(text).replace("\n", " ")).strip()


_ALLOWED_TAGS = {
    "a", "p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "h1", "h2", "h3", "h4",
    "blockquote", "code", "pre", "span", "div", "section", "article", "header", "aside",
    "time", "hr", "img", "figure", "figcaption", "table", "thead", "tbody", "tr", "td", "th",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "time": {"datetime"},
}


def sanitize_html(html: str) -> str:
    """Strip scripts, styles, event handlers and unknown tags; keep links and structure."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        link_rel="noopener noreferrer",
        url_schemes={"http", "https", "mailto"},
    ).strip()
