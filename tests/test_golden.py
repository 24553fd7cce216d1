"""One golden-file test over every registered site (the way Fundus tests its publishers).

Each site key has a fixture folder ``tests/fixtures/<key>/``: raw pages copied byte for byte
from the site, an index (``headers.json``: url, file, kind, Content-Type) and a hand-reviewed
``<name>.json`` per page. Each page is decoded as the crawler decodes it, parsed with the
site's registered page objects, and compared field by field; the failing field is named.
Adding a site without fixtures fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aggregator.items import to_jsonable
from aggregator.replica import DEFAULT_ROOT
from aggregator.sites import SITES
from tests.golden import (
    FIXTURES,
    diff_fields,
    fixture_index,
    fixture_text,
    golden_problems,
    load_json,
)

MANIFEST: list[dict[str, Any]] = load_json(DEFAULT_ROOT / "manifest.json")
# Which page object reads a page of each kind.
_READERS = {"post": "parse_document", "issue": "parse_document", "document": "parse_document",
            "listing": "parse_listing", "archive": "parse_listing", "feed": "parse_feed"}


def _cases() -> list[Any]:
    return [pytest.param(key, name, id=f"{key}/{name}")
            for key in SITES for name in sorted(fixture_index(key))]


@pytest.mark.parametrize("key", sorted(SITES))
def test_every_site_has_reviewed_fixtures_of_each_kind(key: str) -> None:
    index = fixture_index(key)
    assert index, f"tests/fixtures/{key}/headers.json is missing: add the site's fixtures"
    readers = {_READERS[meta["kind"]] for meta in index.values()}
    assert readers == {"parse_document", "parse_listing", "parse_feed"}, (key, readers)
    for name, meta in index.items():
        assert (FIXTURES / key / meta["file"]).exists(), (key, name)
        assert (FIXTURES / key / f"{name}.json").exists(), f"{key}/{name}: no expected JSON"


@pytest.mark.parametrize(("key", "name"), _cases())
def test_page_objects_match_the_reviewed_json(key: str, name: str) -> None:
    meta = fixture_index(key)[name]
    pages = SITES[key].page_objects()
    url, text = fixture_text(key, name)
    parsed = to_jsonable(getattr(pages, _READERS[meta["kind"]])(url, text))
    expected = load_json(FIXTURES / key / f"{name}.json")
    problems = diff_fields(expected, parsed)
    assert not problems, f"{key}/{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize(("key", "name"), _cases())
def test_parses_have_no_mojibake_or_naive_datetimes(key: str, name: str) -> None:
    meta = fixture_index(key)[name]
    parsed = getattr(SITES[key].page_objects(), _READERS[meta["kind"]])(*fixture_text(key, name))
    problems = golden_problems(to_jsonable(parsed))
    assert not problems, f"{key}/{name}: " + "\n".join(problems)


@pytest.mark.parametrize(("key", "name"), _cases())
def test_fixture_is_the_replica_copy(key: str, name: str) -> None:
    """Fixtures are the replica's bytes, so a golden can never drift from the served page."""
    meta = fixture_index(key)[name]
    replica = DEFAULT_ROOT / meta["replica_file"]
    assert (FIXTURES / key / meta["file"]).read_bytes() == replica.read_bytes()
    entry = next(e for e in MANIFEST
                 if e["url"] == meta["url"] and e["snapshot"] == meta["snapshot"])
    assert entry["file"] == meta["replica_file"]
    assert entry["headers"]["Content-Type"] == meta["content_type"]


def _golden_files() -> list[Path]:
    return sorted(FIXTURES.rglob("*.json"))


@pytest.mark.parametrize("path", _golden_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_goldens_are_clean(path: Path) -> None:
    """No mojibake (U+FFFD) and no naive datetime in any golden file, of any site."""
    problems = golden_problems(load_json(path))
    assert not problems, f"{path.relative_to(FIXTURES)}: " + "\n".join(problems)


def test_golden_guard_catches_bad_values() -> None:
    assert golden_problems({"published": "2026-04-10T00:00:00"})
    assert golden_problems({"title": "Anthropic \ufffd"})
    assert not golden_problems({"published": "2026-04-10T00:00:00+00:00", "day": "2026-04-10"})
