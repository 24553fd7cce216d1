"""Crawl and parse costs on the bundled replica: prints figures, asserts nothing.

    python benchmarks/crawl.py

1. Page objects: best-of-N time per page, per registered site and page-object reader.
2. Dates: our fixed-form parsers against dateparser on the site's forms.
3. Whole runs through ``aggregator run`` on the loopback replica: a backfill (snapshot 1), an
   incremental run (snapshot 2) and a repeat (nothing changed): wall time, pages downloaded
   vs answered 304, and the child process's peak memory.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from aggregator import dates
from aggregator.decoding import decode
from aggregator.replica import DEFAULT_ROOT, ReplicaServer
from aggregator.sites import SITES, Site

MANIFEST = json.loads((DEFAULT_ROOT / "manifest.json").read_text(encoding="utf-8"))


def best_ms(fn: Callable[[], Any], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def _pages(site: Site) -> list[tuple[str, str, str]]:
    """(url, reader, text) for every page of the site that its page objects read."""
    found = []
    pages = site.page_objects()
    for entry in MANIFEST:
        headers = entry.get("headers") or {}
        if entry.get("status") != 200 or not entry.get("file") or not site.owns(entry["url"]):
            continue
        if entry["url"].endswith("/robots.txt"):
            continue
        text = decode(entry["url"], (DEFAULT_ROOT / entry["file"]).read_bytes(),
                      headers.get("Content-Type"))
        path = entry["url"][len(site.canonical_base):] or "/"
        if path in site.feeds:
            found.append((entry["url"], "parse_feed", text))
            continue
        try:
            pages.parse_document(entry["url"], text)
            found.append((entry["url"], "parse_document", text))
        except ValueError:
            found.append((entry["url"], "parse_listing", text))
    return found


def page_objects() -> None:
    print("== page objects, per registered site (best of 5 per page; median / max over pages)")
    for site in SITES.values():
        pages = site.page_objects()
        by_reader: dict[str, list[tuple[float, int]]] = {}
        for url, reader, text in _pages(site):
            ms = best_ms(partial(getattr(pages, reader), url, text), repeat=5)
            by_reader.setdefault(reader, []).append((ms, len(text)))
        for reader, figures in sorted(by_reader.items()):
            times = sorted(ms for ms, _size in figures)
            kb = max(size for _ms, size in figures) / 1024
            print(f"  {site.key:9s} {reader:15s} {len(times):3d} pages  median "
                  f"{statistics.median(times):6.2f} ms  max {times[-1]:6.2f} ms "
                  f"(largest {kb:.0f} KB)")


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
            served = [f"{key}={bases[site.canonical_base]}" for key, site in SITES.items()
                      if site.canonical_base in bases]
            command = [sys.executable, "-m", "aggregator.cli", "run", "--out", out, "--quiet",
                       *(arg for base in served for arg in ("--base-url", base)),
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
