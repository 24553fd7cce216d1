"""The ``aggregator`` command: a thin layer over the library.

Commands: ``run`` (crawl + link + export; what cron calls), ``demo`` (the same against the
bundled replica on loopback), ``export`` (rebuild feeds and datasets from the store),
``relink`` (recompute every link and report what changed) and ``link`` (link a JSON Lines file
of your own documents, no database).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from aggregator import __version__, app
from aggregator.app import CommandError, Interrupted, RunResult
from aggregator.config import RunConfig
from aggregator.sites import SITES, ConfigError

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
    print(f"  links: {made} made this run ({changed} changed, {pairs} story pairs aligned); "
          f"{result.linked_total} mirror posts linked in all; {len(unlinked)} left unlinked")
    for line in unlinked:
        print(f"    unlinked mirror: {line}")
    print("Outputs:")
    for path in result.outputs:
        print(f"  {path}")


def _config(args: argparse.Namespace) -> RunConfig:
    return RunConfig.resolve(
        sources=getattr(args, "sources", None), db=args.db, out=args.out,
        base_urls=getattr(args, "base_url", ()), overrides=getattr(args, "setting", ()),
        quiet=getattr(args, "quiet", False),
    )


def _finish(result: RunResult) -> int:
    _print_summary(result)
    if result.crawl.failures:
        raise CommandError("; ".join(result.crawl.failures))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    return _finish(app.run(_config(args)))


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
    outputs = app.export(config.db_url, config.out_dir)
    print("Outputs:")
    for path in outputs:
        print(f"  {path}")
    return 0


def cmd_relink(args: argparse.Namespace) -> int:
    config = _config(args)
    report, outputs = app.relink(config.db_url, config.out_dir, write=not args.no_export)
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
        print(f"  skipped line {error['line']}: [{error['kind']}] {error['error']}")
    unlisted = summary["skipped"] - len(summary["errors"])
    if unlisted > 0:
        kinds = ", ".join(f"{k}: {n}" for k, n in summary["skipped_by_kind"].items())
        print(f"  ... and {unlisted} more skipped lines ({summary['skipped']} in all; {kinds})")
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
    # -v also after the command (``aggregator run -v``), where people type it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="show Scrapy's log and full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common],
                         help="crawl the real sites, link, and write feeds and exports",
                         description="Crawl, link and export. This is what cron calls.")
    _add_store_options(run, "data")
    run.add_argument("--sources", default=None,
                     help=f"comma-separated site keys (default: {','.join(SITES)})")
    run.add_argument("--base-url", action="append", default=[], metavar="KEY=URL",
                     help="fetch a source from another base URL (repeatable), e.g. "
                          "aiweekly=http://127.0.0.1:8001; stored URLs stay canonical")
    run.add_argument("-s", "--set", dest="setting", action="append", default=[],
                     metavar="NAME=VALUE", help="override a Scrapy setting (repeatable)")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", parents=[common],
                         help="serve the bundled replica on loopback and run on it",
                          description="Start the offline replica of every site on loopback "
                                      "ports, crawl it with the real spiders, write outputs.")
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
    _add_store_options(export, "data")
    export.set_defaults(func=cmd_export)

    relink = sub.add_parser("relink", parents=[common],
                         help="recompute all links and report what changed",
                            description="Recompute every mirror link (e.g. after a threshold "
                                        "change), report changes, then re-export.")
    _add_store_options(relink, "data")
    relink.add_argument("--no-export", action="store_true", help="do not rewrite outputs")
    relink.set_defaults(func=cmd_relink)

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
    if not args.verbose:
        os.environ.setdefault("AGGREGATOR_LOG_LEVEL", "WARNING")
        logging.getLogger("scrapy").setLevel(logging.WARNING)
    try:
        result: int = args.func(args)
        return result
    except Interrupted as error:
        print(f"aggregator: {error}", file=sys.stderr)
        return 130
    except (CommandError, ConfigError, ValueError, OSError) as error:
        if args.verbose:
            traceback.print_exc()
        print(f"aggregator: error: {_one_line(error)}", file=sys.stderr)
        return 1
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
