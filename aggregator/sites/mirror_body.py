"""The translation body of a mirror post: intro, takeaways, quick hits, watch box, stories.

Part of the mirror grammar (:mod:`aggregator.sites.mirror`), split off to keep modules small.
The headings (takeaways, quick hits, watch) are per-site patterns passed in; story and watch
lines are "a · b · c" everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from aggregator.dates import parse_month_day, parse_week_range
from aggregator.items import Story, WatchItem

__all__ = ["ARROW_RE", "Headings", "Line", "TranslationBody", "english_links", "is_story_line",
           "stories"]

_RANGE_LINE_RE = re.compile(
    r"^[(（]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日.{0,24}日\s*[)）]?$"
)
# Story and watch lines are "a · b · c"; a bare "·" (no spaces) is part of transliterated names
# such as 达里奥·阿莫迪, so only a spaced dot separates fields.
_FIELD_SEP_RE = re.compile(r"\s+[·•]\s+")
# A story's date field: "4月7日" / "4月7号" / "2027年1月2日"; "Apr 7" / "Jan 2, 2027".
_ZH_MONTH_DAY_RE = re.compile(r"^(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*[日号號]$")
_EN_MONTH_DAY_RE = re.compile(
    r"^[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?$"
)
ARROW_RE = re.compile(r"^(?:→|->|➔|⟶)\s*")


@dataclass(frozen=True)
class Line:
    """One visual line of the article: its text, whether it is a list item, its link targets."""

    text: str
    item: bool = False
    links: tuple[str, ...] = ()

    @property
    def rendered(self) -> str:
        """The line as plain text shows it: list items get a "- " bullet."""
        return f"- {self.text}" if self.item else self.text


class Headings(Protocol):
    """The per-site heading patterns the body state machine needs."""

    @property
    def takeaways(self) -> re.Pattern[str]: ...
    @property
    def quick(self) -> re.Pattern[str]: ...
    @property
    def watch(self) -> re.Pattern[str]: ...


def _fields(text: str) -> list[str]:
    return [part.strip() for part in _FIELD_SEP_RE.split(text) if part.strip()]


def _date_field(parts: Sequence[str]) -> int | None:
    """Index of the month-day field ("4月7日" / "Apr 7") of a story line, if it is one."""
    for j in range(1, len(parts)):
        if _ZH_MONTH_DAY_RE.match(parts[j]) or _EN_MONTH_DAY_RE.match(parts[j]):
            return j
    return None


def is_story_line(line: Line) -> bool:
    parts = _fields(line.text)
    return len(parts) >= 2 and _date_field(parts) is not None


def _is_arrow(line: Line) -> bool:
    return bool(ARROW_RE.match(line.text))


def _strip_arrow(text: str) -> str:
    return ARROW_RE.sub("", text, count=1).strip()


@dataclass
class _StoryLine:
    section: str | None
    line: Line
    summary: list[str] = field(default_factory=list)


@dataclass
class _WatchLine:
    line: Line
    notes: list[str] = field(default_factory=list)


@dataclass
class TranslationBody:
    intro: list[Line] = field(default_factory=list)
    week: tuple[date, date] | None = None
    takeaways: list[str] = field(default_factory=list)
    quick_hits: list[str] = field(default_factory=list)
    watch: list[_WatchLine] = field(default_factory=list)
    story_lines: list[_StoryLine] = field(default_factory=list)

    @classmethod
    def parse(cls, lines: Sequence[Line], headings: Headings) -> TranslationBody:
        body = cls()
        state = "intro"
        section: str | None = None
        for i, line in enumerate(lines):
            text = line.text
            next_is_story = i + 1 < len(lines) and is_story_line(lines[i + 1])
            if headings.takeaways.match(text):
                state = "takeaways"
            elif quick := headings.quick.match(text):
                state = "quick"
                if quick.group(1):
                    body.quick_hits.append(quick.group(1).strip())
            elif headings.watch.match(text):
                state = "watch"
            elif is_story_line(line):
                state = "sections"
                body.story_lines.append(_StoryLine(section, line))
            elif _is_arrow(line):
                body._attach_note(state, _strip_arrow(text))
            elif next_is_story and not line.item:
                # A plain line right before a story line is the section heading.
                state, section = "sections", text
            elif state == "sections":
                section = text
            else:
                body._add(state, line, lines[i + 1] if i + 1 < len(lines) else None)
        return body

    def _attach_note(self, state: str, note: str) -> None:
        if state == "sections" and self.story_lines:
            self.story_lines[-1].summary.append(note)
        elif state == "watch" and self.watch:
            self.watch[-1].notes.append(note)
        elif state == "intro":
            self.intro.append(Line(note))

    def _add(self, state: str, line: Line, following: Line | None) -> None:
        if state == "intro":
            if self.week is None and _RANGE_LINE_RE.match(line.text):
                week = parse_week_range(line.text)
                if week is not None:
                    self.week = week
                    return
            self.intro.append(line)
        elif state == "takeaways":
            self.takeaways.append(line.text)
        elif state == "quick":
            self.quick_hits.append(line.text)
        elif state == "watch" and (
            len(_fields(line.text)) >= 2 or (following is not None and _is_arrow(following))
        ):
            self.watch.append(_WatchLine(line))

    def watch_items(self) -> Iterator[WatchItem]:
        for entry in self.watch:
            parts = _fields(entry.line.text)
            # "title · show · platform": the platform ("YouTube观看") names the player only.
            yield WatchItem(
                title=parts[0],
                link=entry.line.links[0] if entry.line.links else None,
                show=parts[1] if len(parts) >= 2 else None,
                note="\n".join(entry.notes) or None,
            )


def stories(body: TranslationBody, near: date | None) -> Iterator[Story]:
    for position, entry in enumerate(body.story_lines, start=1):
        parts = _fields(entry.line.text)
        j = _date_field(parts)
        assert j is not None  # story_lines only holds lines that have a date field
        day = parse_month_day(parts[j], near=near) if near is not None else None
        yield Story(
            position=position,
            headline=" · ".join(parts[:j]),
            section=entry.section,
            link=None,
            outlet=" · ".join(parts[j + 1 :]) or None,
            date=day,
            summary="\n".join(entry.summary) or None,
            # Without a week to place it, keep the date as written for the normalize stage.
            date_text=None if day is not None else parts[j],
        )


def english_links(lines: Sequence[Line]) -> Iterator[str]:
    for line in lines:
        if line.links and is_story_line(line):
            yield line.links[0]
