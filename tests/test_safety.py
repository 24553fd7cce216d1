"""Good outputs and good data are never destroyed by a bad invocation, and every failure is one
line on stderr (the traceback only with -v)."""

from __future__ import annotations

import multiprocessing
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aggregator.cli import main
from aggregator.store import Store


def _good_outputs(out: Path) -> dict[str, bytes]:
    feeds = out / "feeds"
    feeds.mkdir(parents=True)
    (feeds / "en.atom.xml").write_bytes(b"<feed>good</feed>")
    return {p.name: p.read_bytes() for p in feeds.iterdir()}


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("aggregator: error: "), err
    assert "Traceback" not in err[0]
    return err[0]


def test_export_from_a_mistyped_database_keeps_the_outputs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _good_outputs(tmp_path)
    typo = tmp_path / "agregator.db"
    assert main(["export", "--out", str(tmp_path), "--db", f"sqlite:///{typo}"]) == 1
    assert "no database at" in _one_error_line(capsys)
    assert not typo.exists()  # nothing created
    assert {p.name: p.read_bytes() for p in (tmp_path / "feeds").iterdir()} == before


def test_export_from_an_empty_store_keeps_the_outputs(
        tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _good_outputs(tmp_path)
    db = db_url  # conftest: a fresh database on the run's backend
    Store.open(db).close()
    assert main(["export", "--out", str(tmp_path), "--db", db]) == 1
    assert "nothing exported" in _one_error_line(capsys)
    assert {p.name: p.read_bytes() for p in (tmp_path / "feeds").iterdir()} == before


def test_a_database_that_is_not_ours_is_refused_untouched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    assert main(["run", "--out", str(tmp_path / "out"), "--db", f"sqlite:///{path}"]) == 1
    assert "not an aggregator database" in _one_error_line(capsys)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"invoices"}


def test_a_password_is_never_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = "postgresql+psycopg://reader:s3cret-pw@127.0.0.1:1/nowhere"
    assert main(["export", "--out", str(tmp_path), "--db", url]) == 1
    line = _one_error_line(capsys)
    assert "s3cret-pw" not in line and "***" in line


def test_out_pointing_at_a_file_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert main(["export", "--out", str(not_a_dir)]) == 1
    assert f"{not_a_dir} is a file, not a directory" in _one_error_line(capsys)


def test_link_output_pointing_at_a_directory_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": "a", "lang": "en", "title": "t", "text": "some text here"}\n')
    assert main(["link", "--input", str(docs), "--output", str(tmp_path)]) == 1
    _one_error_line(capsys)


def _open_store(url: str) -> None:
    Store.open(url).close()


