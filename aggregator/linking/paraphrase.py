"""Paraphrase linking: group short texts about one item, in one language and across languages.

Three separate steps over the :class:`~aggregator.linking.similarity.TermMatrix` of the
documents being linked:

1. **Retrieval** (:func:`candidate_pairs`): for each document, its :data:`TOP_K` nearest
   neighbours by a sparse product over the terms in at most :func:`df_cap` documents (a term
   in a large share of the corpus proposes nothing), in row chunks: cost grows with the
   documents and their rare terms, never with all pairs.
2. **Decision** (:func:`accepted_edges`): the exact cosine of a candidate pair against the
   threshold of its pair type (``en-en``, ``zh-zh``, ``en-zh``).
3. **Groups** (:func:`group_edges`): accepted pairs are merged best first with a union-find.
   A pair at or above its threshold plus :data:`CONFIDENT_MARGIN` is confident and always
   merges; a weaker pair merges two groups only when at least :data:`MIN_SUPPORT` of the
   pairs across them are accepted pairs (average-link support), so one loose pair cannot
   chain two items together, and a third document can only add to a confident link. The
   order is by score then ids: the result does not depend on the input order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix as CSR

from aggregator.linking.groups import _UnionFind
from aggregator.linking.similarity import DocTerms, TermMatrix

# Decision thresholds on the cosine, per pair type. Chosen by 5-fold cross-validation on the
# development set of real bilingual digests (benchmarks/linking_real.py, ../shared/realtext:
# 212 groups of independent English and Chinese summaries and 111 distractors): on the
# training folds each threshold is the one with the best pairwise F1 among those whose
# precision over the retrieved candidate pairs is >= 0.98, then the held-out fold is linked
# on its own and scored; the constants are the same rule applied to the whole set.
# Fold values 0.22-0.30 (en-en), 0.21-0.26 (zh-zh), 0.17-0.19 (en-zh); the whole set gives
# 0.272 / 0.237 / 0.191, shipped rounded to two places.
THRESHOLDS: dict[str, float] = {"en-en": 0.27, "zh-zh": 0.24, "en-zh": 0.19}
# A pair this far above its threshold is confident: merged without asking the rest of both
# groups. A weaker pair merges two groups only when at least MIN_SUPPORT of the pairs across
# them are accepted pairs: with 0.5, two pairs that each have a confident partner (2 + 2)
# need two accepted pairs across, not one, while a single document joins a pair on one.
# Both picked on the whole development set (not cross-validated, so the group figures are
# slightly optimistic) among margin {0.05, 0.15} x support {0.25, 0.34, 0.5}, support 0.25
# excluded as it lets one loose pair join two confident pairs: cross-validated pairwise F1
# 0.946 (0.05, 0.5), 0.921 (0.15, 0.5), 0.948 (0.15, 0.25), precision 0.996 in all; merging
# every accepted pair scores 0.965 at precision 0.993 there, but then nothing stops a chain.
CONFIDENT_MARGIN = 0.05
MIN_SUPPORT = 0.5
# Members of each side asked for that support (groups of paraphrases are small).
SUPPORT_SAMPLE = 12
# Retrieval: neighbours kept per document, and the document-frequency cap on terms.
TOP_K = 12
DF_CAP_MIN = 50
DF_CAP_SHARE = 0.02
_CHUNK = 256  # rows per sparse product: bounds its memory (~chunk x documents)
# Decision, besides the threshold: the pair shares a rare fact anchor of these kinds (dates
# and topic words identify no item). Costs 0.014 pairwise F1 on the development set and
# keeps templated posts about different items apart (benchmarks/linking.py byod scenario).
FACT_KINDS = ("name:", "num:", "link:", "ent:")
FACT_MAX_SHARE = 0.1
# One shared rare fact suffices: asking two drops cross-validated en-zh recall from 0.895 to
# 0.821 on the development set (short Chinese summaries keep few of the English figures).
MIN_SHARED_FACTS = 1
FACT_MIN_DF = 8  # a group of paraphrases shares its facts: a small input keeps them


def pair_type(a: str, b: str) -> str:
    return "-".join(sorted((a, b))) if a != b else f"{a}-{a}"


def df_cap(n_docs: int) -> int:
    """Retrieval ignores terms in more documents than this (at least :data:`DF_CAP_MIN`)."""
    return max(DF_CAP_MIN, int(DF_CAP_SHARE * n_docs))


@dataclass(frozen=True)
class Spaces:
    """The matrices of one corpus: ``cross`` over every document, ``native`` over the
    Chinese ones (``zh_row`` maps a document row to its native row)."""

    ids: tuple[str, ...]
    langs: tuple[str, ...]
    cross: TermMatrix
    native: TermMatrix
    zh_row: npt.NDArray[np.int64]  # -1 for non-Chinese documents
    facts: tuple[frozenset[str], ...]  # each document's name / number / link / entity anchors

    @property
    def use_facts(self) -> bool:
        # Vectors built without anchors (an ablation) have no facts to ask for.
        return any(self.facts)

    @classmethod
    def of(cls, terms: Sequence[DocTerms]) -> Spaces:
        zh = [i for i, t in enumerate(terms) if t.lang == "zh"]
        zh_row = np.full(len(terms), -1, dtype=np.int64)
        zh_row[zh] = np.arange(len(zh))
        return cls(
            tuple(t.doc_id for t in terms),
            tuple(t.lang for t in terms),
            TermMatrix([t.cross for t in terms]),
            TermMatrix([terms[i].native for i in zh]),
            zh_row,
            _rare_facts(terms),
        )

    def scores(self, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.float64]:
        """Exact similarity of each (a[k], b[k]): native between two Chinese documents."""
        out = np.zeros(len(a))
        both_zh = (self.zh_row[a] >= 0) & (self.zh_row[b] >= 0)
        if both_zh.any():
            out[both_zh] = self.native.scores(self.zh_row[a[both_zh]], self.zh_row[b[both_zh]])
        rest = ~both_zh
        if rest.any():
            out[rest] = self.cross.scores(a[rest], b[rest])
        return out


def _rare_facts(terms: Sequence[DocTerms]) -> tuple[frozenset[str], ...]:
    """Each document's fact anchors that are in at most :data:`FACT_MAX_SHARE` of the
    documents (at least :data:`FACT_MIN_DF`): "AI" in every other text identifies nothing."""
    facts = [frozenset(k for k in t.cross[0] if k.startswith(FACT_KINDS)) for t in terms]
    df = Counter(k for f in facts for k in f)
    limit = max(FACT_MIN_DF, int(FACT_MAX_SHARE * len(terms)))
    return tuple(frozenset(k for k in f if df[k] <= limit) for f in facts)


def _top_pairs(query: CSR, base: CSR, q_rows: npt.NDArray[np.int64],
               b_rows: npt.NDArray[np.int64], k: int, out: set[tuple[int, int]]) -> None:
    """Add (i, j), i < j (corpus rows), for each query row's ``k`` best base rows."""
    base_t = base.T.tocsr()
    for start in range(0, query.shape[0], _CHUNK):
        product = CSR(query[start:start + _CHUNK] @ base_t)
        for r in range(product.shape[0]):
            lo, hi = product.indptr[r], product.indptr[r + 1]
            if lo == hi:
                continue
            cols, vals = product.indices[lo:hi], product.data[lo:hi]
            i = int(q_rows[start + r])
            if hi - lo > k + 1:
                top = np.argpartition(-vals, k)[: k + 1]
                cols = cols[top]
            for c in cols.tolist():
                j = int(b_rows[c])
                if j != i:
                    out.add((i, j) if i < j else (j, i))


