"""Linking real, independently written text: the development set of bilingual digest items.

    python benchmarks/linking_real.py --input /work/shared/realtext        # everything
    python benchmarks/linking_real.py --input DIR --no-ablations --folds 5
    python benchmarks/linking_real.py --input DIR --scale 10000            # + a 10k timing

DIR holds ``pairs.jsonl`` (groups: one item URL, English and Chinese summaries and more
paraphrases) and ``distractors.jsonl`` (items in no group); see its README. The data is read
from DIR only (never copied into the project); without it the benchmark says so and exits 0.

Every text becomes one document ``{id, lang, title, text}`` (no URL: the URL is the answer;
``--background`` appends the item's background paragraph to its text, off by default).
Figures are **cross-validated**: groups (and distractors) are dealt into ``--folds`` folds;
for each fold the paraphrase thresholds are tuned on the other folds (per pair type, the
threshold with the best pairwise F1 among those whose precision over the retrieved candidate
pairs is >= ``--precision``), then the held-out fold is linked **on its own** with
:func:`aggregator.linking.link_corpus`'s pipeline and scored; no fold is scored with a
threshold it helped choose. Printed: pairwise precision / recall / F1 for en-en, zh-zh, en-zh
and all pairs, B-cubed and exact-group figures, the same for the copy/mirror layers alone
(what ``aggregator link`` did before), per-feature ablations, the thresholds of each fold and
those the same rule picks on the whole set (what the module constants should be), and time
per 1,000 documents.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aggregator.linking import paraphrase  # noqa: E402
from aggregator.linking.corpus import link_features  # noqa: E402
from aggregator.linking.documents import LinkDoc, doc_from_record  # noqa: E402
from aggregator.linking.features import Features, compute_features  # noqa: E402
from aggregator.linking.paraphrase import Spaces, candidate_pairs, pair_type  # noqa: E402
from aggregator.linking.similarity import (  # noqa: E402
    DEFAULT_OPTIONS,
    DocTerms,
    SimilarityOptions,
    doc_terms,
)

KINDS = ("en-en", "zh-zh", "en-zh")


@dataclass(frozen=True)
class Doc:
    id: str
    group: str
    lang: str
    link: LinkDoc
    features: Features


def _opaque(name: str) -> str:
    """A document id that does not spell its group (ids only break ties, but a reader of the
    output should not be able to tell the answer from them either)."""
    return hashlib.sha1(name.encode()).hexdigest()[:12]


def _records(root: Path, background: bool) -> Iterator[tuple[str, dict[str, Any]]]:
    def text_of(item: Mapping[str, Any]) -> str:
        text = str(item.get("text") or "")
        if background and item.get("background"):
            text += "\n" + str(item["background"])
        return text

    with (root / "pairs.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            g = json.loads(line)
            for lang in ("en", "zh"):
                items = [g[lang], *(g.get(f"{lang}_alt") or [])]
                for k, item in enumerate(items):
                    yield g["id"], {"id": _opaque(f"{g['id']}-{lang}{k}"), "lang": lang,
                                    "title": item.get("title") or "", "text": text_of(item)}
    with (root / "distractors.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            yield d["id"], {"id": _opaque(d["id"]), "lang": d["lang"],
                            "title": d.get("title") or "", "text": text_of(d)}


def load(root: Path, background: bool) -> tuple[list[Doc], float]:
    """The documents and the seconds per document their features took."""
    docs = []
    start = time.perf_counter()
    for group, record in _records(root, background):
        link = doc_from_record(record)
        docs.append(Doc(link.id, group, link.lang, link, compute_features(link)))
    return docs, (time.perf_counter() - start) / max(len(docs), 1)


def terms_of(docs: Sequence[Doc], options: SimilarityOptions) -> list[DocTerms]:
    return [doc_terms(d.link, d.features.anchors, options) for d in docs]


# --------------------------------------------------------------------------------------------
# Scoring


def _true_pairs(docs: Sequence[Doc]) -> Counter[str]:
    by_group: defaultdict[str, list[str]] = defaultdict(list)
    for d in docs:
        by_group[d.group].append(d.lang)
    out: Counter[str] = Counter()
    for langs in by_group.values():
        for i, a in enumerate(langs):
            for b in langs[i + 1:]:
                out[pair_type(a, b)] += 1
    return out


def _prf(tp: int, found: int, true: int) -> tuple[float, float, float]:
    p = tp / found if found else 1.0
    r = tp / true if true else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class Score:
    """Counts over one or more folds: pairs by type, B-cubed sums, exact groups."""

    tp: Counter[str]
    found: Counter[str]
    true: Counter[str]
    b3_p: float = 0.0
    b3_r: float = 0.0
    docs: int = 0
    exact: int = 0
    groups: int = 0

    @classmethod
    def empty(cls) -> Score:
        return cls(Counter(), Counter(), Counter())

    def add(self, docs: Sequence[Doc], predicted: Mapping[str, str]) -> None:
        lang = {d.id: d.lang for d in docs}
        truth = {d.id: d.group for d in docs}
        pred_members: defaultdict[str, list[str]] = defaultdict(list)
        true_members: defaultdict[str, list[str]] = defaultdict(list)
        for d in docs:
            pred_members[predicted[d.id]].append(d.id)
            true_members[d.group].append(d.id)
        for members in pred_members.values():
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    kind = pair_type(lang[a], lang[b])
                    self.found[kind] += 1
                    self.tp[kind] += truth[a] == truth[b]
        self.true.update(_true_pairs(docs))
        for d in docs:
            pred = pred_members[predicted[d.id]]
            true = true_members[d.group]
            both = sum(1 for x in pred if truth[x] == d.group)
            self.b3_p += both / len(pred)
            self.b3_r += both / len(true)
        self.docs += len(docs)
        true_sets = {frozenset(m) for m in true_members.values()}
        self.exact += sum(1 for m in pred_members.values() if frozenset(m) in true_sets)
        self.groups += len(true_members)

    def pairs(self, kind: str | None = None) -> tuple[float, float, float]:
        kinds = KINDS if kind is None else (kind,)
        return _prf(sum(self.tp[k] for k in kinds), sum(self.found[k] for k in kinds),
                    sum(self.true[k] for k in kinds))

    def row(self, label: str) -> str:
        cells = []
        for kind in (*KINDS, None):
            p, r, f = self.pairs(kind)
            cells.append(f"{p:.3f} {r:.3f} {f:.3f}")
        bp, br = self.b3_p / max(self.docs, 1), self.b3_r / max(self.docs, 1)
        bf = 2 * bp * br / (bp + br) if bp + br else 0.0
        return (f"| {label} | " + " | ".join(cells)
                + f" | {bp:.3f} {br:.3f} {bf:.3f} | {self.exact / max(self.groups, 1):.3f} |")


HEADER = ("| run | en–en P R F1 | zh–zh P R F1 | en–zh P R F1 | all pairs P R F1 "
          "| B-cubed P R F1 | exact groups |\n|---|---|---|---|---|---|---|")


# --------------------------------------------------------------------------------------------
# Tuning (training folds only) and cross-validation


def tune(docs: Sequence[Doc], terms: Sequence[DocTerms], precision: float) -> dict[str, float]:
    """Per pair type, the threshold with the best pairwise F1 among those whose precision
    over the retrieved candidate pairs of ``docs`` is >= ``precision``."""
    spaces = Spaces.of(terms)
    pairs = candidate_pairs(spaces)
    arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    scores = spaces.scores(arr[:, 0], arr[:, 1])
    true = _true_pairs(docs)
    ranked: defaultdict[str, list[tuple[float, bool]]] = defaultdict(list)
    for (a, b), s in zip(pairs, scores.tolist(), strict=True):
        ranked[pair_type(docs[a].lang, docs[b].lang)].append((s, docs[a].group == docs[b].group))
    out: dict[str, float] = {}
    for kind in KINDS:
        rows = sorted(ranked[kind], reverse=True)
        best_f, best_t, tp = -1.0, 2.0, 0
        for n, (s, ok) in enumerate(rows, 1):
            tp += ok
            if n < len(rows) and rows[n][0] == s:
                continue  # a threshold takes every pair of one score, or none of them
            p, _r, f = _prf(tp, n, true[kind])
            if p >= precision and f > best_f:
                best_f, best_t = f, s
        out[kind] = round(best_t, 4)
    return out


def folds_of(docs: Sequence[Doc], k: int, seed: int = 0) -> list[list[int]]:
    groups = sorted({d.group for d in docs})
    random.Random(seed).shuffle(groups)
    fold_of = {g: i % k for i, g in enumerate(groups)}
    out: list[list[int]] = [[] for _ in range(k)]
    for i, d in enumerate(docs):
        out[fold_of[d.group]].append(i)
    return out


Runner = Callable[[Sequence[Doc], Sequence[DocTerms], Mapping[str, float] | None],
                  Mapping[str, str]]


def run_system(docs: Sequence[Doc], terms: Sequence[DocTerms],
               thresholds: Mapping[str, float] | None) -> Mapping[str, str]:
    results = link_features([d.features for d in docs], terms, thresholds)
    return {r.id: r.group for r in results}


def run_layers_only(docs: Sequence[Doc], terms: Sequence[DocTerms],
                    thresholds: Mapping[str, float] | None) -> Mapping[str, str]:
    return {r.id: r.group for r in link_features([d.features for d in docs], None, None)}


def cross_validate(docs: Sequence[Doc], terms: Sequence[DocTerms], k: int, precision: float,
                   runner: Runner = run_system) -> tuple[Score, list[dict[str, float]], float]:
    """Cross-validated score, each fold's thresholds, seconds spent linking test folds."""
    score = Score.empty()
    chosen = []
    linking = 0.0
    for test in folds_of(docs, k):
        held = set(test)
        train = [i for i in range(len(docs)) if i not in held]
        thresholds = tune([docs[i] for i in train], [terms[i] for i in train], precision)
        chosen.append(thresholds)
        test_docs = [docs[i] for i in test]
        start = time.perf_counter()
        predicted = runner(test_docs, [terms[i] for i in test], thresholds)
        linking += time.perf_counter() - start
        score.add(test_docs, predicted)
    return score, chosen, linking


