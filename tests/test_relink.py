"""Linking v1 (explicit source links), one test per replica variation, on stored rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from aggregator.items import Story
from aggregator.relink import link_posts
from aggregator.store import Store
from tests.test_store import T0, make_issue, make_post

SLUG = "https://aiweekly.co/issues/preemption-stalls-in-the-senate-google-cloud-soars-deepseek"


def _mirror(store: Store, url: str, number: int | None, source: str | None) -> int:
    post = make_post(url, number)
    assert post.mirror is not None
    post = replace(post, mirror=replace(post.mirror, source_url=source))
    _change, row = store.upsert_post(post, source="qimuai", lang="zh", seen=T0, updated=T0)
    return row


def test_canonicalization_of_the_stated_source(store: Store) -> None:
    store.upsert_issue(make_issue(481), seen=T0, updated=T0)
    stated = ["https://aiweekly.co/issues/481", "http://AIWEEKLY.co/issues/481/",
              "https://aiweekly.co/issues/481#top",
              "https://aiweekly.co/issues/481?utm_source=wechat&utm_medium=x"]
    rows = [_mirror(store, f"https://news.qimuai.cn/?post={3776 + i}", 481, url)
            for i, url in enumerate(stated)]
    link_posts(store, decided=T0)
    links = store.links()
    for row, url in zip(rows, stated, strict=True):
        assert (links[row].issue_number, links[row].method, links[row].score) == (
            481, "explicit", 1.0), url


def test_numeric_alias_of_a_slug_issue_links_to_it(store: Store) -> None:
    store.upsert_issue(replace(make_issue(496), url=SLUG), seen=T0, updated=T0)
    row = _mirror(store, "https://news.qimuai.cn/?post=3820", 496,
                  "https://aiweekly.co/issues/496")
    report = link_posts(store, decided=T0)
    assert store.links()[row].issue_number == 496
    assert report.linked == [("https://news.qimuai.cn/?post=3820", 496, "explicit")]


def test_a_redirect_seen_while_crawling_is_an_alias(store: Store) -> None:
    store.upsert_issue(replace(make_issue(496), url=SLUG, numeric_url=SLUG), seen=T0, updated=T0)
    store.add_alias("https://aiweekly.co/issues/496", 496, "redirect")
    row = _mirror(store, "https://news.qimuai.cn/?post=3820", 496,
                  "https://aiweekly.co/issues/496")
    link_posts(store, decided=T0)
    link = store.links()[row]
    assert (link.issue_number, link.method) == (496, "explicit")
    assert link.evidence["source"] == "https://aiweekly.co/issues/496"


def test_two_mirrors_of_one_issue_both_link_to_it(store: Store) -> None:
    store.upsert_issue(make_issue(501), seen=T0, updated=T0)
    first = _mirror(store, "https://news.qimuai.cn/?post=3832", 501,
                    "https://aiweekly.co/issues/501")
    second = _mirror(store, "https://news.qimuai.cn/?post=3833", 501,
                     "https://aiweekly.co/issues/501/")
    link_posts(store, decided=T0)
    links = store.links()
    assert links[first].issue_number == links[second].issue_number == 501


def test_mirror_without_source_line_is_linked_by_content(store: Store) -> None:
    store.upsert_issue(make_issue(490), seen=T0, updated=T0)
    row = _mirror(store, "https://news.qimuai.cn/?post=3799", 490, None)
    link_posts(store, decided=T0)
    link = store.links()[row]
    assert (link.issue_number, link.method) == (490, "zh-anchors")
    assert link.evidence["week"] == "agree" and "num" in link.evidence["matched"]


def test_mirror_without_source_line_and_no_matching_content_stays_unlinked(store: Store) -> None:
    other = replace(make_issue(490), week_start=None, week_end=None, intro="Other news.",
                    stories=(Story(1, "Nvidia ships Rubin", "Chips", "https://x.test/r",
                                   "Reuters", date(2026, 6, 8), "Racks of GPUs."),))
    store.upsert_issue(other, seen=T0, updated=T0)
    row = _mirror(store, "https://news.qimuai.cn/?post=3799", None, None)
    report = link_posts(store, decided=T0)
    link = store.links()[row]
    assert link.issue_number is None and link.method == "none"
    assert link.evidence == {"reason": "no source link and no issue matched by content"}
    assert report.unlinked_mirrors == ["https://news.qimuai.cn/?post=3799"]


def test_mirror_of_an_issue_never_crawled_is_kept_and_reported(store: Store) -> None:
    row = _mirror(store, "https://news.qimuai.cn/?post=3840", 505,
                  "https://aiweekly.co/issues/lumora-settles-with-studios")
    report = link_posts(store, decided=T0)
    assert store.links()[row].issue_number is None
    assert store.links()[row].evidence == {"reason": "issue 505 was never crawled"}
    assert report.unlinked_mirrors == ["https://news.qimuai.cn/?post=3840"]
    assert len(store.posts()) == 1
    # When the issue appears later, the next pass links the waiting mirror.
    store.upsert_issue(replace(make_issue(505),
                               url="https://aiweekly.co/issues/lumora-settles-with-studios"),
                       seen=T0, updated=T0)
    later = link_posts(store, decided=T0)
    assert store.links()[row].issue_number == 505
    assert later.changed == [("https://news.qimuai.cn/?post=3840", None, 505)]


def test_non_mirror_posts_are_never_linked(store: Store) -> None:
    store.upsert_issue(make_issue(481), seen=T0, updated=T0)
    post = replace(make_post(), url="https://news.qimuai.cn/?post=3779", mirror=None,
                   content_text="本站AI周刊栏目内容编译自aiweekly.co https://aiweekly.co/issues/481")
    store.upsert_post(post, source="qimuai", lang="zh", seen=T0, updated=T0)
    report = link_posts(store, decided=T0)
    assert store.links() == {} and report.not_mirrors == 1
