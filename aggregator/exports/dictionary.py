"""The data dictionary, rendered from the one schema: ``docs/data-dictionary.md``.

Regenerate after changing :mod:`aggregator.exports.schema`::

    python -m aggregator.exports.dictionary docs/data-dictionary.md

A test renders it again and compares, so the file and the code never drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aggregator.exports.schema import DESCRIPTIONS, datasets

_TYPES = {
    "int64": "integer (int64; pandas `Int64`, DuckDB `BIGINT`)",
    "float64": "float (float64; DuckDB `DOUBLE`)",
    "string": "string",
    "json": "string holding a JSON object",
    "bool": "boolean (CSV `true`/`false`)",
    "date": "date (`YYYY-MM-DD`; Parquet `date32`)",
    "datetime": "datetime (ISO 8601 with offset; Parquet UTC timestamp)",
    "list<string>": "list of strings (CSV: space-separated)",
}

_HEAD = """# Data dictionary

Generated from `aggregator/exports/schema.py` by `python -m aggregator.exports.dictionary
docs/data-dictionary.md`; a test fails when this file and the code differ. Columns only grow;
a rename is announced in the CHANGELOG.

Every dataset is written to `OUT/exports/` as `<name>.jsonl` (the reference form),
`<name>.csv` (UTF-8 with a BOM, null as empty) and `<name>.parquet` (explicit schema). Rows
are in a stable order, so two exports of one store are byte-identical and two stores diff
cleanly. "Not linked" is spelled null everywhere (`documents.link_method`, `link_score`; an
unlinked mirror has no row in `links`).

Load them with, for example, `pandas.read_parquet(path)`,
`pandas.read_json(path, lines=True, dtype_backend="numpy_nullable")`,
`pandas.read_csv(path, dtype_backend="numpy_nullable")` (integers stay `Int64` with nulls)
or DuckDB's `read_parquet` / `read_json_auto` / `read_csv_auto`.
Join `stories.issue_number` and `documents.issue_number` to `issues.number`, or (never null)
`issue_group` to `issues.issue_group`; `stories.document_url` and `links.post_url` to
`documents.url`.

Filters (`write_exports(..., since=, lang=, source=)`): a document is kept when its source
and language match and its issue (a post of no issue: the post itself) was published on or
after `since`; stories and links follow their document; an issue is kept when it passes
`since` and, under a language or source filter, one of its documents is kept. So a filtered
export still joins without loss.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    parts = [_HEAD]
    for name, columns in datasets().items():
        parts.append(f"\n## `{name}`\n\n{DESCRIPTIONS[name][0].upper()}"
                     f"{DESCRIPTIONS[name][1:]}.\n")
        parts.append("\n| column | type | null | meaning | example |\n|---|---|---|---|---|\n")
        for c in columns:
            parts.append(f"| `{c.name}` | {_TYPES[c.kind]} | {'yes' if c.nullable else 'no'} "
                         f"| {_cell(c.meaning)} | `{_cell(c.example)}` |\n")
    return "".join(parts)


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("docs/data-dictionary.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
