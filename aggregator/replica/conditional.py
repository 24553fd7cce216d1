"""Conditional requests: when a manifest entry answers ``If-None-Match`` / ``If-Modified-Since``
with 304 Not Modified (RFC 9110 §13.1)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from aggregator.replica.manifest import ManifestEntry

__all__ = ["NOT_MODIFIED_HEADERS", "not_modified"]

# Headers a 304 repeats from the entry (RFC 9110 §15.4.5); the body and its length are omitted.
NOT_MODIFIED_HEADERS = frozenset({"etag", "last-modified"})
_ENTITY_TAG_RE = re.compile(r'(?:W/)?"[^"]*"|[^,\s]+')


def not_modified(entry: ManifestEntry, if_none_match: str, if_modified_since: str) -> bool:
    """True when the request's validators say the client's copy of ``entry`` is current."""
    if if_none_match:  # takes precedence: If-Modified-Since is then ignored
        return _etag_matches(if_none_match, entry.header("ETag"))
    if if_modified_since:
        last_modified = entry.header("Last-Modified")
        since = _http_date(if_modified_since)
        modified = _http_date(last_modified) if last_modified else None
        return since is not None and modified is not None and modified <= since
    return False


def _etag_opaque(tag: str) -> str:
    tag = tag.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    return tag.strip('"')


def _etag_matches(if_none_match: str, etag: str | None) -> bool:
    """Weak comparison of ``If-None-Match`` (a list, ``*``, ``W/`` tags) with the entry's ETag."""
    tags = _ENTITY_TAG_RE.findall(if_none_match)
    if "*" in tags:
        return True
    if etag is None:
        return False
    wanted = _etag_opaque(etag)
    return any(_etag_opaque(tag) == wanted for tag in tags)


def _http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
