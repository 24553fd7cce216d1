"""Grouping: same-language duplicates first (the newest copy represents them), then each
non-English cluster linked to an English one as its sibling (never its duplicate)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from datasketch import MinHashLSH

from aggregator.linking.documents import LinkDoc
from aggregator.linking.features import Features, compute_features
from aggregator.linking.index import LAYERS, Aliases, IssueIndex, link_mirror
from aggregator.linking.layers import LinkDecision, number_relation, week_relation
from aggregator.linking.shingling import LSH_THRESHOLD, NUM_PERM, jaccard, lean_minhash

# Duplicates (same language): exact Jaccard on shingles (word 4-shingles for English, CJK
# character / Latin word 4-shingles for Chinese). Replica: the re-post 3833 vs 3832 scores 0.98,
# any two other posts <= 0.21 (two ordinary posts written from one template). With the same
# stated issue number 0.6 suffices; without a number 0.8 (edits rarely touch a fifth of a text).
DUP_JACCARD_SAME_NUMBER = 0.6
DUP_JACCARD_NO_NUMBER = 0.8


class _UnionFind:
    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {x: x for x in items}

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _is_duplicate(a: Features, b: Features) -> tuple[bool, float]:
    """Same language, near-identical text and no contradicting issue number or week."""
    if a.lang != b.lang:
        return False, 0.0
    if number_relation(a.issue_number, b.issue_number) == "conflict":
        return False, 0.0
    if week_relation(a.week, b.week) == "conflict":
        return False, 0.0
    score = jaccard(a.own_shingles, b.own_shingles)
    same_number = number_relation(a.issue_number, b.issue_number) == "agree"
    threshold = DUP_JACCARD_SAME_NUMBER if same_number else DUP_JACCARD_NO_NUMBER
    return score >= threshold, score


def _sort_key_newest(f: Features) -> tuple[float, str]:
    ts = f.published.timestamp() if f.published is not None else float("-inf")
    return ts, f.doc_id


@dataclass(frozen=True)
class Grouping:
    """Groups over a set of documents.

    ``group_of``: document id -> group id (the representative of the group's English cluster
    if there is one, else of its own cluster). ``duplicate_of``: same-language copies -> the
    newest version (nothing is deleted). ``sibling_of``: a translation -> the English document
    it was linked to (a sibling, never a duplicate). ``decisions`` how each link was made.
    """

    group_of: dict[str, str]
    duplicate_of: dict[str, str]
    sibling_of: dict[str, str]
    decisions: dict[str, LinkDecision]
    dup_scores: dict[str, float]


def _duplicate_clusters(feats: Sequence[Features]) -> tuple[_UnionFind, dict[str, float]]:
    uf = _UnionFind(f.doc_id for f in feats)
    scores: dict[str, float] = {}
    by_id = {f.doc_id: f for f in feats}
    # Same page under several URLs: one cluster before any text comparison.
    owner: dict[str, str] = {}
    for f in feats:
        for url in f.urls:
            if url in owner and by_id[owner[url]].lang == f.lang:
                uf.union(owner[url], f.doc_id)
                scores[f.doc_id] = 1.0
            owner.setdefault(url, f.doc_id)
    for lang in sorted({f.lang for f in feats}):
        group = [f for f in feats if f.lang == lang and f.own_minhash]
        lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        for f in group:
            lsh.insert(f.doc_id, lean_minhash(f.own_minhash))
        for f in group:
            for other in lsh.query(lean_minhash(f.own_minhash)):
                other_id = str(other)
                if other_id <= f.doc_id:
                    continue
                same, score = _is_duplicate(f, by_id[other_id])
                if same:
                    uf.union(f.doc_id, other_id)
                    scores[f.doc_id] = max(scores.get(f.doc_id, 0.0), score)
                    scores[other_id] = max(scores.get(other_id, 0.0), score)
    return uf, scores


def build_groups(
    docs: Sequence[LinkDoc] | Sequence[Features],
    *,
    aliases: Aliases | None = None,
    layers: Sequence[str] = LAYERS,
) -> Grouping:
    """Group documents: same-language duplicates first, then translations to English ones."""
    feats = [d if isinstance(d, Features) else compute_features(d) for d in docs]
    ids = [f.doc_id for f in feats]
    if len(set(ids)) != len(ids):
        dupes = sorted(k for k, v in Counter(ids).items() if v > 1)
        raise ValueError(f"duplicate document ids: {dupes[:5]}")
    by_id = {f.doc_id: f for f in feats}
    uf, dup_scores = _duplicate_clusters(feats)
    clusters: dict[str, list[str]] = defaultdict(list)
    for f in feats:
        clusters[uf.find(f.doc_id)].append(f.doc_id)
    rep = {
        root: max(members, key=lambda d: _sort_key_newest(by_id[d]))
        for root, members in clusters.items()
    }
    duplicate_of = {
        d: rep[root] for root, members in clusters.items() for d in members if d != rep[root]
    }
    # Translations link to the representatives of English clusters only: one target per issue.
    index = IssueIndex()
    for root, members in clusters.items():
        head = by_id[rep[root]]
        if head.lang == "en":
            index.add(head.doc_id, _merged_cluster_features(head, [by_id[m] for m in members]))
    decisions: dict[str, LinkDecision] = {}
    sibling_of: dict[str, str] = {}
    group_of: dict[str, str] = {}
    for root, members in clusters.items():
        head = by_id[rep[root]]
        target = None
        if head.lang != "en" and len(index):
            decision = _link_cluster([by_id[m] for m in members], index, aliases, layers)
            if decision is not None:
                target = decision.target
                for m in members:
                    decisions[m] = decision
                    sibling_of[m] = target
        for m in members:
            group_of[m] = target or head.doc_id
    return Grouping(group_of, duplicate_of, sibling_of, decisions, dup_scores)


def _merged_cluster_features(head: Features, members: Sequence[Features]) -> Features:
    """The head's features, reachable under every member's URL (same page, several URLs)."""
    urls = frozenset().union(*(m.urls for m in members))
    return replace(head, urls=urls)


def _link_cluster(
    members: Sequence[Features],
    index: IssueIndex,
    aliases: Aliases | None,
    layers: Sequence[str],
) -> LinkDecision | None:
    """Link a cluster of same-language copies by the first copy that links (newest first)."""
    for f in sorted(members, key=_sort_key_newest, reverse=True):
        decision = link_mirror(f, index, aliases=aliases, layers=layers)
        if decision is not None:
            return decision
    return None


def group_documents(docs: Sequence[LinkDoc], *, aliases: Aliases | None = None) -> dict[str, str]:
    """Document id -> group id; see :func:`build_groups` for the full result."""
    return build_groups(docs, aliases=aliases).group_of
