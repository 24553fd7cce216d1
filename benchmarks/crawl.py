"""What a crawl costs on one machine, beside the targets of issue 11: prints figures.

    python benchmarks/crawl.py                       # 400 and 2,000 issues (several minutes)
    python benchmarks/crawl.py --issues 400          # one size, about a minute
    python benchmarks/crawl.py --issues 400 --no-profile --parsers

For each size it builds a large replica of the three sites from the bundled templates
(:mod:`large_replica`: N issues, a mirror of every issue on one site and of every other issue
on the other), serves it on loopback and runs, each in its own process, timed from start to
exit, with the same concurrency (three crawlers, ``CONCURRENT_REQUESTS_PER_DOMAIN=8``, no
delay):

1. a raw Scrapy fetch of the same servers: a minimal spider per site that only follows links;
2. ``aggregator run``: a backfill into an empty store, then a re-run where nothing changed
   (every page answers 304);
3. both runs again under cProfile, split into stages: fetch (Scrapy, Twisted and waiting on
   the network: everything not below), parse (page objects), normalize, store (conditional
   GET lookups and upserts), link (while the crawls run, on the reactor thread: the link
   stage as items arrive; after them: the pass when the last crawl closes) and export.

and once ``scrapy bench`` (its own local server and spider). Every figure is printed beside its
target: backfill >= 0.5x the raw fetch rate, an unchanged re-run <= 10 % of the backfill's
time, peak RSS at the largest size <= 1.3x that at the smallest, link work while the crawls
run small. ``--parsers`` adds the per-page cost of every page object and of the date
parsers on the bundled replica.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from large_replica import build

from aggregator import dates
from aggregator.decoding import decode
from aggregator.replica import DEFAULT_ROOT, ReplicaServer
from aggregator.sites import SITES, Site

SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "8", "LOG_LEVEL": "WARNING"}


@dataclass
class Child:
    seconds: float
    cpu: float  # user + system seconds: less moved by other load on the machine than wall
    peak_mib: float
    requests: int
    not_modified: int
    code: int
    stderr: str = ""


def run_child(command: list[str], server: ReplicaServer, cwd: str | None = None) -> Child:
    """Run ``command`` to its end: wall time, its own peak RSS, requests the replica answered."""
    server.clear_log()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    log = server.requests
    return Child(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, len(log),
                 sum(1 for r in log if r.status == 304), os.waitstatus_to_exitcode(status),
                 stderr)


# -- the raw fetch: a minimal spider per site that follows every link on its host ------------


def raw_child(bases: dict[str, str]) -> None:
    """Run in the child: one crawler per site, each following links on its own host."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Follow(scrapy.Spider):
        name = "follow"
        canonical = ""
        fetch = ""
        starts: tuple[str, ...] = ()

        async def start(self) -> Any:
            for path in self.starts:
                yield scrapy.Request(self.fetch + path)

        def parse(self, response: Any) -> Any:
            if "xml" in response.headers.get("Content-Type", b"").decode():
                links = response.xpath("//item/link/text()").getall()
            elif "html" in response.headers.get("Content-Type", b"").decode():
                links = response.css("a::attr(href), link[rel=next]::attr(href)").getall()
            else:
                return
            for href in links:
                url = response.urljoin(href.strip()).split("#")[0]
                if url.startswith(self.canonical):
                    url = self.fetch + url[len(self.canonical):]
                if url.startswith(self.fetch):
                    yield scrapy.Request(url)

    process = CrawlerProcess({**SETTINGS, "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
                              "HTTPERROR_ALLOW_ALL": False})
    for site in SITES.values():
        if site.canonical_base in bases:
            spider = type(f"Follow_{site.key}", (Follow,), {
                "name": site.key, "canonical": site.canonical_base,
                "fetch": bases[site.canonical_base], "starts": site.start_paths})
            process.crawl(spider)
    process.start()


def raw_fetch(server: ReplicaServer) -> Child:
    command = [sys.executable, __file__, "--raw-child", json.dumps(server.base_urls)]
    return run_child(command, server)


# -- aggregator run, plain and under cProfile ------------------------------------------------


