"""Curated English/Chinese glossary of AI-news entities, used as language-neutral anchors.

A Chinese translation renders most outlets, companies, people and places in Chinese
(彭博社, 英伟达/輝達, 奥特曼) while the English original uses the Latin name; both map to one
canonical key (``bloomberg``, ``nvidia``, ``altman``) so the linker can compare them. The table
covers the entities that recur in AI news in general (not one replica's pairs): outlets,
companies and labs, people, products, places and institutions, plus a few topic terms that
translators render consistently.

The vocabulary is data: ``glossary.tsv`` next to this module (package data, read with
:mod:`importlib.resources`), one entity a line (its header says the format). Chinese spellings
may be Traditional: they are matched through their Simplified form, like the text.
:attr:`Glossary.digest` identifies the vocabulary; it is part of the stored-features key, so an
edited glossary re-derives anchors without a version bump.

Extend it without editing the data: ``DEFAULT_GLOSSARY.extended(load_glossary_text(text))`` or
``load_glossary_file(path)`` with ``.tsv`` lines like the data file's, lines in the older
``key | en; en | zh; zh`` format, or a JSON list of ``{"key", "kind", "en": [...], "zh": [...]}``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

from aggregator.anchors.script import to_simplified

__all__ = [
    "DEFAULT_GLOSSARY",
    "Glossary",
    "GlossaryEntry",
    "GlossaryMatch",
    "load_default_glossary",
    "load_glossary_file",
    "load_glossary_text",
    "load_glossary_tsv",
]

ENTITY_KINDS = ("outlet", "company", "person", "product", "place", "org", "topic")


@dataclass(frozen=True)
class GlossaryEntry:
    """One entity: a canonical key, its kind and its spellings in each language.

    English aliases are matched case-insensitively on word boundaries unless they are listed in
    ``en_exact`` (aliases that are also common English words, e.g. the magazine "Time").
    """

    key: str
    kind: str
    en: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()
    en_exact: tuple[str, ...] = ()


@dataclass(frozen=True)
class GlossaryMatch:
    start: int
    end: int
    key: str
    kind: str


def _split_aliases(field_text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split an English alias field into (case-insensitive, exact) aliases."""
    loose: list[str] = []
    exact: list[str] = []
    for raw in field_text.split(";"):
        alias = raw.strip()
        if not alias:
            continue
        if alias.startswith("="):
            exact.append(alias[1:].strip())
        else:
            loose.append(alias)
    return tuple(loose), tuple(exact)


def load_glossary_text(text: str, *, default_kind: str = "org") -> list[GlossaryEntry]:
    """Parse the ``[kind]`` / ``key | en; en | zh; zh`` table format into entries."""
    entries: list[GlossaryEntry] = []
    kind = default_kind
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            kind = line[1:-1].strip()
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not parts[0]:
            raise ValueError(f"glossary line {number}: expected 'key | en | zh', got {raw!r}")
        loose, exact = _split_aliases(parts[1])
        entries.append(GlossaryEntry(parts[0].lower(), kind, loose, _aliases(parts[2]), exact))
    return entries


def _aliases(field_text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in field_text.split(";") if a.strip())


def load_glossary_tsv(text: str) -> list[GlossaryEntry]:
    """Parse the data file format: ``key <TAB> kind <TAB> en; en <TAB> zh; zh`` a line
    (``#`` comments and blank lines skipped)."""
    entries: list[GlossaryEntry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in raw.split("\t")]
        if len(parts) != 4 or not parts[0] or parts[1] not in ENTITY_KINDS:
            raise ValueError(
                f"glossary line {number}: expected 'key<TAB>kind<TAB>en<TAB>zh' with a kind "
                f"in {ENTITY_KINDS}, got {raw!r}"
            )
        loose, exact = _split_aliases(parts[2])
        entries.append(GlossaryEntry(parts[0].lower(), parts[1], loose, _aliases(parts[3]), exact))
    return entries


