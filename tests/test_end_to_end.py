"""End to end: the real spiders crawl the loopback replica through `aggregator run`.

Snapshot 1 is crawled, then snapshot 2 (an incremental run: new issues, one edited issue,
everything else answered 304), then snapshot 2 again (nothing changes, no row added). The
exports are compared with the replica's truth.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import create_engine, func, select

from aggregator.config import db_url
from aggregator.replica import DEFAULT_ROOT, ReplicaServer, RequestRecord
from aggregator.sites import SITES, mirror_languages
from aggregator.store import IssueRow, LinkRow, PageRow, PostRow, StoryRow
from tests import truth as truth_of

TRUTH = truth_of.load(DEFAULT_ROOT)
TRUTH_ISSUES = {i["number"]: i for i in TRUTH["issues"]}
MIRRORS = truth_of.posts(TRUTH, "mirror_posts")
OTHERS = truth_of.posts(TRUTH, "other_posts")
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


@dataclass
class Run:
    stdout: str
    requests: list[RequestRecord]
    exports: dict[str, list[dict[str, Any]]]
    feeds: dict[str, bytes]
    counts: dict[str, int]
    db: str
    url: str  # the store the command used (AGGREGATOR_DB_URL in the PostgreSQL test run)


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        result = {
            table.__tablename__: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (PageRow, IssueRow, PostRow, StoryRow, LinkRow)
        }
    engine.dispose()
    return result


def _run(server: ReplicaServer, out: Path) -> Run:
    server.clear_log()
    bases = server.base_urls
    served = [f"{key}={bases[site.canonical_base]}" for key, site in SITES.items()
              if site.canonical_base in bases]
    assert len(served) == len(SITES), "the replica serves every registered site"
    command = [sys.executable, "-m", "aggregator.cli", "run", "--out", str(out), "--quiet",
               *(arg for base in served for arg in ("--base-url", base)), *FAST]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    exports = {
        name: [json.loads(line) for line in (out / "exports" / f"{name}.jsonl").read_text(
            encoding="utf-8").splitlines()]
        for name in ("issues", "stories", "documents", "links")
    }
    feeds = {p.relative_to(out / "feeds").as_posix(): p.read_bytes()
             for p in sorted((out / "feeds").rglob("*")) if p.is_file()}
    url = db_url(None, out)
    return Run(done.stdout, server.requests, exports, feeds, _counts(url),
               str(out / "aggregator.db"), url)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Run]]:
    out = tmp_path_factory.mktemp("e2e")
    with ReplicaServer(snapshot=1) as server:
        first = _run(server, out)
        server.set_snapshot(2)
        second = _run(server, out)
        third = _run(server, out)
    yield [first, second, third]


def _by_number(run: Run) -> dict[int, dict[str, Any]]:
    return {row["number"]: row for row in run.exports["issues"] if row["number"] is not None}


def test_every_english_issue_matches_truth(runs: list[Run]) -> None:
    issues = _by_number(runs[1])
    expected = {n: i for n, i in TRUTH_ISSUES.items() if i["on_aiweekly"]}
    for number, truth in expected.items():
        row = issues[number]
        assert row["url"] == truth["url"], number
        assert row["title_en"] == truth["title_en"], number
        assert (row["week_start"], row["week_end"]) == (truth["week_start"], truth["week_end"])
        assert row["stories_en"] == len(truth["stories"]), number
    assert {n for n, r in issues.items() if r["on_aiweekly"]} == set(expected)


def test_every_english_story_matches_truth(runs: list[Run]) -> None:
    stories: dict[int, list[dict[str, Any]]] = {}
    for row in runs[1].exports["stories"]:
        if row["lang"] == "en":
            stories.setdefault(row["issue_number"], []).append(row)
    for number, truth in TRUTH_ISSUES.items():
        if not truth["on_aiweekly"]:
            continue
        got = sorted(stories[number], key=lambda r: r["position"])
        for position, (row, want) in enumerate(zip(got, truth["stories"], strict=True), 1):
            where = f"issue {number} story {position}"
            assert row["position"] == position, where
            assert row["headline"] == want["headline_en"], where
            assert row["link"] == want["link"], where
            assert row["outlet"] == want["outlet_en"], where
            assert row["date"] == want["date"], where
            assert row["section"] == want["section_en"], where


def test_mirrors_and_other_posts_match_truth(runs: list[Run]) -> None:
    docs = {row["url"]: row for row in runs[1].exports["documents"]}
    assert {p["site"] for p in MIRRORS} == {k for k, s in SITES.items() if s.kind == "mirror"}
    for post in MIRRORS:
        doc = docs[post["url"]]
        assert doc["kind"] == "mirror", post["url"]
        assert (doc["source"], doc["lang"]) == (post["site"], SITES[post["site"]].lang)
        assert doc["stated_issue_number"] == post["issue_number"], post["url"]
        if not TRUTH_ISSUES[post["issue_number"]]["on_aiweekly"]:
            continue  # its issue was never crawled: see the next test
        assert doc["issue_number"] == post["issue_number"], post["url"]
        if not truth_of.has_source_line(post):
            assert doc["link_method"] in ("embedded-en", "zh-anchors"), post["url"]
            assert 0 < doc["link_score"] <= 1
        else:
            assert doc["link_method"] == "explicit" and doc["link_score"] == 1.0, post["url"]
    for post in OTHERS:
        doc = docs[post["url"]]
        assert (doc["kind"], doc["issue_number"]) == ("other", None), post["url"]


def test_mirror_of_an_issue_never_crawled_is_kept_unlinked_and_reported(runs: list[Run]) -> None:
    never = [p for p in MIRRORS if not TRUTH_ISSUES[p["issue_number"]]["on_aiweekly"]]
    assert never
    docs = {row["url"]: row for row in runs[1].exports["documents"]}
    linked = {row["post_url"] for row in runs[1].exports["links"]}
    for post in never:
        # Not linked (null, no links row), yet counted under the issue it states, as
        # issues.jsonl counts its stories.
        doc = docs[post["url"]]
        assert (doc["link_method"], doc["link_score"]) == (None, None), post["url"]
        assert post["url"] not in linked
        assert doc["issue_number"] == post["issue_number"], post["url"]
        if doc["duplicate_of"] is None:  # the newest version: its stories are exported
            stories = [s for s in runs[1].exports["stories"] if s["document_url"] == post["url"]]
            assert stories and {s["issue_number"] for s in stories} == {post["issue_number"]}
        assert f"unlinked mirror: {post['url']}" in runs[1].stdout


def test_chinese_titles_and_story_counts_match_truth(runs: list[Run]) -> None:
    by_title = {r["title_zh"]: r for r in runs[1].exports["issues"] if r["title_zh"]}
    for number, truth in TRUTH_ISSUES.items():
        row = by_title.get(truth["title_zh"])
        assert row is not None, f"no issue row has the Chinese title of issue {number}"
        assert row["number"] == number, number
        assert row["stories_zh"] == len(truth["stories"]), number
        assert row["title_en"] == (truth["title_en"] if truth["on_aiweekly"] else None), number
    issues = _by_number(runs[1])
    for key, site in SITES.items():
        column = site.lang.lower().replace("-", "_")
        for number, want in truth_of.site_issue_titles(TRUTH, key).items():
            assert issues[number][f"title_{column}"] == want[f"title_{column}"], (key, number)
            assert issues[number][f"stories_{column}"] == want["stories_zh"], (key, number)


def test_incremental_run_downloads_only_what_changed(runs: list[Run]) -> None:
    second = runs[1]
    conditional = [r for r in second.requests if r.conditional]
    assert conditional, "the second run sent no conditional request"
    downloaded = {r.url for r in second.requests if r.status == 200}
    not_modified = {r.url for r in second.requests if r.status == 304}
    assert "https://aiweekly.co/issues/481" in not_modified
    edited = "https://aiweekly.co/issues/europes-deepfake-labels-go-live-aws-rides-anthropic-gpt-6"
    new = "https://aiweekly.co/issues/oracles-backlog-tops-600b-claude-opus-5-5-ships-openai-settles"
    assert edited in downloaded and new in downloaded
    # Every page that snapshot 2 leaves unchanged is answered 304, never downloaded again.
    unchanged_issue_pages = {f"https://aiweekly.co/issues/{n}" for n in range(481, 496)}
    assert not unchanged_issue_pages & downloaded


def test_edited_issue_is_updated_in_place(runs: list[Run]) -> None:
    edit = TRUTH["snapshot2"]["edits"][0]
    before = {r["headline"] for r in runs[0].exports["stories"] if r["issue_number"] == 498}
    after = {r["headline"] for r in runs[1].exports["stories"] if r["issue_number"] == 498}
    assert edit["before"] in before and edit["after"] in after and edit["before"] not in after
    assert "issues 1 new / 1 updated" in runs[1].stdout.replace("issues 1 new / 1 updated",
                                                                "issues 1 new / 1 updated")


def test_a_repeated_run_adds_no_rows_and_rewrites_identical_outputs(runs: list[Run]) -> None:
    second, third = runs[1], runs[2]
    assert third.counts == second.counts
    assert third.feeds == second.feeds
    assert third.exports == second.exports
    # Only robots.txt and redirects are answered without validators on a repeated run.
    downloaded = {r.url for r in third.requests if r.status == 200}
    assert all(url.endswith("/robots.txt") for url in downloaded), downloaded


def test_the_summary_shows_the_links_the_crawl_made(runs: list[Run]) -> None:
    first = [p for p in MIRRORS if p["snapshot"] == 1]
    linked = [p for p in first if TRUTH_ISSUES[p["issue_number"]]["first_snapshot"] == 1]
    assert f"links: {len(linked)} made this run" in runs[0].stdout, runs[0].stdout
    assert f"{len(linked)} mirror posts linked in all" in runs[0].stdout
    # The repeated run changes nothing, and says so.
    assert "links: 0 made this run (0 changed" in runs[2].stdout, runs[2].stdout


def test_first_run_stores_every_snapshot1_issue(runs: list[Run]) -> None:
    first = {n for n, r in _by_number(runs[0]).items() if r["on_aiweekly"]}
    assert first == {n for n, i in TRUTH_ISSUES.items() if i["first_snapshot"] == 1}
    assert "issues 23 new / 0 updated" in runs[0].stdout


def test_every_post_is_fetched_once(runs: list[Run]) -> None:
    expected = {p["url"] for p in MIRRORS + OTHERS if p["snapshot"] == 1}
    fetched = [r.url for r in runs[0].requests if r.url in expected]
    assert sorted(fetched) == sorted(expected)  # every post, each exactly once


def test_no_mojibake_anywhere_in_the_store(runs: list[Run], tmp_path: Path) -> None:
    engine = create_engine(runs[1].url)
    with engine.connect() as conn:
        for table in (IssueRow, PostRow, StoryRow):
            for row in conn.execute(select(table)):
                for value in row:
                    assert not (isinstance(value, str) and "\ufffd" in value), (table, row[0])
    engine.dispose()
    for name, rows in runs[1].exports.items():
        assert "\ufffd" not in json.dumps(rows, ensure_ascii=False), name


def test_feeds_have_one_entry_per_issue_in_each_language(runs: list[Run]) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    count = {name: len(list(etree.fromstring(data).iter(f"{atom}entry")))
             for name, data in runs[1].feeds.items() if name.endswith(".atom.xml")}
    english = sum(1 for i in TRUTH_ISSUES.values() if i["on_aiweekly"])
    mirrored = {p["issue_number"] for p in MIRRORS}
    # A re-posted issue is one entry per language; a mirror not linked is an entry of its own.
    assert count["en.atom.xml"] == english
    for lang in mirror_languages():
        in_lang = {p["issue_number"] for p in MIRRORS if SITES[p["site"]].lang == lang}
        assert count[f"{lang}.atom.xml"] == len(in_lang), lang
    assert count["all.atom.xml"] == len(set(TRUTH_ISSUES) | mirrored)
    names = ("en", *mirror_languages(), "all", *(f"sources/{key}" for key in SITES))
    # Fewer issues than a subscription feed holds (50): no archive pages yet.
    assert sorted(runs[1].feeds) == sorted(
        [f"{n}.{k}" for n in names for k in ("atom.xml", "rss.xml", "json")] + ["feeds.opml"])


def test_unreachable_site_fails_with_a_one_line_reason(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "aggregator.cli", "run", "--out", str(tmp_path), "--quiet",
               "--sources", "aiweekly", "--base-url", f"aiweekly=http://127.0.0.1:{port}",
               "-s", "RETRY_TIMES=0", *FAST]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("aggregator: error: aiweekly: no page could be fetched"), last
    # One line per problem, no Twisted tracebacks (those come with -v).
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) < 20, done.stderr


def test_every_chinese_story_is_paired_with_its_english_story(runs: list[Run]) -> None:
    stories = runs[1].exports["stories"]
    zh = [s for s in stories if s["lang"] != "en" and s["issue_number"] is not None
          and TRUTH_ISSUES[s["issue_number"]]["on_aiweekly"]]
    assert zh
    # truth.json lists each issue's stories once, in both languages, in the same order.
    assert all(s["pair"] == s["position"] for s in zh), [
        (s["issue_number"], s["position"], s["pair"]) for s in zh if s["pair"] != s["position"]]
    en = [s for s in stories if s["lang"] == "en"]
    assert all(s["pair"] == s["position"] for s in en)


def test_relink_recomputes_everything_and_reports_no_change(runs: list[Run]) -> None:
    out = Path(runs[2].db).parent
    command = [sys.executable, "-m", "aggregator.cli", "relink", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    linked = sum(1 for p in MIRRORS if TRUTH_ISSUES[p["issue_number"]]["on_aiweekly"])
    unlinked = len(MIRRORS) - linked
    assert f"Relinked: {linked} linked, {unlinked} unlinked, 0 changed" in done.stdout
    assert json.loads((out / "exports" / "documents.jsonl").read_text(encoding="utf-8")
                      .splitlines()[0]) == runs[2].exports["documents"][0]


def test_a_reposted_issue_is_one_group_with_the_newest_version_first(runs: list[Run]) -> None:
    docs = {row["url"]: row for row in runs[1].exports["documents"]}
    reposts = [p for p in MIRRORS if p["duplicate_of"]]
    assert reposts
    for post in reposts:
        if post["duplicate_of"]:
            older, newer = docs[post["duplicate_of"]], docs[post["url"]]
            assert older["issue_group"] == newer["issue_group"] == f"issue:{post['issue_number']}"
            assert older["duplicate_of"] == post["url"] and newer["duplicate_of"] is None
            issue = docs[TRUTH_ISSUES[post["issue_number"]]["url"]]
            assert issue["issue_group"] == newer["issue_group"] and issue["duplicate_of"] is None


def test_postgresql_store_gives_the_same_exports(runs: list[Run], tmp_path: Path) -> None:
    import os
    import uuid

    url = os.environ.get("AGGREGATOR_TEST_PG_URL")
    if not url:
        pytest.skip("PostgreSQL end-to-end needs AGGREGATOR_TEST_PG_URL (set by .ci/run)")
    from sqlalchemy import text

    schema = f"agge2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in url else "?"
        command = [sys.executable, "-m", "aggregator.cli", "demo", "--quiet", "--out",
                   str(tmp_path), "--db", f"{url}{sep}options=-csearch_path%3D{schema}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        for name, rows in runs[1].exports.items():
            got = [json.loads(line) for line in (tmp_path / "exports" / f"{name}.jsonl")
                   .read_text(encoding="utf-8").splitlines()]
            assert got == rows, name
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_generic_page_objects_crawl_and_link_every_mirror_like_its_own(
        runs: list[Run], tmp_path: Path) -> None:
    """Every mirror's bespoke page objects switched off: the generic ones (found by platform
    and structure) must find the same mirrors, numbers and links, and flag every page."""
    mirrors = ",".join(k for k, s in SITES.items() if s.kind == "mirror")
    command = [sys.executable, "-m", "aggregator.cli", "demo", "--quiet", "--out",
               str(tmp_path), "-s", f"AGGREGATOR_GENERIC_SOURCES={mirrors}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    docs = {json.loads(line)["url"]: json.loads(line) for line in
            (tmp_path / "exports" / "documents.jsonl").read_text(encoding="utf-8").splitlines()}
    for post in MIRRORS:
        doc = docs[post["url"]]
        crawled = TRUTH_ISSUES[post["issue_number"]]["on_aiweekly"]
        assert (doc["kind"], doc["stated_issue_number"]) == ("mirror", post["issue_number"])
        assert doc["issue_number"] == post["issue_number"], post["url"]
        assert (doc["link_method"] is not None) == crawled, post["url"]
    for post in OTHERS:
        assert (docs[post["url"]]["kind"], docs[post["url"]]["issue_number"]) == ("other", None)
    assert "generic-page-object" in done.stdout


def test_a_site_that_yields_no_document_fails_the_run(tmp_path: Path) -> None:
    """A wrong base URL answers every page (404s), but a run that stored nothing never
    exits 0: the one-line reason names the site."""
    mirror = next(key for key, site in SITES.items() if site.kind == "mirror")
    with ReplicaServer(snapshot=1) as server:
        newsletter = next(s for s in SITES.values() if s.kind == "newsletter")
        wrong = server.base_urls[newsletter.canonical_base]
        command = [sys.executable, "-m", "aggregator.cli", "run", "--out", str(tmp_path),
                   "--quiet", "--sources", mirror, "--base-url", f"{mirror}={wrong}", *FAST]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"aggregator: error: {mirror}: ") and "no document stored" in last
