"""The glossary's Aho-Corasick matcher finds exactly what the regexes it replaced found.

The reference below is the previous implementation (three prefix-trie regexes: CJK aliases,
case-insensitive Latin aliases and case-sensitive ones, both on ASCII word edges, each scanned
with ``finditer``, merged leftmost-longest). Both run on every text of the bundled replica and
on texts written to hit the edges: word boundaries next to letters, digits and CJK, case,
overlapping aliases, the characters Python's case folding pairs with ASCII letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import parsel
import pytest

from aggregator.anchors import normalize_for_anchors
from aggregator.anchors.glossary import Glossary, GlossaryEntry, GlossaryMatch
from aggregator.anchors.script import to_simplified
from aggregator.glossary import DEFAULT_GLOSSARY
from aggregator.replica import DEFAULT_ROOT

# -- the reference: the regex matcher as it was ----------------------------------------------


def _trie_regex(words: Iterable[str], *, fold: bool = False) -> str:
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word.lower() if fold else word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict[str, Any]) -> str:
    branches = [re.escape(ch) + _trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return body
    return f"(?:{body})?" if len(branches) == 1 else body + "?"


def _latin(aliases: set[str], flags: int) -> re.Pattern[str] | None:
    if not aliases:
        return None
    body = _trie_regex(aliases, fold=bool(flags & re.IGNORECASE))
    return re.compile(f"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])", flags)


def reference_matches(glossary: Glossary, text: str) -> list[GlossaryMatch]:
    entries = glossary.entries
    exact_lower = {a.lower() for e in entries for a in e.en_exact}
    written = {a for e in entries for a in e.zh if not a.isascii()}
    cjk = written | {to_simplified(a) for a in written}
    loose = {a for e in entries for a in e.en} | {a for e in entries for a in e.zh if a.isascii()}
    loose = {a for a in loose if a.lower() not in exact_lower}
    exact = {a for e in entries for a in e.en_exact}
    patterns = [re.compile(_trie_regex(cjk)) if cjk else None,
                _latin(loose, re.IGNORECASE), _latin(exact, 0)]
    found = []
    for pattern in patterns:
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            entry = glossary.lookup(m.group(0))
            if entry is not None:
                found.append(GlossaryMatch(m.start(), m.end(), entry.key, entry.kind))
    found.sort(key=lambda g: (g.start, -(g.end - g.start)))
    kept, last_end = [], -1
    for g in found:
        if g.start >= last_end:
            last_end = g.end
            kept.append(g)
    return kept


@pytest.mark.parametrize("flags", [0, re.IGNORECASE])
def test_reference_trie_matches_like_a_longest_first_alternation(flags: int) -> None:
    words = {"彭博", "彭博社", "彭博商业周刊", "路透", "路透社", "AI", "AI Act", "Meta",
             "Meta AI Blog", "x", "xAI", "a.b", "a"}
    fold = bool(flags & re.IGNORECASE)
    trie = re.compile(_trie_regex(words, fold=fold), flags)
    ordered = sorted(words, key=len, reverse=True)
    plain = re.compile("|".join(re.escape(w) for w in ordered), flags)
    text = "据彭博社、彭博商业周刊和路透报道，xAI与META AI BLOG、AI Act、a.b、axb"
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]


# -- the comparison ----------------------------------------------------------------------------


def _replica_texts() -> list[str]:
    texts = []
    for path in sorted((DEFAULT_ROOT / "sites").rglob("*.html")):
        raw = path.read_bytes()
        try:
            html = raw.decode("utf-8")
        except UnicodeDecodeError:
            html = raw.decode("gb18030")
        text = "\n".join(parsel.Selector(html).css("body ::text").getall())
        texts += [text, normalize_for_anchors(to_simplified(text))]
    return texts


def test_same_matches_as_the_regexes_on_every_replica_text() -> None:
    texts = _replica_texts()
    assert len(texts) > 200
    total = 0
    for text in texts:
        ours = list(DEFAULT_GLOSSARY.matches(text))
        assert ours == reference_matches(DEFAULT_GLOSSARY, text)
        total += len(ours)
    assert total > 10_000  # the texts do name the glossary's entities


EDGE_TEXTS = [
    "Nvidia, NVIDIA and nvidia; Nvidias and xNvidia are not Nvidia2 but Nvidia-backed is",
    "英伟达和輝達、辉达；彭博社，彭博商业周刊，彭博",
    "OpenAI与Anthropic合作，据路透社报道。AnthropicAI is not, Anthropic's is",
    "TIME magazine, Time, time, TIME's cover",  # "=Time"-style exact aliases
    "Meta AI, META, meta-analysis, Metaverse",
    "Google DeepMind DeepMind Google; Microsoft Research Microsoft",
    "\u212aelvin sign, long \u017f, dotless \u0131, dotted \u0130: N\u212avidia OpenA\u0130",
    "Samsung三星 三星Samsung 1Nvidia Nvidia1 Ｎvidia",
    "",
    "AI",
]


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_same_matches_as_the_regexes_on_edge_cases(text: str) -> None:
    assert list(DEFAULT_GLOSSARY.matches(text)) == reference_matches(DEFAULT_GLOSSARY, text)


def test_overlapping_aliases_of_small_glossaries() -> None:
    glossary = Glossary((
        GlossaryEntry("ab", "org", ("AB", "AB CD")),
        GlossaryEntry("bcd", "org", ("B CD E",)),
        GlossaryEntry("time", "outlet", en_exact=("Time",)),
        GlossaryEntry("zh", "org", zh=("彭博", "彭博社", "博社长")),
        GlossaryEntry("mix", "org", ("Time Out",), ("TimeZH",)),
    ))
    for text in ("AB CD E", "xAB CD E", "AB CD Ex", "彭博社长", "彭博社长彭博", "Time Out",
                 "time out", "TIME", "Time", "TimeZH", "timezh", "AB CD", "ab cd e"):
        assert list(glossary.matches(text)) == reference_matches(glossary, text), text
    assert [g.key for g in glossary.matches("AB CD E, and Time")] == ["ab", "time"]


def test_an_empty_glossary_matches_nothing() -> None:
    assert list(Glossary(()).matches("Nvidia 英伟达")) == []
