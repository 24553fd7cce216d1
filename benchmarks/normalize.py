"""Per-page cost of the normalize stage on the bundled replica: prints figures, asserts nothing.

    python benchmarks/normalize.py [--repeat N]

Every 200 HTML page of the bundled replica (its manifest.json) that a site's document page
object reads (issue pages, posts; listings and error pages raise and are skipped) is parsed
once, then :func:`aggregator.article.normalize_result` is timed on it: the best of
``--repeat`` rounds per page (the steady cost; a warm-up call pays the imports), then the
median and the max over pages, per site and over all. The target is under 5 ms/page.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import bs4
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aggregator.article import normalize_html, normalize_result
from aggregator.decoding import decode
from aggregator.items import Issue, PageResult, Post
from aggregator.normalize import canonical_url
from aggregator.replica import DEFAULT_ROOT
from aggregator.sites import SITES, Site, site_of_url

Parse = Callable[[str, str], Issue | Post]


def document_parser(site: Site) -> Parse | None:
    """The site's ``parse_document``; a module without ``page_objects`` yet (mid-migration)
    is read through its ``parse_post``/``parse_issue_page``; ``None`` if it has neither."""
    try:
        return site.page_objects().parse_document
    except ImportError:
        return None
    except AttributeError:
        module = importlib.import_module(site.pages_module)
        found: Parse | None = getattr(module, "parse_post", None) or getattr(
            module, "parse_issue_page", None
        )
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    manifest = json.loads((DEFAULT_ROOT / "manifest.json").read_text(encoding="utf-8"))
    parsers = {key: document_parser(site) for key, site in SITES.items()}
    for key, parse in parsers.items():
        if parse is None:
            print(f"  ({key}: no page objects module in this tree, skipped)")
    pages: list[tuple[Site, PageResult, str]] = []
    for entry in manifest:
        content_type = entry["headers"].get("Content-Type", "")
        if entry["status"] != 200 or not entry["file"] or "html" not in content_type:
            continue
        site = site_of_url(canonical_url(entry["url"]))
        parse = parsers.get(site.key) if site else None
        if site is None or parse is None:
            continue
        text = decode(entry["url"], (DEFAULT_ROOT / entry["file"]).read_bytes(), content_type)
        try:
            item = parse(entry["url"], text)
        except ValueError:
            continue  # a listing or an error page: not a document
        result = PageResult(
            url=canonical_url(entry["url"]),
            source=site.key,
            status=200,
            issue=item if isinstance(item, Issue) else None,
            post=item if isinstance(item, Post) else None,
        )
        normalize_result(result, lang=site.lang)  # warm-up: imports, caches
        pages.append((site, result, item.content_html))

    # Rounds over all pages rather than repeats of one page: a burst of load on this shared
    # machine then spoils one round of many pages, not every run of one page.
    totals = [float("inf")] * len(pages)
    html_only = [float("inf")] * len(pages)
    for _ in range(args.repeat):
        for i, (site, result, html) in enumerate(pages):
            start = time.perf_counter()
            normalize_result(result, lang=site.lang)
            middle = time.perf_counter()
            normalize_html(html, base_url=result.url, lang=site.lang)
            end = time.perf_counter()
            totals[i] = min(totals[i], (middle - start) * 1000)
            html_only[i] = min(html_only[i], (end - middle) * 1000)
    per_site: dict[str, list[tuple[float, float, int, str]]] = {}
    for (site, result, html), total, only_html in zip(pages, totals, html_only, strict=True):
        per_site.setdefault(site.key, []).append((total, only_html, len(html), result.url))

    print(f"== normalize_result per page (best of {args.repeat} rounds), target < 5 ms/page;"
          f" bs4 {bs4.__version__}, lxml {etree.__version__}, nh3 {version('nh3')}")
    print(f"  {'site':10s} {'pages':>5s} {'median':>8s} {'max':>8s} {'html share':>10s}"
          f" {'median KB':>9s}  slowest page")
    every: list[float] = []
    for key, rows in per_site.items():
        totals = [row[0] for row in rows]
        every.extend(totals)
        share = sum(row[1] for row in rows) / sum(totals)
        slowest = max(rows)
        kb = statistics.median(row[2] for row in rows) / 1024
        print(f"  {key:10s} {len(rows):5d} {statistics.median(totals):6.2f}ms"
              f" {max(totals):6.2f}ms {share:10.0%} {kb:9.1f}  {slowest[3]}"
              f" ({slowest[2] / 1024:.1f} KB)")
    if every:
        print(f"  {'all':10s} {len(every):5d} {statistics.median(every):6.2f}ms"
              f" {max(every):6.2f}ms")


if __name__ == "__main__":
    main()
