"""The ``aggregator`` command: a thin layer over the library.

Commands: ``run`` (crawl + link + export; what cron calls), ``demo`` (the same against the
bundled replica on loopback), ``export`` (rebuild feeds and datasets from the store),
``relink`` (recompute every link and report what changed) and ``link`` (link a JSON Lines file
of your own documents, no database).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from aggregator import __version__, app
from aggregator.app import CommandError, Interrupted, RunResult
from aggregator.config import (
    DEFAULT_FEED_BASE_URL,
    DEFAULT_SERVE_HOST,
    DEFAULT_SERVE_PORT,
    RunConfig,
)
from aggregator.sites import SITES, ConfigError
from aggregator.store import masked

_FLAGGED_SHOWN = 5


def _print_flagged(flagged: list[str]) -> None:
    """Pages that need a maintainer's look, a few per reason (the log has them all)."""
    by_reason: dict[str, list[str]] = {}
    for line in flagged:
        url, _, reason = line.rpartition(" (")
        by_reason.setdefault(reason.rstrip(")"), []).append(url)
    for reason, urls in sorted(by_reason.items()):
        more = f" and {len(urls) - _FLAGGED_SHOWN} more" if len(urls) > _FLAGGED_SHOWN else ""
        print(f"    flagged {reason}: {len(urls)} pages: "
              f"{', '.join(urls[:_FLAGGED_SHOWN])}{more}")


def _print_outputs(outputs: list[Path], out_dir: Path) -> None:
    """The files a reader or an analyst opens (the per-issue pages and archive pages are
    summed up, not listed one by one)."""
    print("Outputs:")
    shown = [p for p in outputs if p.parent.name not in ("issues", "archive", "sources")]
    for path in shown:
        print(f"  {path}")
    rest = len(outputs) - len(shown)
    if rest:
        print(f"  ... and {rest} more (per-issue pages, per-source feeds, archive pages) "
              f"under {out_dir}")


def _print_summary(result: RunResult) -> None:
    report = result.crawl
    print(f"Crawl finished in {report.seconds:.1f}s")
    made = changed = pairs = 0
    unlinked: list[str] = []
    for s in report.sources:
        print(f"  {s.key}: {s.pages_fetched} pages fetched, {s.not_modified} not modified "
              f"(304); issues {s.count('aggregator/issues_new')} new / "
              f"{s.count('aggregator/issues_updated')} updated; mirrors "
              f"{s.count('aggregator/mirrors_new')} new / "
              f"{s.count('aggregator/mirrors_updated')} updated; other posts "
              f"{s.count('aggregator/posts_new')} new")
        _print_flagged(list(s.stats.get("aggregator/flagged_urls", [])))
        made += s.count("aggregator/links_made")
        changed += s.count("aggregator/links_changed")
        pairs += s.count("aggregator/story_pairs")
        unlinked += list(s.stats.get("aggregator/unlinked_mirrors", []))
        failed = list(s.stats.get("aggregator/failed_urls", []))
        if failed:
            print(f"    failed: {len(failed)} pages (retried next run)")
            for line in failed[:_FLAGGED_SHOWN]:
                print(f"      {line}")
            if len(failed) > _FLAGGED_SHOWN:
                print(f"      ... and {len(failed) - _FLAGGED_SHOWN} more (see the log with -v)")
        if s.stats.get("aggregator/skipped_site"):
            print(f"    skipped for this run: {s.stats['aggregator/skipped_site']}")
    print(f"  links: {made} made this run ({changed} changed, {pairs} story pairs aligned); "
          f"{result.linked_total} mirror posts linked in all; {len(unlinked)} left unlinked")
    for line in unlinked:
        print(f"    unlinked mirror: {line}")
    _print_outputs(result.outputs, result.out_dir)


def _config(args: argparse.Namespace) -> RunConfig:
    return RunConfig.resolve(
        sources=getattr(args, "sources", None), db=args.db, out=args.out,
        base_urls=getattr(args, "base_url", ()), overrides=getattr(args, "setting", ()),
        quiet=getattr(args, "quiet", False),
        feed_base_url=getattr(args, "feed_base_url", None),
        feed_limit=getattr(args, "feed_limit", None),
        formats=getattr(args, "format", None), since=getattr(args, "since", None),
        lang=getattr(args, "lang", None), source=getattr(args, "source", None),
        redis=getattr(args, "redis", None), workers=getattr(args, "workers", None),
    )


