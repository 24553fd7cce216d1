"""Golden-file helpers: field-by-field comparison that names the failing field.

Expected JSON files are reviewed by hand; ``check_golden_clean`` rejects mojibake (U+FFFD)
and naive datetimes so a bad decode or a lost time zone can never be frozen into one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_index(key: str) -> dict[str, dict[str, Any]]:
    """A site's fixture folder index (``headers.json``): name -> url, file, kind, content_type.

    ``kind`` says which page object reads the page: ``document`` (also ``post``/``issue``),
    ``listing`` or ``feed``. The expected result is ``<name>.json`` beside the page.
    """
    path = FIXTURES / key / "headers.json"
    return load_json(path) if path.exists() else {}


def fixture_text(key: str, name: str) -> tuple[str, str]:
    """(url, text) of a stored fixture page, decoded exactly as the crawler decodes it."""
    from aggregator.decoding import decode

    meta = fixture_index(key)[name]
    body = (FIXTURES / key / meta["file"]).read_bytes()
    return meta["url"], decode(meta["url"], body, meta.get("content_type"))

# An ISO datetime with a time part must carry an offset (Z or +hh:mm).
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
_HAS_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def diff_fields(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Return one message per differing leaf, e.g. ``stories[3].outlet: 'A' != 'B'``."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        problems: list[str] = []
        for key in expected.keys() | actual.keys():
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                problems.append(f"{where}: missing from parser output")
            elif key not in expected:
                problems.append(f"{where}: unexpected field {actual[key]!r}")
            else:
                problems.extend(diff_fields(expected[key], actual[key], where))
        return sorted(problems)
    if isinstance(expected, list) and isinstance(actual, list):
        problems = []
        if len(expected) != len(actual):
            problems.append(f"{path}: length {len(expected)} expected, got {len(actual)}")
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            problems.extend(diff_fields(e, a, f"{path}[{i}]"))
        return problems
    if expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def golden_problems(value: Any, path: str = "") -> list[str]:
    """Mojibake and naive datetimes anywhere inside a golden value."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in golden_problems(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in golden_problems(v, f"{path}[{i}]")]
    if isinstance(value, str):
        if "\ufffd" in value:
            return [f"{path}: contains U+FFFD (mojibake)"]
        if _ISO_DATETIME.match(value) and not _HAS_OFFSET.search(value):
            return [f"{path}: naive datetime {value!r}"]
    return []
