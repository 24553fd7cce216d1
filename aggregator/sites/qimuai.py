"""Page objects for news.qimuai.cn, an EMLOG blog that mirrors AI Weekly in Chinese.

Every function here is a pure function of ``(url, text)``: Scrapy decodes the body once (the
``?post=3819`` page is GBK) and hands ``response.text`` in. Nothing here imports Scrapy.

A mirror post is recognized and split by its *text structure*, not by element positions: the
article body is flattened into one line per block (``<p>``, ``<li>``, headings, ``<br>``-separated
runs) and a small state machine walks those lines. That keeps the parser working when the editor
switches between ``<p>`` and ``<br>``, wraps a heading in ``<strong>`` or ``<h2>``, types a
fullwidth colon, or drops the ``内容来源`` line.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector

from aggregator.dates import (
    parse_local_datetime,
    parse_month_day,
    parse_rfc822,
    parse_week_range,
)
from aggregator.items import Entry, Listing, Markup, Post, Story, Translation, WatchItem
from aggregator.normalize import canonical_url, clean_inline, clean_text, sanitize_html
from aggregator.sites.text import block_lines

SITE_KEY = "qimuai"
CANONICAL_BASE = "https://news.qimuai.cn"
TIMEZONE = "Asia/Shanghai"

_SITE_HOSTS = frozenset({"news.qimuai.cn"})
_LISTING_PATHS = frozenset({"/", "/index.php"})

# ---------------------------------------------------------------------------------------------
# Text patterns. Colons may be ASCII or fullwidth and editors add stray spaces around them.
# ---------------------------------------------------------------------------------------------
_C = r"\s*[:：]\s*"
# Between the column name and the issue title: a colon, or a bar or dash ("AI周刊第1187期｜…").
_TITLE_SEP = r"[:：|｜丨\-–—]"
_TITLE_RE = re.compile(
    rf"^\s*AI\s*周刊\s*(?:第\s*(\d+)\s*期)?\s*(?:{_TITLE_SEP}\s*)?(.*)$", re.S
)
_COLUMN_TITLE_RE = re.compile(rf"^\s*AI\s*周刊\s*{_TITLE_SEP}")
_SOURCE_RE = re.compile(rf"^内容来源{_C}(.*)$")
_SUMMARY_RE = re.compile(r"^内容总结\s*(?:[:：]\s*(.*))?$")
_TRANSLATION_RE = re.compile(r"^(?:中文翻译|全文翻译)\s*(?:[:：]\s*(.*))?$")
_ENGLISH_RE = re.compile(r"^(?:英文来源|英文原文)\s*(?:[:：]\s*(.*))?$")
_PERIOD_RE = re.compile(r"[(（]\s*本期周期\s*[:：]?\s*([^)）]+?)\s*[)）]")
_COPYRIGHT_RE = re.compile(r"^(?:文章标题|文章链接)\s*[:：]|^本站文章均为原创")
_TAKEAWAYS_RE = re.compile(r"^核心要点\s*[:：]?$")
# The real site merges the heading with the first item ("Quick Hits - Intel joins ..."); accept
# the same quirk in Chinese.
_QUICK_RE = re.compile(r"^快讯\s*(?:[-–—:：]\s*(.*))?$")
_WATCH_RE = re.compile(r"^(?:🎬\s*)?视听首选\s*[:：]?$")
_RANGE_LINE_RE = re.compile(
    r"^[(（]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日.{0,24}日\s*[)）]?$"
)
# Story and watch lines are "a · b · c"; a bare "·" (no spaces) is part of transliterated names
# such as 达里奥·阿莫迪, so only a spaced dot separates fields.
_FIELD_SEP_RE = re.compile(r"\s+[·•]\s+")
# A story's date field: "4月7日" / "4月7号" / "2027年1月2日"; "Apr 7" / "Jan 2, 2027".
_ZH_MONTH_DAY_RE = re.compile(r"^(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*[日号]$")
_EN_MONTH_DAY_RE = re.compile(
    r"^[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?$"
)
_ARROW_RE = re.compile(r"^(?:→|->|➔|⟶)\s*")
_BULLET_RE = re.compile(r"^[-•*·]\s+")
_FULLWIDTH_PUNCTUATION = str.maketrans("，：；！？（）", ",:;!?()")
_URL_RE = re.compile(r"https?://[^\s<>()（）\"']+")
# A URL typed without its scheme ("aiweekly.co/issues/1185"): a dotted host and a path.
_BARE_URL_RE = re.compile(
    r"(?<![\w@/.-])(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>()（）\"']*", re.IGNORECASE
)
_DATETIME_TEXT_RE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}")
_SITE_NAME_SUFFIX_RE = re.compile(r"\s+-\s+启幕AI资讯\s*$")

_BLOCK_TAGS = frozenset(
    {
        "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
        "section", "article", "header", "footer", "aside", "table", "tr", "figure",
        "figcaption", "hr", "dl", "dt", "dd",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})


# ---------------------------------------------------------------------------------------------
# Flattening HTML into lines
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Line:
    """One visual line of the article: its text, whether it is a list item, its link targets."""

    text: str
    item: bool = False
    links: tuple[str, ...] = ()

    @property
    def rendered(self) -> str:
        """The line as plain text shows it: list items get a "- " bullet."""
        return f"- {self.text}" if self.item else self.text


def _lines_of(node: Selector) -> list[_Line]:
    """The article body as lines, each with every link opened in it."""
    lines: list[_Line] = []
    for text, links, item in block_lines(node.root, block_tags=_BLOCK_TAGS, skip_tags=_SKIP_TAGS):
        if not text:
            continue  # links with no text of their own are not kept for the next line
        # Plain-text bullets ("- foo", as in <br>-separated posts) count as list items too.
        if not item and _BULLET_RE.match(text) and not _ARROW_RE.match(text):
            text, item = _BULLET_RE.sub("", text, count=1), True
        lines.append(_Line(text, item, tuple(link.href for link in links) if links else ()))
    return lines


def _render(lines: Sequence[_Line]) -> str:
    return clean_text("\n".join(line.rendered for line in lines))


# ---------------------------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------------------------
def _is_site_host(url: str) -> bool:
    host = (urlsplit(url.strip()).hostname or "").lower()
    # Page objects only ever see canonical URLs: the download layer maps fetch bases back.
    return host in _SITE_HOSTS


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url.strip()).query, keep_blank_values=True)


def post_id_from_url(url: str) -> int | None:
    """The EMLOG post id of ``…/?post=3776``, or None for any other URL."""
    values = _query(url).get("post")
    if not values or not values[0].strip().isdigit():
        return None
    return int(values[0].strip())


def is_post_url(url: str) -> bool:
    """True for a post page (``/?post=N``) of this site."""
    path = urlsplit(url.strip()).path or "/"
    return _is_site_host(url) and path in _LISTING_PATHS and post_id_from_url(url) is not None


def is_listing_url(url: str) -> bool:
    """True for the home page, ``?page=N``, ``?sort=N`` and ``?sort=N&page=N``.

    Other EMLOG archives (``?author=``, ``?tag=``, ``?record=``) only repeat posts that the
    home pagination already reaches, so they are not listings for the spider.
    """
    if not _is_site_host(url):
        return False
    path = urlsplit(url.strip()).path or "/"
    query = _query(url)
    if path not in _LISTING_PATHS or not set(query) <= {"page", "sort"}:
        return False
    return all(len(v) == 1 and v[0].isdigit() for v in query.values())


def is_feed_url(url: str) -> bool:
    """True for the site's RSS feed (``/rss.php``)."""
    return _is_site_host(url) and (urlsplit(url.strip()).path or "/") == "/rss.php"


