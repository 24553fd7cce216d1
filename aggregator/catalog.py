"""A read model of the store: issues with their English page and their mirrors.

Feeds and exports both read this, so they agree on what an issue is: an English issue (when
crawled) plus every mirror post linked to it; a mirror that is not linked forms an issue of
its own, keyed by the number it states (or by its URL when it states none). Among several
mirrors of one issue the newest is the representative; the others stay listed as versions.

Two shapes share one grouping (:func:`issue_key`) and one "newest" order
(:func:`newest_first_key`): :func:`build_catalog` (whole rows and stories, for the feeds) and
:func:`build_index` (a few columns per document, for exports that stream their rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from aggregator.store import IssueRow, LinkRow, PostRow, Store, StoryRow


@dataclass
class MirrorView:
    post: PostRow
    link: LinkRow | None
    stories: list[StoryRow]

    @property
    def issue_number(self) -> int | None:
        """The issue this mirror is linked to (None when unlinked)."""
        return self.link.issue_number if self.link is not None else None


@dataclass
class IssueView:
    key: str  # "issue:481" or, for a mirror with no number, "post:<url>"
    number: int | None
    english: IssueRow | None
    english_stories: list[StoryRow] = field(default_factory=list)
    mirrors: list[MirrorView] = field(default_factory=list)  # newest first

    @property
    def mirror(self) -> MirrorView | None:
        """The representative (newest) mirror."""
        return self.mirrors[0] if self.mirrors else None

    def mirrors_in(self, lang: str) -> list[MirrorView]:
        """This issue's mirrors in one language (``zh``, ``zh-Hant``), newest first."""
        return [m for m in self.mirrors if m.post.lang == lang]

    def mirror_in(self, lang: str) -> MirrorView | None:
        """The representative (newest) mirror in one language."""
        found = self.mirrors_in(lang)
        return found[0] if found else None

    @property
    def updated(self) -> datetime | None:
        stamps = [self.english.updated] if self.english is not None else []
        stamps += [m.post.updated for m in self.mirrors]
        return max(stamps) if stamps else None

    @property
    def published(self) -> datetime | None:
        if self.english is not None and self.english.published is not None:
            return self.english.published
        dates = [m.post.published for m in self.mirrors if m.post.published is not None]
        return min(dates) if dates else None


def newest_first_key(published: datetime | None, updated: datetime, url: str
                     ) -> tuple[datetime, str]:
    """Sort key of a mirror's versions (reverse=True puts the newest first): the publication
    date, else the last update; the URL breaks ties so the order never depends on the DB."""
    return (published or updated, url)


def _newest_first(mirror: MirrorView) -> tuple[datetime, str]:
    return newest_first_key(mirror.post.published, mirror.post.updated, mirror.post.url)


def issue_key(linked: int | None, stated: int | None, url: str,
              english_numbers: set[int]) -> tuple[str, int | None]:
    """The issue a mirror belongs to, as (key, number).

    A linked mirror joins its issue. An unlinked mirror of an issue never crawled groups with
    other mirrors of it under the number it states; it never joins a crawled English issue
    without a recorded link (then it is an issue of its own, keyed by its URL, no number).
    """
    number = linked
    if number is None and stated not in english_numbers:
        number = stated
    return (f"issue:{number}", number) if number is not None else (f"post:{url}", None)


def build_catalog(store: Store) -> list[IssueView]:
    """Every issue known from either language, newest first (by number, then date)."""
    links = store.links()
    en_stories, post_stories = store.stories_by_owner()
    views: dict[str, IssueView] = {}
    for issue in store.issues():
        views[f"issue:{issue.number}"] = IssueView(
            key=f"issue:{issue.number}",
            number=issue.number,
            english=issue,
            english_stories=en_stories.get(issue.number, []),
        )
    english_numbers = {view.number for view in views.values() if view.number is not None}
    for post in store.posts():
        if not post.is_mirror:
            continue
        mirror = MirrorView(post, links.get(post.id), post_stories.get(post.id, []))
        key, number = issue_key(mirror.issue_number, post.stated_issue_number, post.url,
                                english_numbers)
        view = views.setdefault(key, IssueView(key=key, number=number, english=None))
        view.mirrors.append(mirror)
    for view in views.values():
        view.mirrors.sort(key=_newest_first, reverse=True)
    return sorted(views.values(), key=_catalog_order, reverse=True)


def _catalog_order(view: IssueView) -> tuple[int, str]:
    published = view.published
    return (view.number if view.number is not None else -1,
            published.isoformat() if published else "")



# -- the light index: what exports need to group, order and filter, a few columns a document --


@dataclass(frozen=True)
class PostRef:
    """A mirror post as the index knows it (no content, no stories)."""

    id: int
    url: str
    source: str
    lang: str
    published: datetime | None
    updated: datetime
    linked: bool  # a recorded link to an issue (not the "no link" decision)


@dataclass
class IndexEntry:
    """One issue of the catalog, light: the same key and number as its :class:`IssueView`."""

    key: str
    number: int | None
    english: bool  # the English issue page is in the store
    published: datetime | None  # the English page's, else the earliest mirror's
    mirrors: list[PostRef] = field(default_factory=list)  # newest first

    def mirror_in(self, lang: str) -> PostRef | None:
        """The representative (newest) mirror in one language."""
        return next((m for m in self.mirrors if m.lang == lang), None)


def index_order(entry: IndexEntry) -> tuple[bool, int, str]:
    """Exports' stable order of issues: by number ascending, unnumbered last, then key."""
    return (entry.number is None, entry.number or 0, entry.key)


def build_index(store: Store) -> list[IndexEntry]:
    """Every issue of :func:`build_catalog`, grouped the same way, in :func:`index_order`."""
    entries: dict[str, IndexEntry] = {}
    with store.session() as s:
        for english, published in s.execute(select(IssueRow.number, IssueRow.published)):
            entries[f"issue:{english}"] = IndexEntry(f"issue:{english}", english, True,
                                                     published)
        linked = dict(s.execute(select(LinkRow.post_row, LinkRow.issue_number)).all())
        posts = s.execute(
            select(PostRow.id, PostRow.url, PostRow.source, PostRow.lang, PostRow.published,
                   PostRow.updated, PostRow.stated_issue_number)
            .where(PostRow.is_mirror.is_(True))).all()
    english_numbers = {e.number for e in entries.values() if e.number is not None}
    for post_id, url, source, lang, published, updated, stated in posts:
        linked_to = linked.get(post_id)
        key, number = issue_key(linked_to, stated, url, english_numbers)
        entry = entries.setdefault(key, IndexEntry(key, number, False, None))
        entry.mirrors.append(PostRef(post_id, url, source, lang, published, updated,
                                     linked_to is not None))
    for entry in entries.values():
        entry.mirrors.sort(key=lambda m: newest_first_key(m.published, m.updated, m.url),
                           reverse=True)
        if entry.published is None:  # as IssueView.published: the earliest mirror's
            dates = [m.published for m in entry.mirrors if m.published is not None]
            entry.published = min(dates) if dates else None
    return sorted(entries.values(), key=index_order)
