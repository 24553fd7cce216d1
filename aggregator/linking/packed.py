"""Compact features for large local inputs (``aggregator link``) and grouping over them.

A :class:`Features` keeps its shingles as ``frozenset[int]``: about 70 bytes per shingle (a
32-byte int object plus hash-table slots), so a 3 KB document costs ~70 KB and a 200 MB input
several GB. :class:`PackedFeatures` holds the same values in numpy arrays (4 bytes per shingle
or MinHash value) and interned strings, and turns back into an identical :class:`Features`
on demand. :func:`group_packed` gives exactly :func:`~aggregator.linking.groups.build_groups`'s
result while unpacking only what one step needs: the two documents of a candidate duplicate
pair, the members of one non-English cluster while it is linked, an issue while it is decided
on. Duplicate candidates come from sorting MinHash bands (no per-bucket sets), and the issue
index of English cluster heads keeps their features packed (:class:`PackedIssueIndex`); its
datasketch LSH and postings are what remains of its cost (~15 KB per English head, measured).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import numpy as np
import numpy.typing as npt
from datasketch import MinHashLSH

from aggregator.linking.features import FEATURES_VERSION, Features
from aggregator.linking.groups import Grouping, _is_duplicate, _link_cluster, _UnionFind
from aggregator.linking.index import LAYERS, IssueIndex
from aggregator.linking.layers import KIND_WEIGHTS, LinkDecision, decide
from aggregator.linking.shingling import LSH_THRESHOLD, NUM_PERM

U32 = npt.NDArray[np.uint32]
_EMPTY: U32 = np.zeros(0, dtype=np.uint32)  # shared: most documents have one empty side


def _pack_ints(values: Iterable[int], *, sort: bool) -> U32:
    seq = sorted(values) if sort else list(values)
    if not seq:
        return _EMPTY
    # Shingles are 32-bit hashes and datasketch's affine32 MinHash values are masked to 32
    # bits, so uint32 is lossless; the check keeps it so if either ever changes.
    if max(seq) > 0xFFFF_FFFF or min(seq) < 0:
        raise ValueError("value does not fit 32 bits: packing would lose it")
    return np.asarray(seq, dtype=np.uint32)


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    # Anchors and link keys repeat across documents: interning stores each one once.
    return tuple(sys.intern(v) for v in sorted(values))


@dataclass(frozen=True, slots=True)
class PackedFeatures:
    """The values of one :class:`Features`, compactly: ``unpack()`` gives them back exactly."""

    doc_id: str
    lang: str
    anchors: tuple[str, ...]
    en_shingles: U32
    en_minhash: U32
    zh_shingles: U32
    zh_minhash: U32
    links: tuple[str, ...]
    urls: tuple[str, ...]
    stated_source: str | None
    issue_number: int | None
    week: tuple[date, date] | None
    published: datetime | None
    version: int = FEATURES_VERSION

    @classmethod
    def pack(cls, f: Features) -> PackedFeatures:
        return cls(
            doc_id=f.doc_id,
            lang=sys.intern(f.lang),
            anchors=_strings(f.anchors),
            en_shingles=_pack_ints(f.en_shingles, sort=True),
            en_minhash=_pack_ints(f.en_minhash, sort=False),
            zh_shingles=_pack_ints(f.zh_shingles, sort=True),
            zh_minhash=_pack_ints(f.zh_minhash, sort=False),
            links=_strings(f.links),
            urls=tuple(sorted(f.urls)),
            stated_source=f.stated_source,
            issue_number=f.issue_number,
            week=f.week,
            published=f.published,
            version=f.version,
        )

    def unpack(self) -> Features:
        return Features(
            doc_id=self.doc_id,
            lang=self.lang,
            anchors=frozenset(self.anchors),
            en_shingles=frozenset(self.en_shingles.tolist()),
            en_minhash=tuple(self.en_minhash.tolist()),
            zh_shingles=frozenset(self.zh_shingles.tolist()),
            zh_minhash=tuple(self.zh_minhash.tolist()),
            links=frozenset(self.links),
            urls=frozenset(self.urls),
            stated_source=self.stated_source,
            issue_number=self.issue_number,
            week=self.week,
            published=self.published,
            version=self.version,
        )

    @property
    def own_minhash(self) -> U32:
        return self.en_minhash if self.lang == "en" else self.zh_minhash

    def nbytes(self) -> int:
        """Array payload bytes (what grows with the text); for the benchmark's figures."""
        arrays = (self.en_shingles, self.en_minhash, self.zh_shingles, self.zh_minhash)
        return sum(a.nbytes for a in arrays)


class PackedIssueIndex(IssueIndex):
    """An :class:`IssueIndex` that keeps its issues' features packed.

    The parent builds its retrieval maps (LSH, postings, URL / number / week maps) from the
    full features in ``add``; what it then stores per issue is only read back through ``get``
    and ``decide`` (overridden here to unpack) and by ``remove``. So the stored copy drops the
    shingles and MinHash values: an English head costs ~15 KB instead of ~32 KB (measured on
    ``benchmarks/link_memory.py`` documents; the rest is the parent's LSH and postings).
    """

    def __init__(self) -> None:
        super().__init__()
        self._packed: dict[str, PackedFeatures] = {}

    def add(self, doc_id: str, features: Features) -> None:
        super().add(doc_id, features)
        full = self._features[doc_id]
        self._packed[doc_id] = PackedFeatures.pack(full)
        # en_minhash keeps one value so remove() still knows the issue is in the LSH.
        self._features[doc_id] = replace(full, en_shingles=frozenset(), zh_shingles=frozenset(),
                                         en_minhash=full.en_minhash[:1], zh_minhash=())

    def remove(self, doc_id: str) -> None:
        super().remove(doc_id)
        del self._packed[doc_id]

    def get(self, doc_id: str) -> Features:
        return self._packed[doc_id].unpack()

    def decide(
        self,
        features: Features,
        *,
        layers: Sequence[str] = ("embedded-en", "zh-anchors"),
        kinds: Iterable[str] = tuple(KIND_WEIGHTS),
    ) -> LinkDecision | None:
        pool = [self.get(d) for d in self.candidates(features)]
        return decide(features, pool, stats=self.stats, layers=layers, kinds=kinds)


