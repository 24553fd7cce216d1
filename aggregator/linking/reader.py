"""Reading ``aggregator link`` input: one document a line to packed features and terms, on
several cores.

Computing a document's features and paraphrase terms is pure and is ~90 % of linking a file
of short documents, so it runs in worker processes over batches of raw lines (``imap`` keeps
input order). Everything that depends on earlier lines (the repeated-id check, the error
list) stays in the parent, in line order: the result does not depend on the worker count.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from multiprocessing.pool import AsyncResult
from pathlib import Path

from aggregator.linking.bridge import cedict
from aggregator.linking.documents import doc_from_record
from aggregator.linking.features import compute_features
from aggregator.linking.jsonl import BadLine, LineError, parse_line, raw_lines
from aggregator.linking.packed import PackedFeatures
from aggregator.linking.segment import warm_up
from aggregator.linking.similarity import DocTerms, doc_terms

# Lines per task sent to a worker: large enough that pickling is a small share of the work,
# small enough that a worker's results stay a few MB.
BATCH_LINES = 128
# Below this many lines a worker pool costs more than it saves (it forks and warms up).
MIN_PARALLEL_LINES = 2 * BATCH_LINES


@dataclass(frozen=True, slots=True)
class _Bad:
    """Why a line gives no document (kind and message: a LineError does not pickle)."""

    kind: str
    error: str


@dataclass(frozen=True, slots=True)
class _Done:
    """One parsed line's result; ``bad`` when its features failed."""

    doc_id: str
    packed: PackedFeatures | None
    terms: DocTerms | None
    bad: _Bad | None = None


_Outcome = _Done | _Bad
_Item = tuple[int, bytes | int]  # (line number, raw line or its length when too long)


def default_workers() -> int:
    """The cores this process may use (``AGGREGATOR_LINK_WORKERS`` overrides)."""
    env = os.environ.get("AGGREGATOR_LINK_WORKERS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _outcome(raw: bytes) -> _Outcome:
    """What one non-blank line gives; pure (the parent checks repeated ids)."""
    try:
        record = parse_line(raw)
    except LineError as exc:
        return _Bad(exc.kind, str(exc))
    try:
        doc = doc_from_record(record)
    except ValueError as exc:
        return _Bad("record", str(exc))
    try:
        features = compute_features(doc)
        terms = doc_terms(doc, features.anchors)
    except Exception as exc:  # one odd document must not cost the rest of the file
        return _Done(doc.id, None, None, _Bad("features", f"{type(exc).__name__}: {exc}"))
    return _Done(doc.id, PackedFeatures.pack(features), terms)


def _batch(raws: list[bytes]) -> list[_Outcome]:
    return [_outcome(r) for r in raws]


def _intern_terms(t: DocTerms) -> DocTerms:
    # Unpickled strings are new objects: interning again keeps one copy of each term key.
    cross = (tuple(sys.intern(k) for k in t.cross[0]), t.cross[1])
    native = (tuple(sys.intern(k) for k in t.native[0]), t.native[1])
    return replace(t, lang=sys.intern(t.lang), cross=cross, native=native)


def _intern_packed(p: PackedFeatures) -> PackedFeatures:
    return replace(p, lang=sys.intern(p.lang), anchors=tuple(sys.intern(a) for a in p.anchors),
                   links=tuple(sys.intern(k) for k in p.links))


def _batches(items: Iterator[_Item]) -> Iterator[list[_Item]]:
    batch: list[_Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH_LINES:
            yield batch
            batch = []
    if batch:
        yield batch


def _with_outcomes(batch: list[_Item], done: list[_Outcome]
                   ) -> Iterator[tuple[_Item, _Outcome | None]]:
    it = iter(done)
    for item in batch:
        yield item, None if isinstance(item[1], int) else next(it)


def _outcomes(items: Iterator[_Item], workers: int) -> Iterator[tuple[_Item, _Outcome | None]]:
    """Each item with its outcome (None for a too-long line), in input order."""
    if workers <= 1:
        for item in items:
            raw = item[1]
            yield item, None if isinstance(raw, int) else _outcome(raw)
        return
    warm_up()  # load the word cutter and the bridge once: forked workers inherit them
    cedict()
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    # A bounded window of batches in flight (Pool.imap would read the whole file ahead).
    pending: deque[tuple[list[_Item], AsyncResult[list[_Outcome]]]] = deque()
    with multiprocessing.get_context(method).Pool(workers) as pool:
        for batch in _batches(items):
            raws = [r for _n, r in batch if not isinstance(r, int)]
            pending.append((batch, pool.apply_async(_batch, (raws,))))
            if len(pending) >= 3 * workers:
                head, result = pending.popleft()
                yield from _with_outcomes(head, result.get())
        while pending:
            head, result = pending.popleft()
            yield from _with_outcomes(head, result.get())


def read_packed(
    path: Path, max_line_bytes: int, max_listed: int, workers: int | None = None
) -> tuple[list[PackedFeatures], list[DocTerms], int, list[BadLine], Counter[str]]:
    """Packed features and paraphrase terms of every good line, the number of non-blank
    lines, the first ``max_listed`` bad lines and the count of each kind (a file of bad lines
    costs nothing). ``workers`` processes (default :func:`default_workers`) compute the
    features; the result is the same for any number."""
    packed: list[PackedFeatures] = []
    terms: list[DocTerms] = []
    listed: list[BadLine] = []
    kinds: Counter[str] = Counter()

    def skip(bad: BadLine) -> None:
        kinds[bad.kind] += 1
        if len(listed) < max_listed:
            listed.append(bad)

    seen: set[str] = set()
    lines = 0
    workers = default_workers() if workers is None else workers
    with path.open("rb") as fh:
        if workers > 1 and path.stat().st_size < MIN_PARALLEL_LINES * 200:
            workers = 1  # a small file: a pool would cost more than it saves
        items = ((n, r) for n, r in raw_lines(fh, max_line_bytes)
                 if isinstance(r, int) or r.strip())
        for (number, raw), out in _outcomes(items, workers):
            lines += 1
            if isinstance(raw, int):  # its outcome is None
                skip(BadLine(number, "too-long",
                             f"line of {raw} bytes is over the {max_line_bytes}-byte bound"))
                continue
            if out is None or isinstance(out, _Bad):
                bad_line = out or _Bad("too-long", "")
                skip(BadLine(number, bad_line.kind, bad_line.error))
                continue
            if out.doc_id in seen:
                skip(BadLine(number, "repeated-id", f"repeated id {out.doc_id!r}"))
                continue
            if out.packed is None or out.terms is None:
                bad = out.bad or _Bad("features", "no features")
                skip(BadLine(number, bad.kind, bad.error))
                continue
            seen.add(out.doc_id)
            if workers > 1:
                packed.append(_intern_packed(out.packed))
                terms.append(_intern_terms(out.terms))
            else:
                packed.append(out.packed)
                terms.append(out.terms)
    return packed, terms, lines, listed, kinds
