"""The grammar of a mirror post: a Chinese blog post that republishes an AI Weekly issue.

Every mirror blog writes the same parts in the same order: the stated English source, the
editor's summary (closed by a period note), the full translation (intro, takeaways, quick hits,
the watch box, sections of ``headline · 4月7日 · outlet`` + ``→ summary`` lines) and the English
original. Only the *labels* differ from blog to blog, so they are data
(:class:`~aggregator.sites.base.MirrorMarkers`, from the registry entry) and the patterns here
are compiled from them, once per markers object.

A post is recognized and split by its *text structure*, not by element positions: the article
body is flattened into one line per block (``<p>``, ``<li>``, headings, ``<br>`` runs) and a
small state machine walks those lines. That keeps it working when the editor switches between
``<p>`` and ``<br>``, wraps a heading in ``<strong>`` or ``<h2>``, types a fullwidth colon, or
drops the source line. No site is named here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from parsel import Selector

from aggregator.dates import parse_week_range
from aggregator.items import Translation
from aggregator.normalize import clean_inline, clean_text
from aggregator.sites.base import MirrorMarkers, Script, Site
from aggregator.sites.guards import int64, within_int64
from aggregator.sites.mirror_body import (
    ARROW_RE,
    Line,
    TranslationBody,
    english_links,
    is_story_line,
    stories,
)
from aggregator.sites.text import block_lines

__all__ = [
    "DEFAULT_MARKERS",
    "Line",
    "MirrorPatterns",
    "ascii_punctuation",
    "chinese_number",
    "default_markers",
    "is_story_line",
    "issue_number",
    "lines_of",
    "markers_of",
    "parse_mirror",
    "patterns",
    "render",
    "strip_revision_remark",
]

# ---------------------------------------------------------------------------------------------
# Default markers, per script, for a mirror entry that names none (the generic page objects).
# They list every spelling seen on mirror blogs so far; a site entry's own markers win.
# ---------------------------------------------------------------------------------------------
DEFAULT_MARKERS: dict[Script, MirrorMarkers] = {
    "Hans": MirrorMarkers(
        column=("AI周刊", "AI週刊"),
        source=("内容来源", "原文来源", "原文链接"),
        summary=("内容总结", "内容摘要", "摘要"),
        translation=("中文翻译", "全文翻译"),
        english=("英文来源", "英文原文"),
        period=("本期周期", "本期期间"),
        takeaways=("核心要点", "要点"),
        quick_hits=("快讯",),
        watch=("视听首选", "影音推荐"),
    ),
    "Hant": MirrorMarkers(
        column=("AI週刊", "AI周刊"),
        source=("內容來源", "原文來源", "原文連結"),
        summary=("摘要", "內容摘要", "內容總結"),
        translation=("全文翻譯", "中文翻譯"),
        english=("英文原文", "英文來源"),
        period=("本期期間", "本期週期"),
        takeaways=("重點", "核心要點"),
        quick_hits=("快訊",),
        watch=("影音推薦", "視聽首選"),
    ),
}


def default_markers(script: Script) -> MirrorMarkers:
    """The default markers for a script; Latin-script sites get the Simplified ones."""
    return DEFAULT_MARKERS.get(script, DEFAULT_MARKERS["Hans"])


def markers_of(site: Site) -> MirrorMarkers:
    """A registry entry's markers, or the defaults for its script when it names none."""
    return site.markers if site.markers is not None else default_markers(site.script)


# ---------------------------------------------------------------------------------------------
# Patterns compiled from markers
# ---------------------------------------------------------------------------------------------
_C = r"\s*[:：]\s*"  # a colon, ASCII or fullwidth, with the stray spaces editors type
# Between the column name and the issue title: a colon, or a bar or dash ("AI周刊第1187期｜…").
_TITLE_SEP = r"[:：|｜丨\-－–—]"
# Book-title and corner brackets around the column name: "《AI週刊》第482期：…".
_OPEN = r"[《〈【「『]"
_CLOSE = r"[》〉】」』]"
_CJK_DIGITS = "〇零一二两兩三四五六七八九"
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000}
_CJK_MYRIAD = "萬万"
_NUMBER = rf"\d+|[{_CJK_DIGITS}{''.join(_CJK_UNITS)}{_CJK_MYRIAD}]+"
_FULLWIDTH_PUNCTUATION = str.maketrans("，：；！？（）", ",:;!?()")
# A re-post's title may carry a remark: "…（修訂版）", "…(修订版)".
_REVISION_REMARK_RE = re.compile(r"\s*[(（]\s*(?:修訂|修订|更新|重發|重发)版?\s*[)）]\s*$")


