"""A document parsed exactly as when it was stored skips normalize and upsert, and is still
counted (stats and field coverage) as an unchanged document."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from aggregator.crawl.pipelines import NormalizePipeline, StorePipeline
from aggregator.crawl.store_binding import store_for
from aggregator.items import PageResult
from aggregator.spiders.aiweekly import AiweeklySpider
from tests.test_store import make_issue

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_document_parsed_as_stored_skips_normalize_and_upsert(tmp_path: Path) -> None:
    crawler = get_crawler(AiweeklySpider, {"AGGREGATOR_DB_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    normalize, keep = NormalizePipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    keep.open_spider()
    page = PageResult(url="https://aiweekly.co/issues/481", source="aiweekly", status=200,
                      issue=make_issue(481))

    def run(item: PageResult) -> PageResult:
        return keep.process_item(normalize.process_item(item))  # type: ignore[no-any-return]

    assert run(page).stored == "new"
    again = normalize.process_item(page)
    assert again.stored == "unchanged" and again.issue == page.issue  # not normalized again
    assert keep.process_item(again) is again
    edited = replace(page, issue=replace(make_issue(481), title="Edited"))
    assert run(edited).stored == "updated"
    assert run(edited).stored is not None  # parsed as stored once more: skipped
    store = store_for(crawler)
    row = store.issue(481)
    assert row is not None and row.title == "Edited"
    assert crawler.stats is not None
    assert crawler.stats.get_value("aggregator/issues_unchanged") == 2
    assert keep.coverage.documents == 4  # the skipped ones count in the field coverage too
    # A store whose row changed behind the record's back is not trusted: stored again.
    store.upsert_issue(make_issue(481), seen=keep.started, updated=keep.started)
    assert normalize.process_item(edited).stored is None
    store.close()


def test_the_body_stored_last_time_is_not_parsed_again(tmp_path: Path) -> None:
    # What makes an unchanged re-run cheap: a 304 (or the same 200) body, for the same page
    # objects, into a row nobody changed since, costs a hash and a lookup, not a parse.
    crawler = get_crawler(AiweeklySpider, {"AGGREGATOR_DB_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    spider = AiweeklySpider.from_crawler(crawler)
    normalize, keep = NormalizePipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    keep.open_spider()
    url = "https://aiweekly.co/issues/481"
    body = (FIXTURES / "aiweekly" / "issue_481_classic.html").read_bytes()

    def crawl(page: bytes) -> PageResult:
        response = HtmlResponse(url=url, body=page, request=scrapy.Request(url),
                                headers={"Content-Type": "text/html; charset=utf-8"})
        (result,) = spider.parse_page(response)
        return keep.process_item(normalize.process_item(result))  # type: ignore[no-any-return]

    parsed: list[str] = []
    real = spider.pages.parse_document

    def counted(page_url: str, html: str) -> Any:
        parsed.append(page_url)
        return real(page_url, html)

    spider.__dict__["pages"] = replace(spider.pages, parse_document=counted)
    first = crawl(body)
    assert first.stored == "new" and parsed == [url]
    again = crawl(body)
    assert again.stored == "unchanged" and again.issue is None and parsed == [url]
    assert crawler.stats is not None
    assert crawler.stats.get_value("aggregator/issues_unchanged") == 1
    assert keep.coverage.documents == 2  # counted from the record, as a parsed one would be
    # A changed body is parsed (here it parses the same: normalize and upsert still skip it),
    # and remembered: the next run does not parse it.
    assert crawl(body + b"<!-- advert -->").stored == "unchanged" and len(parsed) == 2
    assert crawl(body + b"<!-- advert -->").stored == "unchanged" and len(parsed) == 2
    # Other page-object code (an upgrade, a generic switch): parsed again.
    spider.__dict__["parser_key"] = "another"
    assert crawl(body + b"<!-- advert -->").stored == "unchanged" and len(parsed) == 3
    assert crawl(body + b"<!-- advert -->").stored == "unchanged" and len(parsed) == 3
    # A row changed behind the record's back: parsed and stored again.
    store = store_for(crawler)
    store.upsert_issue(replace(make_issue(481), title="Edited elsewhere"), seen=keep.started,
                       updated=keep.started)
    assert crawl(body + b"<!-- advert -->").stored == "updated" and len(parsed) == 4
    store.close()