def load_glossary_file(path: str | Path) -> list[GlossaryEntry]:
    """Read extra entries from a data file (``.tsv``), a table file (``.txt``) or a JSON list
    (``.json``)."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() == ".tsv":
        return load_glossary_tsv(text)
    if p.suffix.lower() != ".json":
        return load_glossary_text(text)
    entries = []
    for item in json.loads(text):
        loose, exact = _split_aliases(";".join(item.get("en", [])))
        entries.append(
            GlossaryEntry(
                str(item["key"]).lower(),
                str(item.get("kind", "org")),
                loose,
                tuple(item.get("zh", [])),
                exact,
            )
        )
    return entries


_LATIN_EDGE = "A-Za-z0-9"


@dataclass(frozen=True)
class Glossary:
    """A set of entries with compiled matchers for Chinese and English text."""

    entries: tuple[GlossaryEntry, ...] = field(default_factory=tuple)

    def extended(self, extra: Iterable[GlossaryEntry]) -> Glossary:
        """A new glossary with ``extra`` added (an existing key gets the extra aliases)."""
        merged: dict[str, GlossaryEntry] = {e.key: e for e in self.entries}
        for e in extra:
            old = merged.get(e.key)
            if old is None:
                merged[e.key] = e
            else:
                merged[e.key] = GlossaryEntry(
                    e.key,
                    old.kind,
                    old.en + tuple(a for a in e.en if a not in old.en),
                    old.zh + tuple(a for a in e.zh if a not in old.zh),
                    old.en_exact + tuple(a for a in e.en_exact if a not in old.en_exact),
                )
        return Glossary(tuple(merged.values()))

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the entries, in order (the first entry with an alias wins it): what
        anchors the glossary yields depends on nothing else. Comments and layout of the data
        file do not count."""
        h = hashlib.sha256()
        for e in self.entries:
            fields = (e.key, e.kind, ";".join(e.en), ";".join(e.zh), ";".join(e.en_exact))
            h.update(("\t".join(fields) + "\n").encode("utf-8"))
        return h.hexdigest()

    @cached_property
    def _exact_lower(self) -> frozenset[str]:
        return frozenset(a.lower() for e in self.entries for a in e.en_exact)

    @cached_property
    def _by_alias(self) -> dict[str, GlossaryEntry]:
        # Case-sensitive aliases are stored as written, the others lower-cased, so a lookup
        # tries the text as is first and lower-cased second.
        table: dict[str, GlossaryEntry] = {}
        for e in self.entries:
            for alias in e.en_exact:
                table.setdefault(alias, e)
            for alias in e.zh:
                if alias.isascii():
                    table.setdefault(alias.lower(), e)
                else:  # as written and as matched in converted text (輝達 -> 辉达)
                    table.setdefault(alias, e)
                    table.setdefault(to_simplified(alias), e)
            for alias in e.en:
                table.setdefault(alias.lower(), e)
        return table

    @cached_property
    def _zh_pattern(self) -> re.Pattern[str] | None:
        # Latin-only "Chinese" aliases (e.g. "OpenAI" in the zh column) are matched by the
        # English matcher; here only aliases with CJK characters, longest first.
        written = {a for e in self.entries for a in e.zh if not a.isascii()}
        aliases = written | {to_simplified(a) for a in written}
        if not aliases:
            return None
        return re.compile(_trie_regex(aliases))

    @cached_property
    def _en_patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        loose = {a for e in self.entries for a in e.en}
        loose |= {a for e in self.entries for a in e.zh if a.isascii()}
        # An ASCII spelling in the zh column ("Meta") must not undo a case-sensitive alias.
        loose = {a for a in loose if a.lower() not in self._exact_lower}
        exact = {a for e in self.entries for a in e.en_exact}
        return _latin_alternation(loose, re.IGNORECASE), _latin_alternation(exact, 0)

    def lookup(self, name: str) -> GlossaryEntry | None:
        """The entry whose alias equals ``name`` (an outlet field, say), if any."""
        table = self._by_alias
        stripped = name.strip()
        bare = stripped.strip("《》「」“”\"' ")
        for text in dict.fromkeys((stripped, bare, to_simplified(bare))):
            entry = table.get(text)
            if entry is None and text.lower() not in self._exact_lower:
                entry = table.get(text.lower())
            if entry is not None:
                return entry
        return None

    def matches(self, text: str) -> Iterator[GlossaryMatch]:
        """All non-overlapping alias occurrences in ``text``, leftmost-longest, any language."""
        found: list[GlossaryMatch] = []
        zh = self._zh_pattern
        loose, exact = self._en_patterns
        for pattern in (zh, loose, exact):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                entry = self.lookup(m.group(0))
                if entry is not None:
                    found.append(GlossaryMatch(m.start(), m.end(), entry.key, entry.kind))
        found.sort(key=lambda g: (g.start, -(g.end - g.start)))
        last_end = -1
        for g in found:
            if g.start >= last_end:
                last_end = g.end
                yield g

    def __len__(self) -> int:
        return len(self.entries)


def _trie_regex(words: Iterable[str], *, fold: bool = False) -> str:
    """One regex for a set of literal words, factored as a prefix trie ("彭博" and "彭博社" share
    "彭博"). It matches exactly what the longest-first alternation ``社|...`` would (a longer
    word is tried first: an ending is an optional, greedy group), but Python's engine tries a
    handful of branches at each position instead of every word: about ten times faster on the
    glossary (``python benchmarks/glossary_match.py``). ``fold``: words are lower-cased, for a
    pattern compiled with IGNORECASE."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word.lower() if fold else word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here
    return _trie_pattern(trie)


def _trie_pattern(node: dict[str, Any]) -> str:
    branches = [re.escape(ch) + _trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return body
    return f"(?:{body})?" if len(branches) == 1 else body + "?"


def _latin_alternation(aliases: set[str], flags: int) -> re.Pattern[str] | None:
    """One regex for Latin aliases with ASCII word edges (``\\b`` treats CJK as word chars)."""
    if not aliases:
        return None
    body = _trie_regex(aliases, fold=bool(flags & re.IGNORECASE))
    return re.compile(f"(?<![{_LATIN_EDGE}])(?:{body})(?![{_LATIN_EDGE}])", flags)


DATA_FILE = "glossary.tsv"  # package data of aggregator.anchors


def load_default_glossary() -> Glossary:
    """The packaged vocabulary (``aggregator/anchors/glossary.tsv``)."""
    text = files("aggregator.anchors").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return Glossary(tuple(load_glossary_tsv(text)))


DEFAULT_GLOSSARY = load_default_glossary()
