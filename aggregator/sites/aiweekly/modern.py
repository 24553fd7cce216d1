"""Modern issue pages (issues >= 496, ``/issues/<slug>``): ``article.issue[data-issue]`` with a
header, ``div.lede`` and one ``<section>`` of ``div.story`` per topic."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from parsel import Selector

from aggregator.dates import parse_week_range
from aggregator.items import Issue, WatchItem
from aggregator.normalize import sanitize_html
from aggregator.sites.aiweekly.common import (
    _attr,
    _clean_items,
    _has_class,
    _int,
    _iso_date,
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


def _parse_modern(url: str, sel: Selector, article: Selector) -> Issue:
    number = _require_number(
        _int(article.attrib.get("data-issue")) or _number_in(_text(article.css("p.kicker"))),
        sel,
        url,
    )
    title = _require_title(_text(article.xpath(".//header//h1")), sel, url)
    week = _modern_week(article)
    near = week[0] if week else None
    page_url = _page_url(sel, url)

    def read_story(node: Any) -> _StoryParts | None:
        return _read_story(node, near, page_url)

    story_nodes = article.xpath(f".//h2 | .//div[{_has_class('story')}]")
    return Issue(
        number=number,
        url=page_url,
        numeric_url=_numeric_url(number),
        title=title,
        week_start=week[0] if week else None,
        week_end=week[1] if week else None,
        intro=_paragraphs(article.css("div.lede p")),
        takeaways=_clean_items(article.css("ul.takeaways > li")),
        quick_hits=_clean_items(article.css("ul.quick-hits > li")),
        watch=tuple(_modern_watch(article, page_url)),
        stories=_section_stories(story_nodes, read_story),
        published=_published_after(week[1] if week else None),
        content_html=sanitize_html(article.get()),
        markup="modern",
    )


def _modern_week(article: Selector) -> tuple[date, date] | None:
    """The two ``time[datetime]`` of ``p.range``; their text if the attributes are unusable."""
    rng = article.css("p.range")
    stamps = [_iso_date(value) for value in rng.css("time::attr(datetime)").getall()]
    if len(stamps) == 2 and stamps[0] and stamps[1] and stamps[0] <= stamps[1]:
        return stamps[0], stamps[1]
    return parse_week_range(_text(rng))


def _modern_watch(article: Selector, base: str) -> Iterator[WatchItem]:
    for item in article.css("aside.watch div.watch-item"):
        title = _text(item.css("h3")) or _text(item.css("a"))
        if not title:
            continue
        link = _attr(item, ".//h3//a/@href") or _attr(item, ".//a/@href")
        yield WatchItem(
            title=title,
            link=_outbound_url(link, base) if link else None,
            show=_show(_text(item.css("p.show"))),
            note=_strip_arrow(_text(item.css("p.note"))) or None,
        )
