"""The link stage does no link work while the crawls run: it notes the mirrors stored and
links them once, when the last crawl of the process closes (nothing left to stall)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scrapy.utils.test import get_crawler

from aggregator.crawl.pipelines import LinkPipeline
from aggregator.items import PageResult
from aggregator.store import Store
from tests.test_store import make_issue, make_post

T0 = datetime(2026, 4, 10, tzinfo=UTC)


def test_mirrors_are_linked_when_the_last_crawl_closes_not_as_they_arrive(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = Store.open(url)
    try:
        store.upsert_issue(make_issue(481), seen=T0, updated=T0)
        post = make_post()
        store.upsert_post(post, source="qimuai", lang="zh", seen=T0, updated=T0)
        crawls = [LinkPipeline(get_crawler(settings_dict={"AGGREGATOR_DB_URL": url}))
                  for _ in range(2)]
        for stage in crawls:
            stage.open_spider()
        item = PageResult(url=post.url, source="qimuai", status=200, post=post, stored="new")
        assert crawls[0].process_item(item) is item
        assert store.links() == {}  # noted, not linked, while crawling
        crawls[0].close_spider()
        assert store.links() == {}  # the other crawl still runs
        crawls[1].close_spider()
        links = store.links()
        assert [(row.issue_number, row.method) for row in links.values()] == [(481, "explicit")]
    finally:
        store.close()
