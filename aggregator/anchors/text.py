"""Text primitives shared by the anchor extractors: normalization and masking."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def normalize_for_anchors(text: str) -> str:
    """NFKC (full-width digits, ％ and ， become ASCII) and unify dashes and spaces."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u2009", " ").replace("\u202f", " ")


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Blank out spans (same length, so later offsets stay valid)."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)
