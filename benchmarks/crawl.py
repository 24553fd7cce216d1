"""Crawl and parse costs on the bundled replica: prints figures, asserts nothing.

    python benchmarks/crawl.py

1. Page objects: best-of-N time per page type (the per-page path of every crawl).
2. Dates: our fixed-form parsers against dateparser on the site's forms.
3. Whole runs through ``aggregator run`` on the loopback replica: a backfill (snapshot 1), an
   incremental run (snapshot 2) and a repeat (nothing changed): wall time, pages downloaded
   vs answered 304, and the child process's peak memory.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from scrapy.http import HtmlResponse, XmlResponse

from aggregator import dates
from aggregator.replica import DEFAULT_ROOT, ReplicaServer
from aggregator.sites import aiweekly, qimuai

MANIFEST = json.loads((DEFAULT_ROOT / "manifest.json").read_text(encoding="utf-8"))


def _text(url: str) -> str:
    entry = next(e for e in MANIFEST if e["url"] == url and e["file"])
    body = (DEFAULT_ROOT / entry["file"]).read_bytes()
    headers = {"Content-Type": entry["headers"]["Content-Type"]}
    cls = XmlResponse if "xml" in headers["Content-Type"] else HtmlResponse
    return str(cls(url=url, body=body, headers=headers).text)


def best_ms(fn: Callable[[], Any], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def page_objects() -> None:
    cases: list[tuple[str, str, Callable[[str, str], Any]]] = [
        ("aiweekly classic issue", "https://aiweekly.co/issues/481", aiweekly.parse_issue_page),
        ("aiweekly modern issue",
         "https://aiweekly.co/issues/preemption-stalls-in-the-senate-google-cloud-soars-deepseek",
         aiweekly.parse_issue_page),
        ("aiweekly archive page", "https://aiweekly.co/issues", aiweekly.parse_archive_page),
        ("aiweekly RSS (23 issues)", "https://aiweekly.co/issues.rss", aiweekly.parse_feed),
        ("qimuai mirror post", "https://news.qimuai.cn/?post=3776", qimuai.parse_post),
        ("qimuai GBK mirror post", "https://news.qimuai.cn/?post=3819", qimuai.parse_post),
        ("qimuai other post", "https://news.qimuai.cn/?post=3782", qimuai.parse_post),
        ("qimuai listing", "https://news.qimuai.cn/?sort=3", qimuai.parse_listing),
        ("qimuai rss.php (20 posts)", "https://news.qimuai.cn/rss.php", qimuai.parse_feed),
    ]
    print("== page objects (best of 7)")
    for name, url, parse in cases:
        text = _text(url)
        ms = best_ms(partial(parse, url, text))
        print(f"  {name:28s} {len(text) / 1024:6.1f} KB  {ms:6.2f} ms")


def date_parsing() -> None:
    import dateparser

    forms = [("April 3 – 9, 2026", dates.parse_week_range),
             ("2026年4月3日-9日", dates.parse_week_range),
             ("Apr 10th 2026", dates.parse_day),
             ("2026-4-10 08:30", dates.parse_local_datetime)]
    settings = {"RETURN_AS_TIMEZONE_AWARE": True}
    print("== dates: ours vs dateparser.parse(languages=['en','zh'])")
    def theirs_parse(text: str) -> Any:
        return dateparser.parse(text, languages=["en", "zh"], settings=settings)

    for text, ours in forms:
        ours_us = best_ms(partial(ours, text), repeat=200) * 1000
        theirs = theirs_parse(text)
        theirs_ms = best_ms(partial(theirs_parse, text), repeat=5)
        print(f"  {text:22s} ours {ours_us:7.1f} µs -> {ours(text)!s:40.40s} "
              f"dateparser {theirs_ms:6.2f} ms -> {theirs}")


def runs() -> None:
    print("== aggregator run on the loopback replica")
    with tempfile.TemporaryDirectory() as out, ReplicaServer(snapshot=1) as server:
        for label, snapshot in (("backfill, snapshot 1", 1), ("incremental, snapshot 2", 2),
                                ("repeat, nothing changed", 2)):
            server.set_snapshot(snapshot)
            server.clear_log()
            bases = server.base_urls
            command = [sys.executable, "-m", "aggregator.cli", "run", "--out", out, "--quiet",
                       "--base-url", f"aiweekly={bases['https://aiweekly.co']}",
                       "--base-url", f"qimuai={bases['https://news.qimuai.cn']}",
                       "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            seconds = time.perf_counter() - start
            log = server.requests
            downloaded = sum(1 for r in log if r.status == 200)
            not_modified = sum(1 for r in log if r.status == 304)
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"  {label:26s} {seconds:5.1f} s  {len(log):3d} requests: {downloaded:3d} "
                  f"downloaded, {not_modified:3d} not modified (304); peak RSS so far "
                  f"{peak_mb:.0f} MB")


if __name__ == "__main__":
    page_objects()
    date_parsing()
    runs()