# --------------------------------------------------------------------------------------------


ABLATIONS: list[tuple[str, SimilarityOptions]] = [
    ("no dictionary bridge (anchors + Latin words across languages)",
     replace(DEFAULT_OPTIONS, bridge=False)),
    ("no anchors (words and bridge only, so no shared-fact rule either)",
     replace(DEFAULT_OPTIONS, anchors=False)),
    ("anchors only (no words, no bridge)",
     replace(DEFAULT_OPTIONS, words=False, bridge=False, latin=False)),
    ("no Latin words inside Chinese", replace(DEFAULT_OPTIONS, latin=False)),
    ("anchor weight 2 (not 1)", replace(DEFAULT_OPTIONS, anchor_weight=2.0)),
]


def _scale(n: int) -> None:
    """``aggregator link`` on ``n`` generated short documents (benchmarks/link_memory.py's
    generator): wall seconds and peak RSS of the command in a child process, then each stage
    timed in this process, in one run, so the stages compare as ratios."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from link_memory import Generator, measure

    from aggregator.linking.corpus import _results
    from aggregator.linking.packed import PackedFeatures, group_packed

    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        gen = Generator(7)
        with src.open("w", encoding="utf-8") as fh:
            for _ in range(n):
                fh.write(gen.next())
        wall, rss = measure(src, out, ROOT)
        methods = Counter(json.loads(line)["method"] for line in out.open(encoding="utf-8"))
        print(f"\naggregator link on {n:,} generated documents: {wall:.1f} s, peak RSS "
              f"{rss:.0f} MB; methods {dict(sorted(methods.items()))}")
        records = [json.loads(line) for line in src.open(encoding="utf-8")]
    clock = time.perf_counter()
    links = [doc_from_record(r) for r in records]
    feats = [compute_features(d) for d in links]
    packed = [PackedFeatures.pack(f) for f in feats]
    t_features = time.perf_counter() - clock
    clock = time.perf_counter()
    terms = [doc_terms(d, f.anchors) for d, f in zip(links, feats, strict=True)]
    t_terms = time.perf_counter() - clock
    clock = time.perf_counter()
    grouping = group_packed(packed)
    t_group = time.perf_counter() - clock
    clock = time.perf_counter()
    list(_results([(p.doc_id, p.lang) for p in packed], grouping, terms))
    t_para = time.perf_counter() - clock
    before = t_features + t_group
    print(f"  stages in one run: features {t_features:.1f} s, copy/mirror grouping "
          f"{t_group:.1f} s (= before: {before:.1f} s); paraphrase terms {t_terms:.1f} s "
          f"({t_terms / t_features:.2f}x features), paraphrase linking {t_para:.1f} s; "
          f"after / before = {(before + t_terms + t_para) / before:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, required=True,
                        help="directory with pairs.jsonl and distractors.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--precision", type=float, default=0.98,
                        help="pairwise precision the tuning asks of each pair type")
    parser.add_argument("--background", action="store_true",
                        help="append each item's background paragraph to its text")
    parser.add_argument("--no-ablations", action="store_true")
    parser.add_argument("--scale", type=int, default=0,
                        help="also time aggregator link on this many generated documents")
    args = parser.parse_args(argv)
    missing = [n for n in ("pairs.jsonl", "distractors.jsonl") if not (args.input / n).is_file()]
    if missing:
        print(f"skipped: {args.input} has no {', '.join(missing)} (the development set is not "
              "on this machine; pass --input DIR)")
        return 0
    docs, per_doc = load(args.input, args.background)
    start = time.perf_counter()
    terms = terms_of(docs, DEFAULT_OPTIONS)
    per_doc_terms = (time.perf_counter() - start) / len(docs)
    true = _true_pairs(docs)
    print(f"{len(docs)} documents ({Counter(d.lang for d in docs)}), "
          f"{len({d.group for d in docs})} groups incl. singletons; true pairs {dict(true)}; "
          f"{args.folds}-fold cross-validation, tuning precision >= {args.precision}"
          + (", text + background" if args.background else ""))
    print("\n" + HEADER)
    base, _, base_time = cross_validate(docs, terms, args.folds, args.precision, run_layers_only)
    print(base.row("copy/mirror layers only (before)"))
    score, chosen, link_time = cross_validate(docs, terms, args.folds, args.precision)
    print(score.row("**with paraphrase linking**"))
    if not args.no_ablations:
        for label, options in ABLATIONS:
            s, _, _ = cross_validate(docs, terms_of(docs, options), args.folds, args.precision)
            print(s.row(f"ablation: {label}"))
        saved = paraphrase.CONFIDENT_MARGIN
        paraphrase.CONFIDENT_MARGIN = -1.0  # every accepted pair merges: plain transitivity
        s, _, _ = cross_validate(docs, terms, args.folds, args.precision)
        paraphrase.CONFIDENT_MARGIN = saved
        print(s.row("ablation: no support check (every accepted pair merges)"))
    print("\nthresholds chosen on the training folds:")
    for i, t in enumerate(chosen):
        print(f"  fold {i}: {t}")
    print(f"  the same rule on the whole set: {tune(docs, terms, args.precision)}")
    print(f"  shipped (aggregator.linking.paraphrase.THRESHOLDS): {paraphrase.THRESHOLDS}")
    n = len(docs)
    print(f"\ntime per 1,000 documents: features {per_doc * 1000:.2f} s + paraphrase terms "
          f"{per_doc_terms * 1000:.2f} s; linking the held-out folds "
          f"{link_time / n * 1000:.2f} s (layers alone {base_time / n * 1000:.2f} s)")
    if args.scale:
        _scale(args.scale)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
