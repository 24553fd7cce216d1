"""The one feed reader (``aggregator.sites.rss``) behind every site's ``parse_feed``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from aggregator.sites.rss import read_feed

RSS = """<?xml version="1.0"?><rss version="2.0"><channel>
<item><title>AI周刊第1期:A &amp;amp; B</title><link>https://blog.example/?post=1</link>
<pubDate>Fri, 10 Apr 2026 08:30:00 +0800</pubDate></item>
<item><title><![CDATA[Only a guid]]></title><guid>https://blog.example/2</guid></item>
<item><title>No link at all</title><guid isPermaLink="false">tag:x</guid></item>
</channel></rss>"""

ATOM = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><title>Atom entry</title><link rel="alternate" href="https://blog.example/a/"/>
<link rel="edit" href="https://blog.example/wp-admin/1"/><updated>2026-04-10T08:30:00</updated></entry>
</feed>"""


def test_rss_items_unescape_titles_fall_back_to_a_permalink_guid_and_skip_linkless() -> None:
    items = read_feed(RSS)
    assert [(i.title, i.link) for i in items] == [
        ("AI周刊第1期:A & B", "https://blog.example/?post=1"),
        ("Only a guid", "https://blog.example/2")]
    assert items[0].published == datetime(2026, 4, 10, 0, 30, tzinfo=UTC)
    assert items[1].published is None


def test_atom_entries_take_the_alternate_link_and_place_a_bare_date_in_the_zone() -> None:
    [item] = read_feed(ATOM, timezone="Asia/Taipei")
    assert (item.title, item.link) == ("Atom entry", "https://blog.example/a/")
    assert item.published is not None
    assert item.published.utcoffset() == timezone(timedelta(hours=8)).utcoffset(None)
