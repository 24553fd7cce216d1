"""The ``aggregator`` command: a thin layer over the library.

Commands: ``run`` (crawl + link + export; what cron calls), ``demo`` (the same against the
bundled replica on loopback), ``export`` (rebuild feeds and datasets from the store),
``relink`` (recompute every link and report what changed) and ``link`` (link a JSON Lines file
of your own documents, no database).
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from aggregator import __version__
from aggregator.catalog import build_catalog
from aggregator.crawl import CrawlReport, build_settings, parse_setting_overrides, run_crawl
from aggregator.exports import write_exports
from aggregator.feeds import write_feeds
from aggregator.relink import LinkReport, link_posts
from aggregator.sources import SOURCES, ConfigError, get_source, parse_base_urls
from aggregator.store import Store


class CommandError(Exception):
    """A failure to report as one line and a non-zero exit code."""


@contextmanager
def run_lock(out_dir: Path) -> Iterator[None]:
    """Refuse to run while another run writes into the same output directory."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ".aggregator.lock"
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError(f"another aggregator run is using {out_dir} (lock {path})") from None
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _db_url(args: argparse.Namespace) -> str:
    if args.db:
        return str(args.db)
    if os.environ.get("AGGREGATOR_DB_URL"):
        return os.environ["AGGREGATOR_DB_URL"]
    return f"sqlite:///{Path(args.out) / 'aggregator.db'}"


def _open_store(url: str) -> Store:
    try:
        return Store.open(url)
    except Exception as error:  # SQLAlchemy raises many kinds; the user needs the one line
        raise CommandError(f"cannot open database {url}: {error}") from error


def export_outputs(store: Store, out_dir: Path) -> list[Path]:
    catalog = build_catalog(store)
    return write_feeds(catalog, out_dir) + write_exports(store, catalog, out_dir)


def _print_summary(report: CrawlReport, links: LinkReport, linked_total: int,
                   outputs: list[Path]) -> None:
    print(f"Crawl finished in {report.seconds:.1f}s")
    for source in report.sources:
        s = source
        print(f"  {s.key}: {s.pages_fetched} pages fetched, {s.not_modified} not modified "
              f"(304); issues {s.count('aggregator/issues_new')} new / "
              f"{s.count('aggregator/issues_updated')} updated; mirrors "
              f"{s.count('aggregator/mirrors_new')} new / "
              f"{s.count('aggregator/mirrors_updated')} updated; other posts "
              f"{s.count('aggregator/posts_new')} new")
        for flagged in s.stats.get("aggregator/flagged_urls", []):
            print(f"    flagged: {flagged}")
    print(f"  links: {linked_total} mirror posts linked in all; this pass: "
          f"{len(links.linked)} made, {len(links.changed)} changed, "
          f"{len(links.unlinked_mirrors)} left unlinked")
    for url in links.unlinked_mirrors:
        print(f"    unlinked mirror: {url} ({links.reasons.get(url, 'no match')})")
    print("Outputs:")
    for path in outputs:
        print(f"  {path}")


def cmd_run(args: argparse.Namespace) -> int:
    keys = [k.strip() for k in args.sources.split(",") if k.strip()]
    for key in keys:
        get_source(key)
    base_urls = parse_base_urls(args.base_url)
    overrides = parse_setting_overrides(args.setting)
    out_dir = Path(args.out)
    db_url = _db_url(args)
    with run_lock(out_dir):
        _open_store(db_url).close()  # fail early, with one line, on a bad URL
        settings = build_settings(db_url=db_url, base_urls=base_urls, overrides=overrides)
        report = run_crawl(keys, settings, progress=not args.quiet)
        store = _open_store(db_url)
        try:
            links = link_posts(store, decided=datetime.now(UTC))
            linked_total = sum(1 for row in store.links().values() if row.issue_number)
            outputs = export_outputs(store, out_dir)
        finally:
            store.close()
    _print_summary(report, links, linked_total, outputs)
    if report.failures:
        raise CommandError("; ".join(report.failures))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from aggregator.replica import ReplicaServer

    out_dir = Path(args.out)
    server = ReplicaServer(root=Path(args.replica)) if args.replica else ReplicaServer()
    snapshot = args.snapshot or max(entry.snapshot for entry in server.entries)
    server.set_snapshot(snapshot)
    with server:
        bases = server.base_urls
        overrides = [f"{key}={bases[source.canonical_base]}" for key, source in SOURCES.items()
                     if source.canonical_base in bases]
        print(f"Serving the replica at {server.root} (snapshot {snapshot}) on loopback:")
        for canonical, local in bases.items():
            print(f"  {canonical} -> {local}")
        run_args = argparse.Namespace(
            sources=",".join(SOURCES), base_url=overrides, out=str(out_dir), db=args.db,
            quiet=args.quiet,
            # Loopback: no need for polite delays.
            setting=["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False",
                     "CONCURRENT_REQUESTS_PER_DOMAIN=8", *args.setting],
        )
        code = cmd_run(run_args)
    print(f"Demo output is in {out_dir.resolve()}")
    return code


