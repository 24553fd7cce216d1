"""Link stored mirror posts to stored English issues, align their stories, record how.

The decisions are pure functions in :mod:`aggregator.linking`; this module only reads the
store, asks, and writes the answers back, so the pipeline, ``aggregator relink`` and the tests
share one path. Linking features are stored per document (and recomputed only when the
document or the feature version changes), so linking a new page costs a lookup against an
index built from stored signatures, not a pass over the archive's text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from aggregator.items import Issue, Post, Story, Translation, WatchItem
from aggregator.linking import (
    LAYERS,
    Features,
    IssueIndex,
    LinkDecision,
    LinkDoc,
    align_stories,
    compute_features,
    doc_from_issue,
    doc_from_post,
    features_key,
    link_mirror,
)
from aggregator.store import IssueRow, LinkRow, PostRow, Store, StoryRow


@dataclass(frozen=True)
class Decision:
    issue_number: int | None
    method: str
    score: float
    evidence: dict[str, Any]


@dataclass
class LinkReport:
    linked: list[tuple[str, int, str]] = field(default_factory=list)  # url, issue, method
    changed: list[tuple[str, int | None, int | None]] = field(default_factory=list)  # url, old, new
    unlinked_mirrors: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # unlinked mirror url -> why
    not_mirrors: int = 0
    story_pairs: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "linked": len(self.linked),
            "changed": len(self.changed),
            "unlinked_mirrors": len(self.unlinked_mirrors),
            "not_mirrors": self.not_mirrors,
            "story_pairs": self.story_pairs,
        }


def _story(row: StoryRow) -> Story:
    return Story(row.position, row.headline, row.section, row.link, row.outlet, row.date,
                 row.summary)


def _watch(items: Sequence[dict[str, Any]]) -> tuple[WatchItem, ...]:
    return tuple(WatchItem(i.get("title") or "", i.get("link"), i.get("show"), i.get("note"))
                 for i in items)


def issue_item(row: IssueRow, stories: Sequence[StoryRow]) -> Issue:
    """The stored issue as the item the linker's adapters take."""
    return Issue(
        number=row.number, url=row.url, numeric_url=row.numeric_url, title=row.title,
        week_start=row.week_start, week_end=row.week_end, intro=row.intro,
        takeaways=tuple(row.takeaways), quick_hits=tuple(row.quick_hits),
        watch=_watch(row.watch), stories=tuple(_story(s) for s in stories),
        published=row.published, markup="classic",
    )


def post_item(row: PostRow, stories: Sequence[StoryRow]) -> Post:
    mirror = None
    if row.is_mirror:
        mirror = Translation(
            issue_number=row.stated_issue_number, title=row.title_zh or "",
            source_url=row.source_url, summary=row.summary, week_start=row.week_start,
            week_end=row.week_end, intro=row.intro, takeaways=tuple(row.takeaways),
            quick_hits=tuple(row.quick_hits), watch=_watch(row.watch),
            stories=tuple(_story(s) for s in stories), english_text=row.english_text,
            english_links=tuple(row.english_links),
        )
    return Post(url=row.url, post_id=row.post_id, title=row.title, published=row.published,
                author=row.author, category=row.category, content_html=row.content_html,
                content_text=row.content_text, mirror=mirror)


def _issue_doc(row: IssueRow, stories: Sequence[StoryRow]) -> LinkDoc:
    return doc_from_issue(issue_item(row, stories))


def _post_doc(row: PostRow, stories: Sequence[StoryRow]) -> LinkDoc:
    return doc_from_post(post_item(row, stories))


