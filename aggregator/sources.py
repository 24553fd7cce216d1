"""The sources registry: one entry per site key.

A site key names the registry entry, the spider, the page-object module, the fixture folder
and the ``source`` column. Adding a mirror means one entry here, one page-object module, one
spider and one fixture folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Source:
    key: str
    name: str
    canonical_base: str  # scheme://host of the real site, no trailing slash
    lang: str
    timezone: str
    start_paths: tuple[str, ...]  # where discovery starts, relative to the base
    kind: str  # "newsletter" (English original) or "mirror"
    # Per-site politeness on top of the project defaults (Scrapy setting names).
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urlsplit(self.canonical_base).netloc

    def url(self, path: str) -> str:
        return self.canonical_base + path


SOURCES: dict[str, Source] = {
    "aiweekly": Source(
        key="aiweekly",
        name="AI Weekly",
        canonical_base="https://aiweekly.co",
        lang="en",
        timezone="UTC",
        start_paths=("/issues.rss", "/issues", "/"),
        kind="newsletter",
        settings={"DOWNLOAD_DELAY": 1.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 2},
    ),
    "qimuai": Source(
        key="qimuai",
        name="启幕AI资讯",
        canonical_base="https://news.qimuai.cn",
        lang="zh",
        timezone="Asia/Shanghai",
        start_paths=("/rss.php", "/?sort=3", "/"),
        kind="mirror",
        # A small self-hosted blog: be gentler than with a newsletter CDN.
        settings={"DOWNLOAD_DELAY": 2.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1},
    ),
}


class ConfigError(ValueError):
    """A user-supplied configuration value is wrong; the message says which and why."""


def get_source(key: str) -> Source:
    try:
        return SOURCES[key]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise ConfigError(f"unknown source {key!r} (known: {known})") from None


def parse_base_urls(values: Iterable[str] | str | None) -> dict[str, str]:
    """Parse ``KEY=URL`` overrides (a list, or one comma-separated string) into {key: base}.

    The result maps a site key to the base URL to fetch from instead of its canonical base.
    """
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
        source = get_source(key.strip())
        parts = urlsplit(base.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"--base-url {key}: {base!r} is not an http(s) URL")
        result[source.key] = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return result


def base_url_map(overrides: Mapping[str, str]) -> dict[str, str]:
    """{canonical base: fetch base} for the overridden sources."""
    return {SOURCES[key].canonical_base: base for key, base in overrides.items()}
