"""HTML block tree → text lines with their links.

Both page objects fall back on reading a page by its *text structure* (aiweekly.co when its
markup changes, news.qimuai.cn always): the element tree is flattened into one line per visual
block and the lines are matched against patterns. This module does the flattening, which is the
same for both sites; what a line *means* (a headline, a list item, a bullet) stays with the site.

Rules, all from how a browser lays the page out:

* a block element (the caller names them) ends the current line where it starts and where it
  ends; ``<br>`` ends the current line too;
* text and tails are joined in document order and cleaned with
  :func:`~aggregator.normalize.clean_inline`, so inline markup (``<strong>``, ``<a>``) never
  splits a line;
* comments, processing instructions and the caller's *skip* tags (scripts, styles) add no text,
  though the text right after them (their tail) still belongs to the line;
* every ``<a>`` with a non-blank ``href`` is recorded on the line during which its start tag
  was seen, and lines inside a ``<li>`` say so.

Pure functions of an lxml element (e.g. ``Selector.root``); no Scrapy here.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, NamedTuple

from aggregator.normalize import clean_inline

__all__ = ["BlockLine", "Link", "block_lines"]

# lxml ships no type information, so elements are ``Any`` (as in the page objects).
Element = Any

# Link and BlockLine are NamedTuples rather than frozen dataclasses: one is built per line and
# per anchor, and a NamedTuple is built in about half the time, which showed in parse timings.


class Link(NamedTuple):
    """An ``<a href>`` met while reading a line."""

    href: str  # stripped, never empty
    element: Element  # the <a> itself, for callers that want its text

    @property
    def text(self) -> str:
        """The anchor's whole text on one line.

        Computed on demand: one site reads the text of the first link per line, the other
        only hrefs, and most anchors are never asked.
        """
        return clean_inline("".join(self.element.itertext()))


class BlockLine(NamedTuple):
    """One visual line: its cleaned text, the links opened in it, whether it is in a ``<li>``.

    ``text`` is ``""`` only for a line break that closed with links but no text, as in
    ``<a href=…><h3>headline</h3></a>`` where the anchor opens before the heading's line
    starts. Such lines are kept so that a caller can decide whether the link belongs to the
    next line or is dropped; breaks with neither text nor links yield nothing.
    """

    text: str
    links: tuple[Link, ...] = ()
    in_item: bool = False


def block_lines(
    root: Element, *, block_tags: Collection[str], skip_tags: Collection[str]
) -> list[BlockLine]:
    """The lines of the *content* of ``root`` (its own tag is not read: it is the container).

    ``block_tags`` and ``skip_tags`` are lowercase tag names; each site has its own lists,
    tuned to the markup it has seen.
    """
    reader = _Reader(block_tags, skip_tags)
    reader.add(root.text)
    for child in root:
        reader.walk(child)
        reader.add(child.tail)
    reader.flush()
    return reader.lines


class _Reader:
    """The state of one flattening: the line being built and the lines done."""

    __slots__ = ("block_tags", "item_depth", "lines", "links", "parts", "skip_tags")

    def __init__(self, block_tags: Collection[str], skip_tags: Collection[str]) -> None:
        self.block_tags = block_tags
        self.skip_tags = skip_tags
        self.lines: list[BlockLine] = []
        self.parts: list[str] = []
        self.links: list[Link] = []
        self.item_depth = 0

    def add(self, text: str | None) -> None:
        if text:
            self.parts.append(text)

    def flush(self) -> None:
        """End the current line (a no-op when nothing was read since the last break)."""
        if not self.parts and not self.links:
            return  # the common case: a block boundary right after another one
        raw = "".join(self.parts)
        self.parts.clear()
        # Most breaks see only the newlines between block tags; skip the cleanup for those.
        text = clean_inline(raw) if raw and not raw.isspace() else ""
        if text or self.links:
            self.lines.append(BlockLine(text, tuple(self.links), self.item_depth > 0))
            self.links.clear()

    def walk(self, element: Element) -> None:
        """Read ``element`` and its descendants; its tail is the caller's (it is outside)."""
        tag = element.tag
        if not isinstance(tag, str):
            return  # comments and processing instructions: no text
        # lxml's HTML parser already lowercases names; this keeps other trees honest.
        tag = tag.lower()
        if tag in self.skip_tags:
            return
        # <br> never has content, so breaking before and after it is one break.
        block = tag == "br" or tag in self.block_tags
        if block:
            self.flush()
        if tag == "li":
            self.item_depth += 1
        elif tag == "a":
            href = (element.get("href") or "").strip()
            if href:
                self.links.append(Link(href, element))
        # add() inlined: this loop runs for every element of the page.
        parts = self.parts
        text = element.text
        if text:
            parts.append(text)
        for child in element:
            self.walk(child)
            tail = child.tail
            if tail:
                parts.append(tail)
        if block:
            self.flush()
        if tag == "li":
            self.item_depth -= 1
