"""What each stored document was parsed as, so an unchanged page costs neither a parse nor a
normalize nor an upsert.

The store stage writes a record per stored document (a ``features`` row of kind
:data:`PARSED_KIND`): the digest of the page object's result, the hash of the body it was
parsed from, the code keys below, the stored row's content hash, and what the run summary
counts (kind, fields, flags). Two checks use it:

* :func:`known_body` (the spider, before parsing): the same body, parsed by the same page-object
  code, into a row that is still as it was written: the page is not parsed at all.
* :func:`known_result` (the normalize stage): the page object gave the same result as last time
  (say, only an advert changed): it is not normalized or upserted.

Between a check and the store stage of one crawl the matched record waits in a per-crawler map,
bounded by the items in flight.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError

from aggregator.crawl.store_binding import store_for
from aggregator.items import PageResult
from aggregator.store import Store

PARSED_KIND = "parsed"  # features rows recording what each stored document was parsed as
_PACKAGE = Path(__file__).resolve().parent.parent


def _code_key(files: list[Path], dists: tuple[str, ...]) -> int:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    for dist in dists:
        try:
            digest.update(f"{dist}={version(dist)}".encode())
        except PackageNotFoundError:
            digest.update(dist.encode())
    return int(digest.hexdigest()[:7], 16)  # fits the store's 32-bit version column


# The code between a page object's result and the stored rows (normalize, dates, item <-> row
# mapping) and the libraries it uses: a record is trusted only under the key it was written with.
STORED_FORM_KEY = _code_key(
    [_PACKAGE / name for name in ("article.py", "normalize.py", "dates.py", "items.py",
                                  "store/mapping.py")],
    ("nh3", "beautifulsoup4", "lxml", "dateparser"))

# The page objects and what they parse with: a body is not re-parsed only under the same key.
PARSER_KEY = _code_key(
    [*sorted((_PACKAGE / "sites").rglob("*.py")), _PACKAGE / "decoding.py"],
    ("parsel", "lxml", "beautifulsoup4", "w3lib", "scrapy"))


def parsed_key(url: str) -> str:
    """The features row of a document's parse record (the document's own features row holds
    its linking features under the bare URL)."""
    return f"parsed:{url}"


def body_sha256(body: bytes, content_type: str | None = None) -> str:
    """The hash of what a page object reads: the body and the type (charset) it came with."""
    digest = hashlib.sha256(body)
    digest.update(b"\0" + (content_type or "").encode("latin-1", "replace"))
    return digest.hexdigest()


_PENDING: WeakKeyDictionary[Crawler, dict[str, tuple[str, dict[str, Any] | None]]] = (
    WeakKeyDictionary())


def pending(crawler: Crawler) -> dict[str, tuple[str, dict[str, Any] | None]]:
    """url -> (digest of the page object's result, the parse record when one matched)."""
    return _PENDING.setdefault(crawler, {})


def stored_sha(store: Store, *, issue_number: int | None = None,
               post_url: str | None = None) -> str | None:
    """The content hash of the row a document is stored as (None: not stored)."""
    if issue_number is None and post_url is None:
        return None
    return store.content_sha256(issue_number=issue_number, post_url=post_url)


def _owner(item: PageResult) -> dict[str, Any]:
    if item.issue is not None:
        return {"issue": item.issue.number}
    if item.post is not None:
        return {"post": item.post.url}
    return {}


def record_data(store: Store, item: PageResult, *, kind: str, fields: dict[str, bool],
                parser: str | None) -> dict[str, Any]:
    """The record of a document the store stage has just stored."""
    owner = _owner(item)
    return {"kind": kind, "fields": fields, "flags": list(item.flags), **owner,
            "row": stored_sha(store, issue_number=owner.get("issue"), post_url=owner.get("post")),
            "body": item.body_sha256, "parser": parser}


def _record(store: Store, url: str) -> dict[str, Any] | None:
    row = store.features_row(parsed_key(url))
    if row is None or row.version != STORED_FORM_KEY:
        return None
    return {**row.data, "_digest": row.content_sha256}


def known_body(crawler: Crawler, url: str, body_sha: str, parser: str) -> dict[str, Any] | None:
    """The record of a page stored from this very body by this page-object code, its row
    unchanged since; None means: parse it."""
    store = store_for(crawler)
    try:
        record = _record(store, url)
        if (record is None or record.get("body") != body_sha or record.get("parser") != parser
                or record.get("row") != stored_sha(store, issue_number=record.get("issue"),
                                                   post_url=record.get("post"))):
            return None
    except (SQLAlchemyError, ValueError, OverflowError):
        return None  # a page the store cannot look up: parsed, and the store stage decides
    pending(crawler)[url] = (record["_digest"], record)
    return record


def known_result(crawler: Crawler, item: PageResult, digest: str) -> bool:
    """Whether the page object's result is the one stored last time, into an unchanged row."""
    store = store_for(crawler)
    owner = _owner(item)
    try:
        record = _record(store, item.url)
        if (record is None or record["_digest"] != digest
                or record.get("row") != stored_sha(store, issue_number=owner.get("issue"),
                                                   post_url=owner.get("post"))):
            return False
    except (SQLAlchemyError, ValueError, OverflowError):
        return False
    pending(crawler)[item.url] = (digest, record)
    return True