def _absolute(base: str, href: str) -> str:
    return canonical_url(urljoin(base, href.strip()))


# ---------------------------------------------------------------------------------------------
# Post
# ---------------------------------------------------------------------------------------------
def parse_post(url: str, html: str) -> Post:
    """Parse a post page; ``mirror`` is set when the post republishes an AI Weekly issue.

    Raises ``ValueError`` when the page is not a post at all (an error page served with 200,
    a login wall): there is no article body or no title to build a Post from.
    """
    sel = Selector(text=html)
    page_url = canonical_url(url)
    content, markup = _content_node(sel)
    title = _post_title(sel)
    if content is None or not title:
        raise ValueError(f"{page_url}: no EMLOG post title/body found")
    lines = _lines_of(content)
    published = _post_published(sel)
    post_id = post_id_from_url(page_url)
    if post_id is None:
        post_id = post_id_from_url(sel.css(".post-copyright a::attr(href)").get() or "")
    return Post(
        url=page_url,
        post_id=post_id,
        title=title,
        published=published,
        author=_meta_link_text(sel, "author"),
        category=_meta_link_text(sel, "sort"),
        content_html=sanitize_html(_inner_html(content)),
        content_text=_render(lines),
        mirror=_parse_mirror(title, lines, published=published),
        markup=markup,
    )


