"""One resolved run configuration: where the store is, where outputs go, which sites to crawl
and from which base URLs, and the Scrapy overrides.

Every entry point resolves it once (:meth:`RunConfig.resolve`): the CLI from its flags, Scrapy
(``scrapy crawl``, Scrapyd) from ``aggregator/settings.py``, which reads the same environment
through the same functions. Base URLs are a ``{site key: fetch base}`` dict end to end.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import Settings

from aggregator.sites import SITES, ConfigError, get_site

DEFAULT_OUT = Path("data")
DB_ENV = "AGGREGATOR_DB_URL"
BASE_URLS_ENV = "AGGREGATOR_BASE_URLS"
FEED_BASE_ENV = "AGGREGATOR_FEED_BASE_URL"
REDIS_ENV = "AGGREGATOR_REDIS_URL"
REDIS_PREFIX_ENV = "AGGREGATOR_REDIS_PREFIX"
# Where the outputs are served: what `aggregator serve` uses by default.
DEFAULT_SERVE_HOST, DEFAULT_SERVE_PORT = "127.0.0.1", 8080
DEFAULT_FEED_BASE_URL = f"http://{DEFAULT_SERVE_HOST}:{DEFAULT_SERVE_PORT}/"


@dataclass(frozen=True)
class OutputOptions:
    """How feeds and exports are written (the same for run, demo, export and relink)."""

    feed_base_url: str = DEFAULT_FEED_BASE_URL  # where OUT/ is served: self links, id authority
    feed_limit: int = 50  # entries in a subscription feed; older ones in archive pages
    formats: tuple[str, ...] = ("jsonl", "csv", "parquet")  # dataset formats written
    since: date | None = None  # datasets: only issues published on or after this day
    lang: str | None = None  # datasets: only documents in this language
    source: str | None = None  # datasets: only documents of this site

    @classmethod
    def resolve(cls, *, feed_base_url: str | None = None, feed_limit: int | None = None,
                formats: str | None = None, since: str | None = None,
                lang: str | None = None, source: str | None = None,
                environ: Mapping[str, str] = os.environ) -> OutputOptions:
        base = feed_base_url or environ.get(FEED_BASE_ENV) or DEFAULT_FEED_BASE_URL
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"--feed-base-url: {base!r} is not an http(s) URL")
        limit = 50 if feed_limit is None else feed_limit
        if limit < 1:
            raise ConfigError(f"--feed-limit must be at least 1, got {limit}")
        chosen = tuple(f.strip() for f in formats.split(",") if f.strip()) if formats else (
            cls.formats)
        unknown = [f for f in chosen if f not in cls.formats]
        if unknown or not chosen:
            raise ConfigError(f"--format: {', '.join(unknown) or formats!r} is not one of "
                              f"{', '.join(cls.formats)}")
        try:
            day = date.fromisoformat(since) if since else None
        except ValueError:
            raise ConfigError(f"--since expects a date such as 2026-04-01, got {since!r}") from None
        if source is not None:
            get_site(source)
        return cls(base if base.endswith("/") else base + "/", limit, chosen, day, lang, source)


def default_db_url(out_dir: Path) -> str:
    """The one default database: SQLite beside the outputs."""
    return f"sqlite:///{out_dir / 'aggregator.db'}"


def db_url(explicit: str | None, out_dir: Path, environ: Mapping[str, str] = os.environ) -> str:
    """``--db``, else ``$AGGREGATOR_DB_URL``, else SQLite in the output directory."""
    return explicit or environ.get(DB_ENV) or default_db_url(out_dir)


def redis_url(explicit: str | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """``--redis``, else ``$AGGREGATOR_REDIS_URL``: set, the run is distributed."""
    url = explicit or environ.get(REDIS_ENV) or None
    if url is not None and urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"--redis expects a URL such as redis://127.0.0.1:6379/0, got {url!r}")
    return url


def parse_base_urls(values: Iterable[str] | str | None) -> dict[str, str]:
    """``KEY=URL`` items (a list, or one comma-separated string) -> {site key: fetch base}."""
    if not values:
        return {}
    items = values.split(",") if isinstance(values, str) else list(values)
    result: dict[str, str] = {}
    for item in (i.strip() for i in items):
        if not item:
            continue
        key, sep, base = item.partition("=")
        if not sep or not base.strip():
            raise ConfigError(f"--base-url expects KEY=URL, got {item!r}")
        result[get_site(key.strip()).key] = _fetch_base(key.strip(), base.strip())
    return result


def _fetch_base(key: str, base: str) -> str:
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--base-url {key}: {base!r} is not an http(s) URL")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def base_urls_setting(value: Any) -> dict[str, str]:
    """The ``AGGREGATOR_BASE_URLS`` setting as a dict, whether it was set as one (the CLI,
    settings.py) or as ``key=url,key=url`` text (``scrapy crawl -s``, Scrapyd)."""
    if isinstance(value, Mapping):
        return {get_site(k).key: _fetch_base(k, str(v)) for k, v in value.items()}
    return parse_base_urls(str(value) if value else None)


def parse_setting_overrides(values: Sequence[str]) -> dict[str, str]:
    result = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"-s expects NAME=VALUE, got {item!r}")
        result[name.strip()] = value
    return result


def parse_sources(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return tuple(SITES)
    keys = value.split(",") if isinstance(value, str) else list(value)
    chosen = tuple(get_site(k.strip()).key for k in keys if k.strip())
    if not chosen:
        raise ConfigError("--sources names no site")
    return chosen


@dataclass(frozen=True)
class RunConfig:
    sources: tuple[str, ...]
    db_url: str
    out_dir: Path
    base_urls: dict[str, str] = field(default_factory=dict)  # site key -> fetch base
    overrides: dict[str, Any] = field(default_factory=dict)  # Scrapy settings
    progress: bool = True
    outputs: OutputOptions = field(default_factory=OutputOptions)
    redis_url: str | None = None  # distributed: the shared frontier
    workers: int | None = None  # distributed: local worker processes (None: the setting's)

    @classmethod
    def resolve(cls, *, sources: str | Sequence[str] | None = None, db: str | None = None,
                out: str | Path | None = None, base_urls: Iterable[str] | Mapping[str, str] = (),
                overrides: Sequence[str] | Mapping[str, Any] = (), quiet: bool = False,
                feed_base_url: str | None = None, feed_limit: int | None = None,
                formats: str | None = None, since: str | None = None,
                lang: str | None = None, source: str | None = None,
                redis: str | None = None, workers: int | None = None,
                environ: Mapping[str, str] = os.environ) -> RunConfig:
        if workers is not None and workers < 0:
            raise ConfigError(f"--workers must be 0 or more, got {workers}")
        out_dir = Path(out) if out is not None else DEFAULT_OUT
        bases = parse_base_urls(environ.get(BASE_URLS_ENV))
        bases.update(base_urls_setting(base_urls) if isinstance(base_urls, Mapping)
                     else parse_base_urls(list(base_urls)))
        extra = dict(overrides) if isinstance(overrides, Mapping) else (
            parse_setting_overrides(overrides))
        outputs = OutputOptions.resolve(feed_base_url=feed_base_url, feed_limit=feed_limit,
                                        formats=formats, since=since, lang=lang,
                                        source=source, environ=environ)
        return cls(sources=parse_sources(sources), db_url=db_url(db, out_dir, environ),
                   out_dir=out_dir, base_urls=bases, overrides=extra, progress=not quiet,
                   outputs=outputs, redis_url=redis_url(redis, environ), workers=workers)

    def scrapy_settings(self) -> Settings:
        settings = Settings()
        settings.setmodule("aggregator.settings", priority="project")
        settings.set("AGGREGATOR_DB_URL", self.db_url, priority="cmdline")
        settings.set("AGGREGATOR_BASE_URLS", dict(self.base_urls), priority="cmdline")
        if self.redis_url:
            settings.set("AGGREGATOR_REDIS_URL", self.redis_url, priority="cmdline")
        if self.workers is not None:
            settings.set("AGGREGATOR_WORKERS", self.workers, priority="cmdline")
        for name, value in self.overrides.items():
            settings.set(name, value, priority="cmdline")
        return settings
