"""newsboat, a real feed reader, reads every served feed: each entry once, also after a
re-export with edited content (an edited entry is updated in place, not added again).

newsboat runs non-interactively (``-x reload``) against ``aggregator serve`` on loopback, with
its own urls file, config and cache in a temporary folder; what it lists is read from its
SQLite cache (``rss_item``: one row per entry it shows). One cache per feed: newsboat takes an
entry id to be unique across all subscriptions, and the Atom and RSS feeds of one set rightly
share ids, so a reader subscribes to one of them. JSON Feeds are left out: Debian's newsboat
(2.21) does not read JSON Feed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
from lxml import etree

from aggregator.serve import OutputServer, serve
from tests.demo_output import copy_demo_output

NEWSBOAT = shutil.which("newsboat")
# .ci/run installs newsboat and sets this, so a missing newsboat fails there, never skips.
REQUIRED = os.environ.get("AGGREGATOR_TEST_REQUIRE_TOOLS") == "1"
pytestmark = pytest.mark.skipif(
    NEWSBOAT is None and not REQUIRED,
    reason="needs newsboat (apt-get install newsboat; .ci/run does)")
ATOM = "{http://www.w3.org/2005/Atom}"
EDIT = " (edited)"


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str


def entries_in(feed: Path) -> list[Entry]:
    """The entries of an Atom or RSS file, as the file states them."""
    root = etree.parse(str(feed)).getroot()
    if root.tag == f"{ATOM}feed":
        return [Entry(e.findtext(f"{ATOM}id", ""), e.findtext(f"{ATOM}title", ""))
                for e in root.iter(f"{ATOM}entry")]
    return [Entry(i.findtext("guid") or i.findtext("link") or "", i.findtext("title", ""))
            for i in root.iter("item")]


class Reader:
    """One newsboat subscription: a urls file with one feed URL, a config and a cache."""

    def __init__(self, home: Path, url: str) -> None:
        home.mkdir(parents=True)
        self.home, self.url = home, url
        (home / "urls").write_text(url + "\n", encoding="utf-8")
        (home / "config").write_text("", encoding="utf-8")

    def reload(self) -> list[Entry]:
        assert NEWSBOAT is not None
        env = {**os.environ, "HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home),
               "XDG_DATA_HOME": str(self.home)}
        done = subprocess.run(
            [NEWSBOAT, "-u", str(self.home / "urls"), "-c", str(self.home / "cache.db"),
             "-C", str(self.home / "config"), "-x", "reload"],
            capture_output=True, text=True, timeout=60, env=env, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        with sqlite3.connect(self.home / "cache.db") as cache:
            rows = cache.execute("SELECT guid, title FROM rss_item WHERE feedurl = ? "
                                 "AND deleted = 0 ORDER BY id", (self.url,)).fetchall()
        return [Entry(guid, title) for guid, title in rows]

    def etag(self) -> str | None:
        with sqlite3.connect(self.home / "cache.db") as cache:
            row = cache.execute("SELECT etag FROM rss_feed WHERE rssurl = ?",
                                (self.url,)).fetchone()
        return row[0] if row else None


def feeds_of(out: Path) -> list[Path]:
    return sorted(p for p in (out / "feeds").rglob("*.xml") if not p.name.startswith("."))


def edit_store(db: Path) -> tuple[int, int]:
    """Edit the newest English issue's title and the newest mirror post's title, as a site
    editing a published page would; return (issue number, post row id)."""
    with sqlite3.connect(db) as connection:
        number = connection.execute("SELECT max(number) FROM issues").fetchone()[0]
        post = connection.execute("SELECT id FROM posts WHERE is_mirror ORDER BY published "
                                  "DESC, url LIMIT 1").fetchone()[0]
        connection.execute("UPDATE issues SET title = title || ? WHERE number = ?",
                           (EDIT, number))
        connection.execute("UPDATE posts SET title = title || ?, title_zh = title_zh || ? "
                           "WHERE id = ?", (EDIT, EDIT, post))
    return number, post


def export(out: Path) -> None:
    command = [sys.executable, "-m", "aggregator.cli", "export",
               "--db", f"sqlite:///{out / 'aggregator.db'}", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_newsboat_lists_every_entry_once_before_and_after_an_edit(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert NEWSBOAT is not None, "AGGREGATOR_TEST_REQUIRE_TOOLS=1 but no newsboat on PATH"
    out = copy_demo_output(tmp_path_factory, "newsboat")
    feeds = feeds_of(out)
    assert feeds, "the demo writes feeds"
    with serve(out, port=0) as server:
        readers = {feed: reader_for(server, out, feed, tmp_path) for feed in feeds}
        before = {feed: reader.reload() for feed, reader in readers.items()}
        for feed, listed in before.items():
            assert listed, f"newsboat lists nothing for {feed.name}"
            assert_once(listed, entries_in(feed), feed)
            # Reloading an unchanged feed (revalidated with the ETag newsboat now keeps)
            # lists the same entries, none twice.
            assert readers[feed].reload() == listed
            assert readers[feed].etag(), "newsboat keeps the ETag to revalidate with"

        edit_store(out / "aggregator.db")
        export(out)
        edited = 0
        for feed, reader in readers.items():
            after = reader.reload()
            assert_once(after, entries_in(feed), feed)
            # Editing changed no id: the entries read before are the entries read now.
            assert {e.guid for e in after} >= {e.guid for e in before[feed]}
            edited += sum(EDIT in e.title for e in after)
        assert edited, "the edit reached newsboat (an entry was updated in place)"


def reader_for(server: OutputServer, out: Path, feed: Path, tmp_path: Path) -> Reader:
    relative = feed.relative_to(out).as_posix()
    return Reader(tmp_path / relative.replace("/", "_"), urljoin(server.url, relative))


def assert_once(listed: list[Entry], stated: list[Entry], feed: Path) -> None:
    guids = [e.guid for e in listed]
    assert len(guids) == len(set(guids)), f"{feed.name}: an entry listed twice"
    assert sorted(guids) == sorted(e.guid for e in stated), f"{feed.name}: entries differ"
    assert {e.guid: e.title for e in listed} == {e.guid: e.title for e in stated}