def _content_node(sel: Selector) -> tuple[Selector | None, Markup]:
    node = sel.css("div#articleContent")
    if node:
        return node[0], "classic"
    # Another EMLOG template: the article body, minus the copyright box and navigation.
    for query in ("article .markdown", "article .log-content", "article"):
        found = sel.css(query)
        if found:
            node_sel = found[0]
            for junk in node_sel.css(".post-copyright, nav, header, script, style"):
                junk.drop()
            return node_sel, "text"
    return None, "text"


def _inner_html(node: Selector) -> str:
    return "".join(child.get() for child in node.xpath("./node()"))


def _post_title(sel: Selector) -> str:
    title = clean_inline(" ".join(sel.css("h1.log-title ::text").getall()))
    if title:
        return title
    meta = sel.css('meta[property="og:title"]::attr(content)').get()
    if meta:
        return clean_inline(meta)
    return _SITE_NAME_SUFFIX_RE.sub("", clean_inline(sel.css("title::text").get() or ""))


def _post_published(sel: Selector) -> datetime | None:
    meta = sel.css(".log-meta, .log-header, article").css("time")
    for node in meta:
        for candidate in (node.attrib.get("datetime"), node.css("::text").get()):
            if candidate and (parsed := parse_local_datetime(candidate.strip(), tz=TIMEZONE)):
                return parsed
    # No <time>: the meta line still shows "2026-4-10 08:30" in local time.
    meta_text = " ".join(sel.css(".log-meta ::text").getall())
    match = _DATETIME_TEXT_RE.search(meta_text)
    return parse_local_datetime(match.group(0), tz=TIMEZONE) if match else None


def _meta_link_text(sel: Selector, param: str) -> str | None:
    for link in sel.css(".log-meta a, .log-info a"):
        href = link.attrib.get("href", "")
        if param in _query(href):
            text = clean_inline(" ".join(link.css("::text").getall()))
            if text:
                return text
    return None


# ---------------------------------------------------------------------------------------------
# Mirror structure
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Regions:
    """Line index ranges of the parts of a mirror post (``None`` when the marker is absent)."""

    source: int | None
    summary: int | None
    translation: int | None
    english: int | None
    end: int


def _find(lines: Sequence[_Line], pattern: re.Pattern[str], start: int) -> int | None:
    for i in range(start, len(lines)):
        if pattern.match(lines[i].text):
            return i
    return None


def _regions(lines: Sequence[_Line]) -> _Regions:
    source = _find(lines, _SOURCE_RE, 0)
    summary = _find(lines, _SUMMARY_RE, source + 1 if source is not None else 0)
    after_summary = (summary if summary is not None else source if source is not None else -1) + 1
    translation = _find(lines, _TRANSLATION_RE, after_summary)
    english = _find(lines, _ENGLISH_RE, (translation if translation is not None else -1) + 1)
    end = _find(lines, _COPYRIGHT_RE, (english if english is not None else -1) + 1)
    return _Regions(source, summary, translation, english, end if end is not None else len(lines))


