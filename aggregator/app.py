"""What the commands do, as library calls: ``run``, ``demo``, ``export`` and ``relink``.

The CLI parses flags into a :class:`~aggregator.config.RunConfig` and calls one function here;
nothing below parses arguments. Linking happens in the crawl's link stage, once; the run
summary reports the figures the pipelines counted.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from aggregator.catalog import build_catalog
from aggregator.config import OutputOptions, RunConfig
from aggregator.crawl.process import CrawlReport, run_crawl
from aggregator.exports import write_exports
from aggregator.feeds import write_feeds
from aggregator.reading import write_pages
from aggregator.relink import LinkReport, link_posts
from aggregator.sites import SITES
from aggregator.store import SourceRunRow, Store, StoreError, masked

# Loopback replica: no need for polite delays.
DEMO_OVERRIDES = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                  "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}


# Exit codes (documented in the README): 2 is argparse's for a bad command line.
EXIT_ERROR = 1
EXIT_PARTIAL = 3  # the run finished and published, but some pages could not be fetched
EXIT_LOCKED = 4  # the same source is being crawled into this store by another process
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A failure to report as one line and a non-zero exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


# How long an export waits for another process's export into the same folder to finish.
OUTPUT_LOCK_WAIT = 120.0


@contextmanager
def run_lock(out_dir: Path, *, wait: float = 0.0) -> Iterator[None]:
    """One writer of an output directory at a time (another waits up to ``wait`` seconds)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise CommandError(f"--out {out_dir} is a file, not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ".aggregator.lock"
    with path.open("w") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CommandError(f"another aggregator process is writing {out_dir} (lock "
                                       f"{path})", EXIT_LOCKED) from None
                time.sleep(0.2)
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Interrupted(CommandError):
    """The crawl was stopped (Ctrl-C, SIGTERM): what was stored stays, no output is rewritten."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_INTERRUPTED)


def open_store(url: str, *, create: bool = True) -> Store:
    try:
        return Store.open(url, create=create)
    except StoreError as error:
        raise CommandError(str(error), error.code) from error
    except Exception as error:  # SQLAlchemy raises many kinds; the user needs the one line
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CommandError(f"cannot open database {masked(url)}: {reason}") from error


# The store remembers what it last wrote into each output folder (a features row, so the
# folder holds only outputs): see outputs_if_unchanged.
OUTPUTS_KIND = "outputs"
_OUTPUT_CODE = ("catalog.py", "reading.py", "files.py", "exports", "feeds")


def _outputs_key(store: Store, options: OutputOptions) -> str:
    """The store's fingerprint, the output options and the code that writes the outputs."""
    digest = hashlib.sha256(store.fingerprint().encode())
    digest.update(repr(options).encode())
    package = Path(__file__).parent
    for name in _OUTPUT_CODE:
        path = package / name
        for source in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(source.read_bytes())
    return digest.hexdigest()


def outputs_if_unchanged(store: Store, out_dir: Path, options: OutputOptions) -> list[Path] | None:
    """The outputs the last export wrote, if the store and options are those it wrote them
    from and every file is still there (a re-run that changed nothing rewrites nothing)."""
    state = store.features_row(_outputs_row(out_dir))
    if state is None or state.kind != OUTPUTS_KIND:
        return None
    outputs = [out_dir / str(name) for name in state.data.get("outputs", [])]
    if state.content_sha256 != _outputs_key(store, options) or not all(
            p.exists() for p in outputs):
        return None
    return outputs


def _outputs_row(out_dir: Path) -> str:
    return f"outputs:{out_dir.resolve()}"


def export_outputs(store: Store, out_dir: Path,
                   options: OutputOptions | None = None) -> list[Path]:
    """Feeds and exports from the store; an empty store never overwrites existing outputs."""
    options = options or OutputOptions()
    if store.is_empty():
        raise CommandError("the store holds no issue and no post: nothing exported, existing "
                           f"outputs in {out_dir} left as they were")
    catalog = build_catalog(store)
    feeds = write_feeds(catalog, out_dir, base_url=options.feed_base_url,
                        limit=options.feed_limit)
    exports = write_exports(store, catalog, out_dir, formats=options.formats,
                            since=options.since, lang=options.lang, source=options.source)
    # Last: the reading pages link whatever feeds and exports now exist.
    outputs = feeds + exports + write_pages(catalog, out_dir)
    # A read-only store keeps no record: its next run writes the outputs again, that is all.
    with contextlib.suppress(SQLAlchemyError):
        store.set_features(_outputs_row(out_dir), kind=OUTPUTS_KIND,
                           content_sha256=_outputs_key(store, options), version=0,
                           data={"outputs": [str(p.relative_to(out_dir)) for p in outputs]})
    return outputs


@dataclass
class RunResult:
    crawl: CrawlReport
    linked_total: int  # mirror posts linked in the store after the run
    outputs: list[Path]
    out_dir: Path


def run(config: RunConfig) -> RunResult:
    """Crawl (normalize, store and link in the pipelines), then write feeds and exports.

    The crawl holds each source's lock on the store (two runs of different sources may crawl
    at once); writing the outputs holds the output directory's lock.
    """
    if config.out_dir.exists() and not config.out_dir.is_dir():
        raise CommandError(f"--out {config.out_dir} is a file, not a directory")
    open_store(config.db_url).close()  # fail early, with one line, on a bad URL
    report = run_crawl(config.sources, config.scrapy_settings(), progress=config.progress)
    if any(source.finish_reason == "shutdown" for source in report.sources):
        raise Interrupted("interrupted: what was crawled so far is stored; feeds and exports "
                          "were not rewritten (the next run completes them)")
    locked = [s for s in report.sources if s.locked_by]
    if locked and len(locked) == len(report.sources):
        raise CommandError("; ".join(report.failures), EXIT_LOCKED)
    with run_lock(config.out_dir, wait=OUTPUT_LOCK_WAIT):
        store = open_store(config.db_url)
        try:
            if store.is_empty() and report.failures:
                # Nothing to publish: the crawl's own reason is the one line worth reading.
                raise CommandError("; ".join(report.failures))
            linked_total = sum(1 for row in store.links().values() if row.issue_number)
            outputs = (outputs_if_unchanged(store, config.out_dir, config.outputs)
                       or export_outputs(store, config.out_dir, config.outputs))
        finally:
            store.close()
    return RunResult(report, linked_total, outputs, config.out_dir)


def demo_config(config: RunConfig, base_urls: dict[str, str]) -> RunConfig:
    """The run against a loopback replica: every served site, from its loopback base."""
    keys = tuple(key for key, site in SITES.items() if site.canonical_base in base_urls)
    return replace(
        config, sources=keys,
        base_urls={key: base_urls[SITES[key].canonical_base] for key in keys},
        overrides={**DEMO_OVERRIDES, **config.overrides},
    )


def export(db_url: str, out_dir: Path, options: OutputOptions | None = None) -> list[Path]:
    with run_lock(out_dir, wait=OUTPUT_LOCK_WAIT):
        store = open_store(db_url, create=False)
        try:
            return export_outputs(store, out_dir, options)
        finally:
            store.close()


def relink(db_url: str, out_dir: Path, *, write: bool = True,
           options: OutputOptions | None = None) -> tuple[LinkReport, list[Path]]:
    with run_lock(out_dir):
        store = open_store(db_url, create=False)
        try:
            report = link_posts(store, decided=datetime.now(UTC), everything=True)
            outputs = export_outputs(store, out_dir, options) if write else []
        finally:
            store.close()
    return report, outputs


def status(db_url: str, *, runs: int = 5) -> dict[str, Any]:
    """Recent runs per source, what failed in each source's last run, and the quarantine."""
    store = open_store(db_url, create=False)
    try:
        sources: dict[str, Any] = {}
        for key in SITES:
            history = store.source_runs(key, limit=runs)
            sources[key] = {
                "runs": [_run_json(run) for run in history],
                "last_failed": list(history[0].failed) if history else [],
                "healthy": bool(history) and history[0].verdict is None,
            }
        flagged = store.flagged_pages()
        reasons = {row.url: row.reason for row in store.quarantined()}
        quarantine = [{"url": url, "source": source, "flags": flags,
                       "reason": reasons.get(url, "its page object failed on it")}
                      for url, source, flags in flagged if set(flags) & _QUARANTINE]
        return {"database": masked(db_url), "sources": sources, "quarantine": quarantine,
                "flagged": [{"url": u, "source": src, "flags": f} for u, src, f in flagged
                            if not set(f) & _QUARANTINE]}
    finally:
        store.close()


_QUARANTINE = frozenset({"unparsable", "parser-error", "regression", "unstorable"})


def _run_json(run: SourceRunRow) -> dict[str, Any]:
    return {
        "started": run.started.isoformat(), "finished": run.finished.isoformat(),
        "finish_reason": run.finish_reason, "pages_fetched": run.pages_fetched,
        "not_modified": run.not_modified, "documents": run.documents, "new": run.new,
        "updated": run.updated, "failed": len(run.failed), "quarantined": len(run.quarantined),
        "coverage": dict(run.coverage), "verdict": run.verdict,
    }
