"""Documents to link: :class:`LinkDoc` and the adapters that build one from a parsed issue, a
parsed blog post or a bring-your-own JSON record.

The text rendered here is what a mirror actually shows (week line, sections, story lines), so
features computed from an issue and from its translation describe the same page.

Chinese in Traditional script is converted to Simplified (OpenCC ``t2s``) here, before any
matching: a :class:`LinkDoc` always holds Simplified Chinese, while the items and the store keep
the original script. Mirror labels (内容来源, 內容來源, ...) come from the site registry
(:data:`aggregator.sites.SITES`), so a new site's labels need no change here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from aggregator.anchors import detect_issue_number, detect_week
from aggregator.anchors.script import looks_traditional, to_simplified
from aggregator.items import Issue, Post, Story, Translation, WatchItem
from aggregator.normalize import canonical_url, clean_text
from aggregator.sites import SITES, site_of_url
from aggregator.sites.base import Script


@dataclass(frozen=True)
class LinkDoc:
    """A document to link, in one language, with whatever structure is known.

    ``embedded_en`` / ``embedded_links`` hold an English original carried inside a Chinese
    document (a mirror's 英文来源 part); ``alt_urls`` other URLs of the same page (the numeric
    URL of a slug-era issue, URLs that redirected to it).
    """

    id: str
    lang: str  # "en" or "zh" (Chinese always in Simplified script, see the module doc)
    title: str
    text: str
    url: str | None = None
    published: datetime | None = None
    stories: tuple[Story, ...] = ()
    stated_source: str | None = None
    issue_number: int | None = None
    week: tuple[date, date] | None = None
    embedded_en: str = ""
    embedded_links: tuple[str, ...] = ()
    alt_urls: tuple[str, ...] = ()


_EN_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
_EN_MONTHS_LONG = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip


def _en_week_line(week: tuple[date, date]) -> str:
    start, end = week
    if start.month == end.month:
        return f"{_EN_MONTHS_LONG[start.month - 1]} {start.day} – {end.day}, {end.year}"
    return (
        f"{_EN_MONTHS_LONG[start.month - 1]} {start.day} – "
        f"{_EN_MONTHS_LONG[end.month - 1]} {end.day}, {end.year}"
    )


def _zh_week_line(week: tuple[date, date]) -> str:
    start, end = week
    tail = f"{end.day}日" if start.month == end.month else f"{end.month}月{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日 – {tail}"


def _story_lines(story: Story, lang: str) -> Iterator[str]:
    when = ""
    if story.date is not None:
        d = story.date
        when = f"{_EN_MONTHS[d.month - 1]} {d.day}" if lang == "en" else f"{d.month}月{d.day}日"
    meta = " · ".join(p for p in (story.headline, when, story.outlet or "") if p)
    yield meta
    if story.summary:
        yield "→ " + story.summary


def _stories_text(stories: Sequence[Story], lang: str) -> list[str]:
    lines: list[str] = []
    section: str | None = None
    for story in stories:
        if story.section and story.section != section:
            section = story.section
            lines.append(section)
        lines.extend(_story_lines(story, lang))
    return lines


def _week_of(start: date | None, end: date | None) -> tuple[date, date] | None:
    return (start, end) if start is not None and end is not None else None


def doc_from_issue(issue: Issue) -> LinkDoc:
    """An English issue as a document; its text mirrors the page (and a mirror's 英文来源)."""
    week = _week_of(issue.week_start, issue.week_end)
    lines = [issue.intro]
    if week is not None:
        lines.append(_en_week_line(week))
    if issue.takeaways:
        lines += ["Key Takeaways", *issue.takeaways]
    if issue.quick_hits:
        lines += ["Quick Hits", *issue.quick_hits]
    if issue.watch:
        lines.append("Watch & Listen First")
        for w in issue.watch:
            lines.append(" · ".join(p for p in (w.title, w.show or "") if p))
            if w.note:
                lines.append("→ " + w.note)
    lines += _stories_text(issue.stories, "en")
    url = canonical_url(issue.url)
    alt = tuple(u for u in {canonical_url(issue.numeric_url)} if u != url)
    return LinkDoc(
        id=url,
        lang="en",
        title=issue.title,
        text="\n".join(line for line in lines if line),
        url=url,
        published=issue.published,
        stories=issue.stories,
        issue_number=issue.number,
        week=week,
        alt_urls=alt,
    )


def _translation_text(t: Translation) -> str:
    # The headings below are the linker's own rendering, the same for every mirror site (so
    # two mirrors of one issue render alike); they are written, never matched: the labels a
    # site's pages carry come from the registry (see _registry_source_labels).
    week = _week_of(t.week_start, t.week_end)
    lines = [t.title, t.summary, t.intro]
    if week is not None:
        lines.append(_zh_week_line(week))
    if t.takeaways:
        lines += ["核心要点", *t.takeaways]
    if t.quick_hits:
        lines += ["快讯", *t.quick_hits]
    for w in t.watch:
        lines.append(" · ".join(p for p in (w.title, w.show or "") if p))
        if w.note:
            lines.append("→ " + w.note)
    lines += _stories_text(t.stories, "zh")
    return "\n".join(line for line in lines if line)


def _simplified_story(story: Story) -> Story:
    return replace(
        story,
        headline=to_simplified(story.headline),
        section=to_simplified(story.section) if story.section else story.section,
        outlet=to_simplified(story.outlet) if story.outlet else story.outlet,
        summary=to_simplified(story.summary) if story.summary else story.summary,
    )


def _simplified_watch(item: WatchItem) -> WatchItem:
    return replace(
        item,
        title=to_simplified(item.title),
        show=to_simplified(item.show) if item.show else item.show,
        note=to_simplified(item.note) if item.note else item.note,
    )


def _simplified_translation(t: Translation) -> Translation:
    """Every Chinese field converted; the embedded English original and URLs untouched."""
    return replace(
        t,
        title=to_simplified(t.title),
        summary=to_simplified(t.summary),
        intro=to_simplified(t.intro),
        takeaways=tuple(to_simplified(x) for x in t.takeaways),
        quick_hits=tuple(to_simplified(x) for x in t.quick_hits),
        watch=tuple(_simplified_watch(w) for w in t.watch),
        stories=tuple(_simplified_story(s) for s in t.stories),
    )


def _simplified_post(post: Post) -> Post:
    if post.mirror is not None:  # a mirror's document is built from its parts, not its text
        return replace(post, title=to_simplified(post.title),
                       mirror=_simplified_translation(post.mirror))
    return replace(post, title=to_simplified(post.title),
                   content_text=to_simplified(post.content_text))


def post_script(post: Post) -> Script:
    """How a post's Chinese is written: its registered site's script, or (a post of no known
    site) whatever its title and text look like."""
    site = site_of_url(post.url)
    if site is not None:
        return site.script
    return "Hant" if looks_traditional(f"{post.title}\n{post.content_text}") else "Hans"


def doc_from_post(post: Post, *, script: Script | None = None) -> LinkDoc:
    """A blog post as a Chinese document; for a mirror, text = summary + translation and the
    English original is kept apart in ``embedded_en`` (it must not blur the Chinese anchors).

    ``script`` is how the post is written (``Site.script``: ``"Hans"`` or ``"Hant"``); by
    default the script of the registered site the post's URL belongs to (:func:`post_script`).
    Traditional posts are converted to Simplified (title, text, translation, stories); the
    document's id and URLs stay the post's own.
    """
    if (script or post_script(post)) == "Hant":
        post = _simplified_post(post)
    url = canonical_url(post.url, https=True)
    t = post.mirror
    if t is None:
        return LinkDoc(
            id=url,
            lang="zh",
            title=post.title,
            text=post.content_text,
            url=url,
            published=post.published,
            issue_number=detect_issue_number(post.title),
        )
    return LinkDoc(
        id=url,
        lang="zh",
        title=post.title,
        text=_translation_text(t),
        url=url,
        published=post.published,
        stories=t.stories,
        stated_source=t.source_url,
        issue_number=t.issue_number,
        week=_week_of(t.week_start, t.week_end),
        embedded_en=t.english_text,
        embedded_links=t.english_links,
    )


_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z]+")