def cmd_export(args: argparse.Namespace) -> int:
    out_dir = Path(args.out)
    with run_lock(out_dir):
        store = _open_store(_db_url(args))
        try:
            outputs = export_outputs(store, out_dir)
        finally:
            store.close()
    print("Outputs:")
    for path in outputs:
        print(f"  {path}")
    return 0


def cmd_relink(args: argparse.Namespace) -> int:
    out_dir = Path(args.out)
    with run_lock(out_dir):
        store = _open_store(_db_url(args))
        try:
            report = link_posts(store, decided=datetime.now(UTC), everything=True)
            outputs = export_outputs(store, out_dir) if not args.no_export else []
        finally:
            store.close()
    print(f"Relinked: {len(report.linked)} linked, {len(report.unlinked_mirrors)} unlinked, "
          f"{len(report.changed)} changed")
    for url, old, new in report.changed:
        print(f"  changed: {url}: {old} -> {new}")
    for url in report.unlinked_mirrors:
        print(f"  unlinked mirror: {url} ({report.reasons.get(url, 'no match')})")
    for path in outputs:
        print(f"  wrote {path}")
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    from aggregator.linking import link_jsonl

    summary = link_jsonl(Path(args.input), Path(args.output))
    print(f"Linked {summary['documents']} documents into {summary['groups']} groups "
          f"({summary['cross_language_groups']} across languages); wrote {args.output}")
    for method, count in sorted(summary["methods"].items()):
        print(f"  {method}: {count}")
    for error in summary["errors"]:
        print(f"  skipped line {error['line']}: {error['error']}")
    return 0


def _add_store_options(parser: argparse.ArgumentParser, default_out: str) -> None:
    parser.add_argument("--db", help="SQLAlchemy database URL (default: $AGGREGATOR_DB_URL, "
                        "else sqlite:///OUT/aggregator.db)")
    parser.add_argument("--out", default=default_out,
                        help=f"output directory for feeds/ and exports/ (default: {default_out})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aggregator",
        description="Crawl AI Weekly and its Chinese mirrors, link them, write feeds and data.",
    )
    parser.add_argument("--version", action="version", version=f"aggregator {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's log")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="crawl the real sites, link, and write feeds and exports",
                         description="Crawl, link and export. This is what cron calls.")
    _add_store_options(run, "data")
    run.add_argument("--sources", default=",".join(SOURCES),
                     help=f"comma-separated site keys (default: {','.join(SOURCES)})")
    run.add_argument("--base-url", action="append", default=[], metavar="KEY=URL",
                     help="fetch a source from another base URL (repeatable), e.g. "
                          "aiweekly=http://127.0.0.1:8001; stored URLs stay canonical")
    run.add_argument("-s", "--set", dest="setting", action="append", default=[],
                     metavar="NAME=VALUE", help="override a Scrapy setting (repeatable)")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="serve the bundled replica on loopback and run on it",
                          description="Start the offline replica of both sites on loopback "
                                      "ports, crawl it with the real spiders, write outputs.")
    _add_store_options(demo, "data/demo")
    demo.add_argument("--snapshot", type=int, default=None,
                      help="which replica snapshot to serve (default: the latest)")
    demo.add_argument("--replica", metavar="DIR",
                      help="serve another replica (a folder with manifest.json and sites/) "
                           "instead of the bundled data/replica")
    demo.add_argument("-s", "--set", dest="setting", action="append", default=[],
                      metavar="NAME=VALUE", help="override a Scrapy setting (repeatable)")
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    demo.set_defaults(func=cmd_demo)

    export = sub.add_parser("export", help="rebuild feeds and exports from the store",
                            description="Rebuild every feed and dataset from the store.")
    _add_store_options(export, "data")
    export.set_defaults(func=cmd_export)

    relink = sub.add_parser("relink", help="recompute all links and report what changed",
                            description="Recompute every mirror link (e.g. after a threshold "
                                        "change), report changes, then re-export.")
    _add_store_options(relink, "data")
    relink.add_argument("--no-export", action="store_true", help="do not rewrite outputs")
    relink.set_defaults(func=cmd_relink)

    link = sub.add_parser("link", help="link your own documents (JSON Lines), no database",
                          description="Read documents (id, lang, title, text, optional url "
                                      "and published), one JSON object per line; write one "
                                      "line per input: id, group, method, score.")
    link.add_argument("--input", required=True, help="input JSON Lines file")
    link.add_argument("--output", required=True, help="output JSON Lines file")
    link.set_defaults(func=cmd_link)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.verbose:
        os.environ.setdefault("AGGREGATOR_LOG_LEVEL", "WARNING")
        logging.getLogger("scrapy").setLevel(logging.WARNING)
    try:
        result: int = args.func(args)
        return result
    except (CommandError, ConfigError, FileNotFoundError, ValueError) as error:
        print(f"aggregator: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("aggregator: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head` that stopped reading: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
