"""SQLAlchemy 2 models: the tables of the store.

``pages`` (one row per fetched URL: validators and compressed body, so incremental runs send
conditional requests and can re-parse without downloading), ``issues`` (English issues),
``posts`` (mirror-site posts), ``stories`` (stories of an issue or of a post, per language),
``aliases`` (other URLs of an issue, e.g. the numeric URL that redirects to the slug),
``links`` (a post linked to an issue, with method, score and evidence) and ``features``
(linking features per document).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class AwareDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime refused by the store: {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


# A number read from a page (an issue number, a post id): 64-bit, so an 11-digit number fits.
# SQLite's INTEGER already holds 64 bits, and only INTEGER PRIMARY KEY aliases the rowid, so
# SQLite keeps the INTEGER of earlier releases (the widening migration is a no-op there).
PageNumber = BigInteger().with_variant(Integer(), "sqlite")


class PageRow(Base):
    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True, index=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed raw bytes
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    first_fetched: Mapped[datetime] = mapped_column(AwareDateTime())
    last_fetched: Mapped[datetime] = mapped_column(AwareDateTime())
    last_changed: Mapped[datetime] = mapped_column(AwareDateTime())
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)


class IssueRow(Base):
    __tablename__ = "issues"

    number: Mapped[int] = mapped_column(PageNumber, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(String(2048), index=True)
    numeric_url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text)
    week_start: Mapped[date | None] = mapped_column(Date)
    week_end: Mapped[date | None] = mapped_column(Date)
    published: Mapped[datetime | None] = mapped_column(AwareDateTime())
    intro: Mapped[str] = mapped_column(Text, default="")
    takeaways: Mapped[list[str]] = mapped_column(JSON, default=list)
    quick_hits: Mapped[list[str]] = mapped_column(JSON, default=list)
    watch: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    content_html: Mapped[str] = mapped_column(Text, default="")
    markup: Mapped[str] = mapped_column(String(16))
    content_sha256: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(AwareDateTime())
    updated: Mapped[datetime] = mapped_column(AwareDateTime())


class PostRow(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True, index=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    post_id: Mapped[int | None] = mapped_column(PageNumber)
    title: Mapped[str] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(AwareDateTime())
    author: Mapped[str | None] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(String(255))
    content_html: Mapped[str] = mapped_column(Text, default="")
    content_text: Mapped[str] = mapped_column(Text, default="")
    is_mirror: Mapped[bool] = mapped_column(Boolean, default=False)
    # Mirror fields (null/empty for ordinary posts).
    stated_issue_number: Mapped[int | None] = mapped_column(PageNumber, index=True)
    title_zh: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(2048))
    summary: Mapped[str] = mapped_column(Text, default="")
    week_start: Mapped[date | None] = mapped_column(Date)
    week_end: Mapped[date | None] = mapped_column(Date)
    intro: Mapped[str] = mapped_column(Text, default="")
    takeaways: Mapped[list[str]] = mapped_column(JSON, default=list)
    quick_hits: Mapped[list[str]] = mapped_column(JSON, default=list)
    watch: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    english_text: Mapped[str] = mapped_column(Text, default="")
    english_links: Mapped[list[str]] = mapped_column(JSON, default=list)
    markup: Mapped[str] = mapped_column(String(16))
    content_sha256: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(AwareDateTime())
    updated: Mapped[datetime] = mapped_column(AwareDateTime())


class StoryRow(Base):
    """A story of an English issue (``issue_number`` set) or of a mirror post (``post_row``)."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_number: Mapped[int | None] = mapped_column(
        PageNumber, ForeignKey("issues.number", ondelete="CASCADE"), index=True
    )
    post_row: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    lang: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer)
    section: Mapped[str | None] = mapped_column(Text)
    headline: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(2048))
    outlet: Mapped[str | None] = mapped_column(String(255))
    date: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    pair: Mapped[int | None] = mapped_column(Integer)  # aligned story position, other language


class AliasRow(Base):
    __tablename__ = "aliases"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    issue_number: Mapped[int] = mapped_column(PageNumber, index=True)
    kind: Mapped[str] = mapped_column(String(32))  # "numeric" or "redirect"


class LinkRow(Base):
    __tablename__ = "links"

    post_row: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    issue_number: Mapped[int | None] = mapped_column(PageNumber, index=True)
    method: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decided: Mapped[datetime] = mapped_column(AwareDateTime())


class FeatureRow(Base):
    """Linking features of a stored document, so linking a new page is a lookup."""

    __tablename__ = "features"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # "issue" or "post"
    content_sha256: Mapped[str] = mapped_column(String(64))  # of the row it was computed from
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class SourceRunRow(Base):
    """One crawl of one source: what it fetched and stored, how complete its documents were."""

    __tablename__ = "source_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    started: Mapped[datetime] = mapped_column(AwareDateTime())
    finished: Mapped[datetime] = mapped_column(AwareDateTime())
    finish_reason: Mapped[str] = mapped_column(String(64))
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[list[str]] = mapped_column(JSON, default=list)  # "url (reason)"
    quarantined: Mapped[list[str]] = mapped_column(JSON, default=list)  # "url (flag)"
    coverage: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    verdict: Mapped[str | None] = mapped_column(Text)  # None: healthy


class QuarantineRow(Base):
    """A fetched version of a page that parsed much worse than the stored document (kept for
    a look and a later re-parse; the stored document stays what readers see)."""

    __tablename__ = "quarantine"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    found: Mapped[datetime] = mapped_column(AwareDateTime())
    content_type: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed raw bytes


class VersionRow(Base):
    """Every stored version of a document: a page whose normalized content changed gets a new
    row, older ones stay (what the issue or post tables hold is the current one)."""

    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "issue" or "post"
    content_sha256: Mapped[str] = mapped_column(String(64))
    stored: Mapped[datetime] = mapped_column(AwareDateTime())
    changed: Mapped[datetime] = mapped_column(AwareDateTime())  # its Last-Modified, or stored
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the parsed document

