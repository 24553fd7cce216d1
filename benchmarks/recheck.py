"""What a re-run of a large archive costs under the recheck policy: prints figures.

    python benchmarks/recheck.py [--issues 2000]

Builds an AI Weekly archive of N issues from the bundled replica's classic issue page (each
renumbered, archive pages of 10 with rel=next), serves it on loopback, backfills it, then
pretends every document but the newest 20 has been unchanged for 400 days and was checked
yesterday, and runs again twice: with the default policy, and with every page due
(AGGREGATOR_RECHECK_OLDER_DAYS=0, i.e. revalidate everything). The request counts are what the
policy saves; listings are always revalidated.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aggregator.replica import DEFAULT_ROOT, ReplicaServer

HEADERS = {"Content-Type": "text/html; charset=utf-8",
           "Last-Modified": "Fri, 10 Apr 2026 01:36:54 GMT"}


def build(root: Path, issues: int) -> None:
    template = (DEFAULT_ROOT / "sites/aiweekly.co/s1/issues/481.html").read_text(encoding="utf-8")
    archive = (DEFAULT_ROOT / "sites/aiweekly.co/s1/issues.html").read_text(encoding="utf-8")
    head, rest = archive.split('<ul class="issues-list">', 1)
    _, tail = rest.split("</ul>", 1)
    manifest = []
    site = root / "sites" / "aiweekly.co"
    (site / "issues").mkdir(parents=True)
    for n in range(1, issues + 1):
        page = template.replace("/issues/481", f"/issues/{n}").replace(
            "Issue #481", f"Issue #{n}").replace(
            "Musk Wants Altman Fired", f"Musk Wants Altman Fired ({n})")
        (site / "issues" / f"{n}.html").write_text(page, encoding="utf-8")
        manifest.append({"url": f"https://aiweekly.co/issues/{n}", "file":
                         f"sites/aiweekly.co/issues/{n}.html", "status": 200,
                         "headers": {**HEADERS, "ETag": f'"issue-{n}"'}, "snapshot": 1})
    pages = (issues + 9) // 10
    for k in range(1, pages + 1):
        numbers = range(issues - (k - 1) * 10, max(issues - k * 10, 0), -1)
        items = "".join(f'<li class="issue-entry"><a href="/issues/{n}">Issue #{n}: Musk Wants '
                        f'Altman Fired ({n})</a> <span class="range">April 3 – 9, 2026</span>'
                        "</li>\n" for n in numbers)
        nav = (f'<nav class="pagination"><a rel="next" href="/issues?page={k + 1}">Older</a></nav>'
               if k < pages else "")
        page_head = head.replace('<link rel="next" href="/issues?page=2">',
                                 f'<link rel="next" href="/issues?page={k + 1}">'
                                 if k < pages else "")
        body = f'{page_head}<ul class="issues-list">\n{items}</ul>{nav}{tail}'
        name = f"issues__page-{k}.html"
        (site / name).write_text(body, encoding="utf-8")
        for url in ([f"https://aiweekly.co/issues?page={k}"]
                    + (["https://aiweekly.co/issues", "https://aiweekly.co/"] if k == 1 else [])):
            manifest.append({"url": url, "file": f"sites/aiweekly.co/{name}", "status": 200,
                             "headers": {**HEADERS, "ETag": f'"archive-{k}"'}, "snapshot": 1})
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (root / "truth.json").write_text("{}", encoding="utf-8")


def crawl(server: ReplicaServer, out: Path, *extra: str) -> tuple[float, int, int]:
    server.clear_log()
    base = server.base_urls["https://aiweekly.co"]
    command = [sys.executable, "-m", "aggregator.cli", "run", "--sources", "aiweekly",
               "--out", str(out), "--base-url", f"aiweekly={base}", "--quiet",
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "ROBOTSTXT_OBEY=False", *extra]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    log = server.requests
    documents = sum(1 for r in log if "/issues/" in r.url)
    return seconds, len(log), documents


def age(db: Path, keep_newest: int) -> int:
    changed = (datetime.now(UTC) - timedelta(days=400)).isoformat(" ")
    fetched = (datetime.now(UTC) - timedelta(days=1)).isoformat(" ")
    with sqlite3.connect(db) as conn:
        urls = [u for (u,) in conn.execute(
            "SELECT url FROM pages WHERE url LIKE 'https://aiweekly.co/issues/%' "
            "ORDER BY CAST(substr(url, 28) AS INTEGER) DESC")][keep_newest:]
        conn.executemany("UPDATE pages SET last_changed = ?, last_fetched = ? WHERE url = ?",
                         [(changed, fetched, u) for u in urls])
    return len(urls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, out = Path(tmp) / "replica", Path(tmp) / "out"
        build(root, args.issues)
        with ReplicaServer(root=root, snapshot=1) as server:
            backfill = crawl(server, out)
            old = age(out / "aggregator.db", keep_newest=20)
            policy = crawl(server, out)
            age(out / "aggregator.db", keep_newest=20)
            everything = crawl(server, out, "-s", "AGGREGATOR_RECHECK_OLDER_DAYS=0")
    print(f"== re-runs of a {args.issues}-issue archive ({old} documents old and checked "
          "yesterday, 20 recent)")
    for label, (seconds, requests, documents) in (
            ("backfill", backfill), ("re-run, recheck policy", policy),
            ("re-run, revalidate everything", everything)):
        print(f"  {label:30s} {seconds:6.1f} s  {requests:5d} requests ({documents:5d} issue "
              "pages)")
    print(f"  the policy's re-run makes {policy[1] / everything[1]:.2f}x the requests of "
          f"revalidating everything, and {policy[0] / everything[0]:.2f}x the time")


if __name__ == "__main__":
    main()
