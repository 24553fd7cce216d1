"""Analyst exports as analysts see them: one truth across datasets and formats, a schema the
data dictionary documents, stable bytes, filters, and files pandas and DuckDB load with the
right types and lossless joins (on a real demo output)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aggregator.exports import FORMATS, write_exports
from aggregator.exports.dictionary import render
from aggregator.exports.schema import datasets
from aggregator.items import Story
from aggregator.sites import SITES, get_site, newsletter
from aggregator.store import Store
from tests.test_store import T0, make_issue, make_post

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("issues", "stories", "documents", "links")
MIRROR = next(key for key, site in SITES.items() if site.kind == "mirror")
ORPHAN, REPOST = "https://news.qimuai.cn/?post=3790", "https://news.qimuai.cn/?post=3795"


def fill(store: Store) -> None:
    """Issues 481 and 482 in English; 481 mirrored and linked (its story aligned to the
    English story 1); issue 490 known only from a mirror, posted twice (the newer re-post
    has another title and one story more)."""
    store.upsert_issue(make_issue(481), seen=T0, updated=T0)
    store.upsert_issue(replace(make_issue(482), title="Second",
                               published=datetime(2026, 4, 17, tzinfo=UTC)),
                       seen=T0, updated=T0 + timedelta(days=7))
    lang = get_site(MIRROR).lang
    _c, row = store.upsert_post(make_post(), source=MIRROR, lang=lang, seen=T0, updated=T0)
    store.set_link(row, 481, method="explicit", score=1.0,
                   evidence={"via": "url", "source": "https://aiweekly.co/issues/481"},
                   decided=T0)
    store.set_story_pairs({s.id: 1 for s in store.stories(post_row=row)})
    older = replace(make_post(ORPHAN, 490), published=datetime(2026, 6, 1, tzinfo=UTC))
    assert older.mirror is not None
    newer = replace(make_post(REPOST, 490), published=datetime(2026, 6, 3, tzinfo=UTC),
                    mirror=replace(older.mirror, title="新标题", stories=(
                        *older.mirror.stories, Story(2, "第二条", None, None, None, None, None))))
    for post in (older, newer):
        _c, row = store.upsert_post(post, source=MIRROR, lang=lang, seen=T0, updated=T0)
        store.set_link(row, None, method="none", score=0.0, evidence={"reason": "no issue"},
                       decided=T0)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def exported(store: Store, out: Path, **filters: Any) -> dict[str, list[dict[str, Any]]]:
    write_exports(store, None, out, formats=("jsonl",), **filters)
    return {name: read_jsonl(out / "exports" / f"{name}.jsonl") for name in NAMES}


def test_rows_of_every_dataset(store: Store, tmp_path: Path) -> None:
    fill(store)
    got = exported(store, tmp_path)
    assert got["issues"][0] == {
        "number": 481, "url": "https://aiweekly.co/issues/481",
        "title_en": "Musk Wants Altman Fired", "week_start": "2026-04-03",
        "week_end": "2026-04-09", "stories_en": 2, "title_zh": "标题",
        "mirror_urls": ["https://news.qimuai.cn/?post=3776"], "stories_zh": 1,
        "on_aiweekly": True, "issue_group": "issue:481", "title_zh_hant": None,
        "stories_zh_hant": 0,
    }
    assert [i["number"] for i in got["issues"]] == [481, 482, 490]
    assert [(s["issue_number"], s["lang"], s["position"]) for s in got["stories"]] == [
        (481, "en", 1), (481, "en", 2), (481, "zh", 1), (482, "en", 1), (482, "en", 2),
        (490, "zh", 1), (490, "zh", 2)]
    mirror = next(d for d in got["documents"] if d["url"].endswith("3776"))
    assert (mirror["issue_number"], mirror["link_method"], mirror["link_score"]) == (
        481, "explicit", 1.0)
    assert mirror["published"] == "2026-04-10T08:32:00+08:00"  # the site's own offset
    assert mirror["issue_group"] == "issue:481" and "group" not in mirror
    assert got["links"] == [{
        "post_url": "https://news.qimuai.cn/?post=3776", "source": MIRROR, "lang": "zh",
        "issue_number": 481, "issue_url": "https://aiweekly.co/issues/481",
        "method": "explicit", "score": 1.0,
        "evidence": '{"source": "https://aiweekly.co/issues/481", "via": "url"}'}]


def test_a_mirror_only_issue_is_one_issue_in_every_dataset(store: Store, tmp_path: Path) -> None:
    fill(store)
    got = exported(store, tmp_path)
    issue = next(i for i in got["issues"] if i["number"] == 490)
    stories = [s for s in got["stories"] if s["document_url"] in (ORPHAN, REPOST)]
    docs = [d for d in got["documents"] if d["url"] in (ORPHAN, REPOST)]
    assert {s["issue_number"] for s in stories} == {d["issue_number"] for d in docs} == {490}
    assert issue["stories_zh"] == len(stories) == 2
    # "Not linked" is null, whatever the linker recorded, and no row in links.
    assert {(d["link_method"], d["link_score"]) for d in docs} == {(None, None)}
    assert all(link["issue_number"] != 490 for link in got["links"])
    assert {d["issue_group"] for d in docs} == {"issue:490"}


def test_an_unlinked_mirror_of_a_crawled_issue_is_its_own_issue_joined_by_group(
        store: Store, tmp_path: Path) -> None:
    """It states 481 but was not linked: not counted under 481 anywhere, and issue_group
    (never null) still joins its story and document to its issue row."""
    fill(store)
    url = "https://news.qimuai.cn/?post=3777"
    _c, row = store.upsert_post(make_post(url, 481), source=MIRROR, lang=get_site(MIRROR).lang,
                                seen=T0, updated=T0)
    store.set_link(row, None, method="none", score=0.0, evidence={}, decided=T0)
    got = exported(store, tmp_path)
    issue = next(i for i in got["issues"] if i["mirror_urls"] == [url])
    assert (issue["number"], issue["issue_group"]) == (None, f"post:{url}")
    assert next(i for i in got["issues"] if i["number"] == 481)["mirror_urls"] == [
        "https://news.qimuai.cn/?post=3776"]
    story = next(s for s in got["stories"] if s["document_url"] == url)
    doc = next(d for d in got["documents"] if d["url"] == url)
    assert story["issue_number"] is None and doc["issue_number"] is None
    assert story["issue_group"] == doc["issue_group"] == issue["issue_group"]
    assert doc["stated_issue_number"] == 481 and doc["link_method"] is None


def test_the_newest_repost_is_what_every_dataset_shows(store: Store, tmp_path: Path) -> None:
    fill(store)
    got = exported(store, tmp_path)
    issue = next(i for i in got["issues"] if i["number"] == 490)
    assert issue["title_zh"] == "新标题"
    assert issue["mirror_urls"] == [ORPHAN, REPOST]
    assert {s["document_url"] for s in got["stories"] if s["issue_number"] == 490} == {REPOST}
    docs = {d["url"]: d for d in got["documents"]}
    assert (docs[ORPHAN]["duplicate_of"], docs[REPOST]["duplicate_of"]) == (REPOST, None)


def test_a_chinese_story_carries_its_aligned_english_link(store: Store, tmp_path: Path) -> None:
    fill(store)
    stories = exported(store, tmp_path)["stories"]
    zh = next(s for s in stories if s["issue_number"] == 481 and s["lang"] == "zh")
    en = next(s for s in stories if s["issue_number"] == 481 and s["position"] == zh["pair"])
    assert zh["link"] == en["link"] == "https://example.com/a"
    assert all(s["link"] is None for s in stories if s["issue_number"] == 490)  # no English


def test_csv_and_parquet_hold_the_same_rows(store: Store, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    fill(store)
    write_exports(store, None, tmp_path)
    for name, columns in datasets().items():
        jsonl = read_jsonl(tmp_path / "exports" / f"{name}.jsonl")
        with (tmp_path / "exports" / f"{name}.csv").open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        table = pq.read_table(tmp_path / "exports" / f"{name}.parquet")
        assert list(rows[0]) == list(jsonl[0]) == table.column_names == [
            c.name for c in columns], name
        assert len(rows) == len(jsonl) == table.num_rows, name
    with (tmp_path / "exports" / "issues.csv").open(encoding="utf-8-sig", newline="") as f:
        issues = {r["number"]: r for r in csv.DictReader(f)}
    assert issues["481"]["title_zh"] == "标题" and issues["482"]["title_zh"] == ""
    assert issues["490"]["mirror_urls"] == f"{ORPHAN} {REPOST}"
    text = (tmp_path / "exports" / "documents.csv").read_text(encoding="utf-8-sig")
    assert ",481," in text and "481.0" not in text  # integers stay integers with nulls near


def test_every_format_is_byte_identical_for_the_same_store(store: Store, tmp_path: Path) -> None:
    fill(store)
    first = {p.name: p.read_bytes() for p in write_exports(store, None, tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write_exports(store, None, tmp_path / "b")}
    assert first == second
    assert set(first) == {f"{n}.{f}" for n in NAMES for f in FORMATS}


def test_filters_keep_joins_whole(store: Store, tmp_path: Path) -> None:
    fill(store)
    zh = exported(store, tmp_path / "zh", lang="zh")
    assert {s["lang"] for s in zh["stories"]} == {d["lang"] for d in zh["documents"]} == {"zh"}
    assert [i["number"] for i in zh["issues"]] == [481, 490]
    english = exported(store, tmp_path / "en", source=newsletter().key)
    assert {d["kind"] for d in english["documents"]} == {"issue"} and english["links"] == []
    assert [i["number"] for i in english["issues"]] == [481, 482]
    recent = exported(store, tmp_path / "since", since=date(2026, 4, 15))
    assert [i["number"] for i in recent["issues"]] == [482, 490]
    assert {s["issue_number"] for s in recent["stories"]} == {482, 490}
    assert {d["issue_number"] for d in recent["documents"]} == {482, 490}
    for got in (zh, english, recent):
        numbers = {i["number"] for i in got["issues"]}
        assert {r["issue_number"] for r in got["stories"] + got["documents"]} <= numbers


def test_a_wrong_format_or_source_is_refused(store: Store, tmp_path: Path) -> None:
    from aggregator.sites import ConfigError

    with pytest.raises(ValueError, match="unknown export format 'xlsx'"):
        write_exports(store, None, tmp_path, formats=("xlsx",))
    with pytest.raises(ConfigError, match="unknown source"):
        write_exports(store, None, tmp_path, source="nope")
    with pytest.raises(ConfigError, match="unknown language 'fr'"):
        write_exports(store, None, tmp_path, lang="fr")


def test_the_data_dictionary_is_the_schema_in_code() -> None:
    path = ROOT / "docs" / "data-dictionary.md"
    assert path.read_text(encoding="utf-8") == render(), (
        "docs/data-dictionary.md is stale: python -m aggregator.exports.dictionary "
        "docs/data-dictionary.md")
    for name, columns in datasets().items():
        for column in columns:
            assert f"| `{column.name}` |" in render().split(f"## `{name}`")[1], column


# The columns as first published with this schema: columns only grow, a rename is announced.
PUBLISHED = {
    "issues": "number url title_en week_start week_end stories_en title_zh mirror_urls "
              "stories_zh on_aiweekly issue_group title_zh_hant stories_zh_hant",
    "stories": "issue_number lang section position headline link outlet date summary pair "
               "document_url issue_group",
    "documents": "url source lang kind title published issue_number link_method link_score "
                 "stated_issue_number issue_group duplicate_of",
    "links": "post_url source lang issue_number issue_url method score evidence",
}


def test_columns_only_grow() -> None:
    for name, published in PUBLISHED.items():
        missing = set(published.split()) - {c.name for c in datasets()[name]}
        assert not missing, f"{name}: {sorted(missing)} disappeared (announce a rename)"


def test_no_column_is_an_sql_reserved_word() -> None:
    import duckdb

    reserved = {row[0] for row in duckdb.sql(
        "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'"
    ).fetchall()}
    assert "group" in reserved
    names = {c.name for columns in datasets().values() for c in columns}
    assert not names & reserved


# -- a real demo output, loaded as analysts load it -------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("demo")
    done = subprocess.run([sys.executable, "-m", "aggregator.cli", "demo", "--quiet", "--out",
                           str(out)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    yield out / "exports"


def _pandas(path: Path) -> Any:
    import pandas as pd

    if path.suffix == ".parquet":
        return pd.read_parquet(path)  # no option: the file's schema keeps Int64
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype_backend="numpy_nullable")
    return pd.read_csv(path, dtype_backend="numpy_nullable", encoding="utf-8-sig")


@pytest.mark.parametrize("fmt", FORMATS)
def test_pandas_loads_every_format_with_integer_columns_and_lossless_joins(
        demo: Path, fmt: str) -> None:
    frames = {name: _pandas(demo / f"{name}.{fmt}") for name in NAMES}
    for name, columns in datasets().items():
        frame = frames[name]
        assert len(frame) == len(read_jsonl(demo / f"{name}.jsonl")) > 0, name
        for column in columns:
            dtype = str(frame[column.name].dtype)
            if column.kind == "int64":
                assert dtype == "Int64", (name, column.name, dtype)
            elif column.kind in ("string", "json") and frame[column.name].notna().any():
                assert dtype in ("string", "str"), (name, column.name, dtype)
    issues = frames["issues"]
    assert issues["number"].is_unique
    for name in ("stories", "documents"):
        rows = frames[name][frames[name]["issue_number"].notna()]
        joined = rows.merge(issues, left_on="issue_number", right_on="number", how="inner")
        assert len(joined) == len(rows), name
    of_issues = {"stories": frames["stories"],
                 "documents": frames["documents"][frames["documents"]["kind"] != "other"]}
    for name, frame in of_issues.items():
        joined = frame.merge(issues, on="issue_group", how="inner", suffixes=("", "_issue"))
        assert len(frame) > 0 and len(joined) == len(frame), name  # the never-null key
    stories = frames["stories"]
    assert stories["issue_number"].notna().all()  # every demo story belongs to an issue
    documents = frames["documents"]
    assert documents[documents["kind"] != "other"]["issue_number"].notna().all()


@pytest.mark.parametrize("fmt", FORMATS)
def test_duckdb_loads_every_format_with_types_and_lossless_joins(demo: Path, fmt: str) -> None:
    import duckdb

    reader = {"parquet": "read_parquet", "jsonl": "read_json_auto", "csv": "read_csv_auto"}[fmt]
    con = duckdb.connect()
    for name in NAMES:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {reader}('{demo / f'{name}.{fmt}'}')")
    for name, columns in datasets().items():
        types = dict(con.execute(f"SELECT column_name, data_type FROM "
                                 f"information_schema.columns WHERE table_name = '{name}'")
                     .fetchall())
        count = con.execute(f"SELECT count(*) FROM {name}").fetchone()
        assert count is not None and count[0] == len(read_jsonl(demo / f"{name}.jsonl"))
        for column in columns:
            if column.kind == "int64":
                assert types[column.name] == "BIGINT", (name, column.name, types[column.name])
            elif column.kind == "date":
                assert types[column.name] == "DATE", (name, column.name, types[column.name])
            elif column.kind == "string" and column.name.startswith(("url", "headline")):
                assert types[column.name] == "VARCHAR", (name, column.name)
    for name in ("stories", "documents"):
        lost = con.execute(f"SELECT count(*) FROM {name} t LEFT JOIN issues i "
                           f"ON t.issue_number = i.number WHERE t.issue_number IS NOT NULL "
                           f"AND i.number IS NULL").fetchone()
        assert lost == (0,), name
    for table, rows in (("stories", "TRUE"), ("documents", "t.kind <> 'other'")):
        lost = con.execute(f"SELECT count(*) FROM {table} t ANTI JOIN issues i "
                           f"USING (issue_group) WHERE {rows}").fetchone()
        assert lost == (0,), table  # the never-null key loses no row
    orphans = con.execute("SELECT count(*) FROM stories s LEFT JOIN documents d "
                          "ON s.document_url = d.url WHERE d.url IS NULL").fetchone()
    assert orphans == (0,)


def test_csv_cells_never_reach_a_spreadsheet_as_formulas() -> None:
    from aggregator.exports.formats import _csv_value

    for text in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx"):
        assert _csv_value(text).startswith("'"), text
    assert _csv_value(-3) == "-3" and _csv_value(0.5) == "0.5"  # numbers stay numbers
    assert _csv_value("Anthropic") == "Anthropic"