def candidate_pairs(spaces: Spaces, k: int = 0) -> list[tuple[int, int]]:
    """Candidate pairs (corpus rows, i < j): each English or Chinese document's nearest
    English documents in the shared space, and each Chinese document's nearest Chinese ones
    in the native space."""
    k = k or TOP_K
    n = len(spaces.ids)
    out: set[tuple[int, int]] = set()
    if n < 2:
        return []
    cross = spaces.cross.capped(df_cap(n))
    en = np.asarray([i for i, lang in enumerate(spaces.langs) if lang == "en"], dtype=np.int64)
    every = np.arange(n, dtype=np.int64)
    if len(en):
        _top_pairs(cross, CSR(cross[en]), every, en, k, out)
    zh = np.flatnonzero(spaces.zh_row >= 0).astype(np.int64)
    if len(zh) > 1:
        native = spaces.native.capped(df_cap(n))
        _top_pairs(native, native, zh, zh, k, out)
    return sorted(out)


@dataclass(frozen=True)
class Edge:
    a: int
    b: int
    kind: str  # en-en | zh-zh | en-zh
    score: float


def accepted_edges(spaces: Spaces, pairs: Sequence[tuple[int, int]],
                   thresholds: Mapping[str, float] | None = None) -> list[Edge]:
    """The candidate pairs whose exact score passes the threshold of their type."""
    thresholds = THRESHOLDS if thresholds is None else thresholds
    if not pairs:
        return []
    arr = np.asarray(pairs, dtype=np.int64)
    scores = spaces.scores(arr[:, 0], arr[:, 1])
    edges = []
    for (a, b), s in zip(pairs, scores.tolist(), strict=True):
        kind = pair_type(spaces.langs[a], spaces.langs[b])
        limit = thresholds.get(kind)
        if limit is None or s < limit:
            continue
        # Two texts on one item name at least one rare thing in common (a name, a figure,
        # a link); two posts written from one template share many words and no such fact.
        if spaces.use_facts and len(spaces.facts[a] & spaces.facts[b]) < MIN_SHARED_FACTS:
            continue
        edges.append(Edge(a, b, kind, round(s, 6)))
    return edges