def _finish(result: RunResult) -> int:
    _print_summary(result)
    report = result.crawl
    if any(s.locked_by for s in report.sources):
        raise CommandError("; ".join(report.failures), app.EXIT_LOCKED)
    if report.failures:
        raise CommandError("; ".join(report.failures))
    failed = [url for s in report.sources for url in s.stats.get("aggregator/failed_urls", [])]
    if failed:
        print(f"aggregator: partial run: {len(failed)} pages could not be fetched (listed "
              "above); they are retried on the next run", file=sys.stderr)
        return app.EXIT_PARTIAL
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    config = _config(args)
    if args.join:
        from aggregator.crawl.coordinator import join

        if not config.redis_url:
            raise CommandError("--join needs --redis URL (or $AGGREGATOR_REDIS_URL)")
        failed = join(config.scrapy_settings())
        if failed:
            raise CommandError(f"{failed} worker(s) did not finish (run with -v for the log)")
        print("Workers finished: the coordinator links and writes the outputs")
        return 0
    return _finish(app.run(config))


def cmd_demo(args: argparse.Namespace) -> int:
    from aggregator.replica import ReplicaServer

    config = _config(args)
    server = ReplicaServer(root=Path(args.replica)) if args.replica else ReplicaServer()
    snapshot = args.snapshot or max(entry.snapshot for entry in server.entries)
    server.set_snapshot(snapshot)
    with server:
        bases = server.base_urls
        print(f"Serving the replica at {server.root} (snapshot {snapshot}) on loopback:")
        for canonical, local in bases.items():
            print(f"  {canonical} -> {local}")
        code = _finish(app.run(app.demo_config(config, bases)))
    print(f"Demo output is in {config.out_dir.resolve()}")
    return code


def cmd_export(args: argparse.Namespace) -> int:
    config = _config(args)
    outputs = app.export(config.db_url, config.out_dir, config.outputs)
    _print_outputs(outputs, config.out_dir)
    return 0


