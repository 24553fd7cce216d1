"""Faults: a replica site misbehaves on one page that a clean crawl already stored.

Each test crawls the newsletter site from the replica with one fault injected (``Fault``)
and checks what an operator relies on: the stored page, its validators and the parsed issue
are unchanged; the retries the request log shows (and when they came); the failure, with its
reason, in the crawl stats the run summary reads (``aggregator/failed_urls``); and, for a
page that never succeeded, that the next run asks for it again.

A crawl runs in a child process (``python -m tests.test_faults``, which calls
``run_crawl``): Twisted's reactor cannot be started twice in one process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from sqlalchemy import create_engine, func, select

from aggregator.crawl.retry import broken_reason, retry_after_seconds
from aggregator.replica import ReplicaServer, RequestRecord
from aggregator.replica.faults import Fault
from aggregator.sites import newsletter
from aggregator.store import IssueRow, PageRow, StoryRow

SITE = newsletter()
PAGE = SITE.url("/issues/481")  # an issue page every crawl of the site fetches
FEED = SITE.url(SITE.feeds[0])
ROBOTS = SITE.url("/robots.txt")
# Fast and deterministic: no politeness delays, short waits, few retries.
FAST: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 2, "AGGREGATOR_RETRY_BACKOFF": 0.05, "LOG_LEVEL": "ERROR",
}


def _crawl_main(db: str, key: str, base: str, overrides: str) -> None:
    """The child: crawl one source and print its stats as JSON."""
    from aggregator.config import RunConfig
    from aggregator.crawl.process import run_crawl

    config = RunConfig.resolve(sources=key, db=db, base_urls={key: base},
                               overrides=json.loads(overrides), quiet=True, environ={})
    report = run_crawl(config.sources, config.scrapy_settings(), progress=False)
    print(json.dumps(report.sources[0].stats, default=str))


@dataclass
class Crawl:
    stats: dict[str, Any]
    requests: list[RequestRecord]

    @property
    def failed(self) -> list[str]:
        return list(self.stats.get("aggregator/failed_urls", []))

    def to(self, url: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.url == url]


def crawl(server: ReplicaServer, db: Path, **settings: Any) -> Crawl:
    server.clear_log()
    base = server.base_url_for(SITE.canonical_base)
    command = [sys.executable, "-m", "tests.test_faults", f"sqlite:///{db}", SITE.key, base,
               json.dumps({**FAST, **settings})]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    assert stats["finish_reason"] == "finished", stats  # the run finishes, whatever failed
    return Crawl(stats, server.requests)


def stored(db: Path) -> dict[str, Any]:
    """What a fault must not change: the page row (body, validators) and the parsed issue."""
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        page = conn.execute(select(PageRow.status, PageRow.body_sha256, PageRow.etag,
                                   PageRow.last_modified, PageRow.content_type,
                                   PageRow.last_changed).where(PageRow.url == PAGE)).one()
        issue = conn.execute(select(IssueRow.number, IssueRow.content_sha256, IssueRow.updated)
                             .where(IssueRow.number == 481)).one()
        stories = conn.execute(select(func.count()).select_from(StoryRow)
                               .where(StoryRow.issue_number == 481)).scalar_one()
        feed = conn.execute(select(PageRow.body_sha256).where(PageRow.url == FEED)).one()
    engine.dispose()
    return {"page": tuple(page), "issue": tuple(issue), "stories": stories, "feed": tuple(feed)}


@pytest.fixture(scope="module")
def server() -> Iterator[ReplicaServer]:
    with ReplicaServer(snapshot=1) as srv:
        yield srv


@pytest.fixture(scope="module")
def clean_db(server: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One clean crawl, copied for every test (each test then damages its own copy)."""
    db = tmp_path_factory.mktemp("clean") / "aggregator.db"
    first = crawl(server, db)
    assert first.failed == [] and first.to(PAGE), first.stats
    assert stored(db)["stories"] > 0
    return db