def _name(text: str) -> str:
    """A literal name as a pattern that allows spaces where Latin meets CJK ("AI 周刊")."""
    out = ""
    for i, char in enumerate(text):
        if i and char.isascii() != text[i - 1].isascii():
            out += r"\s*"
        out += re.escape(char)
    return out


def _any(names: Sequence[str]) -> str:
    """An alternation of names, longest first, so "全文翻譯" wins over a shorter prefix."""
    return "(?:" + "|".join(_name(n) for n in sorted(names, key=len, reverse=True)) + ")"


@dataclass(frozen=True)
class MirrorPatterns:
    """The regular expressions of one site's mirror grammar."""

    title: re.Pattern[str]  # groups: issue number (digits or CJK numerals), rest of the title
    column_title: re.Pattern[str]  # "AI周刊:<title>" without a number still names the column
    source: re.Pattern[str]
    summary: re.Pattern[str]
    translation: re.Pattern[str]
    english: re.Pattern[str]
    period: re.Pattern[str]
    footer: re.Pattern[str] | None
    takeaways: re.Pattern[str]
    quick: re.Pattern[str]
    watch: re.Pattern[str]


@lru_cache(maxsize=32)
def patterns(markers: MirrorMarkers) -> MirrorPatterns:
    """Compile a site's markers (cached: markers are frozen, so each set compiles once)."""
    column = _any(markers.column)
    bracketed = rf"(?:{_OPEN}\s*)?{column}\s*(?:{_CLOSE}\s*)?"

    def part(labels: Sequence[str]) -> re.Pattern[str]:
        # A part marker alone on its line, or followed by a colon and inline text.
        return re.compile(rf"^{_any(labels)}\s*(?:[:：]\s*(.*))?$")

    return MirrorPatterns(
        title=re.compile(
            rf"^\s*{bracketed}(?:第\s*({_NUMBER})\s*期)?\s*(?:{_TITLE_SEP}\s*)?(.*)$", re.S
        ),
        column_title=re.compile(rf"^\s*{bracketed}{_TITLE_SEP}"),
        source=re.compile(rf"^{_any(markers.source)}{_C}(.*)$"),
        summary=part(markers.summary),
        translation=part(markers.translation),
        english=part(markers.english),
        period=re.compile(rf"[(（]\s*{_any(markers.period)}\s*[:：]?\s*([^)）]+?)\s*[)）]"),
        footer=re.compile(rf"^{_any(markers.footer)}") if markers.footer else None,
        takeaways=re.compile(rf"^{_any(markers.takeaways)}\s*[:：]?$"),
        # Quick hits may share the heading's line ("Quick Hits - Intel joins ..." on aiweekly).
        quick=re.compile(rf"^{_any(markers.quick_hits)}\s*(?:[-–—:：]\s*(.*))?$"),
        watch=re.compile(rf"^(?:🎬\s*)?{_any(markers.watch)}\s*[:：]?$"),
    )


def chinese_number(text: str) -> int | None:
    """An issue number written in digits or Chinese numerals: "481", "四百八十一", "一〇二四".

    Handles 〇/零 placeholders, 两/兩 for two, a leading bare 十 ("十二" = 12) and 萬/万;
    digits without any unit ("四八一") read positionally.
    """
    text = text.strip()
    if text.isdecimal():
        return int64(text)
    if not text or any(c not in _CJK_DIGITS and c not in _CJK_UNITS and c not in _CJK_MYRIAD
                       for c in text):
        return None
    digit = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2, "兩": 2}
    if all(c in digit for c in text):
        return int64("".join(str(digit[c]) for c in text))
    total = section = pending = 0
    for char in text:
        if char in digit:
            pending = digit[char]
        elif char in _CJK_UNITS:
            section += (pending or 1) * _CJK_UNITS[char]
            pending = 0
        else:  # 萬
            total += (section + pending or 1) * 10_000
            section = pending = 0
    return within_int64(total + section + pending)


def issue_number(title: str | None, markers: MirrorMarkers) -> int | None:
    """The issue number a title names: "AI周刊第481期:…", "《AI週刊》第四百八十一期：…"."""
    match = patterns(markers).title.match(title or "")
    return chinese_number(match.group(1)) if match and match.group(1) else None


def ascii_punctuation(title: str) -> str:
    """A title in ASCII punctuation (a blog whose house style is ASCII "," and ":")."""
    return clean_inline(title.translate(_FULLWIDTH_PUNCTUATION))


