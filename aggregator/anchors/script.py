"""Chinese script: Traditional text is converted to Simplified (OpenCC ``t2s``) before any
matching, so one glossary and one set of patterns serve both scripts. Items and the store keep
the original; only what the linker compares is converted."""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

__all__ = ["CONVERTER_ID", "looks_traditional", "simplify", "to_simplified"]

_CONFIG = "t2s"
# Part of the stored-features key: another OpenCC release may convert some words differently.
CONVERTER_ID = f"opencc-{opencc.__version__}-{_CONFIG}"

_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Traditional text when at least this share of its CJK characters change under t2s (and at
# least two of them). Measured on the replica: Simplified posts change at most 0.6% of their
# CJK characters (a few forms both scripts share), the Traditional posts 33-38%.
_TRADITIONAL_SHARE = 0.05
_TRADITIONAL_MIN = 2


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC(_CONFIG)


# Short strings (story fields, glossary aliases, labels) repeat across documents: cache them;
# a whole post is converted once per document build and not worth keeping.
_CACHED_CHARS = 400


@lru_cache(maxsize=8192)
def _convert_short(text: str) -> str:
    converted: str = _converter().convert(text)
    return converted


def to_simplified(text: str) -> str:
    """``text`` in Simplified script (Latin text and Simplified Chinese come back unchanged)."""
    if not text or not _CJK_RE.search(text):
        return text
    if len(text) <= _CACHED_CHARS:
        return _convert_short(text)
    converted: str = _converter().convert(text)
    return converted


def looks_traditional(text: str) -> bool:
    """Whether ``text`` is written in Traditional characters (enough of them change under t2s)."""
    cjk = len(_CJK_RE.findall(text))
    if cjk < _TRADITIONAL_MIN:
        return False
    converted = to_simplified(text)
    if len(converted) == len(text):
        changed = sum(1 for a, b in zip(text, converted, strict=True) if a != b)
    else:  # a phrase conversion changed the length: count characters t2s replaced
        changed = len(set(text) - set(converted))
    return changed >= max(_TRADITIONAL_MIN, _TRADITIONAL_SHARE * cjk)


def simplify(text: str, script: str) -> str:
    """``text`` converted for matching when ``script`` is ``"Hant"``; unchanged otherwise."""
    return to_simplified(text) if script == "Hant" else text
