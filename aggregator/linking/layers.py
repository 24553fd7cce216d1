"""The content decision layers: accept or reject candidate English documents for a mirror.

``embedded-en`` (layer b) compares the English original embedded in a mirror with each
candidate; ``zh-anchors`` (layer c) works from the Chinese text alone. Both take candidates
already retrieved (by :class:`~aggregator.linking.index.IssueIndex` or by hand): retrieving
and deciding are separate steps. The week / issue-number / publication-time relations here are
also the vetoes used by the explicit layer and by duplicate grouping.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from aggregator.anchors import anchor_kind
from aggregator.linking.features import Features
from aggregator.linking.shingling import jaccard

# Layer b: exact Jaccard of embedded English vs the issue text (replica: true pairs 0.94-0.99,
# wrong pairs <= 0.005). 0.5 still accepts an original with a third of its text lost or edited
# and is a hundred times any chance overlap; the margin guards two copies of one issue.
EMBEDDED_JACCARD = 0.5
EMBEDDED_MARGIN = 0.2
# ... or the embedded story links: at least this many, covering at least this share.
LINKS_MIN_SHARED = 3
LINKS_MIN_SHARE = 0.5

# Layer c (Chinese text alone): IDF-weighted share of the mirror's anchor weight found in the
# candidate ("coverage"). Chosen on the replica with every source link hidden, the English
# original stripped and the issue number and period removed (``python benchmarks/linking.py``
# prints these distributions):
#   true pairs, full translation        coverage 0.89-1.00, 49-102 informative anchors shared
#   true pairs, summary only (内容总结)  coverage 0.75-1.00, 8-41 shared
#   best wrong issue, full translation  coverage 0.18 (15 shared)
#   best wrong issue, summary only      coverage 0.47 (5 shared); 0.40 (7 shared) if not vetoed
#   ordinary Chinese news posts         any coverage (they have 1-5 anchors) but <= 2 shared
# Coverage alone cannot reject a short post; the count of shared informative anchors does.
# 0.5 sits between 0.40 and 0.75, 6 between 2 and 8; the margin keeps a mirror away from an
# issue that shares its recurring stories (a neighbour with the same companies and figures).
ZH_MIN_COVERAGE = 0.5
ZH_MIN_MARGIN = 0.15
ZH_MIN_MATCHED = 6  # distinct informative anchors shared (not in most issues) ...
# ... for a candidate as large as an issue (120-230 anchors), which contains a short post's 2-3
# anchors by chance. A single article (7-20 anchors) rarely does, so for small candidates the
# bar drops to 3: one shared anchor per 20 of the candidate's, clamped to [3, 6]. (Measured
# with ``link_corpus`` on the replica's stories as separate articles: the best candidate is
# right for every translated story, 4-5 anchors shared for the shortest.)
ZH_MIN_MATCHED_SMALL = 3
ZH_ANCHORS_PER_MATCH = 20
ZH_MIN_KINDS = 2  # ... from at least two families (numbers + names, say)
# Anchor family weights: a number with its unit or a link identifies a story far better than
# a company name; topic words only break ties.
KIND_WEIGHTS: dict[str, float] = {
    "link": 3.0,
    "num": 1.5,
    "name": 1.0,
    "ent": 1.0,
    "date": 0.8,
    "topic": 0.3,
}
WEEK_SLACK = timedelta(days=1)  # an editor's off-by-one on the period is not a conflict


@dataclass(frozen=True)
class LinkDecision:
    """A link to ``target`` (a document id) with the layer that made it and why."""

    target: str
    method: str
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnchorStats:
    """Document frequencies of anchors over the English side (for IDF weights)."""

    n_docs: int
    df: Mapping[str, int]

    def idf(self, key: str) -> float:
        # Smoothed so an anchor in every document still weighs a little and one never seen
        # (df 0) weighs like one seen once: an unknown anchor is not stronger evidence.
        df = max(self.df.get(key, 0), 1)
        return math.log((self.n_docs + 1) / df) + 0.1

    def weight(self, key: str) -> float:
        return KIND_WEIGHTS.get(anchor_kind(key), 1.0) * self.idf(key)

    @classmethod
    def of(cls, features: Iterable[Features]) -> AnchorStats:
        df: Counter[str] = Counter()
        n = 0
        for f in features:
            n += 1
            df.update(f.anchors)
        return cls(n, df)


def week_relation(a: tuple[date, date] | None, b: tuple[date, date] | None) -> str:
    if a is None or b is None:
        return "unknown"
    if abs(a[0] - b[0]) <= WEEK_SLACK and abs(a[1] - b[1]) <= WEEK_SLACK:
        return "agree"
    return "conflict"


def number_relation(a: int | None, b: int | None) -> str:
    if a is None or b is None:
        return "unknown"
    return "agree" if a == b else "conflict"


def _time_relation(published: datetime | None, original: Features) -> str:
    """A conflict when a translation was published before its candidate original existed
    (before the issue's week ended, or a day before the issue's own publication)."""
    if published is None:
        return "unknown"
    day = published.date()
    if original.week is not None and day < original.week[1] - WEEK_SLACK:
        return "conflict"
    if original.published is not None and published < original.published - timedelta(days=1):
        return "conflict"
    return "agree" if original.week is not None or original.published is not None else "unknown"


def _embedded_decision(mirror: Features, candidates: Sequence[Features]) -> LinkDecision | None:
    if not mirror.en_shingles and not mirror.links:
        return None
    scored = sorted(
        ((jaccard(mirror.en_shingles, c.en_shingles), c) for c in candidates),
        key=lambda sc: sc[0],
        reverse=True,
    )
    if scored:
        best, cand = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if best >= EMBEDDED_JACCARD and best - runner_up >= EMBEDDED_MARGIN:
            return LinkDecision(
                cand.doc_id,
                "embedded-en",
                round(best, 4),
                {
                    "criterion": "jaccard",
                    "jaccard": round(best, 4),
                    "runner_up": round(runner_up, 4),
                    "shared_links": len(mirror.links & cand.links),
                    "week": week_relation(mirror.week, cand.week),
                },
            )
    return _links_decision(mirror, candidates)


def _links_decision(mirror: Features, candidates: Sequence[Features]) -> LinkDecision | None:
    if len(mirror.links) < LINKS_MIN_SHARED:
        return None
    shared = sorted(((len(mirror.links & c.links), c) for c in candidates), key=lambda x: -x[0])
    if not shared:
        return None
    count, cand = shared[0]
    runner = shared[1][0] if len(shared) > 1 else 0
    share = count / len(mirror.links)
    if count >= LINKS_MIN_SHARED and share >= LINKS_MIN_SHARE and count > 2 * runner:
        return LinkDecision(
            cand.doc_id,
            "embedded-en",
            round(share, 4),
            {
                "criterion": "links",
                "shared_links": count,
                "mirror_links": len(mirror.links),
                "runner_up_links": runner,
                "week": week_relation(mirror.week, cand.week),
            },
        )
    return None


@dataclass(frozen=True)
class _ZhScore:
    """Coverage of the mirror's anchor weight by one candidate (layer c)."""

    candidate: Features
    coverage: float
    matched: tuple[str, ...]
    week: str
    number: str
    time: str

    @property
    def vetoed(self) -> bool:
        # A stated week or issue number that disagrees is a different issue, however many
        # companies and numbers the two share (neighbouring issues share many); and no
        # translation is published before its original.
        return "conflict" in (self.week, self.number, self.time)

    @property
    def kinds(self) -> int:
        return len({anchor_kind(k) for k in self.matched})