def _is_mirror(titled: bool, regions: _Regions, body: _TranslationBody) -> bool:
    """Decide from the structure, never from one keyword.

    Ordinary posts may say "AI周刊", "内容总结" or "aiweekly.co" in prose, and the column's
    editorial notice sits in the AI周刊 category. A mirror shows at least two of the three part
    markers (内容总结 / 中文翻译 / 英文来源), or has translated issue content (stories or
    takeaways) together with the column title or one marker.
    """
    markers = sum(m is not None for m in (regions.summary, regions.translation, regions.english))
    if markers >= 2:
        return True
    has_content = bool(body.story_lines or body.takeaways)
    return has_content and (titled or markers >= 1)


def _parse_mirror(
    title: str, lines: Sequence[_Line], *, published: datetime | None = None
) -> Translation | None:
    """Build the Translation of a mirror post from its title and content lines, or None."""
    match = _TITLE_RE.match(title)
    title_number = int(match.group(1)) if match and match.group(1) else None
    # "AI周刊:<title>" without a number still names the column; a bare "AI周刊" word does not.
    titled = bool(match and (match.group(1) or _COLUMN_TITLE_RE.match(title)))
    zh_title = _house_punctuation(match.group(2) if match and titled else title)
    regions = _regions(lines)

    summary_lines, period = _summary_part(lines, regions)
    week = parse_week_range(period) if period else None
    tr_start, tr_end = _translation_bounds(lines, regions, has_period=period is not None)
    body = _TranslationBody.parse(lines[tr_start:tr_end])
    if week is None:
        week = body.week
    english = _english_part(lines, regions)
    if week is None:
        week = _english_week(english)
    if not _is_mirror(titled, regions, body):
        return None

    near = week[0] if week else published.date() if published else None
    return Translation(
        issue_number=title_number,
        title=zh_title,
        source_url=_source_url(lines, regions),
        summary=_render(summary_lines),
        week_start=week[0] if week else None,
        week_end=week[1] if week else None,
        intro=_render(body.intro),
        takeaways=tuple(body.takeaways),
        quick_hits=tuple(body.quick_hits),
        watch=tuple(body.watch_items()),
        stories=tuple(_stories(body, near)),
        english_text=_render(english),
        english_links=tuple(_english_links(english)),
    )


def _house_punctuation(title: str) -> str:
    """The issue title in the site's house style: ASCII punctuation.

    Every mirror title uses ASCII "," and ":"; a re-post (3833) retyped one comma as "，".
    Folding keeps two mirrors of one issue agreeing on ``Translation.title`` whatever order
    they are stored in; ``Post.title`` keeps the text exactly as written.
    """
    return clean_inline(title.translate(_FULLWIDTH_PUNCTUATION))


def _source_url(lines: Sequence[_Line], regions: _Regions) -> str | None:
    if regions.source is None:
        return None
    line = lines[regions.source]
    match = _SOURCE_RE.match(line.text)
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


def _summary_part(lines: Sequence[_Line], regions: _Regions) -> tuple[list[_Line], str | None]:
    """The 内容总结 lines (without the 本期周期 note) and the period text, if any."""
    if regions.summary is None:
        return [], _period_anywhere(lines, regions)
    stop = next((i for i in (regions.translation, regions.english) if i is not None), regions.end)
    result: list[_Line] = []
    period: str | None = None
    inline = _SUMMARY_RE.match(lines[regions.summary].text)
    candidates = list(lines[regions.summary + 1 : stop])
    if inline and inline.group(1):
        candidates.insert(0, _Line(inline.group(1)))
    for line in candidates:
        found = _PERIOD_RE.search(line.text)
        if found and period is None:
            period = found.group(1)
            rest = clean_inline(_PERIOD_RE.sub("", line.text, count=1))
            if rest:
                result.append(_Line(rest, line.item, line.links))
            if regions.translation is None:
                break  # without a 中文翻译 marker the period line closes the summary
            continue
        result.append(line)
    return result, period


