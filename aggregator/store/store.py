"""The Store: the one way into the database, with idempotent upserts (tables in
:mod:`aggregator.store.models`, item <-> row mapping in :mod:`aggregator.store.mapping`).

Upserts compare a content hash, so storing the same parse twice writes nothing: a second run
of the same crawl leaves the same rows.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import (
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from aggregator.items import Issue, Post, to_jsonable
from aggregator.store.locks import SourceLock
from aggregator.store.mapping import issue_to_row, post_to_row, sha256_json, story_rows
from aggregator.store.models import (
    AliasRow,
    Base,
    FeatureRow,
    IssueRow,
    LinkRow,
    PageRow,
    PostRow,
    QuarantineRow,
    SourceRunRow,
    StoryRow,
    VersionRow,
)
from aggregator.store.schema import check_exists, ensure_schema, sqlite_path

Change = Literal["new", "updated", "unchanged"]

# Calls of the store a batch groups into one transaction (see Store.batch).
BATCH_CALLS = 500


@dataclass(frozen=True)
class StoredPage:
    """What an incremental run needs to revalidate (and, on 304, re-use) a page."""

    url: str
    status: int
    content_type: str | None
    etag: str | None
    last_modified: str | None
    body: bytes | None
    last_fetched: datetime | None = None
    last_changed: datetime | None = None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # busy_timeout first: switching to WAL itself needs the lock another process may hold.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def upsert(session: Session, model: type[Base], values: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE: safe when another process writes the
    same row at the same moment (check-then-insert is not)."""
    keys = [c.name for c in inspect(model).primary_key]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(model).values(**values)
        session.execute(pg.on_conflict_do_update(
            index_elements=keys, set_={k: pg.excluded[k] for k in values if k not in keys}))
        return
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(model).values(**values)
        session.execute(lite.on_conflict_do_update(
            index_elements=keys, set_={k: lite.excluded[k] for k in values if k not in keys}))
        return
    session.merge(model(**values))  # other databases: no concurrent writers supported


