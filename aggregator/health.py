"""Run health: how complete a source's documents were this run, and a verdict against the
source's recent history (the way Spidermon's field-coverage monitors work).

A cron run that silently publishes half-empty documents is worse than one that fails: when a
field that the last runs filled for nearly every document is suddenly mostly empty (a template
change, a parser regression), the verdict names the source and the field and the run exits
non-zero, so cron mails the operator.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from aggregator.items import PageResult

# A field counts when this share of the source's recent runs had it at least this often.
_HISTORY_RUNS = 5
_MIN_DOCUMENTS = 5  # too few documents say nothing about coverage
_DROP = 0.3  # "well below": this much under the recent median (absolute share)


def document_fields(result: PageResult) -> dict[str, bool]:
    """Which of the fields a reader relies on this parsed document has."""
    if result.issue is not None:
        issue = result.issue
        return {"title": bool(issue.title), "week": issue.week_start is not None,
                "published": issue.published is not None, "stories": bool(issue.stories),
                "story_links": bool(issue.stories) and all(s.link for s in issue.stories)}
    if result.post is not None:
        post = result.post
        fields = {"title": bool(post.title), "published": post.published is not None,
                  "text": bool(post.content_text.strip())}
        if post.mirror is not None:
            fields |= {"issue_number": post.mirror.issue_number is not None,
                       "stories": bool(post.mirror.stories)}
        return fields
    return {}


@dataclass
class Coverage:
    """Field coverage of one crawl of one source, counted item by item."""

    documents: int = 0
    present: Counter[str] = field(default_factory=Counter)
    seen: Counter[str] = field(default_factory=Counter)

    def add(self, result: PageResult) -> None:
        fields = document_fields(result)
        if not fields:
            return
        self.documents += 1
        for name, has in fields.items():
            self.seen[name] += 1
            self.present[name] += int(has)

    def shares(self) -> dict[str, float]:
        return {name: round(self.present[name] / count, 4)
                for name, count in sorted(self.seen.items()) if count}


def verdict(key: str, now: dict[str, float], documents: int,
            history: Sequence[dict[str, float]]) -> str | None:
    """Why this run of ``key`` looks broken compared with its recent runs, or None."""
    if documents < _MIN_DOCUMENTS:
        return None
    recent = list(history)[:_HISTORY_RUNS]
    for name, share in sorted(now.items()):
        past = [run[name] for run in recent if name in run]
        if len(past) < 2:
            continue
        usual = statistics.median(past)
        if share < usual - _DROP:
            return (f"{key}: field '{name}' filled in {share:.0%} of documents, against "
                    f"{usual:.0%} in the last {len(past)} runs (a template change?)")
    return None