def _is_english_line(line: str) -> bool:
    return not _CJK_RE.search(line) and len(_LATIN_WORD_RE.findall(line)) >= 3


def split_embedded_english(text: str, *, min_words: int = 150) -> tuple[str, str]:
    """Split a Chinese text into (Chinese part, embedded English original).

    Lines without CJK characters and with at least three Latin words are English; they count as
    an embedded original only if they add up to ``min_words`` words (a quoted English sentence
    or two stays in the Chinese part).
    """
    zh_lines: list[str] = []
    en_lines: list[str] = []
    for line in text.splitlines():
        (en_lines if _is_english_line(line) else zh_lines).append(line)
    en_text = "\n".join(en_lines)
    if len(_LATIN_WORD_RE.findall(en_text)) < min_words:
        return text, ""
    return "\n".join(zh_lines), en_text


def _detect_lang(text: str) -> str:
    """Chinese when CJK characters are a real share of the text (a Chinese character carries
    about as much as a 3-5 letter word, so 15% of the letter count is already a lot)."""
    cjk = len(_CJK_RE.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD_RE.findall(text))
    return "zh" if cjk >= max(20, 0.15 * latin) else "en"


# BCP 47 subtags that say a Chinese text is written in Traditional / Simplified script.
_TRADITIONAL_TAGS = frozenset({"hant", "tw", "hk", "mo"})
_SIMPLIFIED_TAGS = frozenset({"hans", "cn", "sg", "my"})