def group_edges(
    spaces: Spaces,
    edges: Sequence[Edge],
    *,
    base: Mapping[str, str] | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> dict[str, str]:
    """Document id -> the root id of its group. ``base`` (id -> group id) are links already
    made (duplicates, mirrors): they hold, as confident links do."""
    thresholds = THRESHOLDS if thresholds is None else thresholds
    ids = spaces.ids
    uf = _UnionFind(ids)
    if base:
        first: dict[str, str] = {}
        for doc_id in sorted(base):
            uf.union(first.setdefault(base[doc_id], doc_id), doc_id)
    ordered = sorted(edges, key=lambda e: (-e.score, ids[e.a], ids[e.b]))
    accepted = {(e.a, e.b) for e in edges}
    weak: list[Edge] = []
    for e in ordered:
        if e.score >= thresholds[e.kind] + CONFIDENT_MARGIN:
            uf.union(ids[e.a], ids[e.b])
        else:
            weak.append(e)
    # Members of each group in id order (what the support sample takes), kept sorted.
    order = sorted(range(len(ids)), key=ids.__getitem__)
    rank = [0] * len(ids)
    for r, i in enumerate(order):
        rank[i] = r
    members: dict[str, list[int]] = {}
    for i in order:
        members.setdefault(uf.find(ids[i]), []).append(i)
    for e in weak:
        ra, rb = uf.find(ids[e.a]), uf.find(ids[e.b])
        if ra == rb:
            continue
        # Two single documents: the accepted pair is all the support there is to ask.
        single = len(members[ra]) == 1 and len(members[rb]) == 1
        if not single and not _supported(members[ra], members[rb], accepted):
            continue
        uf.union(ra, rb)
        root = uf.find(ra)
        members[root] = sorted(members.pop(ra) + members.pop(rb), key=rank.__getitem__)
    return {doc_id: uf.find(doc_id) for doc_id in ids}


def _supported(left: list[int], right: list[int], accepted: set[tuple[int, int]]) -> bool:
    """At least :data:`MIN_SUPPORT` of the pairs across two groups (their first
    :data:`SUPPORT_SAMPLE` members in id order) are accepted pairs.

    A pair that retrieval did not propose counts as failing: each document's
    :data:`TOP_K` neighbours cover groups of paraphrases, which are small, and asking only
    the accepted set keeps a merge at a few set lookups however large the input.
    """
    a_side, b_side = left[:SUPPORT_SAMPLE], right[:SUPPORT_SAMPLE]
    passed = sum(1 for a in a_side for b in b_side if ((a, b) if a < b else (b, a)) in accepted)
    return passed >= MIN_SUPPORT * len(a_side) * len(b_side)


def link_paraphrases(
    terms: Sequence[DocTerms],
    *,
    base: Mapping[str, str] | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> tuple[dict[str, str], dict[str, tuple[str, float]]]:
    """(document id -> group root, document id -> (the document it is most similar to
    within its group, score)) for ``terms``."""
    spaces = Spaces.of(terms)
    edges = accepted_edges(spaces, candidate_pairs(spaces), thresholds)
    groups = group_edges(spaces, edges, base=base, thresholds=thresholds)
    ids = spaces.ids
    best: dict[str, tuple[str, float]] = {}
    for e in sorted(edges, key=lambda e: (-e.score, ids[e.a], ids[e.b])):
        if groups[ids[e.a]] != groups[ids[e.b]]:
            continue
        best.setdefault(ids[e.a], (ids[e.b], e.score))
        best.setdefault(ids[e.b], (ids[e.a], e.score))
    return groups, best
