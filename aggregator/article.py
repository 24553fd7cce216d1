"""The normalize stage: one parsed page item made clean and safe for the store.

:func:`normalize_result` is what the pipeline calls once per :class:`PageResult`, after the
page objects and before the store. It is a pure function, idempotent (normalizing twice gives
what normalizing once gives) and never raises on odd input:

* article HTML (``Issue.content_html``, ``Post.content_html``): parsed with BeautifulSoup on
  lxml; links made absolute against the page URL, redirect wrappers unwrapped and tracking
  parameters dropped (:func:`aggregator.normalize.clean_link`); ``<font>``/``<center>``
  unwrapped, ``style``/``class`` dropped, empty ``<p>``/``<span>``/… removed; text nodes
  XML-safe, NFC, without zero-width characters and with space runs collapsed; then the nh3
  allowlist (:func:`aggregator.normalize.sanitize_html`);
* every plain-text field: :func:`aggregator.normalize.normalize_text`; story and watch links
  cleaned like hrefs (``None`` unless http(s));
* a story date that no fixed form read (``Story.date`` unset, ``Story.date_text`` set) is asked
  of the cached dateparser fallback, the year taken near the issue's week.

``lang`` is the site's language tag (``Site.lang``): CJK text keeps its fullwidth punctuation,
ideographic spaces and compatibility ideographs.
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import re
from collections.abc import Iterable
from datetime import date

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from aggregator.dates import parse_date_fallback
from aggregator.items import Issue, PageResult, Post, Story, Translation, WatchItem
from aggregator.normalize import (
    chars_need_work,
    clean_link,
    is_cjk,
    normalize_chars,
    normalize_text,
    sanitize_html,
    xml_safe,
)

__all__ = ["fill_story_date", "normalize_html", "normalize_result"]

# Wrappers that only style their text: the text stays, the element goes.
_UNWRAP_TAGS = frozenset({"font", "center", "big", "small", "basefont", "blink", "marquee"})
_PRESENTATIONAL_ATTRS = ("style", "class", "align", "bgcolor", "color", "face", "size")
# Elements dropped when they hold no text and no media (an empty <p> is a blank line).
_DROP_WHEN_EMPTY = frozenset(
    {"p", "span", "div", "a", "b", "i", "em", "strong", "u", "h1", "h2", "h3", "h4", "h5",
     "h6", "li", "ul", "ol", "blockquote", "section", "article", "aside", "header", "figure",
     "figcaption", "code", "pre"}
)  # fmt: skip
_CONTENT_TAGS = frozenset({"img", "hr", "iframe", "video", "audio", "picture", "svg", "table"})
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
_PREFORMATTED = frozenset({"pre", "code", "textarea"})
_INLINE_TAGS = frozenset({"span", "a", "b", "i", "em", "strong", "u", "code"})
_ATTRIBUTE_NAME_RE = re.compile(r"^[A-Za-z_:][-A-Za-z0-9_:.]*$")


# ---------------------------------------------------------------------------------------------
# Article HTML
# ---------------------------------------------------------------------------------------------
def normalize_html(html: str, *, base_url: str, lang: str) -> str:
    """Article HTML cleaned (links, presentational markup, empty elements, text), then
    sanitized with the nh3 allowlist. Never raises: markup bs4 cannot take is sanitized only.

    nh3 runs before the clean too: it drops the tags it would drop anyway and fixes the
    nesting the HTML5 way, so what the clean sees is what the allowlist keeps, and a second
    normalization finds nothing left to do.
    """
    html = xml_safe(html)  # lxml refuses surrogates and NULs; escapes are junk anywhere
    if not html.strip():
        return ""
    html = sanitize_html(html)
    try:
        cleaned = _clean_markup(html, base_url=base_url, lang=lang)
    except Exception:  # a stage that must not stop the crawl: keep the allowlist at least
        cleaned = html
    return _drop_empty_elements(sanitize_html(cleaned))


# Misnested markup ("<a><li>…") re-parsed the HTML5 way can leave an empty "<b></b>" behind;
# removed here, or a second normalization would remove it.
_EMPTY_ELEMENT_RE = re.compile(
    r"<(%s)(?: [^<>]*)?></\1>" % "|".join(sorted(_DROP_WHEN_EMPTY))  # noqa: UP031
)


def _drop_empty_elements(html: str) -> str:
    while True:
        shorter = _EMPTY_ELEMENT_RE.sub("", html)
        if shorter == html:
            return html
        html = shorter


def _clean_markup(html: str, *, base_url: str, lang: str) -> str:
    # No class/rel lists: the walk drops class and only copies rel.
    soup = BeautifulSoup(html, "lxml", multi_valued_attributes=None)
    root = soup.body or soup
    # One walk over the tree: bs4's find_all/get_text per element cost more than the parse.
    walker = _Walker(html, base_url=base_url, lang=lang)
    walker.clean(root)
    out: list[str] = []
    walker.serialize_children(root, out, preformatted=False)
    return "".join(out)


class _Walker:
    """Cleans a subtree in place; ``clean`` tells whether anything visible is left in it."""

    def __init__(self, html: str, *, base_url: str, lang: str) -> None:
        self.base_url = base_url
        self.lang = lang
        self.keep_ideographic_space = is_cjk(lang)
        # Character work is decided once for the whole document: most need none.
        self.chars = chars_need_work(html, lang=lang)

    def clean(self, tag: Tag, preformatted: bool = False) -> bool:
        preformatted = preformatted or tag.name in _PREFORMATTED
        visible = False
        for child in list(tag.contents):
            if isinstance(child, Tag):
                visible = self._clean_child(child, preformatted) or visible
            elif type(child) is NavigableString:
                visible = self._clean_text(child, preformatted) or visible
            else:  # comments, doctypes, script and style text: nothing a reader sees
                child.extract()
        return visible

    def _clean_child(self, tag: Tag, preformatted: bool) -> bool:
        self._clean_attributes(tag)
        visible = self.clean(tag, preformatted) or tag.name in _CONTENT_TAGS
        if not visible and tag.name in _DROP_WHEN_EMPTY:
            spaced = any(isinstance(s, NavigableString) and s for s in tag.descendants)
            if spaced and tag.name in _INLINE_TAGS:
                tag.replace_with(" ")  # inline: "a<span> </span>b" must not become "ab"
            else:
                tag.decompose()
        elif tag.name in _UNWRAP_TAGS:
            tag.unwrap()
        return visible

    def _clean_attributes(self, tag: Tag) -> None:
        attrs = tag.attrs
        if not attrs:
            return
        for name in _PRESENTATIONAL_ATTRS:
            attrs.pop(name, None)
        if self.chars:  # alt and title text; links get theirs in clean_link
            for name, text in attrs.items():
                if isinstance(text, str) and name not in ("href", "src"):
                    attrs[name] = normalize_chars(text, lang=self.lang)
        for name in ("href", "src"):
            value = attrs.get(name)
            if not isinstance(value, str):
                continue
            if name == "href" and value.strip().lower().startswith("mailto:"):
                continue
            link = clean_link(value, self.base_url)
            if link is None:
                del attrs[name]  # javascript:, data:, broken: the text stays, the link goes
            else:
                attrs[name] = link

    def serialize_children(self, tag: Tag, out: list[str], *, preformatted: bool) -> None:
        """HTML for nh3 to read, written here: bs4's own ``decode`` (formatters, indentation
        machinery) cost as much as the parse. Neighbouring strings (left by a removed element
        or comment) are joined and cleaned again, so no space run or non-NFC pair straddles
        them."""
        preformatted = preformatted or tag.name in _PREFORMATTED
        texts: list[str] = []
        for child in tag.contents:
            if isinstance(child, NavigableString):
                texts.append(str(child))
                continue
            if texts:
                out.append(self._joined(texts, preformatted))
                texts = []
            if isinstance(child, Tag):
                self._serialize_tag(child, out, preformatted)
        if texts:
            out.append(self._joined(texts, preformatted))

    def _serialize_tag(self, tag: Tag, out: list[str], preformatted: bool) -> None:
        out.append("<" + tag.name)
        for name, value in tag.attrs.items():
            if not _ATTRIBUTE_NAME_RE.match(name):
                continue  # junk lxml kept from broken markup ('"onclick'): nh3 drops it anyway
            text = " ".join(value) if isinstance(value, list) else str(value)
            out.append(f' {name}="{html_lib.escape(text)}"')
        out.append(">")
        if tag.name in _VOID_TAGS:
            return
        self.serialize_children(tag, out, preformatted=preformatted)
        out.append(f"</{tag.name}>")

    def _joined(self, texts: list[str], preformatted: bool) -> str:
        text = "".join(texts)
        if len(texts) > 1:
            text = normalize_chars(text, lang=self.lang)
            if not preformatted:
                text = _collapse_spaces(text, self.keep_ideographic_space)
        return html_lib.escape(text, quote=False)

    def _clean_text(self, node: NavigableString, preformatted: bool) -> bool:
        text = str(node)
        new = normalize_chars(text, lang=self.lang) if self.chars else text
        if not preformatted:
            new = _collapse_spaces(new, self.keep_ideographic_space)
        if new != text:
            node.replace_with(NavigableString(new))
        return _VISIBLE_RE.search(new) is not None


_HTML_SPACES = "\t\n\r\f\u00a0\u1680\u2000-\u200a\u202f\u205f"
_VISIBLE_RE = re.compile(f"[^ {_HTML_SPACES}]")
_RUN_WORK_RE = re.compile("[\t\r\f\u00a0\u1680\u2000-\u200a\u202f\u205f]|[ \n]{2,}")
_RUN_WORK_WITH_IDEOGRAPHIC_RE = re.compile(
    "[\t\r\f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]|[ \n]{2,}"
)
_RUN_RE = re.compile(f"[ {_HTML_SPACES}]+")
_RUN_WITH_IDEOGRAPHIC_RE = re.compile(f"[ {_HTML_SPACES}\u3000]+")


def _one_space(match: re.Match[str]) -> str:
    return "\n" if "\n" in match.group() else " "


def _collapse_spaces(text: str, keep_ideographic_space: bool) -> str:
    """HTML whitespace runs (NBSP too) as one character: a newline if the run had one (the
    markup stays readable), else a space. Ideographic spaces are kept in CJK text."""
    if keep_ideographic_space:
        if _RUN_WORK_RE.search(text) is None:
            return text
        return _RUN_RE.sub(_one_space, text)
    if _RUN_WORK_WITH_IDEOGRAPHIC_RE.search(text) is None:
        return text
    return _RUN_WITH_IDEOGRAPHIC_RE.sub(_one_space, text)


# ---------------------------------------------------------------------------------------------
# Story dates
# ---------------------------------------------------------------------------------------------
def _fallback_languages(lang: str) -> tuple[str, ...]:
    # Mirror posts quote the English original, so Chinese sites also read English dates.
    return ("zh", "en") if is_cjk(lang) else ("en",)


def fill_story_date(story: Story, *, lang: str, near: date | None) -> Story:
    """``story`` with ``date`` from its ``date_text`` via the dateparser fallback, when the
    page objects left it unset. A written year wins; otherwise the year that puts the date
    closest to ``near`` (the issue's week). Unchanged when nothing parses."""
    if story.date is not None or not story.date_text:
        return story
    languages = _fallback_languages(lang)
    text = story.date_text
    day = parse_date_fallback(text, languages)
    if day is None and near is not None:
        candidates = [
            found
            for year in (near.year - 1, near.year, near.year + 1)
            if (found := parse_date_fallback(_with_year(text, year, lang), languages))
        ]
        day = min(candidates, key=lambda d: abs((d - near).days), default=None)
    return dataclasses.replace(story, date=day) if day is not None else story


def _with_year(text: str, year: int, lang: str) -> str:
    return f"{year}年{text}" if is_cjk(lang) else f"{text} {year}"


# ---------------------------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------------------------
def _inline(text: str, lang: str) -> str:
    return normalize_text(text, lang=lang, inline=True)


def _block(text: str, lang: str) -> str:
    return normalize_text(text, lang=lang)


def _optional(text: str | None, lang: str, *, inline: bool) -> str | None:
    if text is None:
        return None
    return normalize_text(text, lang=lang, inline=inline) or None


def _as_written(url: str | None) -> str | None:
    return (xml_safe(url).strip() or None) if url else None


def _link(url: str | None, base: str) -> str | None:
    return clean_link(url, base) if url else None


def _story(story: Story, *, lang: str, base: str, near: date | None) -> Story:
    story = dataclasses.replace(
        story,
        headline=_inline(story.headline, lang),
        section=_optional(story.section, lang, inline=True),
        link=_link(story.link, base),
        outlet=_optional(story.outlet, lang, inline=True),
        summary=_optional(story.summary, lang, inline=False),
        date_text=_optional(story.date_text, lang, inline=True),
    )
    return fill_story_date(story, lang=lang, near=near)


def _watch(item: WatchItem, *, lang: str, base: str) -> WatchItem:
    return dataclasses.replace(
        item,
        title=_inline(item.title, lang),
        link=_link(item.link, base),
        show=_optional(item.show, lang, inline=True),
        note=_optional(item.note, lang, inline=False),
    )


def _lines(values: Iterable[str], lang: str) -> tuple[str, ...]:
    return tuple(text for text in (_block(value, lang) for value in values) if text)


def _issue(issue: Issue, *, lang: str) -> Issue:
    base = issue.url
    near = issue.week_start or issue.week_end or (issue.published.date() if issue.published
                                                  else None)
    return dataclasses.replace(
        issue,
        title=_inline(issue.title, lang),
        intro=_block(issue.intro, lang),
        takeaways=_lines(issue.takeaways, lang),
        quick_hits=_lines(issue.quick_hits, lang),
        watch=tuple(_watch(item, lang=lang, base=base) for item in issue.watch),
        stories=tuple(_story(s, lang=lang, base=base, near=near) for s in issue.stories),
        content_html=normalize_html(issue.content_html, base_url=base, lang=lang),
    )


def _translation(mirror: Translation, *, lang: str, base: str, near: date | None) -> Translation:
    near = mirror.week_start or mirror.week_end or near
    links = (clean_link(link, base) for link in mirror.english_links)
    return dataclasses.replace(
        mirror,
        title=_inline(mirror.title, lang),
        # Kept as written (the mirror's claim, compared by the linker), only made XML-safe.
        source_url=_as_written(mirror.source_url),
        summary=_block(mirror.summary, lang),
        intro=_block(mirror.intro, lang),
        takeaways=_lines(mirror.takeaways, lang),
        quick_hits=_lines(mirror.quick_hits, lang),
        watch=tuple(_watch(item, lang=lang, base=base) for item in mirror.watch),
        stories=tuple(_story(s, lang=lang, base=base, near=near) for s in mirror.stories),
        # The English part of a mirror is English whatever the site's language.
        english_text=_block(mirror.english_text, "en"),
        english_links=tuple(dict.fromkeys(link for link in links if link)),
    )


def _post(post: Post, *, lang: str) -> Post:
    base = post.url
    near = post.published.date() if post.published else None
    return dataclasses.replace(
        post,
        title=_inline(post.title, lang),
        author=_optional(post.author, lang, inline=True),
        category=_optional(post.category, lang, inline=True),
        content_html=normalize_html(post.content_html, base_url=base, lang=lang),
        content_text=_block(post.content_text, lang),
        mirror=(
            _translation(post.mirror, lang=lang, base=base, near=near) if post.mirror else None
        ),
    )


def normalize_result(result: PageResult, *, lang: str) -> PageResult:
    """The normalize stage for one item: ``result`` with its issue or post normalized.

    ``lang`` is the language tag of the site the page came from (``Site.lang``). Fetch fields
    (url, status, validators, flags) are left alone.
    """
    if result.issue is None and result.post is None:
        return result  # a page with nothing parsed (a 404, a listing): nothing to normalize
    return dataclasses.replace(
        result,
        issue=_issue(result.issue, lang=lang) if result.issue is not None else None,
        post=_post(result.post, lang=lang) if result.post is not None else None,
    )