def _record_lang(tag: Any, sample: str) -> tuple[str, bool]:
    """(``"en"`` or ``"zh"``, whether to convert from Traditional) for a record's ``lang``.

    ``zh-Hant``, ``zh-TW``, ``zh-HK`` convert; ``zh-Hans``, ``zh-CN`` do not; a bare ``zh`` (or no
    tag) converts when the text is detectably Traditional. Other languages are rejected.
    """
    written = tag or _detect_lang(sample)
    parts = str(written).lower().replace("_", "-").split("-")
    if parts[0] not in ("en", "zh"):
        raise ValueError(
            f"unsupported lang {tag!r} (expected 'en' or 'zh', with a script or region for "
            "Chinese such as 'zh-Hant' or 'zh-TW')"
        )
    if parts[0] == "en":
        return "en", False
    subtags = set(parts[1:])
    if subtags & _TRADITIONAL_TAGS:
        return "zh", True
    if subtags & _SIMPLIFIED_TAGS:
        return "zh", False
    return "zh", looks_traditional(sample)


def doc_from_record(record: Mapping[str, Any]) -> LinkDoc:
    """A "bring your own" document: ``{id, lang?, title?, text, url?, published?}``.

    No structure is assumed: the issue number comes from the title, the week from the text, and
    a Chinese text's English lines (if there are enough) become its embedded original.
    Traditional Chinese (``lang`` ``zh-Hant``/``zh-TW``/``zh-HK``, or detectably Traditional
    text) is converted to Simplified.
    """
    doc_id = record.get("id")
    text = record.get("text")
    if not isinstance(doc_id, str | int) or str(doc_id) == "":
        raise ValueError("missing 'id'")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing or empty 'text'")
    title = record.get("title") or ""
    if not isinstance(title, str):
        raise ValueError("'title' must be a string")
    lang, traditional = _record_lang(record.get("lang"), title + "\n" + text)
    url = record.get("url")
    if url is not None and not isinstance(url, str):
        raise ValueError("'url' must be a string")
    published = _parse_published(record.get("published"))
    text = clean_text(text)
    embedded = ""
    if lang == "zh":
        text, embedded = split_embedded_english(text)
    # Looked for in the text as written: the registry's labels are in the site's own script.
    stated_source = _stated_source_in(text)
    if traditional:
        title, text = to_simplified(title), to_simplified(text)
    return LinkDoc(
        id=str(doc_id),
        lang=lang,
        title=title,
        text=text,
        url=canonical_url(url) if url else None,
        published=published,
        issue_number=detect_issue_number(title) if title else None,
        week=detect_week(text),
        embedded_en=embedded,
        stated_source=stated_source,
    )


# Generic words for a stated source, besides every registered mirror's own labels.
_GENERIC_SOURCE_LABELS = ("来源", "來源", "原文", "Source", "Original")


def _registry_source_labels() -> tuple[str, ...]:
    """Every registered mirror's source labels (内容来源, 內容來源, ...), read at call time so a
    site added to the registry is known without a change here."""
    labels = {label for site in SITES.values() if site.markers for label in site.markers.source}
    return tuple(sorted(labels))


@lru_cache(maxsize=8)
def _source_line_re(labels: tuple[str, ...]) -> re.Pattern[str]:
    """"<label>: <URL>" for the labels in both scripts and the generic words, longest first."""
    words = set(labels) | {to_simplified(x) for x in labels} | set(_GENERIC_SOURCE_LABELS)
    alternation = "|".join(re.escape(x) for x in sorted(words, key=len, reverse=True))
    return re.compile(
        rf"(?:{alternation})\s*[:：]\s*(https?://[^\s，。、；)）<>\"']+)", re.IGNORECASE
    )


def _stated_source_in(text: str) -> str | None:
    m = _source_line_re(_registry_source_labels()).search(text)
    return m.group(1) if m else None


def _parse_published(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("'published' must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"bad 'published' {value!r}: {exc}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"'published' {value!r} has no UTC offset")
    return parsed