def aggregator_command(server: ReplicaServer, out: Path, profile: Path | None) -> list[str]:
    bases = server.base_urls
    served = [f"{key}={bases[site.canonical_base]}" for key, site in SITES.items()
              if site.canonical_base in bases]
    prefix = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
    return [sys.executable, *prefix, "-m", "aggregator.cli", "run", "--out", str(out), "--quiet",
            *(arg for base in served for arg in ("--base-url", base)),
            *(arg for name, value in SETTINGS.items() for arg in ("-s", f"{name}={value}"))]


def _stage_functions() -> dict[str, list[tuple[str, str]]]:
    """Stage -> (file suffix, function name) whose cumulative time is that stage's."""
    return {
        "parse": [("aggregator/crawl/spider.py", "parse_page"),
                  ("aggregator/crawl/spider.py", "parse_listing"),
                  ("aggregator/crawl/spider.py", "parse_feed")],
        "normalize": [("aggregator/crawl/pipelines.py", "NormalizePipeline.process_item")],
        "store": [("aggregator/crawl/pipelines.py", "StorePipeline.process_item"),
                  ("aggregator/crawl/pipelines.py", "StorePipeline.close_spider"),
                  ("aggregator/crawl/pipelines.py", "StorePipeline.flush"),
                  ("aggregator/crawl/revalidate.py", "process_request"),
                  ("aggregator/crawl/revalidate.py", "process_response")],
        "link (during the crawls)": [("aggregator/crawl/pipelines.py",
                                      "LinkPipeline.process_item")],
        "link (after them)": [("aggregator/crawl/pipelines.py", "LinkPipeline.close_spider")],
        "export": [("aggregator/app.py", "export_outputs")],
    }


def _qualnames() -> dict[tuple[str, int], str]:
    """(file suffix, first line) -> Class.method for the pipeline classes (cProfile keys
    functions by name and line, and three classes have a ``process_item``)."""
    from aggregator.crawl import pipelines

    names = {}
    for cls in (pipelines.NormalizePipeline, pipelines.StorePipeline, pipelines.LinkPipeline):
        for attr, fn in vars(cls).items():
            code = getattr(fn, "__code__", None)
            if code is not None:
                names[("aggregator/crawl/pipelines.py", code.co_firstlineno)] = \
                    f"{cls.__name__}.{attr}"
    return names


def stages(profile: Path) -> dict[str, float]:
    stats = pstats.Stats(str(profile))
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    qual = _qualnames()
    wanted = _stage_functions()
    found = dict.fromkeys(wanted, 0.0)
    for (file, line, name), (_cc, _nc, _tt, cumulative, _callers) in raw.items():
        suffix = next((s for s in {f for fs in wanted.values() for f, _ in fs}
                       if file.endswith(s)), None)
        if suffix is None:
            continue
        label = qual.get((suffix, line), name)
        for stage, functions in wanted.items():
            if (suffix, label) in functions:
                found[stage] += cumulative
    total = float(stats.total_tt)  # type: ignore[attr-defined]
    return {"total": total, "fetch": total - sum(found.values()), **found}


# -- scrapy bench ----------------------------------------------------------------------------


def scrapy_bench(seconds: int = 10) -> float:
    """Pages per minute ``scrapy bench`` reports (the best of its per-minute log lines' rates
    after the first), run outside any Scrapy project so no project setting applies."""
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    with tempfile.TemporaryDirectory() as empty:
        done = subprocess.run([scrapy, "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
                               "-s", "LOGSTATS_INTERVAL=2"], capture_output=True, text=True,
                              cwd=empty, check=False)
    rates = [int(r) for r in re.findall(r"at (\d+) pages/min", done.stderr)]
    return float(max(rates[1:] or rates or [0]))


# -- reporting -------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "GAP"


