"""The shared HTML → text-lines flattening of the page objects (aggregator.sites.text)."""

from __future__ import annotations

from parsel import Selector

from aggregator.sites.text import BlockLine, block_lines

BLOCKS = frozenset({"div", "p", "li", "ul", "h3"})
SKIP = frozenset({"script", "style"})


def lines_of(html: str, xpath: str = "//body") -> list[BlockLine]:
    root = Selector(text=html).xpath(xpath)[0].root
    return block_lines(root, block_tags=BLOCKS, skip_tags=SKIP)


def texts(html: str) -> list[str]:
    return [line.text for line in lines_of(html)]


def test_blocks_and_br_break_lines_but_inline_markup_does_not() -> None:
    html = "<p>One <strong>bold</strong>\n  word</p>two<br>three<div>four</div>five"
    assert texts(html) == ["One bold word", "two", "three", "four", "five"]


def test_skipped_tags_and_comments_add_no_text_but_their_tails_do() -> None:
    html = "<p>a<script>var x = 1;</script>b<!-- note -->c<style>p {}</style> d</p>"
    assert texts(html) == ["abc d"]


def test_whitespace_only_breaks_yield_nothing() -> None:
    assert texts("<div>\n  <p> </p>\n\u3000<p>x</p>\n</div>") == ["x"]


def test_links_belong_to_the_line_their_anchor_opens_in() -> None:
    html = '<p>see <a href=" /a ">A</a> and <a href="/b">B</a><a href="  ">blank</a></p><p>none</p>'
    first, second = lines_of(html)
    assert [link.href for link in first.links] == ["/a", "/b"]  # stripped; blank href ignored
    assert [link.text for link in first.links] == ["A", "B"]
    assert second.links == ()


def test_a_break_with_links_but_no_text_is_kept_for_the_caller() -> None:
    (anchor_only, headline) = lines_of('<div><a href="/story"><h3> Headline </h3></a></div>')
    assert anchor_only.text == ""
    assert [link.href for link in anchor_only.links] == ["/story"]
    assert anchor_only.links[0].text == "Headline"  # the anchor's whole text
    assert headline == BlockLine("Headline")


def test_lines_inside_list_items_are_marked() -> None:
    lines = lines_of("<p>intro</p><ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul>x")
    assert [(line.text, line.in_item) for line in lines] == [
        ("intro", False),
        ("one", True),
        ("nested", True),
        ("two", True),
        ("x", False),
    ]


def test_the_root_is_a_container_whose_own_tag_is_not_read() -> None:
    # A root <li> or <a> contributes neither the item mark nor a link: only its content counts.
    lines = lines_of('<ul><li>item <a href="/x">link</a></li></ul>', "//li")
    assert lines == [BlockLine("item link", lines[0].links, in_item=False)]
    assert [link.href for link in lines[0].links] == ["/x"]
    assert lines_of('<a href="/y">text</a>', "//a") == [BlockLine("text")]