def _period_anywhere(lines: Sequence[_Line], regions: _Regions) -> str | None:
    stop = regions.english if regions.english is not None else regions.end
    for line in lines[:stop]:
        if found := _PERIOD_RE.search(line.text):
            return found.group(1)
    return None


def _translation_bounds(
    lines: Sequence[_Line], regions: _Regions, *, has_period: bool
) -> tuple[int, int]:
    end = regions.english if regions.english is not None else regions.end
    if regions.translation is not None:
        return regions.translation + 1, end
    if has_period:
        for i, line in enumerate(lines[:end]):
            if _PERIOD_RE.search(line.text):
                return i + 1, end
    if regions.summary is not None:
        return end, end  # a summary with no visible end: nothing identifiable as translation
    start = regions.source + 1 if regions.source is not None else 0
    return start, end


def _english_part(lines: Sequence[_Line], regions: _Regions) -> list[_Line]:
    if regions.english is None:
        return []
    english = list(lines[regions.english + 1 : regions.end])
    inline = _ENGLISH_RE.match(lines[regions.english].text)
    if inline and inline.group(1):  # "英文来源: Three seismic shifts…" on one line
        english.insert(0, _Line(inline.group(1)))
    return english


def _english_week(english: Sequence[_Line]) -> tuple[date, date] | None:
    for line in english[:8]:
        if len(line.text) <= 40 and (week := parse_week_range(line.text)):
            return week
    return None


# ---------------------------------------------------------------------------------------------
# Translation body: intro, takeaways, quick hits, watch box, sections of stories
# ---------------------------------------------------------------------------------------------
def _fields(text: str) -> list[str]:
    return [part.strip() for part in _FIELD_SEP_RE.split(text) if part.strip()]


def _date_field(parts: Sequence[str]) -> int | None:
    """Index of the month-day field ("4月7日" / "Apr 7") of a story line, if it is one."""
    for j in range(1, len(parts)):
        if _ZH_MONTH_DAY_RE.match(parts[j]) or _EN_MONTH_DAY_RE.match(parts[j]):
            return j
    return None


def _is_story_line(line: _Line) -> bool:
    parts = _fields(line.text)
    return len(parts) >= 2 and _date_field(parts) is not None


def _is_arrow(line: _Line) -> bool:
    return bool(_ARROW_RE.match(line.text))


def _strip_arrow(text: str) -> str:
    return _ARROW_RE.sub("", text, count=1).strip()


@dataclass
class _StoryLine:
    section: str | None
    line: _Line
    summary: list[str] = field(default_factory=list)


@dataclass
class _WatchLine:
    line: _Line
    notes: list[str] = field(default_factory=list)


@dataclass
class _TranslationBody:
    intro: list[_Line] = field(default_factory=list)
    week: tuple[date, date] | None = None
    takeaways: list[str] = field(default_factory=list)
    quick_hits: list[str] = field(default_factory=list)
    watch: list[_WatchLine] = field(default_factory=list)
    story_lines: list[_StoryLine] = field(default_factory=list)

    @classmethod
    def parse(cls, lines: Sequence[_Line]) -> _TranslationBody:
        body = cls()
        state = "intro"
        section: str | None = None
        for i, line in enumerate(lines):
            text = line.text
            next_is_story = i + 1 < len(lines) and _is_story_line(lines[i + 1])
            if _TAKEAWAYS_RE.match(text):
                state = "takeaways"
            elif quick := _QUICK_RE.match(text):
                state = "quick"
                if quick.group(1):
                    body.quick_hits.append(quick.group(1).strip())
            elif _WATCH_RE.match(text):
                state = "watch"
            elif _is_story_line(line):
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
            self.intro.append(_Line(note))

    def _add(self, state: str, line: _Line, following: _Line | None) -> None:
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


def _stories(body: _TranslationBody, near: date | None) -> Iterator[Story]:
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
        )


def _english_links(lines: Sequence[_Line]) -> Iterator[str]:
    for line in lines:
        if line.links and _is_story_line(line):
            yield line.links[0]


