"""Schema migrations: a store made by the previous release is refused by `run` with the command
that fixes it, `aggregator db upgrade` migrates it and every row survives; a new store is made
at head; the migrations reach exactly the schema the models create. On the run's backend."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection

from aggregator.cli import main
from aggregator.store import Base, Store
from aggregator.store.upgrade import BASELINE, config, head

DATA = Path(__file__).parent / "data"


def _load_previous_release(url: str) -> None:
    """The database as aggregator 0.1.0 left it: its own schema and rows (tests/data)."""
    engine = create_engine(url)
    script = (DATA / f"store-0.1.0.{engine.dialect.name}.sql").read_text(encoding="utf-8")
    with engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        if engine.dialect.name == "sqlite":
            raw.executescript(script)
        else:
            raw.execute(script)
            raw.commit()
    engine.dispose()


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return current


def _schema(conn: Connection) -> dict[str, Any]:
    """Tables, columns (type, nullable), primary keys, foreign keys and indexes, as reflected."""
    found = inspect(conn)
    tables = sorted(set(found.get_table_names()) - {"alembic_version"})
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
            found.get_pk_constraint(table)["constrained_columns"],
            sorted((fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                   for fk in found.get_foreign_keys(table)),
            sorted((i["name"], i["column_names"], bool(i["unique"]))
                   for i in found.get_indexes(table)),
        )
        for table in tables
    }


def _schema_of(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    with engine.connect() as conn:
        schema = _schema(conn)
    engine.dispose()
    return schema


def _differences(url: str) -> list[Any]:
    """What Alembic's autogenerate would still change to reach the models (nothing, at head)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    return list(diffs)


def test_previous_release_store_is_refused_then_upgraded_with_its_data(
        db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _load_previous_release(db_url)
    upgrade = f"aggregator db upgrade --db {db_url}"
    for command in (["run", "--sources", "aiweekly"], ["export"], ["relink"]):
        assert main([*command, "--db", db_url, "--out", str(tmp_path / "out")]) == 2, command
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert "older schema" in err and upgrade in err.replace("'", ""), err
    assert not (tmp_path / "out" / "feeds").exists(), "a refused run publishes nothing"

    assert main(["db", "current", "--db", db_url]) == 0
    assert "0.1.0, before migrations" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", db_url]) == 0
    assert f"to schema {head()} (head)" in capsys.readouterr().out
    assert _revision(db_url) == head()

    store = Store.open(db_url)  # what `run` opens: now accepted
    try:
        issue = store.issue(412)
        assert issue is not None and issue.title == "Agents everywhere"
        assert issue.watch[0]["title"] == "A talk" and issue.published is not None
        assert [s.headline for s in store.stories(issue_number=412)] == [
            "Agents ship", "Chips get cheaper"]
        (post,) = store.posts()
        assert (post.post_id, post.stated_issue_number) == (77, 412)
        assert post.title_zh == "智能体无处不在"
        assert [s.headline for s in store.stories(post_row=post.id)] == ["智能体上线", "芯片更便宜"]
        link = store.link(post.id)
        assert link is not None and (link.issue_number, link.method) == (412, "stated_number")
        assert store.aliases()["https://aiweekly.co/issues/412-old-slug"] == 412
        page = store.stored_page("https://aiweekly.co/issues/412-agents-everywhere")
        assert page is not None and page.body == b"<html>412</html>" and page.etag == '"e412"'
        assert [v.kind for v in store.versions(post.url)] == ["post"]
        assert store.features("issue")[issue.url].data == {"number": 412}
        assert store.source_runs("qimuai")[0].coverage == {"title": 1.0}
        (kept,) = store.quarantined()
        assert kept.body is not None and zlib.decompress(kept.body) == b"<html>412</html>"
        # What the migration is for: an 11-digit issue number now fits.
        store.add_alias("https://aiweekly.co/issues/12345678901", 12345678901, "numeric")
        assert store.aliases()["https://aiweekly.co/issues/12345678901"] == 12345678901
    finally:
        store.close()
    assert _differences(db_url) == []


def test_a_new_store_is_created_at_head(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    Store.open(db_url).close()
    assert _revision(db_url) == head()
    assert main(["db", "current", "--db", db_url]) == 0
    assert f"schema {head()} (head)" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", db_url]) == 0
    assert f"already at schema {head()}" in capsys.readouterr().out


def test_migrations_from_empty_reach_the_models_schema(db_url: str, tmp_path: Path) -> None:
    create_engine(db_url).connect().close()  # an empty database (SQLite: an empty file)
    assert main(["db", "upgrade", "--db", db_url]) == 0
    assert _differences(db_url) == []
    other = f"sqlite:///{tmp_path / 'models.db'}" if db_url.startswith("sqlite") else None
    if other is not None:  # and the same tables as a store the models create
        Store.open(other).close()
        assert _schema_of(db_url) == _schema_of(other)


def test_baseline_is_the_previous_release_schema(db_url: str, tmp_path: Path) -> None:
    from alembic import command

    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(config(conn), BASELINE)
        baseline = _schema(conn)
        conn.execute(text("DROP TABLE alembic_version"))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(text(f"DROP TABLE {table.name}"))
    engine.dispose()
    _load_previous_release(db_url)
    assert _schema_of(db_url) == baseline


def test_a_store_from_a_newer_release_is_refused(db_url: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    Store.open(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    for command in (["run"], ["db", "upgrade"]):
        assert main([*command, "--db", db_url, "--out", str(tmp_path)]) == 1
        assert "newer release" in capsys.readouterr().err
    assert _revision(db_url) == "9999_future", "nothing was migrated down or overwritten"


def test_upgrade_of_a_missing_sqlite_file_creates_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "agregator.db"
    assert main(["db", "upgrade", "--db", f"sqlite:///{typo}"]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not typo.exists()
