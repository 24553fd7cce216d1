"""Language-neutral anchors: the facts a translation keeps when every word changes.

A Chinese translation of an English issue shares almost no characters with it, but it keeps
numbers (300亿美元 = $30B), Latin-script names (Anthropic, Gemma 4, H100), dates (4月7日 =
Apr 7), outlets and people (彭博社 = Bloomberg, 奥特曼 = Altman, via the glossary) and story
links. Each becomes a string key ``kind:value`` that is identical on both sides:

==========  ===========================================================================
``link:``   canonical story URL
``num:``    value with multiplier applied plus a unit class, e.g. ``num:3e+10:usd``
``name:``   Latin-script name, lower-case, hyphens dropped, e.g. ``name:gpt5.5``
``ent:``    glossary entity (outlet, company, person, product, place, institution)
``topic:``  glossary topic term (data center = 数据中心); weak evidence
``date:``   month-day, e.g. ``date:04-07`` (years are rarely written next to story dates)
==========  ===========================================================================

Extraction masks what it consumed (URLs, then dates, then glossary names) so that a later
pattern never reads the same characters again (the "7" of "4月7日" is not a number).

Chinese is matched in Simplified script: callers convert Traditional text first
(:func:`~aggregator.anchors.script.to_simplified`, done by the linker's document adapters).
Dates come from the project's one date grammar, :mod:`aggregator.dates`. Submodules:
:mod:`.numbers`, :mod:`.names`, :mod:`.glossary` (with its data file ``glossary.tsv``),
:mod:`.script` (OpenCC), :mod:`.text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from aggregator.anchors.glossary import DEFAULT_GLOSSARY, Glossary
from aggregator.anchors.names import name_keys, name_keys_in, version_after
from aggregator.anchors.numbers import number_keys, number_keys_in, parse_chinese_numeral
from aggregator.anchors.text import mask, normalize_for_anchors
from aggregator.dates import DateSpan, find_dates, parse_week_range
from aggregator.normalize import canonical_url

__all__ = [
    "ALL_ANCHORS",
    "ANCHOR_KINDS",
    "AnchorOptions",
    "anchor_kind",
    "date_keys",
    "detect_issue_number",
    "detect_week",
    "extract_anchors",
    "link_key",
    "name_keys",
    "normalize_for_anchors",
    "number_keys",
    "outlet_key",
    "parse_chinese_numeral",
]

ANCHOR_KINDS = ("link", "num", "name", "ent", "topic", "date")


@dataclass(frozen=True)
class AnchorOptions:
    """Which anchor families to extract (the benchmark's ablations switch them off)."""

    numbers: bool = True
    names: bool = True
    glossary: bool = True
    dates: bool = True
    links: bool = True


ALL_ANCHORS = AnchorOptions()


def anchor_kind(key: str) -> str:
    return key.split(":", 1)[0]


# ---------------------------------------------------------------------------------------------
# Links

_URL_RE = re.compile(r"https?://[^\s<>\"'()\[\]{}，。、）]+", re.IGNORECASE)


def link_key(url: str) -> str:
    return "link:" + canonical_url(url.rstrip(".,;:!?"))


# ---------------------------------------------------------------------------------------------
# Dates, weeks, issue numbers (the grammar is aggregator.dates; here only the keys)


def _md_key(month: int, day: int) -> str:
    return f"date:{month:02d}-{day:02d}"


def _span_keys(span: DateSpan) -> list[str]:
    keys = [_md_key(*span.first)]
    if span.last is not None:
        keys.append(_md_key(*span.last))
    return keys


def _date_spans(text: str) -> list[DateSpan]:
    # Capitalized month names only: "may 7" in running text is a verb, "May 7" a date.
    return find_dates(text, capitalized=True)


def date_keys(text: str) -> list[str]:
    """Month-day keys of every date in ``text`` (both ends of a range)."""
    return [k for span in _date_spans(normalize_for_anchors(text)) for k in _span_keys(span)]


# A document's text is searched twice (when it is read, and again for its features when
# it has no week): the second time is a lookup.
@lru_cache(maxsize=8)
def detect_week(text: str) -> tuple[date, date] | None:
    """The first week range anywhere in ``text`` ("April 3 – 9, 2026", "2026年4月3日-9日"):
    exactly what the page objects read (:func:`aggregator.dates.parse_week_range`)."""
    return parse_week_range(text)


_ZH_ISSUE_RE = re.compile(r"第\s*(\d{1,5})\s*期")
_EN_ISSUE_RE = re.compile(r"\bIssue\s*(?:No\.?\s*)?#?\s*(\d{1,5})\b", re.IGNORECASE)


def detect_issue_number(title: str) -> int | None:
    """An issue number stated in a title ("AI周刊第481期", "Issue #481")."""
    text = normalize_for_anchors(title)
    m = _ZH_ISSUE_RE.search(text) or _EN_ISSUE_RE.search(text)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------------------------
# Glossary


def outlet_key(name: str | None, glossary: Glossary = DEFAULT_GLOSSARY) -> str | None:
    """The anchor for an outlet field: the glossary key, or the Latin name itself."""
    if not name:
        return None
    entry = glossary.lookup(normalize_for_anchors(name))
    if entry is not None:
        return f"ent:{entry.key}"
    latin = name_keys(name)
    return latin[0] if len(latin) == 1 else ("name:" + "".join(k[5:] for k in latin) or None)


def _glossary_keys(text: str, glossary: Glossary) -> tuple[list[str], list[tuple[int, int]]]:
    keys: list[str] = []
    spans: list[tuple[int, int]] = []
    for g in glossary.matches(text):
        prefix = "topic" if g.kind == "topic" else "ent"
        keys.append(f"{prefix}:{g.key}")
        spans.append((g.start, g.end))
        version = version_after(text, g.end) if g.kind in ("product", "company") else None
        if version is not None:
            keys.append(f"name:{g.key}{version}")  # "Gemini 3" keeps its version
    return keys, spans


# ---------------------------------------------------------------------------------------------
# All together


def extract_anchors(
    text: str,
    *,
    links: Iterable[str] = (),
    glossary: Glossary = DEFAULT_GLOSSARY,
    options: AnchorOptions = ALL_ANCHORS,
) -> set[str]:
    """Every anchor key of ``text`` (English or Simplified Chinese) plus ``links`` (story
    URLs)."""
    text = normalize_for_anchors(text)
    keys: set[str] = set()
    url_spans = [(m.start(), m.end()) for m in _URL_RE.finditer(text)]
    if options.links:
        keys.update(link_key(u) for u in links)
        keys.update(link_key(text[s:e]) for s, e in url_spans)
    text = mask(text, url_spans)
    spans = _date_spans(text)
    if options.dates:
        keys.update(k for span in spans for k in _span_keys(span))
    text = mask(text, ((s.start, s.end) for s in spans))
    if options.glossary:
        found, glossary_spans = _glossary_keys(text, glossary)
        keys.update(found)
        text = mask(text, glossary_spans)
    if options.numbers:
        keys.update(number_keys_in(text))
    if options.names:
        keys.update(name_keys_in(text))
    return keys
