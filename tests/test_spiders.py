"""Spiders only navigate: they follow what page objects return and quarantine bad pages."""

from __future__ import annotations

from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse, XmlResponse

from aggregator.items import PageResult
from aggregator.spiders.aiweekly import AiweeklySpider
from aggregator.spiders.qimuai import QimuaiSpider

FIXTURES = Path(__file__).parent / "fixtures"


def _html(url: str, name: str) -> HtmlResponse:
    body = (FIXTURES / name).read_bytes()
    return HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html; charset=utf-8"},
                        request=scrapy.Request(url))


def test_start_requests_cover_feed_archive_and_home() -> None:
    import asyncio

    async def collect() -> list[scrapy.Request]:
        return [r async for r in AiweeklySpider().start()]

    urls = [r.url for r in asyncio.run(collect())]
    assert urls == ["https://aiweekly.co/issues.rss", "https://aiweekly.co/issues",
                    "https://aiweekly.co/"]


def test_archive_page_follows_every_issue_and_the_next_page() -> None:
    response = _html("https://aiweekly.co/issues", "aiweekly/archive_s1.html")
    requests = list(AiweeklySpider().parse_listing(response))
    urls = [r.url for r in requests]
    assert urls[-1] == "https://aiweekly.co/issues?page=2"
    assert len(urls) == 11 and "https://aiweekly.co/issues/494" in urls


def test_feed_follows_every_item() -> None:
    body = (FIXTURES / "aiweekly" / "feed_s1.xml").read_bytes()
    response = XmlResponse(url="https://aiweekly.co/issues.rss", body=body)
    urls = [r.url for r in AiweeklySpider().parse_feed(response)]
    assert len(urls) == 23 and urls[0].startswith("https://aiweekly.co/issues/iphone-gets")


def test_qimuai_listing_follows_posts_and_next_page() -> None:
    response = _html("https://news.qimuai.cn/?sort=3", "qimuai/sort-3.html")
    urls = [r.url for r in QimuaiSpider().parse_listing(response)]
    assert urls[-1] == "https://news.qimuai.cn/?page=2&sort=3"
    assert all("?post=" in u for u in urls[:-1]) and len(urls) == 11


def test_issue_page_becomes_a_page_result() -> None:
    response = _html("https://aiweekly.co/issues/481", "aiweekly/issue_481_classic.html")
    [result] = list(AiweeklySpider().parse_page(response))
    assert isinstance(result, PageResult) and result.issue is not None
    assert result.issue.number == 481 and result.flags == ()


def test_unparsable_page_is_quarantined_not_fatal() -> None:
    response = _html("https://aiweekly.co/issues/999", "aiweekly/not_found.html")
    [result] = list(AiweeklySpider().parse_page(response))
    assert result.issue is None and result.flags == ("unparsable",)


def test_a_crashing_page_object_is_quarantined(monkeypatch: pytest.MonkeyPatch) -> None:
    from aggregator.sites import qimuai

    def broken(url: str, html: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(qimuai, "parse_post", broken)
    response = _html("https://news.qimuai.cn/?post=3776", "qimuai/post-3776.html")
    [result] = list(QimuaiSpider().parse_page(response))
    assert result.post is None and result.flags == ("parser-error",)


def test_scrapy_finds_a_spider_for_every_registered_site() -> None:
    from scrapy.settings import Settings
    from scrapy.spiderloader import get_spider_loader

    from aggregator.sites import SITES

    settings = Settings()
    settings.setmodule("aggregator.settings")
    assert sorted(get_spider_loader(settings).list()) == sorted(SITES)


def test_a_registry_entry_without_a_binding_still_gets_a_spider(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from scrapy.settings import Settings
    from scrapy.spiderloader import get_spider_loader

    from aggregator import sites
    from aggregator.crawl.spider import SiteSpider

    generic = sites.Site(key="someblog", name="Some blog", canonical_base="https://blog.example",
                         lang="zh", script="Hans", timezone="Asia/Shanghai",
                         platform="wordpress", kind="mirror", bespoke=False)
    monkeypatch.setitem(sites.SITES, "someblog", generic)
    settings = Settings()
    settings.setmodule("aggregator.settings")
    spider = get_spider_loader(settings).load("someblog")
    assert issubclass(spider, SiteSpider) and spider.name == "someblog"
    # A WordPress entry with no start paths starts where every WordPress blog lists its posts.
    assert generic.discovery_paths == ("/feed/", "/wp-sitemap.xml", "/")
    assert generic.feeds == ("/feed/",)
