"""Paraphrase similarity: IDF-weighted term vectors that survive rewording and translation.

Every document gets a vector in a **shared space** (``cross``): English content-word stems
(``w:``), the language-neutral anchors of :mod:`aggregator.anchors` (names, numbers with
units, dates, links, glossary entities) and, for Chinese, its words carried to English stems
through the CC-CEDICT bridge (:mod:`.bridge`) plus the Latin words it contains. A Chinese
document also gets a **native** vector (its own jieba words ``z:``, its Latin words and its
anchors) used between two Chinese texts, where the words themselves are more exact than their
translations. Weights are sublinear TF times IDF over the documents being linked, rows
L2-normalized, so a score is a cosine in [0, 1].
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix as CSR

from aggregator.linking.bridge import bridge_word, cedict
from aggregator.linking.documents import LinkDoc
from aggregator.linking.segment import en_terms, zh_words

# An anchor (a number with its unit, a name, a link) counts this many times a content word of
# the same rarity. 1, the neutral choice, not tuned: on the development set weight 2 moves
# cross-validated pairwise F1 by half a point (0.951 vs 0.946; benchmarks/linking_real.py
# prints both), and it went the other way before the decision rules settled.
ANCHOR_WEIGHT = 1.0


# Terms in more than this share of the documents (and in more than CORPUS_STOP_MIN_DF of
# them, so a small input keeps its words) weigh nothing. Not tuned: it costs 0.004 pairwise
# F1 on the development set (0.947 -> 0.943, benchmarks/linking_real.py) and keeps the
# filler words of generated documents (benchmarks/link_memory.py's) from linking them all.
CORPUS_STOP_SHARE = 0.2
CORPUS_STOP_MIN_DF = 50


def corpus_stop_df(n_docs: int) -> int:
    return max(CORPUS_STOP_MIN_DF, int(CORPUS_STOP_SHARE * n_docs))


@dataclass(frozen=True)
class SimilarityOptions:
    """Which signals go into the vectors (the benchmark's ablations switch them off)."""

    words: bool = True  # English content words / Chinese jieba words
    bridge: bool = True  # Chinese words carried to English through CC-CEDICT
    anchors: bool = True  # names, numbers, dates, links, glossary entities
    latin: bool = True  # Latin words inside Chinese text
    anchor_weight: float = ANCHOR_WEIGHT


DEFAULT_OPTIONS = SimilarityOptions()


F32 = npt.NDArray[np.float32]
Row = tuple[tuple[str, ...], F32]  # interned keys and their term frequencies
_NO_ROW: Row = ((), np.zeros(0, dtype=np.float32))


@dataclass(frozen=True, slots=True)
class DocTerms:
    """Term frequencies of one document: ``cross`` (shared space) and, for Chinese, ``native``.

    Compact (interned keys, float32 frequencies: ~1 KB a short document) because
    ``aggregator link`` keeps one per input document until it groups them.
    """

    doc_id: str
    lang: str
    cross: Row
    native: Row = _NO_ROW


def doc_terms(
    doc: LinkDoc, anchors: frozenset[str], options: SimilarityOptions = DEFAULT_OPTIONS
) -> DocTerms:
    """The term frequencies of ``doc`` (Chinese in Simplified script, as a LinkDoc holds it);
    ``anchors`` are its :class:`~aggregator.linking.features.Features` anchors."""
    text = f"{doc.title}\n{doc.text}"
    shared: defaultdict[str, float] = defaultdict(float)
    if options.anchors:
        for key in anchors:
            shared[key] += options.anchor_weight
    if doc.lang == "en":
        cross = defaultdict(float, shared)
        if options.words:
            for t in en_terms(text):
                cross["w:" + t] += 1.0
        return DocTerms(doc.id, doc.lang, _freeze(cross))
    if options.latin:
        for t in en_terms(text):
            shared["w:" + t] += 1.0
    cross, native = defaultdict(float, shared), defaultdict(float, shared)
    for word, count in Counter(zh_words(text)).items():
        if options.words:
            native["z:" + word] += count
        if options.bridge:
            # A word's senses share its occurrences: a word with six candidate translations
            # must not count six times; IDF lifts the rare, telling one.
            terms = _bridged(word)
            for t in terms:
                cross[t] += count / len(terms)
    return DocTerms(doc.id, doc.lang, _freeze(cross), _freeze(native))


@lru_cache(maxsize=1 << 17)
def _bridged(word: str) -> tuple[str, ...]:
    """``w:`` keys of one Chinese word through the bridge (words repeat: computed once)."""
    return tuple(sys.intern("w:" + t) for t in bridge_word(word, cedict()))


def _freeze(counts: Mapping[str, float]) -> Row:
    keys = sorted(counts)
    return tuple(sys.intern(k) for k in keys), np.asarray([counts[k] for k in keys],
                                                          dtype=np.float32)


class TermMatrix:
    """Rows of unit-length TF-IDF vectors for one space (``cross`` or ``native``)."""

    def __init__(self, rows: Sequence[Row]) -> None:
        flat = [k for keys, _tf in rows for k in keys]
        vocab = {k: i for i, k in enumerate(dict.fromkeys(flat))}
        indices = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        del flat
        lengths = np.asarray([len(keys) for keys, _tf in rows], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        tf = (np.concatenate([r[1] for r in rows]).astype(np.float64) if rows
              else np.zeros(0))
        # Sublinear TF: a word said three times is not three times the evidence.
        data = np.where(tf >= 1.0, 1.0 + np.log(np.maximum(tf, 1.0)), tf)
        n = len(rows)
        self.df: npt.NDArray[np.int64] = np.bincount(indices, minlength=len(vocab))
        idf = np.log1p(n / np.maximum(self.df, 1))
        # A term in a large share of the documents is this corpus's stop word (a template's
        # words, "model" in a set of AI news): it says nothing about which item a text is on.
        idf[self.df > corpus_stop_df(n)] = 0.0
        data *= idf[indices]
        # Rows to unit length in place (no weighted copies of the matrix).
        row_of = np.repeat(np.arange(n), lengths)
        norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=n))
        norms[norms == 0] = 1.0
        data /= norms[row_of]
        self.matrix: CSR = CSR((data, indices, indptr), shape=(n, len(vocab)))
        self.matrix.eliminate_zeros()  # corpus stop words: gone, not stored as zeros
        self.matrix.sort_indices()

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def capped(self, cap: int) -> CSR:
        """The matrix without the columns of terms in more than ``cap`` rows (retrieval only:
        a term half the documents have proposes nothing worth deciding on)."""
        keep = np.flatnonzero(self.df <= cap)
        return CSR(self.matrix[:, keep])

    def scores(self, rows_a: npt.NDArray[np.int64], rows_b: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.float64]:
        """Exact cosine of each (rows_a[k], rows_b[k])."""
        if len(rows_a) == 0:
            return np.zeros(0)
        m = self.matrix
        return np.asarray(m[rows_a].multiply(m[rows_b]).sum(axis=1)).ravel()

    def shared(self, rows_a: npt.NDArray[np.int64], rows_b: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.int64]:
        """How many weighted terms each (rows_a[k], rows_b[k]) has in common."""
        if len(rows_a) == 0:
            return np.zeros(0, dtype=np.int64)
        m = self.matrix
        both = m[rows_a].multiply(m[rows_b])
        counts: npt.NDArray[np.int64] = np.diff(CSR(both).indptr).astype(np.int64)
        return counts
