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
    def _matcher(self) -> _Matcher:
        # Latin-only "Chinese" aliases (e.g. "OpenAI" in the zh column) are matched like the
        # English ones; the zh set holds only aliases with CJK characters, as written and
        # converted (輝達 -> 辉达).
        written = {a for e in self.entries for a in e.zh if not a.isascii()}
        loose = {a for e in self.entries for a in e.en}
        loose |= {a for e in self.entries for a in e.zh if a.isascii()}
        # An ASCII spelling in the zh column ("Meta") must not undo a case-sensitive alias.
        loose = {a for a in loose if a.lower() not in self._exact_lower}
        exact = {a for e in self.entries for a in e.en_exact}
        return _Matcher(written | {to_simplified(a) for a in written}, exact, loose)

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
        """All non-overlapping alias occurrences in ``text``, leftmost-longest, any language.

        One pass per automaton (:class:`_Matcher`); the result is what three regexes would
        give (CJK aliases as written; Latin aliases case-insensitive, and the ``=exact`` ones
        case-sensitive, both on ASCII word edges), each scanned leftmost-longest, then merged
        leftmost-longest across the three.
        """
        found: list[GlossaryMatch] = []
        lookup = self._lookup_cached
        for start, end in self._matcher.spans(text):
            entry = lookup(text[start:end])
            if entry is not None:
                found.append(GlossaryMatch(start, end, entry.key, entry.kind))
        found.sort(key=lambda g: (g.start, -(g.end - g.start)))
        last_end = -1
        for g in found:
            if g.start >= last_end:
                last_end = g.end
                yield g

    def _lookup_cached(self, name: str) -> GlossaryEntry | None:
        cache = self._lookups
        if name not in cache:
            if len(cache) >= _LOOKUP_CACHE:
                cache.clear()  # bounded: matched spellings repeat, the text does not
            cache[name] = self.lookup(name)
        return cache[name]

    @cached_property
    def _lookups(self) -> dict[str, GlossaryEntry | None]:
        return {}

    def __len__(self) -> int:
        return len(self.entries)


_LOOKUP_CACHE = 50_000
_LOOSE = 1  # Latin alias, case-insensitive, on ASCII word edges
_EXACT = 2  # Latin alias, case-sensitive, on ASCII word edges
_ZH = 4  # alias with CJK characters, as written
# An alias on word edges is not preceded or followed by an ASCII letter or digit (``\\b``
# would treat CJK as word characters). Under IGNORECASE the class also takes what Python's
# case folding pairs with those letters (the Kelvin sign, a long s): kept as regexes, so the
# edges are exactly the ones the matching regexes had.
_EDGE_LOOSE = re.compile(f"[{_LATIN_EDGE}]", re.IGNORECASE)
_EDGE_EXACT = re.compile(f"[{_LATIN_EDGE}]")


class _Matcher:
    """The glossary's aliases in two Aho-Corasick automata (pyahocorasick): one over the text
    as written (CJK and case-sensitive aliases), one over the text case-folded character by
    character (case-insensitive aliases, folded the same way), so a text is scanned twice in C
    whatever the number of aliases. Every occurrence of every alias is reported; each class is
    then resolved leftmost-longest, the way a regex alternation scans it."""

    def __init__(self, zh: set[str], exact: set[str], loose: set[str]) -> None:
        self._fold_table: dict[int, int] = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
        self._folded_chars: set[str] = set()
        folded = {"".join(self._fold_alias_char(ch) for ch in a.lower()) for a in loose}
        self._alphabet = sorted({ch for a in folded for ch in a})
        escaped = "".join(re.escape(c) for c in self._alphabet)
        self._any_alias_char = re.compile(f"[{escaped}]", re.IGNORECASE) if escaped else None
        self.raw = _automaton({**{a: _ZH for a in zh}, **{a: _EXACT for a in exact},
                               **{a: _ZH | _EXACT for a in zh & exact}})
        self.folded = _automaton({a: _LOOSE for a in folded})

    @staticmethod
    def _fold_alias_char(ch: str) -> str:
        return ch.lower() if len(ch.lower()) == 1 else ch

    def _fold(self, text: str) -> str:
        """``text`` with each character replaced by the alias character it matches under
        IGNORECASE (same length, so offsets carry over)."""
        if text.isascii():
            return text.lower()
        new = {ch for ch in set(text) if not ch.isascii()} - self._folded_chars
        if new and self._any_alias_char is not None:
            for ch in new:
                if self._any_alias_char.fullmatch(ch):
                    target = next(a for a in self._alphabet
                                  if re.fullmatch(re.escape(a), ch, re.IGNORECASE))
                    if target != ch:
                        self._fold_table[ord(ch)] = ord(target)
        self._folded_chars |= new
        return text.translate(self._fold_table)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every class's leftmost-longest matches, classes unmerged."""
        spans: list[tuple[int, int]] = []
        if self.raw is not None:
            zh: dict[int, int] = {}
            exact: dict[int, int] = {}
            for last, (length, kinds) in self.raw.iter(text):
                start, end = last + 1 - length, last + 1
                if kinds & _ZH and end > zh.get(start, -1):
                    zh[start] = end
                if kinds & _EXACT and end > exact.get(start, -1) and _on_edges(
                        _EDGE_EXACT, text, start, end):
                    exact[start] = end
            spans += _leftmost(zh) + _leftmost(exact)
        if self.folded is not None:
            loose: dict[int, int] = {}
            for last, (length, _kinds) in self.folded.iter(self._fold(text)):
                start, end = last + 1 - length, last + 1
                if end > loose.get(start, -1) and _on_edges(_EDGE_LOOSE, text, start, end):
                    loose[start] = end
            spans += _leftmost(loose)
        return spans


def _automaton(words: dict[str, int]) -> Any:
    import ahocorasick

    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for word, kinds in words.items():
        automaton.add_word(word, (len(word), kinds))
    automaton.make_automaton()
    return automaton


def _on_edges(edge: re.Pattern[str], text: str, start: int, end: int) -> bool:
    return ((start == 0 or edge.match(text, start - 1) is None)
            and (end == len(text) or edge.match(text, end) is None))


def _leftmost(longest: dict[int, int]) -> list[tuple[int, int]]:
    """The non-overlapping spans a left-to-right scan takes, from the longest end per start."""
    taken: list[tuple[int, int]] = []
    last_end = -1
    for start in sorted(longest):
        if start >= last_end:
            last_end = longest[start]
            taken.append((start, last_end))
    return taken


DATA_FILE = "glossary.tsv"  # package data of aggregator.anchors


def load_default_glossary() -> Glossary:
    """The packaged vocabulary (``aggregator/anchors/glossary.tsv``)."""
    text = files("aggregator.anchors").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return Glossary(tuple(load_glossary_tsv(text)))


DEFAULT_GLOSSARY = load_default_glossary()