@pytest.fixture
def db(clean_db: Path, tmp_path: Path, server: ReplicaServer) -> Iterator[Path]:
    copy = tmp_path / "aggregator.db"
    shutil.copy(clean_db, copy)
    yield copy
    server.clear_faults()


def gaps(records: list[RequestRecord]) -> list[float]:
    return [later.at - earlier.at for earlier, later in pairwise(records)]


# -- a page that never succeeds: given up with its reason, nothing stored replaced ----------

GIVEN_UP = [
    pytest.param(Fault.status(500), {}, "http 500", 3, id="permanent-500"),
    pytest.param(Fault.status(403), {}, "http 403", 1, id="forbidden-not-retried"),
    pytest.param(Fault.reset(), {}, "connection reset", 3, id="reset-mid-body"),
    pytest.param(Fault.truncate(), {}, "truncated", 3, id="truncated"),
    pytest.param(Fault.truncate(), {"DOWNLOAD_FAIL_ON_DATALOSS": False}, "truncated", 3,
                 id="truncated-dataloss-flag"),
    pytest.param(Fault.slow(4), {"DOWNLOAD_TIMEOUT": 2, "RETRY_TIMES": 1}, "timeout", 2,
                 id="slower-than-timeout"),
    pytest.param(Fault.empty(), {}, "empty 200", 3, id="empty-200"),
    pytest.param(Fault.redirect_loop(), {}, "redirect loop", 1, id="redirect-loop"),
    # Far over the limit, not retried: another try would download it again.
    pytest.param(Fault.oversize(600_000), {"DOWNLOAD_MAXSIZE": 300_000}, "too large", 1,
                 id="over-maxsize"),
]


@pytest.mark.parametrize(("fault", "settings", "reason", "tries"), GIVEN_UP)
def test_a_page_given_up_keeps_the_stored_page(
    server: ReplicaServer, db: Path, fault: Fault, settings: dict[str, Any], reason: str,
    tries: int,
) -> None:
    before = stored(db)
    server.set_fault(PAGE, fault)
    run = crawl(server, db, **settings)
    assert [r.fault for r in run.to(PAGE)] == [fault.kind] * tries
    assert run.failed == [f"{PAGE} ({reason})"]
    slug = reason.replace(" ", "-")
    assert run.stats[f"aggregator/failed/{slug}"] == 1
    assert run.stats["aggregator/fetch_failed"] == 1  # the spider's "pages given up"
    assert stored(db) == before
    # Other pages were crawled as usual: the rest of the issues were revalidated.
    assert run.stats.get("aggregator/pages_not_modified", 0) > 10


def test_a_failed_page_is_asked_for_again_on_the_next_run(server: ReplicaServer,
                                                          db: Path) -> None:
    before = stored(db)
    server.set_fault(PAGE, Fault.status(500))
    assert crawl(server, db).failed == [f"{PAGE} (http 500)"]
    server.set_fault(PAGE, None)
    again = crawl(server, db)
    # The stored validators survived the failure: the page revalidates (304), unchanged.
    assert [(r.conditional, r.status) for r in again.to(PAGE)] == [(True, 304)]
    assert again.failed == [] and stored(db) == before


# -- transient faults: retried, with waits, and then stored as usual -----------------------

def test_503_twice_then_the_page_backs_off_and_succeeds(server: ReplicaServer,
                                                        db: Path) -> None:
    before = stored(db)
    server.set_fault(PAGE, Fault.status(503, times=2))
    run = crawl(server, db, AGGREGATOR_RETRY_BACKOFF=0.4)
    assert [r.status for r in run.to(PAGE)] == [503, 503, 304]
    first, second = gaps(run.to(PAGE))
    assert first >= 0.4 and second >= 0.8  # exponential backoff: 0.4 s, then 0.8 s
    assert run.failed == [] and "aggregator/fetch_failed" not in run.stats
    assert stored(db) == before


