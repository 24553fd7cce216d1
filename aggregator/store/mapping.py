"""Items <-> rows, both ways, in one place.

The store writes parsed items into rows with :func:`issue_to_row` / :func:`post_to_row`, and
the linker reads rows back as items with :func:`issue_from_row` / :func:`post_from_row`, so a
field added to an item is mapped here once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from aggregator.items import Issue, Post, Story, Translation, WatchItem, to_jsonable
from aggregator.store.models import IssueRow, PostRow, StoryRow


def sha256_json(value: Any) -> str:
    data = json.dumps(to_jsonable(value), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _watch_json(items: Sequence[WatchItem]) -> list[dict[str, Any]]:
    return [to_jsonable(item) for item in items]


def _watch_items(items: Sequence[dict[str, Any]]) -> tuple[WatchItem, ...]:
    return tuple(WatchItem(i.get("title") or "", i.get("link"), i.get("show"), i.get("note"))
                 for i in items)


def story_rows(stories: Sequence[Story], lang: str) -> list[StoryRow]:
    return [
        StoryRow(lang=lang, position=s.position, section=s.section, headline=s.headline,
                 link=s.link, outlet=s.outlet, date=s.date, summary=s.summary)
        for s in stories
    ]


def story_from_row(row: StoryRow) -> Story:
    return Story(row.position, row.headline, row.section, row.link, row.outlet, row.date,
                 row.summary)


def issue_to_row(issue: Issue, row: IssueRow, digest: str) -> None:
    row.url, row.numeric_url, row.title = issue.url, issue.numeric_url, issue.title
    row.week_start, row.week_end, row.published = issue.week_start, issue.week_end, issue.published
    row.intro, row.takeaways = issue.intro, list(issue.takeaways)
    row.quick_hits, row.watch = list(issue.quick_hits), _watch_json(issue.watch)
    row.content_html, row.markup, row.content_sha256 = issue.content_html, issue.markup, digest


def post_to_row(post: Post, row: PostRow, lang: str, digest: str) -> None:
    row.lang, row.post_id, row.title, row.published = lang, post.post_id, post.title, post.published
    row.author, row.category = post.author, post.category
    row.content_html, row.content_text = post.content_html, post.content_text
    row.markup, row.content_sha256 = post.markup, digest
    mirror = post.mirror
    row.is_mirror = mirror is not None
    row.stated_issue_number = mirror.issue_number if mirror else None
    row.title_zh = mirror.title if mirror else None
    row.source_url = mirror.source_url if mirror else None
    row.summary = mirror.summary if mirror else ""
    row.week_start = mirror.week_start if mirror else None
    row.week_end = mirror.week_end if mirror else None
    row.intro = mirror.intro if mirror else ""
    row.takeaways = list(mirror.takeaways) if mirror else []
    row.quick_hits = list(mirror.quick_hits) if mirror else []
    row.watch = _watch_json(mirror.watch) if mirror else []
    row.english_text = mirror.english_text if mirror else ""
    row.english_links = list(mirror.english_links) if mirror else []


def issue_from_row(row: IssueRow, stories: Sequence[StoryRow]) -> Issue:
    """The stored issue as the item the linker's adapters take."""
    return Issue(
        number=row.number, url=row.url, numeric_url=row.numeric_url, title=row.title,
        week_start=row.week_start, week_end=row.week_end, intro=row.intro,
        takeaways=tuple(row.takeaways), quick_hits=tuple(row.quick_hits),
        watch=_watch_items(row.watch), stories=tuple(story_from_row(s) for s in stories),
        published=row.published, markup="classic",
    )


def post_from_row(row: PostRow, stories: Sequence[StoryRow]) -> Post:
    mirror = None
    if row.is_mirror:
        mirror = Translation(
            issue_number=row.stated_issue_number, title=row.title_zh or "",
            source_url=row.source_url, summary=row.summary, week_start=row.week_start,
            week_end=row.week_end, intro=row.intro, takeaways=tuple(row.takeaways),
            quick_hits=tuple(row.quick_hits), watch=_watch_items(row.watch),
            stories=tuple(story_from_row(s) for s in stories), english_text=row.english_text,
            english_links=tuple(row.english_links),
        )
    return Post(url=row.url, post_id=row.post_id, title=row.title, published=row.published,
                author=row.author, category=row.category, content_html=row.content_html,
                content_text=row.content_text, mirror=mirror)
