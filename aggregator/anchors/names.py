"""Latin-script names as anchors: ``Gemma 4`` -> ``name:gemma`` + ``name:gemma4``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from aggregator.anchors.text import normalize_for_anchors

__all__ = ["name_keys", "name_keys_in", "version_after"]


_NAME_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]+(?:[.\-&][A-Za-z0-9]+)*(?![A-Za-z0-9])")
# A model version right after a name: "4", "V4", "2.1", "4.5", "3o" (not a year or "30B").
_VERSION_RE = re.compile(r"[ -]?(?P<v>[vV]?\d{1,2}(?:\.\d+)*[a-z]?)(?![A-Za-z0-9]|\.\d)")
_QUANTITY_TOKEN_RE = re.compile(r"\d+(?:\.\d+)?[kmbt]?", re.IGNORECASE)
# Capitalized sentence starts and headline words carry no identity; they never appear as
# Latin words inside a Chinese translation, so dropping them only shrinks the English key sets.
_NAME_STOP = frozenset(
    (
        "a", "an", "the", "and", "or", "but", "if", "when", "while", "as", "at", "by", "for",
        "from", "in", "into", "of", "off", "on", "onto", "out", "over", "to", "up", "with",
        "without", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that",
        "these", "those", "there", "here", "we", "you", "he", "she", "they", "his", "her",
        "their", "our", "your", "my", "i", "me", "us", "not", "no", "yes", "new", "how", "why",
        "what", "who", "whom", "which", "where", "after", "before", "about", "above", "below",
        "more", "most", "less", "least", "all", "any", "each", "every", "both", "some", "such",
        "than", "then", "so", "just", "only", "also", "too", "very", "can", "could", "will",
        "would", "should", "may", "might", "must", "do", "does", "did", "has", "have", "had",
        "get", "gets", "got", "make", "makes", "made", "one", "two", "three", "four", "five",
        "six", "seven", "eight", "nine", "ten", "first", "last", "next", "week", "day", "days",
        "year", "years", "month", "months", "per", "via", "vs",
    )
)  # fmt: skip


_FAMILY_RE = re.compile(r"([A-Za-z]{2,})-[vV]?\d")


def _norm_name(token: str) -> str:
    return token.lower().replace("-", "")


@lru_cache(maxsize=1 << 16)  # pure, and the same tokens recur in every text
def _is_name_token(token: str) -> bool:
    if len(token) < 2 and not token.isdigit():
        return False
    if token.isdigit() or _QUANTITY_TOKEN_RE.fullmatch(token):
        return False
    if not any(c.isalpha() for c in token):
        return False
    if not any(c.isupper() or c.isdigit() for c in token):
        return False  # lower-case English words are not names
    return token.lower() not in _NAME_STOP


def version_after(text: str, end: int) -> str | None:
    m = _VERSION_RE.match(text, end)
    return m["v"].lower() if m else None


def name_keys_in(text: str) -> Iterator[str]:
    """Name keys of an already normalized (and masked) text."""
    for m in _NAME_RE.finditer(text):
        token = m.group(0)
        if not _is_name_token(token):
            continue
        base = _norm_name(token)
        yield "name:" + base
        family = _FAMILY_RE.match(token)
        if family is not None:
            yield "name:" + family.group(1).lower()  # "GPT-5.5" also names "GPT", as "GPT 5.5" does
        version = version_after(text, m.end())
        if version is not None and token.isalpha():
            yield "name:" + base + version  # "Gemma 4" -> gemma4, "DeepSeek V4" -> deepseekv4


def name_keys(text: str) -> list[str]:
    """Latin-script names: ``Gemma 4`` -> ``name:gemma`` + ``name:gemma4``, ``GPT-5.5`` ->
    ``name:gpt`` + ``name:gpt5.5``."""
    return list(name_keys_in(normalize_for_anchors(text)))