def test_parallel_processes_create_one_schema_without_errors(tmp_path: Path) -> None:
    """Scrapyd starts jobs in parallel: both open a fresh store at the same moment."""
    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'fresh{round_}.db'}"
        context = multiprocessing.get_context("spawn")
        workers = [context.Process(target=_open_store, args=(url,)) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert [w.exitcode for w in workers] == [0, 0, 0, 0]


def _wait_until_pages_are_stored(db: Path, *, at_least: int) -> None:
    """The crawl is under way (however loaded the machine is): pages are in the store."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as conn:
                    if conn.execute("SELECT count(*) FROM pages").fetchone()[0] >= at_least:
                        return
            except sqlite3.Error:
                pass  # the schema is being created
        time.sleep(0.2)
    raise AssertionError("the crawl never stored a page")


def test_ctrl_c_keeps_what_was_crawled_and_rewrites_no_output(tmp_path: Path) -> None:
    # A polite delay makes the crawl last long enough to be interrupted mid-way.
    command = [sys.executable, "-m", "aggregator.cli", "demo", "--quiet", "--out", str(tmp_path),
               "-s", "DOWNLOAD_DELAY=0.5", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_until_pages_are_stored(tmp_path / "aggregator.db", at_least=5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "not rewritten" in err
    assert not (tmp_path / "feeds").exists()
    assert (tmp_path / "aggregator.db").exists()


def _write_features(url: str) -> None:
    store = Store.open(url)
    try:
        for i in range(150):
            store.set_features(f"https://example.org/{i}", kind="issue", content_sha256="x",
                               version=1, data={"i": i})
            store.add_alias(f"https://example.org/alias/{i}", i, "numeric")
    finally:
        store.close()


def _stores() -> list[str]:
    import os

    urls = ["sqlite"]
    if os.environ.get("AGGREGATOR_TEST_PG_URL"):
        urls.append("postgresql")
    return urls


@pytest.mark.parametrize("backend", _stores())
def test_two_processes_writing_the_same_rows_never_fail(backend: str, tmp_path: Path) -> None:
    """Two crawls of different sources share issue features and aliases: every such write is
    an upsert, so neither fails with a unique-constraint error."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

    if backend == "sqlite":
        url, cleanup = f"sqlite:///{tmp_path / 'shared.db'}", None
    else:
        base = os.environ["AGGREGATOR_TEST_PG_URL"]
        schema = f"aggups_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
        cleanup = (admin, schema)
    try:
        context = multiprocessing.get_context("spawn")
        workers = [context.Process(target=_write_features, args=(url,)) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
        assert [w.exitcode for w in workers] == [0, 0]
        store = Store.open(url)
        assert len(store.features("issue")) == 150 and len(store.aliases()) == 150
        store.close()
    finally:
        if cleanup is not None:
            admin, schema = cleanup
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def test_a_document_the_store_cannot_hold_is_quarantined_not_fatal(db_url: str) -> None:
    from dataclasses import replace

    from scrapy.utils.test import get_crawler

    from aggregator.crawl.pipelines import StorePipeline
    from aggregator.crawl.store_binding import store_for
    from aggregator.items import PageResult
    from aggregator.spiders.aiweekly import AiweeklySpider
    from tests.test_store import make_issue

    crawler = get_crawler(AiweeklySpider, {"AGGREGATOR_DB_URL": db_url})
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    huge = replace(make_issue(481), number=2**70)  # beyond any integer column
    url = "https://aiweekly.co/issues/huge"
    out = pipeline.process_item(PageResult(url=url, source="aiweekly", status=200, issue=huge))
    assert out.stored is None
    good = pipeline.process_item(PageResult(url="https://aiweekly.co/issues/481",
                                            source="aiweekly", status=200,
                                            issue=make_issue(481)))
    assert good.stored == "new"  # the next document is stored as usual
    store = store_for(crawler)
    assert [row.url for row in store.quarantined()] == [url]
    assert crawler.stats is not None
    assert crawler.stats.get_value("aggregator/flagged/unstorable") == 1
    store.close()


def test_the_normalize_stage_hands_an_unstorable_document_on_to_be_quarantined(
        tmp_path: Path) -> None:
    from dataclasses import replace

    from scrapy.utils.test import get_crawler

    from aggregator.crawl.pipelines import NormalizePipeline, StorePipeline
    from aggregator.crawl.store_binding import store_for
    from aggregator.items import PageResult
    from aggregator.spiders.aiweekly import AiweeklySpider
    from tests.test_store import make_issue

    crawler = get_crawler(AiweeklySpider, {"AGGREGATOR_DB_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    normalize, keep = NormalizePipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    keep.open_spider()
    url = "https://aiweekly.co/issues/huge"
    huge = PageResult(url=url, source="aiweekly", status=200,
                      issue=replace(make_issue(481), number=2**70))
    assert keep.process_item(normalize.process_item(huge)).stored is None
    store = store_for(crawler)
    assert [row.url for row in store.quarantined()] == [url]
    store.close()


def test_temp_files_of_a_killed_writer_are_swept_on_the_next_write(tmp_path: Path) -> None:
    from aggregator.files import write_atomically

    target = tmp_path / "feed.xml"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    left = tmp_path / f".feed.xml.{dead.stdout.strip()}.tmp"  # that process is gone now
    left.write_bytes(b"<half")
    write_atomically(target, b"<feed/>")
    assert target.read_bytes() == b"<feed/>" and not left.exists()
