"""Link stored mirror posts to stored English issues and record how.

The decisions are made by pure functions; this module only reads the store, asks, and writes
the answers back, so the pipeline, ``aggregator relink`` and the tests share one path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aggregator.normalize import canonical_url
from aggregator.store import LinkRow, PostRow, Store

_ISSUE_NUMBER_PATH = re.compile(r"^/issues/(\d+)$")


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
    not_mirrors: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "linked": len(self.linked),
            "changed": len(self.changed),
            "unlinked_mirrors": len(self.unlinked_mirrors),
            "not_mirrors": self.not_mirrors,
        }


def explicit_decision(source_url: str | None, aliases: dict[str, int], known: set[int]
                      ) -> Decision | None:
    """Link through the stated source URL: canonical form, then aliases, then /issues/<N>."""
    if not source_url:
        return None
    url = canonical_url(source_url)
    if url in aliases:
        return Decision(aliases[url], "explicit", 1.0, {"source_url": url, "via": "url"})
    path = url.split("://", 1)[-1].partition("/")[2]
    match = _ISSUE_NUMBER_PATH.match("/" + path)
    if match and "aiweekly.co" in url and int(match.group(1)) in known:
        number = int(match.group(1))
        return Decision(number, "explicit", 1.0, {"source_url": url, "via": "issue-number"})
    return None


def decide(post: PostRow, aliases: dict[str, int], known: set[int]) -> Decision | None:
    return explicit_decision(post.source_url, aliases, known)


def link_posts(store: Store, *, decided: datetime, everything: bool = False) -> LinkReport:
    """Decide links for mirror posts; by default only those without a link yet."""
    report = LinkReport()
    aliases = store.aliases()
    known = {row.number for row in store.issues()}
    existing: dict[int, LinkRow] = store.links()
    for post in store.posts():
        if not post.is_mirror:
            report.not_mirrors += 1
            continue
        old = existing.get(post.id)
        if old is not None and old.issue_number is not None and not everything:
            continue
        decision = decide(post, aliases, known)
        if decision is None:
            report.unlinked_mirrors.append(post.url)
            decision = Decision(None, "none", 0.0, {"reason": _why_unlinked(post, known)})
        store.set_link(post.id, decision.issue_number, method=decision.method,
                       score=decision.score, evidence=decision.evidence, decided=decided)
        if decision.issue_number is not None:
            report.linked.append((post.url, decision.issue_number, decision.method))
        old_number = old.issue_number if old is not None else None
        if old is not None and old_number != decision.issue_number:
            report.changed.append((post.url, old_number, decision.issue_number))
    return report


def _why_unlinked(post: PostRow, known: set[int]) -> str:
    if post.stated_issue_number is not None and post.stated_issue_number not in known:
        return f"issue {post.stated_issue_number} was never crawled"
    if not post.source_url:
        return "no source link"
    return "source link matches no stored issue"
