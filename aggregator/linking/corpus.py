"""Bring your own documents: group an arbitrary mix of English and Chinese texts (no parsed
structure) and the JSON-lines front end behind ``aggregator link``."""

from __future__ import annotations

import errno
import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aggregator.files import atomic_open
from aggregator.linking.documents import LinkDoc
from aggregator.linking.features import Features, compute_features
from aggregator.linking.groups import Grouping, build_groups
from aggregator.linking.jsonl import MAX_LINE_BYTES
from aggregator.linking.packed import group_packed
from aggregator.linking.paraphrase import link_paraphrases
from aggregator.linking.reader import read_packed
from aggregator.linking.similarity import DEFAULT_OPTIONS, DocTerms, SimilarityOptions, doc_terms

# The summary lists this many bad lines (all are counted): a file of a million broken lines
# must not make a million-line summary.
MAX_ERRORS_LISTED = 20


@dataclass(frozen=True)
class CorpusResult:
    """One line of ``aggregator link`` output."""

    id: str
    group: str
    method: str  # explicit | embedded-en | zh-anchors | duplicate | representative |
    #              paraphrase | none
    score: float
    lang: str
    duplicate_of: str | None = None
    similar_to: str | None = None  # paraphrase: the document it was most similar to


    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "group": self.group,
            "method": self.method,
            "score": self.score,
            "lang": self.lang,
        }
        if self.duplicate_of is not None:
            out["duplicate_of"] = self.duplicate_of
        if self.similar_to is not None:
            out["similar_to"] = self.similar_to
        return out


def link_corpus(
    docs: Sequence[LinkDoc],
    *,
    paraphrase: bool = True,
    thresholds: Mapping[str, float] | None = None,
    options: SimilarityOptions = DEFAULT_OPTIONS,
) -> list[CorpusResult]:
    """Group an arbitrary mix of English and Chinese documents (text only, no structure).

    Per input, in input order: its group (shared across languages by documents describing the
    same issue or article), the method that put it there and a score in [0, 1]. Copies and
    translated mirrors are linked first (:func:`build_groups`); then, unless ``paraphrase``
    is false, paraphrases in one language and across languages join those groups
    (:mod:`aggregator.linking.paraphrase`, ``thresholds`` by pair type, default
    :data:`~aggregator.linking.paraphrase.THRESHOLDS`).
    """
    feats = [compute_features(d) for d in docs]
    terms = ([doc_terms(d, f.anchors, options) for d, f in zip(docs, feats, strict=True)]
             if paraphrase else None)
    return link_features(feats, terms, thresholds)


def link_features(
    feats: Sequence[Features],
    terms: Sequence[DocTerms] | None,
    thresholds: Mapping[str, float] | None = None,
) -> list[CorpusResult]:
    """:func:`link_corpus` over features already computed (``terms`` in the same order, or
    None for the copy/mirror layers alone)."""
    grouping = build_groups(feats)
    return list(_results([(f.doc_id, f.lang) for f in feats], grouping, terms, thresholds))


def _with_paraphrases(
    grouping: Grouping, terms: Sequence[DocTerms], thresholds: Mapping[str, float] | None
) -> tuple[dict[str, str], dict[str, tuple[str, float]]]:
    """(id -> group label, id -> (most similar document, score)) after the paraphrase
    links. A merged group keeps the label of its largest linked part (ties: the
    smallest label), so a group the copy/mirror layers made keeps its id."""
    roots, best = link_paraphrases(terms, base=grouping.group_of, thresholds=thresholds)
    parts: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for doc_id, root in roots.items():
        parts[root][grouping.group_of[doc_id]] += 1
    label = {root: min(c, key=lambda g: (-c[g], g)) for root, c in parts.items()}
    return {d: label[r] for d, r in roots.items()}, best


def _results(
    docs: Sequence[tuple[str, str]],
    grouping: Grouping,
    terms: Sequence[DocTerms] | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> Iterator[CorpusResult]:
    """One result per (id, lang), in that order."""
    base_members: Counter[str] = Counter(grouping.group_of.values())
    group_of: Mapping[str, str] = grouping.group_of
    best: dict[str, tuple[str, float]] = {}
    if terms:
        group_of, best = _with_paraphrases(grouping, terms, thresholds)
    members: Counter[str] = Counter(group_of.values())
    for doc_id, lang in docs:
        group = group_of[doc_id]
        dup = grouping.duplicate_of.get(doc_id)
        decision = grouping.decisions.get(doc_id)
        similar = None
        if decision is not None and dup is None:
            method, score = decision.method, decision.score
        elif dup is not None:
            method, score = "duplicate", round(grouping.dup_scores.get(doc_id, 1.0), 4)
        elif base_members[grouping.group_of[doc_id]] > 1:
            method, score = "representative", 1.0
        elif members[group] > 1 and doc_id in best:
            similar, edge_score = best[doc_id]
            method, score = "paraphrase", round(edge_score, 4)
        else:
            method, score = "none", 0.0
        yield CorpusResult(doc_id, group, method, score, lang, dup, similar)


def link_jsonl(
    in_path: str | Path,
    out_path: str | Path,
    *,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_errors_listed: int = MAX_ERRORS_LISTED,
    workers: int | None = None,
) -> dict[str, Any]:
    """Read documents (one JSON object a line), group them, write one result a line.

    The input is read a line at a time and each document is reduced to packed features at
    once (its text is not kept), so memory grows with the features, not with the file. The
    output is written to a temp file beside ``out_path`` and renamed over it only when
    complete: a failed run leaves the previous output as it was.

    A bad line (longer than ``max_line_bytes``, invalid UTF-8, not JSON, nested too deeply,
    not an object, a lone surrogate, missing id/text, unknown lang, repeated id, bad date) is
    skipped and counted: ``skipped`` (total), ``skipped_by_kind``, and the first
    ``max_errors_listed`` in ``errors`` (``line``, ``kind``, ``error``); it never stops the run.

    Features are computed by ``workers`` processes (default: the cores this process may use,
    or ``AGGREGATOR_LINK_WORKERS``); the output is the same for any number of them.
    """
    out = Path(out_path)
    if out.is_dir():  # fail before the linking, not after it
        raise IsADirectoryError(errno.EISDIR, "output is a directory", str(out))
    packed, terms, lines, listed, kinds = read_packed(
        Path(in_path), max_line_bytes, max_errors_listed, workers
    )
    grouping = group_packed(packed)
    methods: Counter[str] = Counter()
    langs: defaultdict[str, set[str]] = defaultdict(set)
    results = list(_results([(p.doc_id, p.lang) for p in packed], grouping, terms))
    with atomic_open(out) as fh:
        for r in results:
            fh.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
            methods[r.method] += 1
            langs[r.group].add(r.lang)
    return {
        "lines": lines,
        "documents": len(packed),
        "written": sum(methods.values()),
        "groups": len(langs),
        "cross_language_groups": sum(1 for v in langs.values() if len(v) > 1),
        "methods": dict(sorted(methods.items())),
        "skipped": sum(kinds.values()),
        "skipped_by_kind": dict(sorted(kinds.items())),
        "errors": [b.to_json() for b in listed],
    }
