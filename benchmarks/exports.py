"""Export memory: peak RSS stays flat from 10k to 100k stories. Prints figures, asserts nothing.

    python benchmarks/exports.py                  # 10k and 100k stories (about a minute)
    python benchmarks/exports.py --sizes 10000 50000 100000

For each size it generates a synthetic SQLite store (issues with 10 English stories and a
Simplified Chinese mirror with 10 translated, aligned stories, each issue page with a few KB of
HTML, every mirror linked), then exports every dataset in every format in a child process and
prints that child's peak RSS, its wall time and the ratio to the smallest size. For contrast
it also prints the peak of a child that only builds the feeds' in-memory catalog
(``build_catalog``), which holds every row.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from aggregator.sites import SITES, newsletter
from aggregator.store import IssueRow, LinkRow, PostRow, Store, StoryRow

STORIES_PER_DOCUMENT = 10
T0 = datetime(2020, 1, 3, tzinfo=UTC)


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> list[list[dict[str, Any]]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def generate(db: Path, stories: int) -> None:
    """A store with ``stories`` stories: half English, half translated."""
    issues = max(1, stories // (2 * STORIES_PER_DOCUMENT))
    en, mirror = newsletter(), next(s for s in SITES.values() if s.kind == "mirror")
    store = Store.open(f"sqlite:///{db}")
    html = "<p>" + "Lorem ipsum dolor sit amet. " * 150 + "</p>"  # about 4 KB a page
    with store.session() as s:
        issue_rows, post_rows, story_rows, link_rows = [], [], [], []
        for n in range(1, issues + 1):
            published = T0 + timedelta(days=7 * n)
            week = date(2020, 1, 1) + timedelta(days=7 * n)
            url = f"{en.canonical_base}/issues/{n}"
            issue_rows.append(dict(
                number=n, url=url, numeric_url=url, title=f"Issue {n} title", week_start=week,
                week_end=week + timedelta(days=6), published=published, intro="Intro.",
                takeaways=[], quick_hits=[], watch=[], content_html=html, markup="classic",
                content_sha256="0" * 64, first_seen=published, updated=published))
            post_rows.append(dict(
                id=n, url=f"{mirror.canonical_base}/?post={n}", source=mirror.key,
                lang=mirror.lang, post_id=n, title=f"AI周刊第{n}期", published=published,
                content_html=html, content_text="内容", is_mirror=True, stated_issue_number=n,
                title_zh=f"第{n}期标题", source_url=url, summary="总结", week_start=week,
                week_end=week + timedelta(days=6), intro="", takeaways=[], quick_hits=[],
                watch=[], english_text="", english_links=[], markup="classic",
                content_sha256="0" * 64, first_seen=published, updated=published))
            link_rows.append(dict(post_row=n, issue_number=n, method="explicit", score=1.0,
                                  evidence={"via": "url"}, decided=published))
            for p in range(1, STORIES_PER_DOCUMENT + 1):
                common = dict(position=p, section="Section", outlet="Outlet", pair=p,
                              date=week, summary="Summary of the story. " * 10)
                story_rows.append(dict(common, issue_number=n, lang=en.lang,
                                       headline=f"Story {n}.{p}",
                                       link=f"https://example.com/{n}/{p}"))
                story_rows.append(dict(common, post_row=n, lang=mirror.lang,
                                       headline=f"新闻 {n}.{p}", link=None))
        for table, rows in ((IssueRow, issue_rows), (PostRow, post_rows),
                            (LinkRow, link_rows), (StoryRow, story_rows)):
            for chunk in _chunks(rows):
                s.execute(insert(table), chunk)
    store.close()


def child(mode: str, db: Path, out: Path) -> None:
    """Run in a fresh process; print peak RSS (KiB) and seconds."""
    start = time.perf_counter()
    store = Store.open(f"sqlite:///{db}")
    if mode == "export":
        from aggregator.exports import write_exports

        write_exports(store, None, out)
    else:
        from aggregator.catalog import build_catalog

        build_catalog(store)
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(peak, f"{time.perf_counter() - start:.2f}")


def measure(mode: str, db: Path, out: Path) -> tuple[float, float]:
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(db), str(out)],
                          capture_output=True, text=True, check=True)
    peak, seconds = done.stdout.split()
    return int(peak) / 1024, float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", nargs=3, metavar=("MODE", "DB", "OUT"))
    args = parser.parse_args()
    if args.child:
        mode, db, out = args.child
        child(mode, Path(db), Path(out))
        return
    print(f"{'stories':>8} {'export peak MiB':>16} {'ratio':>6} {'export s':>9} "
          f"{'catalog peak MiB':>17} {'ratio':>6}")
    base: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            db = Path(tmp) / f"s{size}.db"
            generate(db, size)
            export_peak, seconds = measure("export", db, Path(tmp) / f"out{size}")
            catalog_peak, _ = measure("catalog", db, Path(tmp) / f"out{size}")
            base = base or (export_peak, catalog_peak)
            print(f"{size:>8} {export_peak:>16.1f} {export_peak / base[0]:>6.2f} "
                  f"{seconds:>9.1f} {catalog_peak:>17.1f} {catalog_peak / base[1]:>6.2f}")


if __name__ == "__main__":
    main()
