"""The store: idempotent upserts, aware datetimes, links and pages, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from aggregator.items import Issue, Post, Story, Translation
from aggregator.store import Store

T0 = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)


def make_issue(number: int = 481, headline: str = "Anthropic Hits $30B Run Rate") -> Issue:
    return Issue(
        number=number,
        url=f"https://aiweekly.co/issues/{number}",
        numeric_url=f"https://aiweekly.co/issues/{number}",
        title="Musk Wants Altman Fired",
        week_start=date(2026, 4, 3),
        week_end=date(2026, 4, 9),
        intro="Three seismic shifts.",
        takeaways=("one", "two"),
        stories=(
            Story(1, headline, "Revenue", "https://example.com/a", "Bloomberg", date(2026, 4, 7),
                  "From $9B to $30B."),
            Story(2, "Claude Mythos", "Revenue", "https://example.com/b", "TechCrunch",
                  date(2026, 4, 7), "Zero-days."),
        ),
        published=datetime(2026, 4, 10, tzinfo=UTC),
    )


def make_post(url: str = "https://news.qimuai.cn/?post=3776", number: int | None = 481) -> Post:
    shanghai = timezone(timedelta(hours=8))
    return Post(
        url=url,
        post_id=int(url.rsplit("=", 1)[1]),
        title=f"AI周刊第{number}期:标题",
        published=datetime(2026, 4, 10, 8, 32, tzinfo=shanghai),
        author="启幕小编",
        category="AI周刊",
        content_html="<p>内容</p>",
        content_text="内容",
        mirror=Translation(
            issue_number=number, title="标题", source_url="https://aiweekly.co/issues/481",
            summary="总结", week_start=date(2026, 4, 3), week_end=date(2026, 4, 9),
            stories=(Story(1, "Anthropic年度预期达300亿美元", "营收王座易主", None, "彭博社",
                           date(2026, 4, 7), "四个月内"),),
        ),
    )


def test_upsert_issue_is_idempotent(store: Store) -> None:
    assert store.upsert_issue(make_issue(), seen=T0, updated=T0) == "new"
    assert store.upsert_issue(make_issue(), seen=T0 + timedelta(days=1), updated=T0) == "unchanged"
    assert len(store.issues()) == 1
    assert [s.headline for s in store.stories(issue_number=481)] == [
        "Anthropic Hits $30B Run Rate", "Claude Mythos"]


def test_edited_issue_updates_rows_and_updated_stamp(store: Store) -> None:
    store.upsert_issue(make_issue(), seen=T0, updated=T0)
    later = T0 + timedelta(days=13)
    edited = make_issue(headline="Anthropic Hits $30B Run Rate (Updated)")
    assert store.upsert_issue(edited, seen=later, updated=later) == "updated"
    row = store.issue(481)
    assert row is not None and row.updated == later and row.first_seen == T0
    assert store.stories(issue_number=481)[0].headline.endswith("(Updated)")
    by_issue, by_post = store.stories_by_owner()
    assert [s.position for s in by_issue[481]] == [1, 2] and by_post == {}


def test_datetimes_come_back_aware(store: Store) -> None:
    store.upsert_issue(make_issue(), seen=T0, updated=T0)
    _change, row_id = store.upsert_post(make_post(), source="qimuai", lang="zh", seen=T0,
                                        updated=T0)
    issue = store.issue(481)
    assert issue is not None and issue.published is not None
    assert issue.published.tzinfo is not None and issue.updated.tzinfo is not None
    post = store.posts()[0]
    assert post.published == datetime(2026, 4, 10, 0, 32, tzinfo=UTC)
    assert post.id == row_id


def test_naive_datetime_is_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive"):
        store.upsert_issue(make_issue(), seen=datetime(2026, 1, 1), updated=T0)


def test_post_upsert_and_links(store: Store) -> None:
    change, row = store.upsert_post(make_post(), source="qimuai", lang="zh", seen=T0, updated=T0)
    assert change == "new"
    assert store.upsert_post(make_post(), source="qimuai", lang="zh", seen=T0,
                             updated=T0) == ("unchanged", row)
    assert [s.lang for s in store.stories(post_row=row)] == ["zh"]
    assert store.set_link(row, 481, method="explicit", score=1.0, evidence={"a": 1},
                          decided=T0) == "new"
    assert store.set_link(row, 481, method="explicit", score=1.0, evidence={"a": 1},
                          decided=T0) == "unchanged"
    assert store.links()[row].issue_number == 481


def test_pages_record_and_revalidate(store: Store) -> None:
    args = dict(url="https://aiweekly.co/issues", source="aiweekly", status=200,
                content_type="text/html; charset=utf-8", etag='"a"',
                last_modified="Fri, 11 Sep 2026 00:11:40 GMT")
    assert store.record_page(body=b"<html>1</html>", fetched=T0, **args) == "new"  # type: ignore[arg-type]
    assert store.record_page(body=b"<html>1</html>", fetched=T0, **args) == "unchanged"  # type: ignore[arg-type]
    stored = store.stored_page("https://aiweekly.co/issues")
    assert stored is not None and stored.body == b"<html>1</html>" and stored.etag == '"a"'
    assert store.record_page(body=b"<html>2</html>", fetched=T0, **args) == "updated"  # type: ignore[arg-type]


def test_aliases(store: Store) -> None:
    issue = replace(make_issue(496), url="https://aiweekly.co/issues/preemption-stalls")
    store.upsert_issue(issue, seen=T0, updated=T0)
    aliases = store.aliases()
    assert aliases["https://aiweekly.co/issues/496"] == 496
    assert aliases["https://aiweekly.co/issues/preemption-stalls"] == 496


def test_a_changed_document_gets_a_new_version_and_the_old_one_stays(store: Store) -> None:
    from dataclasses import replace as edit

    issue = make_issue(481)
    store.upsert_issue(issue, seen=T0, updated=T0)
    store.upsert_issue(issue, seen=T0 + timedelta(days=1), updated=T0)  # unchanged: no version
    edited = edit(issue, title="Edited title")
    store.upsert_issue(edited, seen=T0 + timedelta(days=2), updated=T0 + timedelta(days=2))
    versions = store.versions(issue.url)
    assert [v.data["title"] for v in versions] == [issue.title, "Edited title"]
    current = store.issue(481)
    assert current is not None and current.title == "Edited title"
    assert current.updated == T0 + timedelta(days=2)


def test_numbers_read_from_pages_of_eleven_digits_fit(store: Store) -> None:
    # PostgreSQL's INTEGER stops at 2,147,483,647: issue numbers and post ids are BIGINT.
    big = 12_345_678_901
    store.upsert_issue(make_issue(big), seen=T0, updated=T0)
    post = replace(make_post("https://news.qimuai.cn/?post=98765432101", number=big))
    _change, row = store.upsert_post(post, source="qimuai", lang="zh", seen=T0, updated=T0)
    store.set_link(row, big, method="explicit", score=1.0, evidence={}, decided=T0)
    issue = store.issue(big)
    assert issue is not None and issue.number == big
    assert [s.issue_number for s in store.stories(issue_number=big)] == [big, big]
    assert store.aliases()[f"https://aiweekly.co/issues/{big}"] == big
    (stored,) = store.posts()
    assert (stored.post_id, stored.stated_issue_number) == (98_765_432_101, big)
    assert store.links()[row].issue_number == big


def test_commands_store_into_the_backend_of_the_test_run(tmp_path: Path) -> None:
    # What makes the PostgreSQL run cover the CLI: a command without --db resolves its store
    # to the test's own fresh schema there (and to OUT/aggregator.db in the SQLite run).
    from aggregator.config import db_url
    from tests.conftest import backend

    url = db_url(None, tmp_path)
    if backend() == "sqlite":
        assert url == f"sqlite:///{tmp_path / 'aggregator.db'}"
        return
    assert url.startswith("postgresql") and "search_path" in url
    store = Store.open(url)
    try:
        assert store.is_empty()
    finally:
        store.close()


def test_a_batch_commits_once_at_its_end_and_rolls_back_on_error(store: Store) -> None:
    other = Store(store.engine, store.url)  # another connection: sees only what is committed
    with store.batch():
        assert store.upsert_issue(make_issue(481), seen=T0, updated=T0) == "new"
        assert store.issue(481) is not None  # the batch reads its own writes
        assert other.issue(481) is None  # nothing committed yet
    assert other.issue(481) is not None
    with pytest.raises(RuntimeError), store.batch():
        store.upsert_issue(make_issue(482), seen=T0, updated=T0)
        raise RuntimeError("interrupted")
    assert store.issue(482) is None and store.issue(481) is not None


def test_a_long_batch_commits_as_it_goes(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import aggregator.store.store as module

    monkeypatch.setattr(module, "BATCH_CALLS", 3)
    other = Store(store.engine, store.url)
    with pytest.raises(RuntimeError), store.batch():
        for number in (481, 482, 483, 484):
            store.upsert_issue(make_issue(number), seen=T0, updated=T0)
        raise RuntimeError("killed")
    # The first three calls were committed; the fourth was not.
    assert [row.number for row in other.issues()] == [483, 482, 481]


def test_story_pairs_are_set_in_bulk(store: Store) -> None:
    store.upsert_issue(make_issue(), seen=T0, updated=T0)
    ids = [s.id for s in store.stories(issue_number=481)]
    store.set_story_pairs({ids[0]: 1, ids[1]: None})
    assert [s.pair for s in store.stories(issue_number=481)][:2] == [1, None]


def test_many_revalidated_pages_are_touched_in_one_call(store: Store) -> None:
    for n in (1, 2):
        store.record_page(url=f"https://aiweekly.co/issues/{n}", source="aiweekly", status=200,
                          body=b"x", content_type=None, etag=None, last_modified=None,
                          fetched=T0)
    later = T0 + timedelta(days=3)
    store.touch_pages({"https://aiweekly.co/issues/1": later,
                       "https://aiweekly.co/issues/3": later})  # not stored: nothing happens
    first, second = (store.stored_page(f"https://aiweekly.co/issues/{n}") for n in (1, 2))
    assert first is not None and first.last_fetched == later
    assert second is not None and second.last_fetched == T0