class FeatureCache:
    """Linking features by document: loaded from the store, computed only when missing or
    stale (the document changed, or the features key did: feature version, glossary or
    script converter), and then written back."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # The store's integer ``version`` column holds the features key.
        self.key = features_key()
        self.fresh: dict[tuple[str, str], tuple[str, Features]] = {}
        for kind in ("issue", "post"):
            for url, row in store.features(kind).items():
                if row.version != self.key:
                    continue
                try:
                    self.fresh[(kind, url)] = (row.content_sha256, Features.from_json(row.data))
                except (KeyError, TypeError, ValueError):
                    continue  # unreadable: recomputed on use
        self.computed = 0

    def get(self, kind: str, url: str, digest: str, build: Callable[[], LinkDoc]) -> Features:
        known = self.fresh.get((kind, url))
        if known is not None and known[0] == digest:
            return known[1]
        features = compute_features(build())
        self.store.set_features(url, kind=kind, content_sha256=digest,
                                version=self.key, data=features.to_json())
        self.fresh[(kind, url)] = (digest, features)
        self.computed += 1
        return features


def _decision(found: LinkDecision | None, numbers: dict[str, int]) -> Decision | None:
    if found is None or found.target not in numbers:
        return None
    return Decision(numbers[found.target], found.method, round(found.score, 4), found.evidence)


def link_posts(store: Store, *, decided: datetime, everything: bool = False,
               layers: Sequence[str] = LAYERS) -> LinkReport:
    """Decide links for mirror posts (by default only those without a link yet), then align
    the stories of every linked mirror with its issue's."""
    cache = FeatureCache(store)
    report = LinkReport()
    by_issue, by_post = store.stories_by_owner()
    index = IssueIndex()
    numbers: dict[str, int] = {}
    for issue in store.issues():
        stories = by_issue.get(issue.number, [])
        feats = cache.get("issue", issue.url, issue.content_sha256,
                          partial(_issue_doc, issue, stories))
        index.add(issue.url, feats)
        numbers[issue.url] = issue.number
    aliases: dict[str, str | int] = dict(store.aliases())
    existing: dict[int, LinkRow] = store.links()
    for post in store.posts():
        if not post.is_mirror:
            report.not_mirrors += 1
            continue
        old = existing.get(post.id)
        if old is not None and old.issue_number is not None and not everything:
            continue
        stories = by_post.get(post.id, [])
        feats = cache.get("post", post.url, post.content_sha256,
                          partial(_post_doc, post, stories))
        decision = _decision(link_mirror(feats, index, aliases=aliases, layers=layers), numbers)
        if decision is None:
            reason = _why_unlinked(post, numbers)
            report.unlinked_mirrors.append(post.url)
            report.reasons[post.url] = reason
            decision = Decision(None, "none", 0.0, {"reason": reason})
        store.set_link(post.id, decision.issue_number, method=decision.method,
                       score=decision.score, evidence=decision.evidence, decided=decided)
        if decision.issue_number is not None:
            report.linked.append((post.url, decision.issue_number, decision.method))
        old_number = old.issue_number if old is not None else None
        if old is not None and old_number != decision.issue_number:
            report.changed.append((post.url, old_number, decision.issue_number))
    decided_now = {url for url, _n, _m in report.linked}
    report.story_pairs = _align(store, by_issue, by_post, everything=everything,
                                decided_now=decided_now)
    return report


def _needs_alignment(zh: list[StoryRow], en: list[StoryRow]) -> bool:
    """Stories rewritten since the last alignment (an edited page) come back unpaired."""
    return all(s.pair is None for s in zh) or all(s.pair is None for s in en)


def _align(store: Store, by_issue: dict[int, list[StoryRow]],
           by_post: dict[int, list[StoryRow]], *, everything: bool,
           decided_now: set[str]) -> int:
    """Set ``pair`` on both sides for linked mirrors whose link or stories changed (all of
    them when ``everything``); the newest mirror of an issue decides its English pairs."""
    links = store.links()
    posts = sorted((p for p in store.posts() if p.is_mirror),
                   key=lambda p: (p.published or p.updated, p.url))
    newest: dict[int, int] = {}  # issue number -> post row id of its newest linked mirror
    for post in posts:
        link = links.get(post.id)
        if link is not None and link.issue_number is not None:
            newest[link.issue_number] = post.id
    pairs: dict[int, int | None] = {}
    count = 0
    for post in posts:
        link = links.get(post.id)
        zh = by_post.get(post.id, [])
        if link is None or link.issue_number is None:
            pairs.update({s.id: None for s in zh if s.pair is not None})
            continue
        en = by_issue.get(link.issue_number, [])
        if not (everything or post.url in decided_now or _needs_alignment(zh, en)):
            continue
        aligned = align_stories([_story(s) for s in zh], [_story(s) for s in en])
        zh_pair = {z: e for z, e, _score in aligned}
        pairs.update({s.id: zh_pair.get(s.position) for s in zh})
        if newest[link.issue_number] == post.id:
            en_pair = {e: z for z, e, _score in aligned}
            pairs.update({s.id: en_pair.get(s.position) for s in en})
        count += len(aligned)
    store.set_story_pairs(pairs)
    return count


def _why_unlinked(post: PostRow, numbers: dict[str, int]) -> str:
    known = set(numbers.values())
    if post.stated_issue_number is not None and post.stated_issue_number not in known:
        return f"issue {post.stated_issue_number} was never crawled"
    if not post.source_url:
        return "no source link and no issue matched by content"
    return "no stored issue matches its source link or its content"
