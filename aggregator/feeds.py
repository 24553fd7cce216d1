"""RSS 2.0 and Atom feeds built from the store with feedgen.

feedgen stamps ``updated``/``lastBuildDate`` with the current time and refuses naive dates, so
every date here comes from the store: the same store gives byte-identical files, and a
reader marks an entry unread only when its issue really changed. Entry ids are tag URIs built
from the issue number (or the mirror URL), never from a title, so an edited title does not
make readers show a duplicate.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from feedgen.feed import FeedGenerator
from lxml import etree

from aggregator.catalog import IssueView, MirrorView
from aggregator.files import write_atomically
from aggregator.sites import SITES, get_site, mirror_languages, newsletter, sites_by_lang
from aggregator.store import StoryRow

_ATOM = "{http://www.w3.org/2005/Atom}"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FEED_ID_BASE = "tag:aggregator.aiweekly,2026:"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    summary: str
    content_html: str
    alternates: tuple[tuple[str, str, str], ...] = ()  # (href, hreflang, title)


@dataclass(frozen=True)
class FeedSpec:
    name: str  # file stem: a language tag (en, zh, zh-Hant) or all
    title: str
    subtitle: str
    language: str
    link: str
    entry: Callable[[IssueView], Entry | None]


def _entry_id(view: IssueView, lang: str) -> str:
    return f"{FEED_ID_BASE}{view.key}:{lang}"


def _stories_html(stories: list[StoryRow]) -> str:
    parts: list[str] = []
    section: str | None = None
    for story in stories:
        if story.section and story.section != section:
            section = story.section
            parts.append(f"<h3>{html.escape(section)}</h3>")
        headline = html.escape(story.headline)
        if story.link:
            headline = f'<a href="{html.escape(story.link)}">{headline}</a>'
        meta = " · ".join(
            html.escape(x) for x in (story.date.isoformat() if story.date else None,
                                     story.outlet) if x
        )
        parts.append(f"<p><strong>{headline}</strong>" + (f" · {meta}" if meta else "") + "</p>")
        if story.summary:
            parts.append(f"<p>{html.escape(story.summary)}</p>")
    return "\n".join(parts)


def _list_html(title: str, items: list[str]) -> str:
    if not items:
        return ""
    lis = "".join(f"<li>{html.escape(i)}</li>" for i in items)
    return f"<h3>{html.escape(title)}</h3><ul>{lis}</ul>"


def _english_entry(view: IssueView) -> Entry | None:
    issue = view.english
    if issue is None:
        return None
    return Entry(
        id=_entry_id(view, "en"),
        title=f"Issue #{issue.number}: {issue.title}",
        link=issue.url,
        published=issue.published or issue.first_seen,
        updated=issue.updated,
        summary=issue.intro,
        content_html=issue.content_html or _stories_html(view.english_stories),
    )


def _mirror_html(mirror: MirrorView) -> str:
    post = mirror.post
    markers = get_site(post.source).markers if post.source in SITES else None
    takeaways = markers.takeaways[0] if markers and markers.takeaways else "核心要点"
    quick_hits = markers.quick_hits[0] if markers and markers.quick_hits else "快讯"
    parts = [f"<p>{html.escape(p)}</p>" for p in post.summary.split("\n") if p.strip()]
    parts.append(f"<p>{html.escape(post.intro)}</p>" if post.intro else "")
    parts.append(_list_html(takeaways, list(post.takeaways)))
    parts.append(_list_html(quick_hits, list(post.quick_hits)))
    parts.append(_stories_html(mirror.stories))
    return "\n".join(p for p in parts if p)


def _mirror_entry(view: IssueView, lang: str) -> Entry | None:
    """The issue as its newest mirror in ``lang`` shows it (re-posts are one entry)."""
    mirrors = view.mirrors_in(lang)
    if not mirrors:
        return None
    post = mirrors[0].post
    alternates = tuple((m.post.url, m.post.lang, m.post.title) for m in mirrors[1:])
    if view.english is not None:
        alternates = ((view.english.url, "en", view.english.title), *alternates)
    return Entry(
        id=_entry_id(view, lang),
        title=post.title,
        link=post.url,
        published=post.published or post.first_seen,
        updated=max(m.post.updated for m in mirrors),
        summary=post.summary,
        content_html=_mirror_html(mirrors[0]),
        alternates=alternates,
    )


def _bilingual_entry(view: IssueView) -> Entry | None:
    english = _english_entry(view)
    translated = [(lang, e) for lang in mirror_languages()
                  if (e := _mirror_entry(view, lang)) is not None]
    parts = [e for e in (english, *(e for _lang, e in translated)) if e is not None]
    if not parts:
        return None
    main = parts[0]
    title = main.title
    title_zh = next((m.post.title_zh for lang, _e in translated
                     if (m := view.mirror_in(lang)) is not None and m.post.title_zh), None)
    if english is not None and title_zh:
        title = f"{english.title} / {title_zh}"
    alternates = [(m.post.url, m.post.lang, m.post.title) for m in view.mirrors
                  if m.post.url != main.link]
    body = [f'<div lang="{lang}">{e.content_html}</div>'
            for lang, e in (("en", english), *translated) if e is not None]
    return Entry(
        id=_entry_id(view, "all"),
        title=title,
        link=main.link,
        published=min(e.published for e in parts),
        updated=max(e.updated for e in parts),
        summary="\n\n".join(e.summary for e in parts if e.summary),
        content_html="\n".join(body),
        alternates=tuple(alternates),
    )


def feed_specs() -> tuple[FeedSpec, ...]:
    """One feed per language of the registry (the newsletter's, each mirror language's), and
    the bilingual ``all``; titles and home links come from the registry entries."""
    original = newsletter()
    specs = [FeedSpec(original.lang, original.feed_title, original.feed_subtitle,
                      original.lang, original.url(original.home_path), _english_entry)]
    for lang in mirror_languages():
        site = sites_by_lang()[lang][0]
        specs.append(FeedSpec(lang, site.feed_title, site.feed_subtitle, lang,
                              site.url(site.home_path), partial(_mirror_entry, lang=lang)))
    specs.append(FeedSpec("all", f"{original.feed_title} (English + 中文)",
                          "Each issue once, with its English original and its Chinese mirrors.",
                          original.lang, original.url(original.home_path), _bilingual_entry))
    return tuple(specs)


def _entries(spec: FeedSpec, catalog: list[IssueView]) -> list[Entry]:
    entries = [e for e in (spec.entry(view) for view in catalog) if e is not None]
    return sorted(entries, key=lambda e: (e.published, e.id), reverse=True)


def build_feed(spec: FeedSpec, entries: list[Entry]) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(f"{FEED_ID_BASE}feed:{spec.name}")
    fg.title(spec.title)
    fg.subtitle(spec.subtitle)
    fg.description(spec.subtitle)
    fg.language(spec.language)
    fg.link(href=spec.link, rel="alternate")
    updated = max((e.updated for e in entries), default=EPOCH)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    fg.generator("aggregator")
    for item in entries:
        fe = fg.add_entry(order="append")
        fe.id(item.id)
        fe.guid(item.id, permalink=False)
        fe.title(item.title)
        fe.link(href=item.link, rel="alternate")
        fe.published(item.published)
        fe.updated(item.updated)
        fe.summary(item.summary or item.title)
        fe.content(item.content_html, type="html")
    return fg


def write_feeds(catalog: list[IssueView], out_dir: Path) -> list[Path]:
    """Write ``<name>.atom.xml`` and ``<name>.rss.xml`` for every feed; return the paths."""
    feeds_dir = out_dir / "feeds"
    feeds_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for spec in feed_specs():
        entries = _entries(spec, catalog)
        fg = build_feed(spec, entries)
        atom = _complete_atom_links(fg.atom_str(pretty=True), entries)
        for kind, data in (("atom", atom), ("rss", fg.rss_str(pretty=True))):
            path = feeds_dir / f"{spec.name}.{kind}.xml"
            write_atomically(path, data)
            written.append(path)
    return written


def _complete_atom_links(atom: bytes, entries: list[Entry]) -> bytes:
    """Write each entry's links with their attributes.

    feedgen 1.0 writes only ``href`` for entry links (it shadows the link dict with the new
    element and then reads ``rel``/``hreflang``/``title`` from the element), so readers would
    see every link as an alternate. The primary link is marked ``alternate`` and the other
    languages' documents are added as ``related`` links with ``hreflang`` and ``title``.
    """
    by_id = {e.id: e for e in entries}
    root = etree.fromstring(atom)
    for element in root.iter(f"{_ATOM}entry"):
        entry = by_id.get(element.findtext(f"{_ATOM}id") or "")
        if entry is None:
            continue
        links = element.findall(f"{_ATOM}link")
        for link in links:
            link.set("rel", "alternate")
            link.set("type", "text/html")
        if not links:
            continue
        anchor = links[-1]
        for href, lang, title in entry.alternates:
            related = etree.Element(f"{_ATOM}link", href=href, rel="related", type="text/html",
                                    hreflang=lang, title=title)
            related.tail = anchor.tail
            anchor.addnext(related)
            anchor = related
    return bytes(etree.tostring(root, pretty_print=True, xml_declaration=True,
                                encoding="UTF-8"))