def strip_revision_remark(title: str) -> str:
    """The issue title without a re-post's remark, so both mirrors of one issue agree."""
    return clean_inline(_REVISION_REMARK_RE.sub("", title))


# ---------------------------------------------------------------------------------------------
# Flattening HTML into lines
# ---------------------------------------------------------------------------------------------
BLOCK_TAGS = frozenset(
    {
        "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
        "section", "article", "header", "footer", "aside", "table", "tr", "figure",
        "figcaption", "hr", "dl", "dt", "dd",
    }
)  # fmt: skip
SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_BULLET_RE = re.compile(r"^[-•*·]\s+")


def lines_of(node: Selector) -> list[Line]:
    """The article body as lines, each with every link opened in it."""
    lines: list[Line] = []
    for text, links, item in block_lines(node.root, block_tags=BLOCK_TAGS, skip_tags=SKIP_TAGS):
        if not text:
            continue  # links with no text of their own are not kept for the next line
        # Plain-text bullets ("- foo", as in <br>-separated posts) count as list items too.
        if not item and _BULLET_RE.match(text) and not ARROW_RE.match(text):
            text, item = _BULLET_RE.sub("", text, count=1), True
        lines.append(Line(text, item, tuple(link.href for link in links) if links else ()))
    return lines


def render(lines: Sequence[Line]) -> str:
    return clean_text("\n".join(line.rendered for line in lines))


# ---------------------------------------------------------------------------------------------
# Regions: where each part starts
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Regions:
    """Line index ranges of the parts of a mirror post (``None`` when the marker is absent)."""

    source: int | None
    summary: int | None
    translation: int | None
    english: int | None
    end: int


def _find(lines: Sequence[Line], pattern: re.Pattern[str] | None, start: int) -> int | None:
    if pattern is None:
        return None
    for i in range(start, len(lines)):
        if pattern.match(lines[i].text):
            return i
    return None


def _regions(lines: Sequence[Line], pats: MirrorPatterns) -> _Regions:
    source = _find(lines, pats.source, 0)
    summary = _find(lines, pats.summary, source + 1 if source is not None else 0)
    after_summary = (summary if summary is not None else source if source is not None else -1) + 1
    translation = _find(lines, pats.translation, after_summary)
    english = _find(lines, pats.english, (translation if translation is not None else -1) + 1)
    end = _find(lines, pats.footer, (english if english is not None else -1) + 1)
    return _Regions(source, summary, translation, english, end if end is not None else len(lines))


def _is_mirror(titled: bool, regions: _Regions, body: TranslationBody) -> bool:
    """Decide from the structure, never from one keyword.

    Ordinary posts may name the column, say "摘要" or "aiweekly.co" in prose, and a column's
    editorial notice sits in its category. A mirror shows at least two of the three part
    markers (summary / translation / English), or has translated issue content (stories or
    takeaways) together with the column title or one marker.
    """
    markers = sum(m is not None for m in (regions.summary, regions.translation, regions.english))
    if markers >= 2:
        return True
    has_content = bool(body.story_lines or body.takeaways)
    return has_content and (titled or markers >= 1)


def parse_mirror(
    title: str,
    lines: Sequence[Line],
    markers: MirrorMarkers,
    *,
    published: datetime | None = None,
    house_title: Callable[[str], str] = clean_inline,
) -> Translation | None:
    """Build the Translation of a mirror post from its title and content lines, or None.

    ``house_title`` puts the issue title in the blog's house style (``Post.title`` keeps the
    text as written), so two mirrors of one issue agree on ``Translation.title``.
    """
    pats = patterns(markers)
    match = pats.title.match(title)
    title_number = chinese_number(match.group(1)) if match and match.group(1) else None
    # "AI周刊:<title>" without a number still names the column; a bare "AI周刊" word does not.
    titled = bool(match and (match.group(1) or pats.column_title.match(title)))
    zh_title = house_title(match.group(2) if match and titled else title)
    regions = _regions(lines, pats)

    summary_lines, period = _summary_part(lines, regions, pats)
    week = parse_week_range(period) if period else None
    tr_start, tr_end = _translation_bounds(lines, regions, pats, has_period=period is not None)
    body = TranslationBody.parse(lines[tr_start:tr_end], pats)
    if week is None:
        week = body.week
    english = _english_part(lines, regions, pats)
    if week is None:
        week = _english_week(english)
    if not _is_mirror(titled, regions, body):
        return None

    near = week[0] if week else published.date() if published else None
    return Translation(
        issue_number=title_number,
        title=zh_title,
        source_url=_source_url(lines, regions, pats),
        summary=render(summary_lines),
        week_start=week[0] if week else None,
        week_end=week[1] if week else None,
        intro=render(body.intro),
        takeaways=tuple(body.takeaways),
        quick_hits=tuple(body.quick_hits),
        watch=tuple(body.watch_items()),
        stories=tuple(stories(body, near)),
        english_text=render(english),
        english_links=tuple(english_links(english)),
    )