def size_run(issues: int, profile: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "replica"
        urls = build(root, issues)
        with ReplicaServer(root=root, snapshot=1) as server:
            raw = raw_fetch(server)
            backfill = run_child(aggregator_command(server, Path(tmp) / "out", None), server)
            rerun = run_child(aggregator_command(server, Path(tmp) / "out", None), server)
            figures: dict[str, Any] = {"issues": issues, "urls": urls, "raw": raw,
                                       "backfill": backfill, "rerun": rerun}
            if profile:
                out = Path(tmp) / "profiled"
                for label in ("backfill", "rerun"):
                    path = Path(tmp) / f"{label}.prof"
                    run_child(aggregator_command(server, out, path), server)
                    figures[f"{label}_stages"] = stages(path)
    for label in ("raw", "backfill", "rerun"):
        child: Child = figures[label]
        if child.code not in (0, 3):
            sys.exit(f"{label} failed (exit {child.code}):\n{child.stderr[-3000:]}")
    return figures


def report(figures: dict[str, Any]) -> None:
    raw: Child = figures["raw"]
    backfill: Child = figures["backfill"]
    rerun: Child = figures["rerun"]
    raw_rate = raw.requests / raw.seconds * 60
    backfill_rate = backfill.requests / backfill.seconds * 60
    print(f"== {figures['issues']} issues ({figures['urls']} URLs served)")
    print(f"  raw Scrapy fetch           {raw.seconds:6.1f} s (cpu {raw.cpu:5.1f} s)  "
          f"{raw.requests:5d} requests  {raw_rate:7.0f} pages/min  peak RSS "
          f"{raw.peak_mib:5.0f} MiB")
    print(f"  aggregator run, backfill   {backfill.seconds:6.1f} s (cpu {backfill.cpu:5.1f} s)  "
          f"{backfill.requests:5d} requests  {backfill_rate:7.0f} pages/min  peak RSS "
          f"{backfill.peak_mib:5.0f} MiB")
    print(f"  aggregator run, unchanged  {rerun.seconds:6.1f} s (cpu {rerun.cpu:5.1f} s)  "
          f"{rerun.requests:5d} requests ({rerun.not_modified} answered 304)  peak RSS "
          f"{rerun.peak_mib:5.0f} MiB")
    ratio = backfill_rate / raw_rate
    print(f"  backfill / raw fetch rate  {ratio:.2f}x   target >= 0.50x: {verdict(ratio >= 0.5)}")
    share = rerun.seconds / backfill.seconds
    print(f"  unchanged re-run / backfill {share:.0%}    target <= 10 %: {verdict(share <= 0.10)}")
    for label in ("backfill", "rerun"):
        found = figures.get(f"{label}_stages")
        if not found:
            continue
        total = found["total"]
        parts = "  ".join(f"{stage} {seconds:.1f} s ({seconds / total:.0%})"
                          for stage, seconds in found.items() if stage != "total")
        print(f"  profile, {label:8s} {total:5.1f} s: {parts}")
    found = figures.get("backfill_stages")
    if found:
        during = found["link (during the crawls)"]
        print(f"  link work while the crawls run (on the reactor thread) {during:.2f} s "
              f"({during / found['total']:.1%} of the backfill)   target: small (< 2 %): "
              f"{verdict(during / found['total'] < 0.02)}")


# -- page objects and dates on the bundled replica (--parsers) --------------------------------

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, nargs="+", default=[400, 2000])
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled runs")
    parser.add_argument("--no-bench", action="store_true", help="skip scrapy bench")
    parser.add_argument("--parsers", action="store_true",
                        help="also time page objects and date parsers")
    parser.add_argument("--raw-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_child:
        raw_child(json.loads(args.raw_child))
        return
    if args.parsers:
        page_objects()
        date_parsing()
    if not args.no_bench:
        bench = scrapy_bench()
        print(f"== scrapy bench: {bench:.0f} pages/min (its own server and spider)")
    runs = []
    for issues in sorted(args.issues):
        runs.append(size_run(issues, profile=not args.no_profile))
        report(runs[-1])
        if not args.no_bench:
            rate = runs[-1]["backfill"].requests / runs[-1]["backfill"].seconds * 60
            print(f"  backfill / scrapy bench    {rate / bench:.2f}x   target >= 0.75x: "
                  f"{verdict(rate / bench >= 0.75)}")
    if len(runs) > 1:
        small, large = runs[0], runs[-1]
        for label in ("backfill", "rerun"):
            ratio = large[label].peak_mib / small[label].peak_mib
            print(f"== peak RSS of the {label}, {large['issues']} / {small['issues']} issues: "
                  f"{large[label].peak_mib:.0f} / {small[label].peak_mib:.0f} MiB = "
                  f"{ratio:.2f}x   target <= 1.3x: {verdict(ratio <= 1.3)}")


if __name__ == "__main__":
    main()