def cmd_relink(args: argparse.Namespace) -> int:
    config = _config(args)
    report, outputs = app.relink(config.db_url, config.out_dir, write=not args.no_export,
                                 options=config.outputs)
    print(f"Relinked: {len(report.linked)} linked, {len(report.unlinked_mirrors)} unlinked, "
          f"{len(report.changed)} changed")
    for url, old, new in report.changed:
        print(f"  changed: {url}: {old} -> {new}")
    for url in report.unlinked_mirrors:
        print(f"  unlinked mirror: {url} ({report.reasons.get(url, 'no match')})")
    if outputs:
        _print_outputs(outputs, config.out_dir)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from aggregator.serve import serve

    out_dir = Path(args.out)
    if not (out_dir / "index.html").exists() and not (out_dir / "feeds").is_dir():
        raise CommandError(f"nothing to serve in {out_dir} (run `aggregator run` or "
                           "`aggregator export` first)")
    server = serve(out_dir, host=args.host, port=args.port)
    print(f"Serving {out_dir.resolve()} at {server.url} (Ctrl-C stops)")
    print(f"  reading page: {server.url}index.html; feeds: {server.url}feeds/feeds.opml")
    server.wait()
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    config = _config(args)
    report = app.status(config.db_url, runs=args.runs)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"Store: {report['database']}")
    for key, source in report["sources"].items():
        runs = source["runs"]
        if not runs:
            print(f"  {key}: never crawled into this store")
            continue
        state = "healthy" if source["healthy"] else f"UNHEALTHY: {runs[0]['verdict']}"
        print(f"  {key}: last run {runs[0]['finished']} ({state})")
        for run in runs:
            print(f"    {run['finished'][:16]}  {run['pages_fetched']:4d} fetched "
                  f"{run['not_modified']:4d} not modified  {run['documents']:4d} documents "
                  f"({run['new']} new, {run['updated']} updated)  {run['failed']} failed  "
                  f"{run['quarantined']} quarantined")
        for line in source["last_failed"][:_FLAGGED_SHOWN]:
            print(f"    failed last run: {line}")
    print(f"Quarantine: {len(report['quarantine'])} pages")
    for page in report["quarantine"]:
        print(f"  {page['url']} ({', '.join(page['flags'])}: {page['reason']})")
    if report["flagged"]:
        print(f"Flagged for a look: {len(report['flagged'])} pages (e.g. read by a fallback)")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from aggregator.store.schema import StoreError, schema_revision, upgrade_schema
    from aggregator.store.upgrade import head

    config = _config(args)
    try:
        if args.action == "upgrade":
            before, after = upgrade_schema(config.db_url)
            done = "already at" if before.current == after.current and not before.legacy else (
                f"upgraded from {before.shown} to")
            print(f"{masked(config.db_url)}: {done} schema {after.shown} (head)")
            return 0
        state = schema_revision(config.db_url)
    except StoreError as error:
        raise CommandError(str(error), error.code) from error
    except SQLAlchemyError as error:  # the one line a user needs, not the driver's report
        raise CommandError(f"cannot open database {masked(config.db_url)}: "
                           f"{_one_line(error)}") from error
    where = "head" if state.at_head else f"behind head {head()}: run `aggregator db upgrade`"
    print(f"{masked(config.db_url)}: schema {state.shown} ({where})" if state.current else
          f"{masked(config.db_url)}: no aggregator tables yet (head is {head()})")
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    from aggregator.linking import link_jsonl

    summary = link_jsonl(Path(args.input), Path(args.output))
    print(f"Linked {summary['documents']} documents into {summary['groups']} groups "
          f"({summary['cross_language_groups']} across languages); wrote {args.output}")
    for method, count in sorted(summary["methods"].items()):
        print(f"  {method}: {count}")
    for error in summary["errors"]:
        print(f"  skipped line {error['line']}: [{error['kind']}] {error['error']}")
    unlisted = summary["skipped"] - len(summary["errors"])
    if unlisted > 0:
        kinds = ", ".join(f"{k}: {n}" for k, n in summary["skipped_by_kind"].items())
        print(f"  ... and {unlisted} more skipped lines ({summary['skipped']} in all; {kinds})")
    return 0


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--feed-base-url", metavar="URL",
                        help="where OUT/ will be served, for the feeds' self links and ids "
                             f"(default: $AGGREGATOR_FEED_BASE_URL, else {DEFAULT_FEED_BASE_URL}, "
                             "what `aggregator serve` uses)")
    parser.add_argument("--feed-limit", type=int, metavar="N",
                        help="entries in each subscription feed; older ones are in archive "
                             "pages (default: 50)")


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
    # -v also after the command (``aggregator run -v``), where people type it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="show Scrapy's log and full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common],
                         help="crawl the real sites, link, and write feeds and exports",
                         description="Crawl, link and export. This is what cron calls.")
    _add_output_options(run)
    _add_store_options(run, "data")
    run.add_argument("--sources", default=None,
                     help=f"comma-separated site keys (default: {','.join(SITES)})")
    run.add_argument("--base-url", action="append", default=[], metavar="KEY=URL",
                     help="fetch a source from another base URL (repeatable), e.g. "
                          "aiweekly=http://127.0.0.1:8001; stored URLs stay canonical")
    run.add_argument("-s", "--set", dest="setting", action="append", default=[],
                     metavar="NAME=VALUE", help="override a Scrapy setting (repeatable)")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    run.add_argument("--redis", metavar="URL",
                     help="distributed: share the crawl frontier in this Redis, e.g. "
                          "redis://127.0.0.1:6379/0 (default: $AGGREGATOR_REDIS_URL); needs "
                          "a PostgreSQL --db every worker reaches")
    run.add_argument("--workers", type=int, metavar="N",
                     help="distributed: worker processes to start here (default 2; 0 to only "
                          "coordinate)")
    run.add_argument("--join", action="store_true",
                     help="distributed: only add workers to the run in progress on --redis "
                          "(another machine); the coordinator links and exports")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", parents=[common],
                         help="serve the bundled replica on loopback and run on it",
                          description="Start the offline replica of every site on loopback "
                                      "ports, crawl it with the real spiders, write outputs.")
    _add_output_options(demo)
    _add_store_options(demo, "data/demo")
    demo.add_argument("--snapshot", type=int, default=None,
                      help="which replica snapshot to serve (default: the latest)")
    demo.add_argument("--replica", metavar="DIR",
                      help="serve another replica (a folder with manifest.json and sites/) "
                           "instead of the bundled one (aggregator/replica/data)")
    demo.add_argument("-s", "--set", dest="setting", action="append", default=[],
                      metavar="NAME=VALUE", help="override a Scrapy setting (repeatable)")
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    demo.set_defaults(func=cmd_demo)

    export = sub.add_parser("export", parents=[common],
                         help="rebuild feeds and exports from the store",
                            description="Rebuild every feed and dataset from the store.")
    _add_output_options(export)
    export.add_argument("--format", metavar="FMT[,FMT]",
                        help="dataset formats: jsonl, csv, parquet (default: all three)")
    export.add_argument("--since", metavar="DATE",
                        help="datasets: only issues published on or after DATE (YYYY-MM-DD)")
    export.add_argument("--lang", help="datasets: only documents in this language "
                                       "(en, zh, zh-Hant)")
    export.add_argument("--source", help=f"datasets: only documents of one site "
                                         f"({', '.join(SITES)})")
    _add_store_options(export, "data")
    export.set_defaults(func=cmd_export)

    relink = sub.add_parser("relink", parents=[common],
                         help="recompute all links and report what changed",
                            description="Recompute every mirror link (e.g. after a threshold "
                                        "change), report changes, then re-export.")
    _add_output_options(relink)
    _add_store_options(relink, "data")
    relink.add_argument("--no-export", action="store_true", help="do not rewrite outputs")
    relink.set_defaults(func=cmd_relink)

    serve = sub.add_parser("serve", parents=[common],
                           help="serve OUT/ (feeds, exports, reading pages) over HTTP",
                           description="Serve the output folder read-only over HTTP, with ETag "
                                       "and Last-Modified, 304 answers and gzip. Static "
                                       "hosting of the same folder works as well.")
    serve.add_argument("--out", default="data", help="output directory to serve (default: data)")
    serve.add_argument("--host", default=DEFAULT_SERVE_HOST,
                       help=f"address to listen on (default: {DEFAULT_SERVE_HOST})")
    serve.add_argument("--port", type=int, default=DEFAULT_SERVE_PORT,
                       help=f"port (default: {DEFAULT_SERVE_PORT}, what feed ids and self "
                            "links assume unless --feed-base-url says otherwise)")
    serve.set_defaults(func=cmd_serve)

    status = sub.add_parser("status", parents=[common],
                            help="recent runs per source, failures and quarantined pages",
                            description="Show each source's recent runs (pages, 304s, new and "
                                        "updated documents, failures, field coverage verdict) "
                                        "and the pages kept in quarantine.")
    _add_store_options(status, "data")
    status.add_argument("--json", action="store_true", help="the same as JSON, for monitoring")
    status.add_argument("--runs", type=int, default=5, help="runs shown per source (default 5)")
    status.set_defaults(func=cmd_status)

    db = sub.add_parser("db", parents=[common],
                        help="the store's schema: upgrade it, or show its revision",
                        description="`db upgrade` migrates the store to this release's schema "
                                    "(a store made by an older release, or an empty database); "
                                    "`db current` shows the schema revision it is at.")
    db.add_argument("action", choices=("upgrade", "current"),
                    help="upgrade: migrate to this release's schema; current: show the revision")
    _add_store_options(db, "data")
    db.set_defaults(func=cmd_db)

    link = sub.add_parser("link", parents=[common],
                         help="link your own documents (JSON Lines), no database",
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
    with _quiet_log(not args.verbose):
        return _dispatch(args)


@contextmanager
def _quiet_log(quiet: bool) -> Iterator[None]:
    """Without -v: warnings only, no tracebacks. Scrapy reads these from the environment
    (settings.py), so they are set for the command and put back after it (a test or a caller
    in the same process, and the processes it starts later, keep their own)."""
    names = ("AGGREGATOR_LOG_LEVEL", "AGGREGATOR_LOG_TRACEBACKS")
    saved = {name: os.environ.get(name) for name in names}
    if quiet:
        os.environ.setdefault("AGGREGATOR_LOG_LEVEL", "WARNING")
        os.environ.setdefault("AGGREGATOR_LOG_TRACEBACKS", "0")
        logging.getLogger("scrapy").setLevel(logging.WARNING)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _dispatch(args: argparse.Namespace) -> int:
    try:
        result: int = args.func(args)
        return result
    except Interrupted as error:
        print(f"aggregator: {error}", file=sys.stderr)
        return error.code
    except (CommandError, ConfigError, ValueError, OSError) as error:
        if args.verbose:
            traceback.print_exc()
        print(f"aggregator: error: {_one_line(error)}", file=sys.stderr)
        return error.code if isinstance(error, CommandError) else 1
    except KeyboardInterrupt:
        print("aggregator: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head` that stopped reading: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:  # a bug or an unforeseen fault: one line, the traceback with -v
        if args.verbose:
            raise
        print(f"aggregator: error: {type(error).__name__}: {_one_line(error)} "
              "(run with -v for the traceback)", file=sys.stderr)
        return 1


def _one_line(error: BaseException) -> str:
    """An error's message on one line; an OSError names the path it failed on."""
    if isinstance(error, OSError) and error.filename and error.strerror:
        return f"{error.filename}: {error.strerror}"
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
