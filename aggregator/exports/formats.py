"""The three file formats, each written as rows stream in, through the atomic writer.

- JSON Lines (the reference form): one object a line, keys in schema order, dates and
  datetimes ISO 8601, lists as arrays, null as ``null``.
- CSV: the same columns (a header even with no row), UTF-8 with a BOM so a spreadsheet shows
  Chinese right; null is empty, lists space-separated (URLs never contain spaces), booleans
  ``true``/``false``, integers as integers (never ``481.0``).
- Parquet: an explicit pyarrow schema from :mod:`aggregator.exports.schema` (int64, float64,
  string, bool, date32, UTC timestamps, list<string>, with nullability) written in row groups
  of a batch; the pandas metadata names ``Int64`` so ``pandas.read_parquet`` keeps integer
  columns integers even with nulls.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from aggregator.exports.schema import Column, Kind
from aggregator.files import atomic_open, atomic_open_binary

Row = dict[str, Any]
Writer = Callable[[Path, list[Column], Iterable[Row]], int]
ROW_GROUP = 5_000  # rows per Parquet row group: the writer holds one at a time


def _ordered(row: Row, columns: list[Column]) -> Row:
    """The row with exactly the schema's columns, in schema order (a drift fails loudly)."""
    if len(row) != len(columns):
        extra = set(row) - {c.name for c in columns}
        raise ValueError(f"row columns differ from the schema: {sorted(extra) or 'missing'}")
    return {c.name: row[c.name] for c in columns}


def _json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):  # datetime is a date: both by isoformat
        return value.isoformat()
    return value


def write_jsonl(path: Path, columns: list[Column], rows: Iterable[Row]) -> int:
    count = 0
    with atomic_open(path, newline="\n") as handle:
        for row in rows:
            data = {k: _json_value(v) for k, v in _ordered(row, columns).items()}
            handle.write(json.dumps(data, ensure_ascii=False) + "\n")
            count += 1
    return count


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); a
# leading apostrophe makes it text (the OWASP advice). Numbers are written as numbers.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        text = " ".join(str(v) for v in value)
    elif isinstance(value, date | datetime):
        return value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(path: Path, columns: list[Column], rows: Iterable[Row]) -> int:
    count = 0
    with atomic_open(path, encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([c.name for c in columns])
        for row in rows:
            writer.writerow([_csv_value(v) for v in _ordered(row, columns).values()])
            count += 1
    return count


def _arrow_type(kind: Kind) -> Any:
    import pyarrow as pa

    return {
        "int64": pa.int64(), "float64": pa.float64(), "string": pa.string(),
        "json": pa.string(), "bool": pa.bool_(), "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"), "list<string>": pa.list_(pa.string()),
    }[kind]


_PANDAS_TYPES = {"int64": ("int64", "Int64"), "float64": ("float64", "float64"),
                 "bool": ("bool", "bool"), "date": ("date", "object"),
                 "datetime": ("datetimetz", "datetime64[us, UTC]"),
                 "list<string>": ("list[unicode]", "object")}


def _pandas_metadata(columns: list[Column]) -> bytes:
    """What pyarrow writes for a DataFrame, so pandas restores nullable ``Int64`` columns."""
    described = []
    for c in columns:
        pandas_type, numpy_type = _PANDAS_TYPES.get(c.kind, ("unicode", "object"))
        metadata = {"timezone": "UTC"} if c.kind == "datetime" else None
        described.append({"name": c.name, "field_name": c.name, "pandas_type": pandas_type,
                          "numpy_type": numpy_type, "metadata": metadata})
    return json.dumps({"index_columns": [], "column_indexes": [], "columns": described,
                       "creator": {"library": "aggregator"}}).encode()


def arrow_schema(columns: list[Column]) -> Any:
    import pyarrow as pa

    fields = [pa.field(c.name, _arrow_type(c.kind), nullable=c.nullable) for c in columns]
    return pa.schema(fields, metadata={b"pandas": _pandas_metadata(columns)})


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def write_parquet(path: Path, columns: list[Column], rows: Iterable[Row]) -> int:
    # Imported here: pyarrow is needed only by whoever asks for Parquet.
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(columns)
    count = 0
    with (atomic_open_binary(path) as handle,
          pq.ParquetWriter(handle, schema, compression="zstd") as writer):
        for chunk in _chunks(rows, ROW_GROUP):
            writer.write_table(pa.Table.from_pylist([_ordered(r, columns) for r in chunk],
                                                    schema=schema))
            count += len(chunk)
            del chunk  # not alive while the next chunk is built
            pa.default_memory_pool().release_unused()  # a freed row group goes back to the OS
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


WRITERS: dict[str, tuple[str, Writer]] = {
    "jsonl": ("jsonl", write_jsonl),
    "csv": ("csv", write_csv),
    "parquet": ("parquet", write_parquet),
}
