"""A document parsed exactly as when it was stored skips normalize and upsert, and is still
counted (stats and field coverage) as an unchanged document."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scrapy.utils.test import get_crawler

from aggregator.crawl.pipelines import NormalizePipeline, StorePipeline
from aggregator.crawl.store_binding import store_for
from aggregator.items import PageResult
from aggregator.spiders.aiweekly import AiweeklySpider
from tests.test_store import make_issue


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