# ---------------------------------------------------------------------------------------------
# Listings and feed
# ---------------------------------------------------------------------------------------------
def _issue_number(title: str | None) -> int | None:
    match = _TITLE_RE.match(title or "")
    return int(match.group(1)) if match and match.group(1) else None


def parse_listing(url: str, html: str) -> Listing:
    """Parse the home page, ``?page=N``, ``?sort=N`` or ``?sort=N&page=N``.

    ``Entry.number`` is the AI Weekly issue number when the title names one (mirror posts).
    """
    sel = Selector(text=html)
    entries: list[Entry] = []
    seen: set[str] = set()
    for link in sel.css("a.loglist-title") or _post_links(sel, url):
        href = link.attrib.get("href")
        if not href:
            continue
        entry_url = _absolute(url, href)
        if entry_url in seen:
            continue
        seen.add(entry_url)
        title = clean_inline(" ".join(link.css("::text").getall())) or None
        # The card is the nearest ancestor that also holds the "发布于 <time>" info row.
        card = link.xpath("ancestor::div[.//div[contains(@class,'log-info')]][1]")
        when = card.css(".log-info time::text, .log-info time::attr(datetime)").getall()
        published = next(
            (p for t in when if (p := parse_local_datetime(t.strip(), tz=TIMEZONE))), None
        )
        entries.append(
            Entry(url=entry_url, number=_issue_number(title), title=title, published=published)
        )
    return Listing(url=canonical_url(url), entries=tuple(entries), next_url=_next_url(sel, url))


def _post_links(sel: Selector, url: str) -> list[Selector]:
    """Every link to a post of this site: EMLOG's default template marks post titles
    (``a.loglist-title``); another template may not. Sidebar repeats are harmless (the spider
    fetches a URL once); comment anchors (``#comment``) are not posts."""
    links = []
    for anchor in sel.xpath("//a[@href]"):
        href = anchor.attrib["href"]
        target = _absolute(url, href)
        if "#" not in href and _is_site_host(target) and post_id_from_url(target) is not None:
            links.append(anchor)
    return links


def _next_url(sel: Selector, url: str) -> str | None:
    found = _marked_next_url(sel, url)
    if found is not None:
        return found
    # No marked "next" link (another template): the link to page N+1 of the same listing.
    here = _query(url)
    page = (here.get("page") or ["1"])[0]
    wanted = str(int(page) + 1 if page.isdigit() else 2)
    for href in sel.xpath("//a/@href").getall():
        target = _absolute(url, href)
        query = _query(target)
        if (_is_site_host(target) and query.get("page") == [wanted]
                and query.get("sort") == here.get("sort")):
            return target
    return None


def _marked_next_url(sel: Selector, url: str) -> str | None:
    for link in sel.css(".pagination a, .page-navigator a, nav a"):
        text = clean_inline(" ".join(link.css("::text").getall()))
        if (
            link.attrib.get("title") == "Next Page"
            or link.attrib.get("rel") == "next"
            or (text in {"»", "下一页", "Next"})
        ):
            href = link.attrib.get("href")
            if href:
                return _absolute(url, href)
    return None


def parse_feed(url: str, xml: str) -> Listing:
    """Parse ``/rss.php`` (RSS 2.0): one entry per item, newest first, no next page."""
    sel = Selector(text=xml, type="xml")
    entries: list[Entry] = []
    for item in sel.xpath("//item"):
        link = clean_inline(item.xpath("string(link)").get() or "")
        if not link:
            continue
        # EMLOG html-escapes titles before writing them into the XML; undo the second escape.
        title = clean_inline(html_lib.unescape(item.xpath("string(title)").get() or "")) or None
        pub = item.xpath("string(pubDate)").get()
        entries.append(
            Entry(
                url=_absolute(url, link),
                number=_issue_number(title),
                title=title,
                published=parse_rfc822(pub.strip()) if pub and pub.strip() else None,
            )
        )
    return Listing(url=canonical_url(url), entries=tuple(entries), next_url=None)
