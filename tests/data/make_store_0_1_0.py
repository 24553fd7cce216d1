"""Writes ``store-0.1.0.sqlite.sql`` and ``store-0.1.0.postgresql.sql``: a small store made by
aggregator 0.1.0 (the last release without migrations), schema and rows, as that release's own
Store wrote them. Run once with that release's code first on the path, e.g.
``git archive 9e8af58 aggregator | tar -x -C /tmp/v010 && cd /tmp &&
PYTHONPATH=/tmp/v010 python REPO/tests/data/make_store_0_1_0.py
postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; the files are committed, so the tests
never need the old code. ``tests/test_migrations.py`` loads them and migrates them forward.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from aggregator.items import Issue, Post, Story, Translation, WatchItem
from aggregator.store import SourceRunRow, Store

HERE = Path(__file__).parent
SEEN = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def fill(store: Store) -> None:
    issue = Issue(
        number=412, url="https://aiweekly.co/issues/412-agents-everywhere",
        numeric_url="https://aiweekly.co/issues/412", title="Agents everywhere",
        week_start=date(2026, 2, 23), week_end=date(2026, 3, 1), intro="This week: agents.",
        takeaways=("Agents ship",), quick_hits=("A quick hit",),
        watch=(WatchItem("A talk", "https://example.org/talk", "Show", "note"),),
        stories=(Story(1, "Agents ship", "Top", "https://example.org/a", "Example",
                       date(2026, 2, 24), "Summary a"),
                 Story(2, "Chips get cheaper", None, "https://example.org/b", "Other")),
        published=datetime(2026, 3, 1, 12, 0, tzinfo=UTC), content_html="<p>agents</p>",
        markup="modern")
    post = Post(
        url="https://news.qimuai.cn/?post=77", post_id=77, title="AI周刊第412期:智能体无处不在",
        published=datetime(2026, 3, 2, 1, 0, tzinfo=UTC), author="编辑", category="AI周刊",
        content_html="<p>内容</p>", content_text="内容",
        mirror=Translation(issue_number=412, title="智能体无处不在",
                           source_url="https://aiweekly.co/issues/412", summary="本周:智能体。",
                           week_start=date(2026, 2, 23), week_end=date(2026, 3, 1),
                           stories=(Story(1, "智能体上线"), Story(2, "芯片更便宜")),
                           english_text="Agents ship", english_links=("https://example.org/a",)))
    store.record_page(url=issue.url, source="aiweekly", status=200, body=b"<html>412</html>",
                      content_type="text/html", etag='"e412"',
                      last_modified="Sun, 01 Mar 2026 12:00:00 GMT", fetched=SEEN)
    store.upsert_issue(issue, seen=SEEN, updated=SEEN)
    _, row = store.upsert_post(post, source="qimuai", lang="zh", seen=SEEN, updated=SEEN)
    store.add_alias("https://aiweekly.co/issues/412-old-slug", 412, "redirect")
    store.set_link(row, 412, method="stated_number", score=1.0,
                   evidence={"stated": 412}, decided=SEEN)
    store.set_features(issue.url, kind="issue", content_sha256="0" * 64, version=3,
                       data={"number": 412})
    store.record_source_run(SourceRunRow(
        source="qimuai", started=SEEN, finished=SEEN, finish_reason="finished",
        pages_fetched=3, not_modified=1, documents=1, new=1, updated=0, failed=[],
        quarantined=[], coverage={"title": 1.0}, verdict=None))
    store.quarantine(issue.url, source="aiweekly", reason="fewer stories", found=SEEN)


def sqlite_dump(directory: Path) -> str:
    db = directory / "legacy.db"
    store = Store.open(f"sqlite:///{db}")
    fill(store)
    store.close()
    with sqlite3.connect(db) as conn:
        return "\n".join(conn.iterdump()) + "\n"


def postgresql_dump(admin_url: str) -> str:
    name = "aggregator_legacy_0_1_0"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = admin.url.set(database=name)
    store = Store.open(url.render_as_string(hide_password=False))
    fill(store)
    store.close()
    dumped = subprocess.run(
        ["pg_dump", "--inserts", "--no-owner", "--no-privileges", "--no-comments",
         "-h", url.host or "127.0.0.1", "-U", url.username or "postgres", name],
        capture_output=True, text=True, check=True).stdout
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name}"))
    admin.dispose()
    # Loadable into any schema: no schema qualifier, no emptied search_path, no psql commands.
    lines = [line for line in dumped.splitlines()
             if not line.startswith(("\\", "SELECT pg_catalog.set_config('search_path'"))]
    return re.sub(r"\bpublic\.", "", "\n".join(lines)) + "\n"


HEADER = ("-- A store made by aggregator 0.1.0, the last release before migrations: written by "
          "tests/data/make_store_0_1_0.py, loaded by tests/test_migrations.py.\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (HERE / "store-0.1.0.sqlite.sql").write_text(HEADER + sqlite_dump(Path(tmp)),
                                                     encoding="utf-8")
    (HERE / "store-0.1.0.postgresql.sql").write_text(HEADER + postgresql_dump(sys.argv[1]),
                                                     encoding="utf-8")


if __name__ == "__main__":
    main()
