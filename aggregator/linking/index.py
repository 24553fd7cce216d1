"""The English side and the full linking of one mirror.

:class:`IssueIndex` retrieves candidates (LSH over English shingles, postings over anchors, URL
and issue-number maps); :func:`link_mirror` runs the layers, cheapest and most exact first: the
stated source URL (``explicit``), then the content layers of :mod:`aggregator.linking.layers`.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from datasketch import MinHashLSH

from aggregator.linking.features import Features
from aggregator.linking.layers import (
    KIND_WEIGHTS,
    WEEK_SLACK,
    AnchorStats,
    LinkDecision,
    decide,
    number_relation,
    week_relation,
)
from aggregator.linking.shingling import LSH_THRESHOLD, NUM_PERM, lean_minhash
from aggregator.normalize import canonical_url

LAYERS = ("explicit", "embedded-en", "zh-anchors")

_NUMERIC_ISSUE_PATH = re.compile(r"/issues/(\d+)$")
# URL (as stated or canonical) -> the URL it redirects to (301), a document id, or an issue number.
Aliases = Mapping[str, str | int]


class IssueIndex:
    """English issues: LSH over English shingles, postings over anchors, URL and number maps.

    Adding or re-adding an issue (an edited page) is incremental; candidates for one mirror
    cost one LSH query plus the postings of its rarer anchors.
    """

    def __init__(self, *, block_limit: int = 8) -> None:
        self._features: dict[str, Features] = {}
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self._postings: dict[str, set[str]] = defaultdict(set)
        self._df: Counter[str] = Counter()
        self._urls: dict[str, str] = {}
        self._numbers: dict[int, str] = {}
        self._weeks: dict[date, set[str]] = defaultdict(set)  # week start -> ids
        self._block_limit = block_limit

    def __len__(self) -> int:
        return len(self._features)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._features

    def ids(self) -> list[str]:
        return list(self._features)

    def get(self, doc_id: str) -> Features:
        return self._features[doc_id]

    @property
    def stats(self) -> AnchorStats:
        return AnchorStats(len(self._features), self._df)

    def add(self, doc_id: str, features: Features) -> None:
        if doc_id in self._features:
            self.remove(doc_id)
        if features.doc_id != doc_id:
            features = replace(features, doc_id=doc_id)
        self._features[doc_id] = features
        if features.en_minhash:
            self._lsh.insert(doc_id, lean_minhash(features.en_minhash))
        for key in features.anchors | features.links:
            self._postings[key].add(doc_id)
        self._df.update(features.anchors)
        for url in features.urls:
            self._urls[url] = doc_id
        if features.issue_number is not None:
            self._numbers[features.issue_number] = doc_id
        if features.week is not None:
            self._weeks[features.week[0]].add(doc_id)

    def remove(self, doc_id: str) -> None:
        features = self._features.pop(doc_id)
        if features.en_minhash:
            self._lsh.remove(doc_id)
        for key in features.anchors | features.links:
            self._postings[key].discard(doc_id)
        self._df.subtract(features.anchors)
        for key in features.anchors:
            if self._df[key] <= 0:
                del self._df[key]
        for url in features.urls:
            if self._urls.get(url) == doc_id:
                del self._urls[url]
        number = features.issue_number
        if number is not None and self._numbers.get(number) == doc_id:
            del self._numbers[number]
        if features.week is not None:
            self._weeks[features.week[0]].discard(doc_id)

    def resolve_url(self, url: str, aliases: Aliases | None = None) -> tuple[str, str] | None:
        """(doc id, how) for a stated URL: directly, through the alias map, or by number."""
        # A stated "www." host names the same site (www.aiweekly.co = aiweekly.co).
        canon = _without_www(canonical_url(url))
        for form in (canon, _with_www(canon)):
            if form in self._urls:
                return self._urls[form], "url"
            if form in self._features:
                return form, "url"
        if aliases:
            target = aliases.get(canon, aliases.get(url))
            hit = self._resolve_alias(target) if target is not None else None
            if hit is not None:
                return hit, "alias"
        m = _NUMERIC_ISSUE_PATH.search(canon)
        if m and int(m.group(1)) in self._numbers:
            hit = self._numbers[int(m.group(1))]
            hosts = {_without_www(canonical_url(u)).split("/")[2] for u in self.get(hit).urls}
            if canon.split("/")[2] in hosts:
                return hit, "issue-number"
        return None

    def _resolve_alias(self, target: str | int) -> str | None:
        if isinstance(target, int):  # an alias map to issue numbers
            return self._numbers.get(target)
        canon = canonical_url(target) if "://" in target else target
        return self._urls.get(canon) or (canon if canon in self._features else None)

    def candidates(self, features: Features) -> list[str]:
        """Ids worth deciding on: LSH hits on English text, the best anchor blocks, the same
        week and the same stated number (never the whole archive)."""
        found: dict[str, float] = {}
        if features.en_minhash:
            for doc_id in self._lsh.query(lean_minhash(features.en_minhash)):
                found[str(doc_id)] = math.inf
        for doc_id, score in self._block(features):
            found.setdefault(doc_id, score)
        if features.issue_number is not None and features.issue_number in self._numbers:
            found.setdefault(self._numbers[features.issue_number], 0.0)
        if features.week is not None:
            start = features.week[0]
            for day in (start - WEEK_SLACK, start, start + WEEK_SLACK):
                for doc_id in self._weeks.get(day, ()):
                    found.setdefault(doc_id, 0.0)
        found.pop(features.doc_id, None)
        return sorted(found, key=lambda d: found[d], reverse=True)

    def _block(self, features: Features) -> list[tuple[str, float]]:
        stats = self.stats
        limit = max(2, len(self._features) // 2)
        weights: defaultdict[str, float] = defaultdict(float)
        for key in features.anchors | features.links:
            posting = self._postings.get(key)
            if not posting or len(posting) > limit:
                continue  # common anchors ("OpenAI") block nothing
            w = stats.weight(key)
            for doc_id in posting:
                weights[doc_id] += w
        ranked = sorted(weights.items(), key=lambda kv: kv[1], reverse=True)
        return ranked[: self._block_limit]

    def decide(
        self,
        features: Features,
        *,
        layers: Sequence[str] = ("embedded-en", "zh-anchors"),
        kinds: Iterable[str] = tuple(KIND_WEIGHTS),
    ) -> LinkDecision | None:
        pool = [self._features[d] for d in self.candidates(features)]
        return decide(features, pool, stats=self.stats, layers=layers, kinds=kinds)


def link_mirror(
    features: Features,
    index: IssueIndex,
    *,
    aliases: Aliases | None = None,
    layers: Sequence[str] = LAYERS,
    kinds: Iterable[str] = tuple(KIND_WEIGHTS),
) -> LinkDecision | None:
    """Link one (possible) mirror to an indexed issue, or return None.

    ``aliases`` maps a canonical URL (e.g. a numeric issue URL that answered 301) to the
    canonical URL it redirects to, a document id, or an issue number.
    """
    if "explicit" in layers and features.stated_source:
        hit = index.resolve_url(features.stated_source, aliases)
        if hit is not None:
            target, how = hit
            found = index.get(target)
            week = week_relation(features.week, found.week)
            number = number_relation(features.issue_number, found.issue_number)
            # A source line that contradicts the post's own number or period is a copy-paste
            # slip more often than a renumbering: let the content layers decide instead.
            if week != "conflict" and number != "conflict":
                evidence = {"source": features.stated_source, "via": how, "week": week}
                return LinkDecision(target, "explicit", 1.0, evidence)
    rest = [layer for layer in layers if layer != "explicit"]
    if not rest:
        return None
    return index.decide(features, layers=rest, kinds=kinds)


def _without_www(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest[4:]}" if sep and rest.startswith("www.") else url


def _with_www(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}www.{rest}" if sep and not rest.startswith("www.") else url