class Store:
    """The one way into the database. Open with :meth:`open`; close when done."""

    def __init__(self, engine: Engine, url: str = "") -> None:
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._batch: Session | None = None
        self._batch_calls = 0

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> Store:
        """Open (and with ``create``, make) the store; :class:`StoreError` says why not."""
        if not create:
            check_exists(url)
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        try:
            ensure_schema(engine, url, create=create)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, url)

    # -- run history ---------------------------------------------------------------------------

    def record_source_run(self, run: SourceRunRow) -> None:
        with self.session() as s:
            s.add(run)

    def source_runs(self, source: str | None = None, *, limit: int = 10) -> list[SourceRunRow]:
        """Recent crawls, newest first (of one source, or of all)."""
        with self.session() as s:
            query = select(SourceRunRow).order_by(SourceRunRow.id.desc()).limit(limit)
            if source is not None:
                query = query.where(SourceRunRow.source == source)
            return list(s.scalars(query))

    def set_page_flags(self, url: str, flags: Sequence[str]) -> list[str]:
        """Mark a stored page (e.g. quarantined: its page object failed on it); returns the
        flags it had."""
        with self.session() as s:
            row = s.scalars(select(PageRow).where(PageRow.url == url)).first()
            if row is None:
                return []
            before = list(row.flags or [])
            if before != list(flags):
                row.flags = list(flags)
            return before

    def quarantine(self, url: str, *, source: str, reason: str, found: datetime) -> None:
        """Keep the page's current raw version beside the stored document (see regression)."""
        page = self.stored_page(url)
        body = zlib.compress(page.body) if page is not None and page.body is not None else None
        with self.session() as s:
            upsert(s, QuarantineRow, {"url": url, "source": source, "reason": reason,
                                      "found": found, "body": body,
                                      "content_type": page.content_type if page else None})

    def release(self, url: str) -> None:
        """The page parses well again: it leaves the quarantine."""
        with self.session() as s:
            s.execute(delete(QuarantineRow).where(QuarantineRow.url == url))

    def quarantined(self) -> list[QuarantineRow]:
        with self.session() as s:
            return list(s.scalars(select(QuarantineRow).order_by(QuarantineRow.url)))

    def story_count(self, *, issue_number: int | None = None, post_row: int | None = None) -> int:
        return len(self.stories(issue_number=issue_number, post_row=post_row))

    def flagged_pages(self) -> list[tuple[str, str, list[str]]]:
        """(url, source, flags) of every stored page that carries a flag."""
        with self.session() as s:
            rows = s.scalars(select(PageRow).order_by(PageRow.source, PageRow.url))
            return [(r.url, r.source, list(r.flags)) for r in rows if r.flags]

    def crawl_lock(self, source: str) -> SourceLock:
        """The lock one crawl of ``source`` holds on this store (see :mod:`.locks`)."""
        return SourceLock(self.engine, self.url, source)

    def is_empty(self) -> bool:
        """No issue and no post stored (an export would publish nothing)."""
        with self.session() as s:
            return (s.scalars(select(IssueRow.number).limit(1)).first() is None
                    and s.scalars(select(PostRow.id).limit(1)).first() is None)

    def close(self) -> None:
        self.engine.dispose()

    def fingerprint(self) -> str:
        """SHA-256 over every row of the tables feeds, exports and reading pages are made
        from (issues, posts, stories, links), streamed in key order: equal fingerprints, equal
        outputs."""
        digest = hashlib.sha256()
        with self.engine.connect() as conn:
            for model in (IssueRow, PostRow, StoryRow, LinkRow):
                table = cast(Table, model.__table__)
                query = select(*table.columns).order_by(*table.primary_key.columns)
                digest.update(table.name.encode())
                for row in conn.execution_options(yield_per=500).execute(query):
                    digest.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction per call, or the open batch's (see :meth:`batch`)."""
        if self._batch is not None:
            yield self._batch
            self._batch_calls += 1
            if self._batch_calls >= BATCH_CALLS:
                self.commit()
            return
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Store calls inside share one transaction, committed every :data:`BATCH_CALLS`
        calls and at the end (rolled back to the last commit if the block raises): a pass
        that writes thousands of rows makes a few commits, not thousands, and still releases
        SQLite's write lock often enough for another process to get a turn. Reentrant."""
        if self._batch is not None:
            yield
            return
        self._batch, self._batch_calls = self._sessions(), 0
        try:
            yield
            self._batch.commit()
        except BaseException:
            self._batch.rollback()
            raise
        finally:
            self._batch.close()
            self._batch = None

    def commit(self) -> None:
        """Commit the open batch now (nothing to do outside one)."""
        if self._batch is not None:
            self._batch.commit()
            self._batch_calls = 0

    # -- pages -------------------------------------------------------------------------------

    def stored_page(self, url: str) -> StoredPage | None:
        with self.session() as s:
            row = s.scalars(select(PageRow).where(PageRow.url == url)).first()
            if row is None:
                return None
            body = zlib.decompress(row.body) if row.body is not None else None
            return StoredPage(row.url, row.status, row.content_type, row.etag,
                              row.last_modified, body, row.last_fetched, row.last_changed)

    def record_page(
        self,
        *,
        url: str,
        source: str,
        status: int,
        body: bytes | None,
        content_type: str | None,
        etag: str | None,
        last_modified: str | None,
        fetched: datetime,
        flags: Sequence[str] = (),
    ) -> Change:
        """Remember a fetched page; a body equal to the stored one only touches ``last_fetched``."""
        digest = hashlib.sha256(body).hexdigest() if body is not None else None
        with self.session() as s:
            row = s.scalars(select(PageRow).where(PageRow.url == url)).first()
            if row is None:
                s.add(PageRow(url=url, source=source, status=status, content_type=content_type,
                              etag=etag, last_modified=last_modified,
                              body=zlib.compress(body) if body is not None else None,
                              body_sha256=digest, first_fetched=fetched, last_fetched=fetched,
                              last_changed=fetched, flags=list(flags)))
                return "new"
            row.last_fetched = fetched
            same = (row.body_sha256 == digest and row.status == status
                    and row.etag == etag and list(row.flags or []) == list(flags))
            if same:
                return "unchanged"
            row.status, row.content_type, row.etag = status, content_type, etag
            row.last_modified, row.body_sha256, row.flags = last_modified, digest, list(flags)
            row.body = zlib.compress(body) if body is not None else None
            row.last_changed = fetched
            return "updated"

    def touch_page(self, url: str, *, fetched: datetime) -> None:
        """A revalidation (304) found the page unchanged: only ``last_fetched`` moves."""
        with self.session() as s:
            row = s.scalars(select(PageRow).where(PageRow.url == url)).first()
            if row is not None:
                row.last_fetched = fetched

    def touch_pages(self, fetched: dict[str, datetime]) -> None:
        """:meth:`touch_page` for many pages, in one statement."""
        with self.session() as s:
            pages = cast(Table, PageRow.__table__)  # Core: one executemany, no ORM bulk rules
            s.execute(update(pages).where(pages.c.url == bindparam("page_url"))
                      .values(last_fetched=bindparam("fetched")),
                      [{"page_url": url, "fetched": when} for url, when in fetched.items()])

    # -- issues ------------------------------------------------------------------------------

    def upsert_issue(self, issue: Issue, *, seen: datetime, updated: datetime) -> Change:
        """Insert or update an English issue and its stories; identical content writes nothing.

        ``updated`` is when the content last changed (the page's Last-Modified when it has one),
        so feed readers see a real ``updated`` that moves only when the issue does.
        """
        digest = sha256_json(issue)
        with self.session() as s:
            row = s.get(IssueRow, issue.number)
            if row is not None and row.content_sha256 == digest:
                return "unchanged"
            change: Change = "new" if row is None else "updated"
            if row is None:
                row = IssueRow(number=issue.number, first_seen=seen)
                s.add(row)
            issue_to_row(issue, row, digest)
            row.updated = updated if change == "new" else max(updated, row.updated)
            s.add(VersionRow(url=issue.url, kind="issue", content_sha256=digest, stored=seen,
                             changed=updated, data=to_jsonable(issue)))
            s.flush()
            s.execute(delete(StoryRow).where(StoryRow.issue_number == issue.number))
            for story in story_rows(issue.stories, "en"):
                story.issue_number = issue.number
                s.add(story)
            for alias, kind in ((issue.numeric_url, "numeric"), (issue.url, "canonical")):
                if s.get(AliasRow, alias) is None:
                    s.add(AliasRow(url=alias, issue_number=issue.number, kind=kind))
            return change

    def add_alias(self, url: str, issue_number: int, kind: str) -> None:
        with self.session() as s:
            upsert(s, AliasRow, {"url": url, "issue_number": issue_number, "kind": kind})

    def aliases(self) -> dict[str, int]:
        with self.session() as s:
            return {row.url: row.issue_number for row in s.scalars(select(AliasRow))}

    def issues(self) -> list[IssueRow]:
        """Every English issue, newest first."""
        with self.session() as s:
            return list(s.scalars(select(IssueRow).order_by(IssueRow.number.desc())))

    def issue(self, number: int) -> IssueRow | None:
        with self.session() as s:
            return s.get(IssueRow, number)

    def stories(self, *, issue_number: int | None = None, post_row: int | None = None
                ) -> list[StoryRow]:
        with self.session() as s:
            query = select(StoryRow).order_by(StoryRow.position)
            if issue_number is not None:
                query = query.where(StoryRow.issue_number == issue_number)
            if post_row is not None:
                query = query.where(StoryRow.post_row == post_row)
            return list(s.scalars(query))

    def stories_by_owner(self) -> tuple[dict[int, list[StoryRow]], dict[int, list[StoryRow]]]:
        """({issue number: English stories}, {post row id: translated stories}), in order."""
        by_issue: dict[int, list[StoryRow]] = {}
        by_post: dict[int, list[StoryRow]] = {}
        with self.session() as s:
            for story in s.scalars(select(StoryRow).order_by(StoryRow.position, StoryRow.id)):
                if story.issue_number is not None:
                    by_issue.setdefault(story.issue_number, []).append(story)
                elif story.post_row is not None:
                    by_post.setdefault(story.post_row, []).append(story)
        return by_issue, by_post

    # -- posts -------------------------------------------------------------------------------

    def upsert_post(self, post: Post, *, source: str, lang: str, seen: datetime,
                    updated: datetime) -> tuple[Change, int]:
        """Insert or update a mirror-site post (and its translated stories)."""
        digest = sha256_json(post)
        with self.session() as s:
            row = s.scalars(select(PostRow).where(PostRow.url == post.url)).first()
            if row is not None and row.content_sha256 == digest:
                return "unchanged", row.id
            change: Change = "new" if row is None else "updated"
            if row is None:
                row = PostRow(url=post.url, source=source, first_seen=seen)
                s.add(row)
            post_to_row(post, row, lang, digest)
            row.updated = updated if change == "new" else max(updated, row.updated)
            s.add(VersionRow(url=post.url, kind="post", content_sha256=digest, stored=seen,
                             changed=updated, data=to_jsonable(post)))
            mirror = post.mirror
            s.flush()
            s.execute(delete(StoryRow).where(StoryRow.post_row == row.id))
            for story in story_rows(mirror.stories if mirror else (), lang):
                story.post_row = row.id
                s.add(story)
            return change, row.id

    def versions(self, url: str) -> list[VersionRow]:
        """Every stored version of a document, oldest first."""
        with self.session() as s:
            query = select(VersionRow).where(VersionRow.url == url).order_by(VersionRow.id)
            return list(s.scalars(query))

    def post(self, url: str) -> PostRow | None:
        with self.session() as s:
            return s.scalars(select(PostRow).where(PostRow.url == url)).first()

    def posts(self, source: str | None = None) -> list[PostRow]:
        with self.session() as s:
            query = select(PostRow).order_by(PostRow.url)
            if source is not None:
                query = query.where(PostRow.source == source)
            return list(s.scalars(query))

    # -- links -------------------------------------------------------------------------------

    def set_link(self, post_row: int, issue_number: int | None, *, method: str, score: float,
                 evidence: dict[str, Any], decided: datetime) -> Change:
        """Record how a post links to an issue (``issue_number`` None records "no link")."""
        with self.session() as s:
            row = s.get(LinkRow, post_row)
            if row is not None and (row.issue_number, row.method, row.score, row.evidence) == (
                    issue_number, method, score, evidence):
                return "unchanged"
            # Two crawls of different sources both close with a pass over every mirror: the
            # write is an upsert, so the second never fails on the first's row.
            upsert(s, LinkRow, {"post_row": post_row, "issue_number": issue_number,
                                "method": method, "score": score, "evidence": evidence,
                                "decided": decided})
            return "new" if row is None else "updated"

    def unsettled_mirrors(self, recheck_methods: frozenset[str]) -> int:
        """Mirror posts without a link to an issue, or linked by one of ``recheck_methods``."""
        with self.session() as s:
            settled = (select(LinkRow.post_row)
                       .where(LinkRow.issue_number.is_not(None),
                              LinkRow.method.not_in(recheck_methods)))
            query = (select(func.count()).select_from(PostRow)
                     .where(PostRow.is_mirror.is_(True), PostRow.id.not_in(settled)))
            return int(s.execute(query).scalar_one())

    def link(self, post_row: int) -> LinkRow | None:
        with self.session() as s:
            return s.get(LinkRow, post_row)

    def links(self) -> dict[int, LinkRow]:
        with self.session() as s:
            return {row.post_row: row for row in s.scalars(select(LinkRow))}

    def features(self, kind: str) -> dict[str, FeatureRow]:
        with self.session() as s:
            rows = s.scalars(select(FeatureRow).where(FeatureRow.kind == kind))
            return {row.url: row for row in rows}

    def set_features(self, url: str, *, kind: str, content_sha256: str, version: int,
                     data: dict[str, Any]) -> None:
        with self.session() as s:
            upsert(s, FeatureRow, {"url": url, "kind": kind, "content_sha256": content_sha256,
                                   "version": version, "data": data})

    def content_sha256(self, *, issue_number: int | None = None,
                       post_url: str | None = None) -> str | None:
        """The stored content hash of an issue or a post (None when it is not stored)."""
        with self.session() as s:
            if issue_number is not None:
                query = select(IssueRow.content_sha256).where(IssueRow.number == issue_number)
            else:
                query = select(PostRow.content_sha256).where(PostRow.url == post_url)
            return s.scalars(query).first()

    def features_row(self, url: str) -> FeatureRow | None:
        with self.session() as s:
            return s.get(FeatureRow, url)

    def drop_features(self, url: str) -> None:
        with self.session() as s:
            s.execute(delete(FeatureRow).where(FeatureRow.url == url))

    def set_story_pairs(self, pairs: dict[int, int | None]) -> None:
        """Set ``pair`` for story rows by id (the aligned position in the other language)."""
        ids = list(pairs)
        with self.session() as s:
            for start in range(0, len(ids), 500):  # one query per 500 rows, not one per row
                chunk = ids[start:start + 500]
                current = s.execute(select(StoryRow.id, StoryRow.pair)
                                    .where(StoryRow.id.in_(chunk))).all()
                changed = [{"id": story_id, "pair": pairs[story_id]}
                           for story_id, pair in current if pair != pairs[story_id]]
                if changed:
                    s.execute(update(StoryRow), changed)