def test_429_retry_after_is_waited_out(server: ReplicaServer, db: Path) -> None:
    before = stored(db)
    server.set_fault(PAGE, Fault.too_many_requests(2, times=1))
    run = crawl(server, db)
    assert [r.status for r in run.to(PAGE)] == [429, 304]
    assert gaps(run.to(PAGE))[0] >= 1.9  # the server's 2 s, not the 0.05 s backoff
    # The whole site waited, not just that page (only requests already sent may arrive).
    asked = run.to(PAGE)[0].at
    assert not [r for r in run.requests if asked + 0.5 < r.at < asked + 1.9]
    assert run.failed == [] and stored(db) == before


def test_429_asking_for_longer_than_the_cap_skips_the_site(server: ReplicaServer,
                                                          db: Path) -> None:
    before = stored(db)
    server.set_fault(FEED, Fault.too_many_requests(3600))
    run = crawl(server, db, AGGREGATOR_RETRY_AFTER_MAX=5, CONCURRENT_REQUESTS_PER_DOMAIN=1)
    assert [r.status for r in run.to(FEED)] == [429]  # asked once, never again this run
    assert f"{FEED} (http 429 retry-after 3600s: site skipped)" in run.failed
    assert run.stats["aggregator/failed/site-skipped"] == 1
    assert "3600s" in run.stats["aggregator/skipped_site"]
    assert run.stats["aggregator/skipped_requests"] >= 1
    # After the 429 only what the downloader already held reached the site: at most
    # CONCURRENT_REQUESTS of them, plus the one its slot may send as soon as the 429 is in and
    # before the middleware has skipped the site. What came before depends on the scheduler.
    from aggregator import settings as project_settings

    refused = next(r.at for r in run.to(FEED))
    after = [r for r in run.requests if r.at > refused]
    assert len(after) <= project_settings.CONCURRENT_REQUESTS + 1, after
    assert stored(db) == before


# -- faults that are not an error status ---------------------------------------------------

def test_robots_txt_disallowing_a_stored_page(server: ReplicaServer, db: Path) -> None:
    before = stored(db)
    server.set_fault(ROBOTS, Fault.robots("/issues/481"))
    run = crawl(server, db)
    assert run.to(PAGE) == []
    assert run.failed == [f"{PAGE} (robots.txt)"]
    assert run.stats["aggregator/failed/robots-txt"] == 1
    assert stored(db) == before


def test_html_served_for_the_feed_keeps_the_stored_feed(server: ReplicaServer,
                                                       db: Path) -> None:
    before = stored(db)
    server.set_fault(FEED, Fault.html())
    run = crawl(server, db)
    assert [r.fault for r in run.to(FEED)] == ["html"] * 3
    assert run.failed == [f"{FEED} (html for feed)"]
    assert "spider_exceptions/count" not in run.stats  # never handed to the feed parser
    # The listings still lead to every issue: the page was revalidated as usual.
    assert [(r.conditional, r.status) for r in run.to(PAGE)] == [(True, 304)]
    assert stored(db) == before


# -- the rules, without a crawl -----------------------------------------------------------

def _broken(url: str, body: bytes, content_type: str, **headers: str) -> str | None:
    request = Request(url)
    response = HtmlResponse(url, body=body, request=request,
                            headers={"Content-Type": content_type, **headers})
    return broken_reason(request, response)


def test_what_counts_as_a_broken_2xx() -> None:
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>'
    html = b"<!DOCTYPE html><html><body>maintenance</body></html>"
    assert _broken(PAGE, html, "text/html") is None
    assert _broken(FEED, rss, "text/html") is None  # a real feed with the wrong type: kept
    assert _broken(FEED, html, "application/rss+xml") == "html for feed"
    assert _broken(PAGE, html, "text/html", **{"Content-Length": "9999"}) == "truncated"
    assert _broken(PAGE, b" \n", "text/html") == "empty 200"


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 9, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Tue, 01 Sep 2026 13:00:00 GMT", now) == 3600
    assert retry_after_seconds("Tue, 01 Sep 2026 11:00:00 GMT", now) == 0  # already past
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


if __name__ == "__main__":
    _crawl_main(*sys.argv[1:5])
