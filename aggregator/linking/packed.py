"""Compact features for large local inputs (``aggregator link``) and grouping over them.

A :class:`Features` keeps its shingles as ``frozenset[int]``: about 70 bytes per shingle (a
32-byte int object plus hash-table slots), so a 3 KB document costs ~70 KB and a 200 MB input
tens of GB. :class:`PackedFeatures` holds the same values in numpy arrays (4 bytes per shingle
or MinHash value) and interned strings, and turns back into an identical :class:`Features`
on demand. :func:`group_packed` gives exactly :func:`~aggregator.linking.groups.build_groups`'s
result while unpacking only what one step needs: the two documents of a candidate duplicate
pair, the members of one non-English cluster while it is linked, and the English cluster heads
the issue index must hold (the index keeps full features: that part is not packed).
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
from aggregator.linking.layers import LinkDecision
from aggregator.linking.shingling import LSH_THRESHOLD, NUM_PERM, lean_minhash

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
        lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        for p in group:
            lsh.insert(p.doc_id, lean_minhash(p.own_minhash.tolist()))
        for p in group:
            others = [str(o) for o in lsh.query(lean_minhash(p.own_minhash.tolist()))]
            others = [o for o in others if o > p.doc_id]
            if not others:
                continue
            mine = p.unpack()  # only documents with a candidate pair are ever unpacked
            for other_id in others:
                same, score = _is_duplicate(mine, by_id[other_id].unpack())
                if same:
                    uf.union(p.doc_id, other_id)
                    scores[p.doc_id] = max(scores.get(p.doc_id, 0.0), score)
                    scores[other_id] = max(scores.get(other_id, 0.0), score)
    return uf, scores


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
    index = IssueIndex()
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