def _zh_scores(
    mirror: Features, candidates: Sequence[Features], stats: AnchorStats, kinds: frozenset[str]
) -> list[_ZhScore]:
    own = [k for k in mirror.anchors if anchor_kind(k) in kinds]
    total = sum(stats.weight(k) for k in own)
    scores: list[_ZhScore] = []
    if total <= 0:
        return scores
    for cand in candidates:
        matched = tuple(sorted(k for k in own if k in cand.anchors))
        coverage = sum(stats.weight(k) for k in matched) / total
        scores.append(
            _ZhScore(
                cand,
                coverage,
                matched,
                week_relation(mirror.week, cand.week),
                number_relation(mirror.issue_number, cand.issue_number),
                _time_relation(mirror.published, cand),
            )
        )
    scores.sort(key=lambda s: s.coverage, reverse=True)
    return scores


def _informative(keys: Iterable[str], stats: AnchorStats) -> list[str]:
    """Anchors that are not in most issues (an anchor every issue has proves nothing)."""
    limit = max(2, stats.n_docs // 2)
    return [k for k in keys if stats.df.get(k, 0) <= limit]


def _min_matched(candidate: Features) -> int:
    """Shared anchors needed: more for a large candidate (more to match by chance)."""
    scaled = math.ceil(len(candidate.anchors) / ZH_ANCHORS_PER_MATCH)
    return min(ZH_MIN_MATCHED, max(ZH_MIN_MATCHED_SMALL, scaled))


def _anchors_decision(
    mirror: Features,
    candidates: Sequence[Features],
    stats: AnchorStats,
    kinds: frozenset[str],
) -> LinkDecision | None:
    scores = _zh_scores(mirror, candidates, stats, kinds)
    if not scores:
        return None
    best = scores[0]
    runner_up = scores[1].coverage if len(scores) > 1 else 0.0
    informative = _informative(best.matched, stats)
    accepted = (
        not best.vetoed
        and best.coverage >= ZH_MIN_COVERAGE
        and best.coverage - runner_up >= ZH_MIN_MARGIN
        and len(informative) >= _min_matched(best.candidate)
        and len({anchor_kind(k) for k in informative}) >= ZH_MIN_KINDS
    )
    if not accepted:
        return None
    by_kind: dict[str, list[str]] = defaultdict(list)
    for k in best.matched:
        kind, _, value = k.partition(":")
        by_kind[kind].append(value)
    return LinkDecision(
        best.candidate.doc_id,
        "zh-anchors",
        round(best.coverage, 4),
        {
            "coverage": round(best.coverage, 4),
            "runner_up": round(runner_up, 4),
            "matched": dict(by_kind),
            "week": best.week,
            "issue_number": best.number,
            "published_after_original": best.time,
        },
    )


def decide(
    mirror: Features,
    candidates: Sequence[Features],
    *,
    stats: AnchorStats | None = None,
    layers: Sequence[str] = ("embedded-en", "zh-anchors"),
    kinds: Iterable[str] = tuple(KIND_WEIGHTS),
) -> LinkDecision | None:
    """Accept or reject ``candidates`` (English documents) for ``mirror``: layer b, then c.

    ``stats`` are the anchor document frequencies of the whole English side (an
    :class:`IssueIndex` passes its own); without them, the candidates' own are used.
    """
    pool = [c for c in candidates if c.doc_id != mirror.doc_id]
    if not pool:
        return None
    if "embedded-en" in layers:
        found = _embedded_decision(mirror, pool)
        if found is not None:
            return found
    if "zh-anchors" in layers:
        return _anchors_decision(mirror, pool, stats or AnchorStats.of(pool), frozenset(kinds))
    return None