def _newest(p: PackedFeatures) -> tuple[float, str]:
    # The same order as groups._sort_key_newest: the newest copy represents its duplicates.
    ts = p.published.timestamp() if p.published is not None else float("-inf")
    return ts, p.doc_id


def _duplicate_clusters(
    packed: Sequence[PackedFeatures], by_id: dict[str, PackedFeatures]
) -> tuple[_UnionFind, dict[str, float]]:
    """groups._duplicate_clusters over packed features (same unions, same scores)."""
    uf = _UnionFind(p.doc_id for p in packed)
    scores: dict[str, float] = {}
    owner: dict[str, str] = {}
    for p in packed:
        for url in p.urls:
            if url in owner and by_id[owner[url]].lang == p.lang:
                uf.union(owner[url], p.doc_id)
                scores[p.doc_id] = 1.0
            owner.setdefault(url, p.doc_id)
    for lang in sorted({p.lang for p in packed}):
        group = [p for p in packed if p.lang == lang and len(p.own_minhash)]
        for i, j in sorted(_candidate_pairs(group)):
            a, b = sorted((group[i], group[j]), key=lambda p: p.doc_id)
            # Only the two documents of a candidate pair are ever unpacked.
            same, score = _is_duplicate(a.unpack(), b.unpack())
            if same:
                uf.union(a.doc_id, b.doc_id)
                scores[a.doc_id] = max(scores.get(a.doc_id, 0.0), score)
                scores[b.doc_id] = max(scores.get(b.doc_id, 0.0), score)
    return uf, scores


def _candidate_pairs(group: Sequence[PackedFeatures]) -> set[tuple[int, int]]:
    """Index pairs sharing a MinHash band: the pairs ``MinHashLSH.query`` proposes.

    datasketch's LSH keeps a set per band bucket (~6 KB a document); here each band is one
    lexicographic sort of an (n, r) slice of a uint32 matrix, with the same band layout, so
    the candidates are the same and nothing outlives the call.
    """
    if len(group) < 2:
        return set()
    matrix = np.stack([p.own_minhash for p in group])
    ranges = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM).hashranges
    pairs: set[tuple[int, int]] = set()
    for start, end in ranges:
        band = matrix[:, start:end]
        order = np.lexsort(band.T[::-1])
        ordered = band[order]
        equal_next = np.all(ordered[1:] == ordered[:-1], axis=1)
        # Position k is True when sorted rows k and k+1 share the band: a bucket is a
        # maximal stretch k..m of True positions, i.e. sorted rows k..m+1.
        first = last = -2  # no bucket yet: order[-2:0] is empty
        for k in np.flatnonzero(equal_next).tolist():
            if k != last + 1:
                _add_pairs(pairs, order[first:last + 2])
                first = k
            last = k
        _add_pairs(pairs, order[first:last + 2])
    return pairs


def _add_pairs(pairs: set[tuple[int, int]], bucket: npt.NDArray[np.intp]) -> None:
    members = sorted(bucket.tolist())
    for x, i in enumerate(members):
        for j in members[x + 1:]:
            pairs.add((i, j))


def group_packed(packed: Sequence[PackedFeatures]) -> Grouping:
    """:func:`~aggregator.linking.groups.build_groups` (default layers, no aliases) over
    packed features; ids must be unique."""
    by_id = {p.doc_id: p for p in packed}
    if len(by_id) != len(packed):
        raise ValueError("duplicate document ids")
    uf, dup_scores = _duplicate_clusters(packed, by_id)
    clusters: dict[str, list[str]] = defaultdict(list)
    for p in packed:
        clusters[uf.find(p.doc_id)].append(p.doc_id)
    rep = {root: max(members, key=lambda d: _newest(by_id[d]))
           for root, members in clusters.items()}
    duplicate_of = {
        d: rep[root] for root, members in clusters.items() for d in members if d != rep[root]
    }
    index = PackedIssueIndex()
    # The index is only ever asked about non-English clusters: without one it stays empty.
    if any(by_id[head].lang != "en" for head in rep.values()):
        for root, members in clusters.items():
            head = by_id[rep[root]]
            if head.lang == "en":
                urls = frozenset(u for m in members for u in by_id[m].urls)
                index.add(head.doc_id, replace(head.unpack(), urls=urls))
    decisions: dict[str, LinkDecision] = {}
    sibling_of: dict[str, str] = {}
    group_of: dict[str, str] = {}
    for root, members in clusters.items():
        head = by_id[rep[root]]
        target = None
        if head.lang != "en" and len(index):
            decision = _link_cluster([by_id[m].unpack() for m in members], index, None, LAYERS)
            if decision is not None:
                target = decision.target
                for m in members:
                    decisions[m] = decision
                    sibling_of[m] = target
        for m in members:
            group_of[m] = target or head.doc_id
    return Grouping(group_of, duplicate_of, sibling_of, decisions, dup_scores)
