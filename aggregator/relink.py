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
from aggregator.store import (
    IssueRow,
    LinkRow,
    PostRow,
    Store,
    StoryRow,
    issue_from_row,
    post_from_row,
    story_from_row,
)


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
    renewed: list[str] = field(default_factory=list)  # linked again to the issue it had
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


def _issue_doc(row: IssueRow, stories: Sequence[StoryRow]) -> LinkDoc:
    return doc_from_issue(issue_from_row(row, stories))


def _post_doc(row: PostRow, stories: Sequence[StoryRow]) -> LinkDoc:
    return doc_from_post(post_from_row(row, stories))


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

    def is_fresh(self, kind: str, url: str, digest: str) -> bool:
        known = self.fresh.get((kind, url))
        return known is not None and known[0] == digest

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


# Layers whose decision depends only on the mirror and its candidate: a crawl may take them as
# each mirror arrives. The zh-anchors layer weighs anchors by their rarity in the whole archive
# and compares the best candidate with the runner-up, so it decides once the crawl is complete
# and again on every run (its score follows the archive; the same store gives the same score).
ARRIVAL_LAYERS = ("explicit", "embedded-en")
ARCHIVE_RELATIVE = frozenset({"zh-anchors"})


class Linker:
    """The stored English issues as an index, and decisions for mirror posts against it.

    Built once from the stored features (a lookup per mirror afterwards); the crawl's link
    stage keeps one per run and adds issues as they are stored.
    """

    def __init__(self, store: Store, *, layers: Sequence[str] = LAYERS) -> None:
        self.store = store
        self.layers = tuple(layers)
        self.cache = FeatureCache(store)
        self.index = IssueIndex()
        self.numbers: dict[str, int] = {}
        by_issue, _by_post = store.stories_by_owner()
        for issue in store.issues():
            self._index_issue(issue, by_issue.get(issue.number, []))
        self.aliases: dict[str, str | int] = dict(store.aliases())

    def _index_issue(self, issue: IssueRow, stories: Sequence[StoryRow]) -> None:
        feats = self.cache.get("issue", issue.url, issue.content_sha256,
                               partial(_issue_doc, issue, stories))
        if issue.url in self.index:
            self.index.remove(issue.url)
        self.index.add(issue.url, feats)
        self.numbers[issue.url] = issue.number

    def add_issue(self, number: int) -> None:
        """A stored issue (new or edited) joins the index; its aliases become known."""
        issue = self.store.issue(number)
        if issue is None:
            return
        stale = [url for url, n in self.numbers.items() if n == number and url != issue.url]
        for url in stale:
            self.index.remove(url)
            del self.numbers[url]
        self._index_issue(issue, self.store.stories(issue_number=number))
        self.aliases = dict(self.store.aliases())

    def refresh(self) -> None:
        """Add issues stored since the index was built (by another process, say: Scrapyd runs
        each spider in its own), and re-index the ones whose content changed."""
        by_issue: dict[int, list[StoryRow]] | None = None
        for issue in self.store.issues():
            if issue.url in self.numbers and self.cache.is_fresh("issue", issue.url,
                                                                 issue.content_sha256):
                continue
            if by_issue is None:
                by_issue, _by_post = self.store.stories_by_owner()
            stale = [u for u, n in self.numbers.items() if n == issue.number and u != issue.url]
            for url in stale:
                self.index.remove(url)
                del self.numbers[url]
            self._index_issue(issue, by_issue.get(issue.number, []))
        self.aliases = dict(self.store.aliases())

    def decide(self, post: PostRow, stories: Sequence[StoryRow],
               layers: Sequence[str] | None = None) -> Decision | None:
        feats = self.cache.get("post", post.url, post.content_sha256,
                               partial(_post_doc, post, stories))
        chosen = self.layers if layers is None else tuple(layers)
        found = link_mirror(feats, self.index, aliases=self.aliases, layers=chosen)
        return _decision(found, self.numbers)

    def link(self, post: PostRow, stories: Sequence[StoryRow], *, decided: datetime,
             report: LinkReport, old: LinkRow | None = None, final: bool = True,
             layers: Sequence[str] | None = None) -> bool:
        """Decide and record one mirror's link; True when it is linked.

        With ``final`` False (during a crawl, its issue may still arrive) a mirror that matches
        nothing is left for the pass at the end instead of being recorded as unlinked.
        """
        decision = self.decide(post, stories, layers)
        if decision is None:
            if not final:
                return False
            reason = _why_unlinked(post, self.numbers)
            report.unlinked_mirrors.append(post.url)
            report.reasons[post.url] = reason
            decision = Decision(None, "none", 0.0, {"reason": reason})
        self.store.set_link(post.id, decision.issue_number, method=decision.method,
                            score=decision.score, evidence=decision.evidence, decided=decided)
        old_number = old.issue_number if old is not None else None
        if decision.issue_number is not None:
            report.linked.append((post.url, decision.issue_number, decision.method))
            if old_number == decision.issue_number:
                report.renewed.append(post.url)
        if old is not None and old_number != decision.issue_number:
            report.changed.append((post.url, old_number, decision.issue_number))
        return decision.issue_number is not None

    def link_all(self, *, decided: datetime, everything: bool = False,
                 skip: frozenset[str] = frozenset(),
                 redo: frozenset[str] = frozenset()) -> LinkReport:
        """Decide links for mirror posts (by default those without a link yet, and those
        linked by an archive-relative layer; ``skip`` those decided earlier in this run), then
        align the stories of linked mirrors.

        ``redo``: mirrors whose content this run stored anew. One that the layers deciding on
        the mirror alone (:data:`ARRIVAL_LAYERS`) link is linked so; one they do not is
        decided like the others (kept when it has a settled link)."""
        report = LinkReport()
        by_issue, by_post = self.store.stories_by_owner()
        existing: dict[int, LinkRow] = self.store.links()
        for post in self.store.posts():
            if not post.is_mirror:
                report.not_mirrors += 1
                continue
            old = existing.get(post.id)
            settled = (old is not None and old.issue_number is not None
                       and old.method not in ARCHIVE_RELATIVE)
            if post.url in skip:
                continue
            stories = by_post.get(post.id, [])
            if post.url in redo and not everything and self.link(
                    post, stories, decided=decided, report=report, old=old, final=False,
                    layers=ARRIVAL_LAYERS):
                continue
            if settled and not everything:
                continue
            self.link(post, stories, decided=decided, report=report, old=old)
        decided_now = {url for url, _n, _m in report.linked} - set(report.renewed)
        report.story_pairs = _align(self.store, by_issue, by_post, everything=everything,
                                    decided_now=decided_now)
        return report


def link_posts(store: Store, *, decided: datetime, everything: bool = False,
               layers: Sequence[str] = LAYERS) -> LinkReport:
    """Decide links for mirror posts (by default only those without a link yet), then align
    the stories of every linked mirror with its issue's (one batched transaction)."""
    with store.batch():
        return Linker(store, layers=layers).link_all(decided=decided, everything=everything)


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
        aligned = align_stories([story_from_row(s) for s in zh],
                                [story_from_row(s) for s in en])
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
