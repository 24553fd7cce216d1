"""What a site is: :class:`Site` (one registry entry), its page objects and mirror markers.

Everything outside a site's own module learns about sites from these entries
(:data:`aggregator.sites.SITES`): the spiders, the pipelines, the linker, the feeds and the
exports iterate the registry and never name a site.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import urlsplit

from aggregator.items import Issue, Listing, Post

Platform = Literal["aiweekly", "emlog", "wordpress", "generic"]
Kind = Literal["newsletter", "mirror"]
Script = Literal["Latn", "Hans", "Hant"]


GENERIC_PAGES = "aggregator.sites.generic"

# Where a blog of each platform lists everything, for entries that name no start paths.
_PLATFORM_DISCOVERY: dict[str, tuple[str, ...]] = {
    "aiweekly": ("/issues.rss", "/issues", "/"),
    "emlog": ("/rss.php", "/"),
    "wordpress": ("/feed/", "/wp-sitemap.xml", "/"),
    "generic": ("/",),
}
_PLATFORM_FEEDS: dict[str, tuple[str, ...]] = {
    "aiweekly": ("/issues.rss",),
    "emlog": ("/rss.php",),
    "wordpress": ("/feed/",),
    "generic": (),
}


@dataclass(frozen=True)
class MirrorMarkers:
    """The labels a mirror writes around the parts of a republished issue (data, per site).

    Each field lists the spellings the site uses; colons (ASCII or fullwidth) and spaces around
    them are the grammar's business, not written here.
    """

    column: tuple[str, ...]  # the column's name in post titles: "AI周刊", "AI週刊"
    source: tuple[str, ...]  # the stated English source URL: "内容来源"
    summary: tuple[str, ...]  # the editor's summary: "内容总结", "摘要"
    translation: tuple[str, ...]  # the full translation: "中文翻译", "全文翻譯"
    english: tuple[str, ...]  # the English original: "英文来源", "英文原文"
    period: tuple[str, ...]  # the week line after the summary: "本期周期", "本期期間"
    takeaways: tuple[str, ...]  # "核心要点", "重點"
    quick_hits: tuple[str, ...]  # "快讯", "快訊"
    watch: tuple[str, ...]  # "视听首选", "影音推薦"
    footer: tuple[str, ...] = ()  # lines that start the blog's own footer: "文章标题"

    def all_labels(self) -> tuple[str, ...]:
        return (*self.source, *self.summary, *self.translation, *self.english)


@dataclass(frozen=True)
class PageObjects:
    """A site's page objects: pure functions of ``(url, text)`` (``text`` = decoded body).

    ``parse_document`` raises ``ValueError`` for a page that is not a document at all.
    """

    parse_feed: Callable[[str, str], Listing]
    parse_listing: Callable[[str, str], Listing]
    parse_document: Callable[[str, str], Issue | Post]


@dataclass(frozen=True)
class Site:
    """One registry entry: everything the code needs to know about one site.

    ``key`` names the entry, the spider, the fixture folder and the ``source`` column.
    ``lang`` is the language tag its documents carry in the store, the feeds and the exports
    (``en``, ``zh`` for Simplified, ``zh-Hant``); ``script`` says how its Chinese is written, so
    the linker converts Traditional text before matching while the store keeps the original.
    """

    key: str
    name: str
    canonical_base: str  # scheme://host of the real site, no trailing slash
    lang: str
    script: Script
    timezone: str
    platform: Platform
    kind: Kind
    start_paths: tuple[str, ...] = ()  # where discovery starts (default: the platform's)
    feed_paths: tuple[str, ...] = ()  # start paths that are feeds (parsed with parse_feed)
    # Module with ``page_objects(site) -> PageObjects``. A generic module (no bespoke parser
    # for this site) makes the run summary flag the site's pages for a maintainer.
    pages_module: str = GENERIC_PAGES
    bespoke: bool = True
    markers: MirrorMarkers | None = None
    feed_title: str = ""
    feed_subtitle: str = ""
    home_path: str = "/"  # the page a feed of this site links to as its home
    # Per-site politeness on top of the project defaults (Scrapy setting names).
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urlsplit(self.canonical_base).netloc

    @property
    def language_tag(self) -> str:
        """BCP 47 tag with the script for Chinese: ``en``, ``zh-Hans``, ``zh-Hant``."""
        return self.lang if self.script == "Latn" else f"zh-{self.script}"

    @property
    def discovery_paths(self) -> tuple[str, ...]:
        """Where a crawl starts: the entry's own paths, else its platform's usual ones."""
        return self.start_paths or _PLATFORM_DISCOVERY[self.platform]

    @property
    def feeds(self) -> tuple[str, ...]:
        """Which discovery paths are feeds (read with ``parse_feed``, not ``parse_listing``)."""
        return self.feed_paths or _PLATFORM_FEEDS[self.platform]

    def url(self, path: str) -> str:
        return self.canonical_base + path

    def owns(self, url: str) -> bool:
        """Whether a canonical URL belongs to this site (``www.`` and scheme ignored)."""
        host = urlsplit(url).netloc.lower().removeprefix("www.")
        return host == self.host.removeprefix("www.")

    def as_generic(self) -> Site:
        """This entry read by the generic page objects (to compare with, or replace, a bespoke
        parser); its pages are then flagged for a maintainer."""
        return replace(self, pages_module=GENERIC_PAGES, bespoke=False)

    def page_objects(self) -> PageObjects:
        module = importlib.import_module(self.pages_module)
        factory: Callable[[Site], PageObjects] = module.page_objects
        return factory(self)
