"""A read model of the store: issues with their English page and their mirrors.

Feeds and exports both read this, so they agree on what an issue is: an English issue (when
crawled) plus every mirror post linked to it; a mirror that is not linked forms an issue of
its own, keyed by the number it states (or by its URL when it states none). Among several
mirrors of one issue the newest is the representative; the others stay listed as versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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


def _newest_first(mirror: MirrorView) -> tuple[datetime, str]:
    published = mirror.post.published or mirror.post.updated
    return (published, mirror.post.url)


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
    english_keys = set(views)
    for post in store.posts():
        if not post.is_mirror:
            continue
        mirror = MirrorView(post, links.get(post.id), post_stories.get(post.id, []))
        number = mirror.issue_number
        if number is None and f"issue:{post.stated_issue_number}" not in english_keys:
            # An unlinked mirror of an issue never crawled groups with other mirrors of it;
            # it never joins a crawled English issue without a recorded link.
            number = post.stated_issue_number
        key = f"issue:{number}" if number is not None else f"post:{post.url}"
        view = views.setdefault(key, IssueView(key=key, number=number, english=None))
        view.mirrors.append(mirror)
    for view in views.values():
        view.mirrors.sort(key=_newest_first, reverse=True)
    return sorted(views.values(), key=_catalog_order, reverse=True)


def _catalog_order(view: IssueView) -> tuple[int, str]:
    published = view.published
    return (view.number if view.number is not None else -1,
            published.isoformat() if published else "")
