"""Entries from the catalog: one per English issue, per issue and mirror language, per
bilingual issue, and per post of one source; and the feed list that iterates the registry.

Dates come from the store only (``updated`` is when a document's content last changed), so
the same store gives the same entries, and an entry's ``updated`` moves only when a
document it shows changes.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from functools import partial

from aggregator.catalog import IssueView, MirrorView
from aggregator.feeds.model import Entry, FeedSpec, Version
from aggregator.sites import SITES, Site, get_site, mirror_languages, newsletter, sites_by_lang
from aggregator.store import StoryRow

# How the "Read in" line names each language, in its own script (a reader picks by name).
LANGUAGE_NAMES = {"en": "English", "zh": "中文", "zh-Hans": "简体中文", "zh-Hant": "繁體中文"}


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


def read_in_html(versions: tuple[Version, ...]) -> str:
    """``Read in: English · 中文 · 繁體中文``, each a link (RSS has no hreflang links)."""
    if len(versions) < 2:
        return ""
    links = " · ".join(
        f'<a href="{html.escape(v.href)}" hreflang="{v.lang}" lang="{v.lang}">'
        f"{html.escape(LANGUAGE_NAMES.get(v.lang, v.lang))}</a>" for v in versions)
    return f"<p>Read in: {links}</p>"


def _sections(stories: Iterable[StoryRow]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.section.strip() for s in stories
                               if s.section and s.section.strip()))


def _version_docs(view: IssueView) -> list[tuple[Version, datetime]]:
    """The English issue, then the newest mirror in each mirror language (registry order),
    each with when it appeared: its publication date as the site states it (never when this
    store happened to crawl it, so two stores of the same pages give the same feeds)."""
    found = []
    if view.english is not None:
        found.append((Version(view.english.url, newsletter().lang, view.english.title),
                      view.english.published or view.english.updated))
    for lang in mirror_languages():
        mirror = view.mirror_in(lang)
        if mirror is not None:
            found.append((Version(mirror.post.url, lang, mirror.post.title),
                          mirror.post.published or mirror.post.updated))
    return found


def _versions(view: IssueView) -> tuple[Version, ...]:
    return tuple(version for version, _seen in _version_docs(view))


def _joined(view: IssueView, lang: str) -> list[datetime]:
    """When the other languages' versions appeared: a version that joins later adds a link to
    this entry, so its ``updated`` moves then (and never on the other version's own edits)."""
    return [seen for version, seen in _version_docs(view) if version.lang != lang]


def _reposts(view: IssueView) -> tuple[Version, ...]:
    return tuple(Version(m.post.url, m.post.lang, m.post.title)
                 for lang in mirror_languages() for m in view.mirrors_in(lang)[1:])


def english_entry(view: IssueView) -> Entry | None:
    issue = view.english
    if issue is None:
        return None
    lang = newsletter().lang
    return Entry(
        key=f"{view.key}:{lang}",
        lang=lang,
        title=f"Issue #{issue.number}: {issue.title}",
        link=issue.url,
        published=issue.published or issue.first_seen,
        updated=issue.updated,
        arrived=issue.first_seen,
        summary=issue.intro,
        content_html=issue.content_html or _stories_html(view.english_stories),
        categories=_sections(view.english_stories),
        versions=(Version(issue.url, lang, issue.title),),
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


def mirror_entry(view: IssueView, lang: str) -> Entry | None:
    """The issue as its newest mirror in ``lang`` shows it (re-posts are one entry)."""
    mirrors = view.mirrors_in(lang)
    if not mirrors:
        return None
    post = mirrors[0].post
    versions = _versions(view)
    return Entry(
        key=f"{view.key}:{lang}",
        lang=lang,
        title=post.title,
        link=post.url,
        published=post.published or post.first_seen,
        updated=max([m.post.updated for m in mirrors] + _joined(view, lang)),
        arrived=min(m.post.first_seen for m in mirrors),
        summary=post.summary,
        content_html="\n".join(p for p in (read_in_html(versions), _mirror_html(mirrors[0])) if p),
        categories=_sections(mirrors[0].stories),
        versions=versions,
        related=tuple(Version(m.post.url, lang, m.post.title) for m in mirrors[1:]),
    )


def bilingual_entry(view: IssueView) -> Entry | None:
    english = english_entry(view)
    translated = [(lang, e) for lang in mirror_languages()
                  if (e := _mirror_body(view, lang)) is not None]
    parts = [e for e in (english, *(e for _lang, e in translated)) if e is not None]
    if not parts:
        return None
    main = parts[0]
    title = main.title
    title_zh = next((m.post.title_zh for lang, _e in translated
                     if (m := view.mirror_in(lang)) is not None and m.post.title_zh), None)
    if english is not None and title_zh:
        title = f"{english.title} / {title_zh}"
    versions = _versions(view)
    body = [f'<div lang="{e.lang}">{e.content_html}</div>' for e in parts]
    return Entry(
        key=f"{view.key}:all",
        lang=main.lang,
        title=title,
        link=main.link,
        published=min(e.published for e in parts),
        updated=max(e.updated for e in parts),
        arrived=min(e.arrived for e in parts),
        summary="\n\n".join(e.summary for e in parts if e.summary),
        content_html="\n".join([read_in_html(versions), *body]).lstrip("\n"),
        categories=tuple(dict.fromkeys(c for e in parts for c in e.categories)),
        versions=versions,
        related=_reposts(view),
    )


def _mirror_body(view: IssueView, lang: str) -> Entry | None:
    """The mirror entry without its own "Read in" line (the bilingual entry has one)."""
    entry = mirror_entry(view, lang)
    if entry is None:
        return None
    mirror = view.mirrors_in(lang)[0]
    return replace(entry, content_html=_mirror_html(mirror))


def post_entry(mirror: MirrorView, view: IssueView) -> Entry:
    """One post of a mirror site as that site published it (a re-post is its own entry)."""
    post = mirror.post
    # This post stands for its language (it may be an older re-post than the newest).
    own = Version(post.url, post.lang, post.title)
    versions = tuple(own if v.lang == post.lang else v for v in _versions(view))
    return Entry(
        key=f"post:{post.url}",
        lang=post.lang,
        title=post.title,
        link=post.url,
        published=post.published or post.first_seen,
        updated=max([post.updated, *_joined(view, post.lang)]),
        arrived=post.first_seen,
        summary=post.summary,
        content_html="\n".join(p for p in (read_in_html(versions), _mirror_html(mirror)) if p),
        categories=_sections(mirror.stories),
        versions=versions,
    )


def per_view(
    build: Callable[[IssueView], Entry | None],
) -> Callable[[list[IssueView]], list[Entry]]:
    def entries(catalog: list[IssueView]) -> list[Entry]:
        return [e for e in (build(view) for view in catalog) if e is not None]
    return entries


def source_entries(site: Site, catalog: list[IssueView]) -> list[Entry]:
    if site.kind == "newsletter":
        return per_view(english_entry)(catalog)
    return [post_entry(m, view) for view in catalog for m in view.mirrors
            if m.post.source == site.key]


def feed_specs() -> tuple[FeedSpec, ...]:
    """One feed per language of the registry (the newsletter's, each mirror language's), the
    bilingual ``all``, and one per source (``sources/<key>``); titles, home links and authors
    come from the registry entries."""
    original = newsletter()
    specs = [FeedSpec(original.lang, original.feed_title, original.feed_subtitle,
                      original.lang, original.url(original.home_path), (original.name,),
                      per_view(english_entry))]
    for lang in mirror_languages():
        sites = sites_by_lang()[lang]
        site = sites[0]
        specs.append(FeedSpec(lang, site.feed_title, site.feed_subtitle, lang,
                              site.url(site.home_path), tuple(s.name for s in sites),
                              per_view(partial(mirror_entry, lang=lang))))
    specs.append(FeedSpec("all", f"{original.feed_title} (English + 中文)",
                          "Each issue once, with its English original and its Chinese mirrors.",
                          original.lang, original.url(original.home_path),
                          tuple(s.name for s in SITES.values()), per_view(bilingual_entry)))
    for site in SITES.values():
        specs.append(FeedSpec(f"sources/{site.key}", f"{site.name} ({site.host})",
                              site.feed_subtitle or site.name, site.lang,
                              site.url(site.home_path), (site.name,),
                              partial(source_entries, site)))
    return tuple(specs)
