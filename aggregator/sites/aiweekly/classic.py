"""Classic issue pages (issues <= 495, ``/issues/<N>``): ``div#issue`` with ``h2.issue-title``,
``p.range``, ``#news`` holding ``h2.category`` headings and story ``div``\\ s."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from parsel import Selector

from aggregator.dates import parse_day, parse_week_range
from aggregator.items import Issue, WatchItem
from aggregator.normalize import sanitize_html
from aggregator.sites.aiweekly.common import (
    _attr,
    _clean_items,
    _has_class,
    _midnight_utc,
    _number_in,
    _numeric_url,
    _outbound_url,
    _page_url,
    _paragraphs,
    _published_after,
    _read_story,
    _require_number,
    _require_title,
    _section_stories,
    _show,
    _StoryParts,
    _strip_arrow,
    _text,
)


def _parse_classic(url: str, sel: Selector, container: Selector) -> Issue:
    number = _require_number(_number_in(_text(container.xpath(".//h1"))), sel, url)
    title = _require_title(_text(container.css("h2.issue-title")), sel, url)
    issue_day = parse_day(_text(container.css("p.issue-date")))
    week = parse_week_range(_text(container.css("p.range")))
    if week is None and issue_day is not None:
        # No range line: the week is the seven days before the publication day.
        week = (issue_day - timedelta(days=7), issue_day - timedelta(days=1))
    near = week[0] if week else issue_day
    page_url = _page_url(sel, url)

    def read_story(node: Any) -> _StoryParts | None:
        return _read_story(node, near, page_url)

    story_nodes = container.xpath(".//*[@id='news']/h2 | .//*[@id='news']/div[.//h3]")
    published = (
        _midnight_utc(issue_day) if issue_day else _published_after(week[1] if week else None)
    )
    return Issue(
        number=number,
        url=page_url,
        numeric_url=_numeric_url(number),
        title=title,
        week_start=week[0] if week else None,
        week_end=week[1] if week else None,
        intro=_paragraphs(
            container.xpath(f".//div[{_has_class('intro')}]/p[not({_has_class('range')})]")
        ),
        takeaways=_clean_items(container.css("div.takeaways li")),
        quick_hits=_clean_items(container.css("div.quick-hits li")),
        watch=tuple(_classic_watch(container, page_url)),
        stories=_section_stories(story_nodes, read_story),
        published=published,
        content_html=sanitize_html(container.get()),
        markup="classic",
    )


def _classic_watch(container: Selector, base: str) -> Iterator[WatchItem]:
    """``p.watch-title`` ("<a>title</a> · Show · Listen on Spotify") + ``p.watch-note``."""
    for line in container.css("div.watch p.watch-title"):
        whole = _text(line)
        title = _text(line.css("a")) or whole
        rest = whole[len(title) :] if whole.startswith(title) else ""
        link = _attr(line, ".//a/@href")
        note = line.xpath(f"following-sibling::p[1][{_has_class('watch-note')}]")
        yield WatchItem(
            title=title,
            link=_outbound_url(link, base) if link else None,
            show=_show(rest),
            note=_strip_arrow(_text(note)) or None,
        )
