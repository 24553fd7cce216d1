"""Reading a JSON Lines file of the user's documents in bounded memory, one line at a time.

Every way a line can be bad becomes a :class:`BadLine` (line number, kind, one-line reason),
never an exception: a line longer than the bound (skipped without being held whole), invalid
UTF-8, not JSON, nested too deeply for the parser, not an object, a lone surrogate in a field
that is used, or a record :func:`~aggregator.linking.documents.doc_from_record` rejects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

# A document of the size this tool links is a few KB; 1 MB leaves room for a long article
# while bounding what one line can cost.
MAX_LINE_BYTES = 1 << 20
_SKIP_CHUNK = 1 << 16  # an over-long line is read past in pieces of this size
_BOM = b"\xef\xbb\xbf"
# Fields doc_from_record reads: a lone surrogate in one of them would reach the output (and
# fail to encode as UTF-8 there); a surrogate in a field nobody reads does no harm.
_USED_FIELDS = ("id", "lang", "title", "text", "url", "published")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# A reason may quote the line (a 1 MB id repeated, a bad date): the summary keeps it short.
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class BadLine:
    line: int
    kind: str  # too-long | utf-8 | json | nesting | not-object | surrogate | record | ...
    error: str

    def to_json(self) -> dict[str, Any]:
        error = self.error
        if len(error) > MAX_ERROR_CHARS:
            error = error[: MAX_ERROR_CHARS - 1] + "…"
        return {"line": self.line, "kind": self.kind, "error": error}


class LineError(ValueError):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def raw_lines(fh: IO[bytes], max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes | int]]:
    """(line number, the line's bytes) or, for a line over ``max_bytes``, (number, its length).

    At most ``max_bytes + 1`` bytes of one line are ever held: the rest of a longer line is
    read past in small chunks and dropped.
    """
    number = 0
    while True:
        chunk = fh.readline(max_bytes + 1)
        if not chunk:
            return
        number += 1
        if number == 1 and chunk.startswith(_BOM):
            chunk = chunk[len(_BOM):]
        body = chunk[:-1] if chunk.endswith(b"\n") else chunk
        if len(body) <= max_bytes:
            yield number, body
            continue
        length = len(chunk)
        while not chunk.endswith(b"\n"):
            chunk = fh.readline(_SKIP_CHUNK)
            if not chunk:
                break
            length += len(chunk)
        yield number, length - (1 if chunk.endswith(b"\n") else 0)


def parse_line(raw: bytes) -> dict[str, Any]:
    """One line's JSON object, or :class:`LineError` saying why there is none."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineError("utf-8", f"invalid UTF-8 at byte {exc.start}: {exc.reason}") from None
    try:
        record = json.loads(text)
    except RecursionError:  # e.g. 100,000 "[": the parser recurses once per level
        raise LineError("nesting", "JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and ints over Python's digit limit
        raise LineError("json", f"not JSON: {exc}") from None
    if not isinstance(record, dict):
        raise LineError("not-object", f"line is a JSON {type(record).__name__}, not an object")
    for key in _USED_FIELDS:
        value = record.get(key)
        if isinstance(value, str) and (m := _SURROGATE_RE.search(value)):
            raise LineError(
                "surrogate",
                f"lone surrogate U+{ord(m.group()):04X} in {key!r} (a broken \\u escape): "
                "line rejected",
            )
    return record