_URL_RE = re.compile(r"https?://[^\s<>()（）\"']+")
# A URL typed without its scheme ("aiweekly.co/issues/1185"): a dotted host and a path.
_BARE_URL_RE = re.compile(
    r"(?<![\w@/.-])(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>()（）\"']*", re.IGNORECASE
)


def _source_url(lines: Sequence[Line], regions: _Regions, pats: MirrorPatterns) -> str | None:
    if regions.source is None:
        return None
    line = lines[regions.source]
    match = pats.source.match(line.text)
    written = match.group(1).strip() if match else ""
    # Keep the URL as the editor wrote it (no canonicalizing), minus any trailing remark.
    url = _URL_RE.search(written)
    if url:
        return url.group(0)
    if line.links:  # "内容来源:<a href=…>AI Weekly</a>": the link, not its text
        return line.links[0]
    if written:
        return _bare_url(written) or written
    # "内容来源:" alone, with the URL on the next line.
    following = lines[regions.source + 1] if regions.source + 1 < len(lines) else None
    if following is not None:
        url = _URL_RE.match(following.text)
        if url:
            return url.group(0)
        return _bare_url(following.text) if _BARE_URL_RE.match(following.text) else None
    return None


def _bare_url(text: str) -> str | None:
    """``https://`` + a URL typed without its scheme ("aiweekly.co/issues/1185")."""
    found = _BARE_URL_RE.search(text)
    return f"https://{found.group(0)}" if found else None


def _summary_part(
    lines: Sequence[Line], regions: _Regions, pats: MirrorPatterns
) -> tuple[list[Line], str | None]:
    """The summary lines (without the period note) and the period text, if any."""
    if regions.summary is None:
        return [], _period_anywhere(lines, regions, pats)
    stop = next((i for i in (regions.translation, regions.english) if i is not None), regions.end)
    result: list[Line] = []
    period: str | None = None
    inline = pats.summary.match(lines[regions.summary].text)
    candidates = list(lines[regions.summary + 1 : stop])
    if inline and inline.group(1):
        candidates.insert(0, Line(inline.group(1)))
    for line in candidates:
        found = pats.period.search(line.text)
        if found and period is None:
            period = found.group(1)
            rest = clean_inline(pats.period.sub("", line.text, count=1))
            if rest:
                result.append(Line(rest, line.item, line.links))
            if regions.translation is None:
                break  # without a translation marker the period line closes the summary
            continue
        result.append(line)
    return result, period


def _period_anywhere(
    lines: Sequence[Line], regions: _Regions, pats: MirrorPatterns
) -> str | None:
    stop = regions.english if regions.english is not None else regions.end
    for line in lines[:stop]:
        if found := pats.period.search(line.text):
            return found.group(1)
    return None


def _translation_bounds(
    lines: Sequence[Line], regions: _Regions, pats: MirrorPatterns, *, has_period: bool
) -> tuple[int, int]:
    end = regions.english if regions.english is not None else regions.end
    if regions.translation is not None:
        return regions.translation + 1, end
    if has_period:
        for i, line in enumerate(lines[:end]):
            if pats.period.search(line.text):
                return i + 1, end
    if regions.summary is not None:
        return end, end  # a summary with no visible end: nothing identifiable as translation
    start = regions.source + 1 if regions.source is not None else 0
    return start, end


def _english_part(lines: Sequence[Line], regions: _Regions, pats: MirrorPatterns) -> list[Line]:
    if regions.english is None:
        return []
    english = list(lines[regions.english + 1 : regions.end])
    inline = pats.english.match(lines[regions.english].text)
    if inline and inline.group(1):  # "英文来源: Three seismic shifts…" on one line
        english.insert(0, Line(inline.group(1)))
    return english


def _english_week(english: Sequence[Line]) -> tuple[date, date] | None:
    for line in english[:8]:
        if len(line.text) <= 40 and (week := parse_week_range(line.text)):
            return week
    return None
