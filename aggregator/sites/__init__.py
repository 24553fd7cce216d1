"""The site registry: one :class:`~aggregator.sites.base.Site` entry per site key.

Everything iterates :data:`SITES`; nothing outside a site's own page-object module names a
site. Adding a mirror touches four places: an entry here, one page-object module (or none: a
``generic`` platform entry), one spider binding in ``aggregator/spiders/`` and one fixture
folder in ``tests/fixtures/``.
"""

from __future__ import annotations

from aggregator.sites.base import MirrorMarkers, PageObjects, Site

__all__ = ["SITES", "ConfigError", "MirrorMarkers", "PageObjects", "Site", "get_site",
           "mirror_languages", "newsletter", "site_of_url", "sites_by_lang"]

_SITES: tuple[Site, ...] = (
    Site(
        key="aiweekly",
        name="AI Weekly",
        canonical_base="https://aiweekly.co",
        lang="en",
        script="Latn",
        timezone="UTC",
        platform="aiweekly",
        kind="newsletter",
        start_paths=("/issues.rss", "/issues", "/"),
        feed_paths=("/issues.rss",),
        pages_module="aggregator.sites.aiweekly",
        feed_title="AI Weekly",
        feed_subtitle="Every AI Weekly issue, with its stories.",
        home_path="/issues",
        settings={"DOWNLOAD_DELAY": 1.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 2},
    ),
    Site(
        key="qimuai",
        name="启幕AI资讯",
        canonical_base="https://news.qimuai.cn",
        lang="zh",
        script="Hans",
        timezone="Asia/Shanghai",
        platform="emlog",
        kind="mirror",
        start_paths=("/rss.php", "/?sort=3", "/"),
        feed_paths=("/rss.php",),
        pages_module="aggregator.sites.qimuai",
        markers=MirrorMarkers(
            column=("AI周刊",),
            source=("内容来源",),
            summary=("内容总结",),
            translation=("中文翻译", "全文翻译"),
            english=("英文来源", "英文原文"),
            period=("本期周期",),
            takeaways=("核心要点",),
            quick_hits=("快讯",),
            watch=("视听首选",),
            footer=("文章标题", "文章链接", "本站文章均为原创"),
        ),
        feed_title="AI周刊 中文版",
        feed_subtitle="AI Weekly 的中文镜像:总结与全文翻译。",
        home_path="/?sort=3",
        # A small self-hosted blog: be gentler than with a newsletter CDN.
        settings={"DOWNLOAD_DELAY": 2.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1},
    ),
    Site(
        key="hant",
        name="AI 觀測站",
        canonical_base="https://hant.example.org",
        lang="zh-Hant",
        script="Hant",
        timezone="Asia/Taipei",
        platform="wordpress",
        kind="mirror",
        start_paths=("/feed/", "/category/ai-weekly/", "/wp-sitemap.xml", "/"),
        feed_paths=("/feed/",),
        pages_module="aggregator.sites.hant",
        markers=MirrorMarkers(
            column=("AI週刊", "AI周刊"),
            source=("內容來源",),
            summary=("摘要",),
            translation=("全文翻譯",),
            english=("英文原文",),
            period=("本期期間",),
            takeaways=("重點",),
            quick_hits=("快訊",),
            watch=("影音推薦",),
        ),
        feed_title="AI週刊 繁體中文版",
        feed_subtitle="AI Weekly 的繁體中文鏡像：摘要與全文翻譯。",
        home_path="/category/ai-weekly/",
        settings={"DOWNLOAD_DELAY": 2.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1},
    ),
)

SITES: dict[str, Site] = {site.key: site for site in _SITES}


class ConfigError(ValueError):
    """A user-supplied configuration value is wrong; the message says which and why."""


def get_site(key: str) -> Site:
    try:
        return SITES[key]
    except KeyError:
        known = ", ".join(sorted(SITES))
        raise ConfigError(f"unknown source {key!r} (known: {known})") from None


def site_of_url(url: str) -> Site | None:
    """The registered site a canonical URL belongs to, if any."""
    return next((site for site in SITES.values() if site.owns(url)), None)


def newsletter() -> Site:
    """The site whose issues the mirrors republish (the English original)."""
    return next(site for site in SITES.values() if site.kind == "newsletter")


def mirror_languages() -> list[str]:
    """The language tags of the mirror sites, in registry order, each once."""
    return list(dict.fromkeys(s.lang for s in SITES.values() if s.kind == "mirror"))


def sites_by_lang() -> dict[str, list[Site]]:
    """Sites grouped by the language tag their documents carry, in registry order."""
    groups: dict[str, list[Site]] = {}
    for site in SITES.values():
        groups.setdefault(site.lang, []).append(site)
    return groups
