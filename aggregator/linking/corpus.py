"""Bring your own documents: group an arbitrary mix of English and Chinese texts (no parsed
structure) and the JSON-lines front end behind ``aggregator link``."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aggregator.linking.documents import LinkDoc, doc_from_record
from aggregator.linking.features import compute_features
from aggregator.linking.groups import build_groups


@dataclass(frozen=True)
class CorpusResult:
    """One line of ``aggregator link`` output."""

    id: str
    group: str
    method: str  # explicit | embedded-en | zh-anchors | duplicate | representative | none
    score: float
    lang: str
    duplicate_of: str | None = None

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
        return out


def link_corpus(docs: Sequence[LinkDoc]) -> list[CorpusResult]:
    """Group an arbitrary mix of English and Chinese documents (text only, no structure).

    Per input, in input order: its group (shared across languages by documents describing the
    same issue or article), the method that put it there and a score in [0, 1].
    """
    feats = [compute_features(d) for d in docs]
    grouping = build_groups(feats)
    members: Counter[str] = Counter(grouping.group_of.values())
    results: list[CorpusResult] = []
    for f in feats:
        group = grouping.group_of[f.doc_id]
        dup = grouping.duplicate_of.get(f.doc_id)
        decision = grouping.decisions.get(f.doc_id)
        if decision is not None and dup is None:
            method, score = decision.method, decision.score
        elif dup is not None:
            method, score = "duplicate", round(grouping.dup_scores.get(f.doc_id, 1.0), 4)
        elif members[group] > 1:
            method, score = "representative", 1.0
        else:
            method, score = "none", 0.0
        results.append(CorpusResult(f.doc_id, group, method, score, f.lang, dup))
    return results


def link_jsonl(in_path: str | Path, out_path: str | Path) -> dict[str, Any]:
    """Read documents (one JSON object a line), group them, write one result a line.

    A bad line (not JSON, not an object, missing id/text, unknown lang, repeated id, bad date)
    is reported in the summary's ``errors`` and skipped; it never stops the run.
    """
    docs: list[LinkDoc] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    lines = 0
    with Path(in_path).open(encoding="utf-8-sig", errors="replace") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            lines += 1
            try:
                record = json.loads(raw)
                if not isinstance(record, dict):
                    raise ValueError("line is not a JSON object")
                doc = doc_from_record(record)
                if doc.id in seen:
                    raise ValueError(f"repeated id {doc.id!r}")
            except ValueError as exc:  # JSONDecodeError is a ValueError
                errors.append({"line": number, "error": str(exc)})
                continue
            seen.add(doc.id)
            docs.append(doc)
    results = link_corpus(docs)
    with Path(out_path).open("w", encoding="utf-8") as out:
        for r in results:
            out.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
    methods = Counter(r.method for r in results)
    return {
        "lines": lines,
        "documents": len(docs),
        "written": len(results),
        "groups": len({r.group for r in results}),
        "cross_language_groups": _cross_language_groups(results),
        "methods": dict(sorted(methods.items())),
        "errors": errors,
    }


def _cross_language_groups(results: Sequence[CorpusResult]) -> int:
    langs: defaultdict[str, set[str]] = defaultdict(set)
    for r in results:
        langs[r.group].add(r.lang)
    return sum(1 for v in langs.values() if len(v) > 1)
