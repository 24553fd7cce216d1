"""The reading pages: ``OUT/index.html`` and one ``OUT/issues/<N>.html`` per issue.

A person opens these, not a feed reader: the index lists every issue newest first with its
English title and each mirror language's title, and links the feeds; an issue page shows each
English story next to its aligned story in every mirror language (``StoryRow.pair`` of the
newest mirror per language), and says how each mirror was linked (method, score, evidence).

Plain HTML with one inline stylesheet and no other assets, so the pages work from any static
host and offline; columns stack on a narrow screen. Every link between pages is relative. The
same store gives the same bytes (nothing here reads the clock).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path, PurePosixPath
from typing import Any

from aggregator.catalog import IssueView, MirrorView
from aggregator.files import write_atomically
from aggregator.serve import content_type
from aggregator.sites import SITES, mirror_languages, newsletter
from aggregator.store import StoryRow

__all__ = ["issue_page", "write_pages"]

ISSUES_DIR = "issues"

# What each linking layer means, for a reader who has not read the linker (README "Linking").
METHODS = {
    "explicit": "the mirror names the English issue as its source",
    "embedded-en": "the English original embedded in the mirror matches the issue's text",
    "zh-anchors": "the Chinese text shares the issue's names, numbers, links and dates",
    "none": "not linked",
}
FEED_FORMATS = {".atom.xml": "Atom", ".rss.xml": "RSS", ".json": "JSON Feed", ".opml": "OPML",
                ".jsonl": "JSON Lines", ".csv": "CSV", ".parquet": "Parquet"}

CSS = """
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fdfdfb;--muted:#5e5e5e;--line:#d8d8d2;
--card:#f3f2ee;--accent:#0b5cad}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e3;--bg:#171717;--muted:#a6a6a0;
--line:#3a3a36;--card:#222220;--accent:#7db4ff}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:78rem;padding:1rem;font:16px/1.55 system-ui,-apple-system,
"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg)}
:lang(zh){font-family:system-ui,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif}
:lang(zh-Hant){font-family:system-ui,"PingFang TC","Noto Sans CJK TC","Microsoft JhengHei",
sans-serif}
a{color:var(--accent)}
h1{font-size:1.5rem;line-height:1.3;margin:.5rem 0}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:.1rem 0 .3rem}
p{margin:.25rem 0}
.muted,.meta,.tag,.section{color:var(--muted);font-size:.85rem}
.tag{display:inline-block;border:1px solid var(--line);border-radius:.3rem;padding:0 .3rem;
margin-right:.3rem;font-size:.75rem}
.titles p{margin:.2rem 0}
.row{display:grid;gap:.75rem;grid-template-columns:repeat(var(--cols),minmax(0,1fr));
padding:.6rem 0;border-top:1px solid var(--line)}
.head{font-weight:600;border-top:none}
.story{background:var(--card);border-radius:.4rem;padding:.6rem .75rem;overflow-wrap:anywhere}
.story.missing{background:none;border:1px dashed var(--line);color:var(--muted)}
.issues{list-style:none;padding:0;margin:0}
.issues li{padding:.6rem 0;border-top:1px solid var(--line)}
.issues .num{font-weight:600;margin-right:.4rem}
table{border-collapse:collapse;margin:.3rem 0}
caption{text-align:left}
td,th{padding:.15rem .6rem .15rem 0;text-align:left;vertical-align:top}
.links li{margin:.4rem 0}
.evidence{margin:.2rem 0 0 1rem;padding:0;font-size:.85rem;color:var(--muted);
overflow-wrap:anywhere}
@media (max-width:700px){body{padding:.75rem}.row{grid-template-columns:minmax(0,1fr)}
.head{display:none}}
@media (min-width:701px){.story .tag.lang{display:none}}
"""


@dataclass(frozen=True)
class _Row:
    """One line of the side-by-side view: a story per language (None: nothing aligned)."""

    english: StoryRow | None
    mirrors: dict[str, StoryRow | None]


def issue_page(view: IssueView) -> str:
    """The issue page's path under ``OUT/``: ``issues/481.html``, or a slug of the post URL
    for a mirror that states no number (with a hash, so two such URLs never collide)."""
    if view.number is not None:
        return f"{ISSUES_DIR}/{view.number}.html"
    digest = hashlib.sha256(view.key.encode("utf-8")).hexdigest()[:8]
    url = view.key.removeprefix("post:")
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"^[a-z]+://", "", url.lower())).strip("-")
    return f"{ISSUES_DIR}/{slug[:60].rstrip('-')}-{digest}.html"


def write_pages(catalog: list[IssueView], out_dir: Path) -> list[Path]:
    """Write the index and every issue page; remove issue pages no longer in the catalog.

    Call it after the feeds and exports are written: the index links the files it finds in
    ``OUT/feeds/`` and ``OUT/exports/``.
    """
    written = [write_atomically(out_dir / "index.html", _index(catalog, out_dir).encode())]
    for view in catalog:
        written.append(write_atomically(out_dir / issue_page(view), _issue(view).encode()))
    keep = set(written)
    for stale in sorted((out_dir / ISSUES_DIR).glob("*.html")):
        if stale not in keep:
            stale.unlink()
    return written


# -- shared pieces -------------------------------------------------------------------------

def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _language_label(lang: str) -> str:
    names = [site.name for site in SITES.values() if site.lang == lang]
    return f"{' / '.join(names)} ({lang})"


def _mirror_title(mirror: MirrorView) -> str:
    return mirror.post.title_zh or mirror.post.title


def _page(title: str, body: Iterable[str], *, columns: int = 1,
          head: Sequence[str] = ()) -> str:
    lines = ["<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(title)}</title>", *head,
             f"<style>{CSS.strip()}\n:root{{--cols:{columns}}}</style>", "</head>", "<body>",
             *body, "</body>", "</html>", ""]
    return "\n".join(lines)


def _files(out_dir: Path, folder: str) -> list[PurePosixPath]:
    root = out_dir / folder
    if not root.is_dir():
        return []
    found = [PurePosixPath(p.relative_to(out_dir).as_posix()) for p in root.rglob("*")
             if p.is_file() and not any(part.startswith(".") for part in p.parts)]
    return sorted(f for f in found if content_type(f) is not None)


def _split_name(path: PurePosixPath) -> tuple[str, str]:
    """``feeds/zh-Hant.atom.xml`` -> ("zh-Hant", "Atom")."""
    for ending, label in FEED_FORMATS.items():
        if path.name.endswith(ending):
            return path.name.removesuffix(ending), label
    return path.stem, path.suffix.lstrip(".")


def _file_table(paths: list[PurePosixPath], prefix: str) -> list[str]:
    """Files grouped by folder, one row per name with a link per format."""
    by_folder: dict[str, dict[str, list[tuple[str, PurePosixPath]]]] = {}
    for path in paths:
        name, label = _split_name(path)
        folder = path.parent.as_posix()
        by_folder.setdefault(folder, {}).setdefault(name, []).append((label, path))
    # Languages in registry order first (en, then each mirror's), then the rest by name.
    order = [newsletter().lang, *mirror_languages()]
    out: list[str] = []
    for folder, found in by_folder.items():
        names = dict(sorted(found.items(), key=lambda item: (
            order.index(item[0]) if item[0] in order else len(order), item[0])))
        out.append(f'<table class="files"><caption class="muted">{_e(folder)}/</caption>')
        for name, formats in names.items():
            links = " ".join(f'<a href="{_e(prefix + p.as_posix())}" type="'
                             f'{_e((content_type(p) or "").split(";")[0])}">{_e(label)}</a>'
                             for label, p in formats)
            out.append(f"<tr><th>{_file_label(name)}</th><td>{links}</td></tr>")
        out.append("</table>")
    return out


def _file_label(name: str) -> str:
    """A per-source file is named by its site key: show the site's own name beside it."""
    site = SITES.get(name)
    if site is None:
        return _e(name)
    return f'<span lang="{_e(site.lang)}">{_e(site.name)}</span> <span class="muted">' \
           f"({_e(name)})</span>"


# -- the index -----------------------------------------------------------------------------

def _index(catalog: list[IssueView], out_dir: Path) -> str:
    feeds = _files(out_dir, "feeds")
    exports = _files(out_dir, "exports")
    # Top-level feeds are the subscriptions a browser or reader can discover from the page.
    discover = [f'<link rel="alternate" type="{_e(kind)}" href="{_e(p.as_posix())}" '
                f'title="{_e(" ".join(_split_name(p)))}">'
                for p in feeds if len(p.parts) == 2
                and (kind := content_type(p) or "").startswith(("application/atom",
                                                                "application/rss",
                                                                "application/feed"))]
    site = newsletter()
    body = [f"<h1>{_e(site.name)}, in English and Chinese</h1>",
            f'<p class="muted">{len(catalog)} issues, newest first. Each page shows an issue\'s '
            "stories side by side with their Chinese translations.</p>",
            '<h2 id="feeds">Feeds</h2>']
    body.extend(_file_table(feeds, "") or ['<p class="muted">No feeds written yet.</p>'])
    body += ['<h2 id="issues">Issues</h2>', '<ol class="issues">']
    body.extend(_index_entry(view) for view in catalog)
    body.append("</ol>")
    if exports:
        body.append('<h2 id="exports">Data exports</h2>')
        body.extend(_file_table(exports, ""))
    return _page(f"{site.name}: issues in English and Chinese", body, head=discover)


def _index_entry(view: IssueView) -> str:
    href = _e(issue_page(view))
    number = f"#{view.number}" if view.number is not None else "unnumbered"
    parts = [f'<li><a href="{href}"><span class="num">{_e(number)}</span>']
    if view.english is not None:
        parts.append(f'<span lang="{_e(newsletter().lang)}">{_e(view.english.title)}</span></a>')
    else:
        parts.append('<span class="muted">English issue not crawled</span></a>')
    for lang in mirror_languages():
        mirror = view.mirror_in(lang)
        if mirror is not None:
            parts.append(f'<br><span class="tag">{_e(lang)}</span>'
                         f'<span lang="{_e(lang)}">{_e(_mirror_title(mirror))}</span>')
    when = view.published
    if when is not None:
        parts.append(f'<br><time class="meta" datetime="{when.date().isoformat()}">'
                     f"{when.date().isoformat()}</time>")
    parts.append("</li>")
    return "".join(parts)


# -- an issue page -------------------------------------------------------------------------

def _rows(view: IssueView, langs: list[str]) -> list[_Row]:
    """English stories in order, each with the mirror stories paired to it; mirror stories
    paired to nothing come after. Without an English issue there are no pairs: each mirror's
    stories stand in their own order."""
    newest = {lang: view.mirror_in(lang) for lang in langs}
    stories = {lang: sorted(m.stories, key=lambda s: s.position) if m else []
               for lang, m in newest.items()}
    english = sorted(view.english_stories, key=lambda s: s.position)
    if not english:
        depth = max((len(s) for s in stories.values()), default=0)
        return [_Row(None, {lang: s[i] if i < len(s) else None for lang, s in stories.items()})
                for i in range(depth)]
    rows: list[_Row] = []
    used: set[int] = set()  # id() of the rows placed: an unsaved row has no primary key yet
    for story in english:
        cells: dict[str, StoryRow | None] = {}
        for lang, items in stories.items():
            match = next((s for s in items if s.pair == story.position and id(s) not in used),
                         None)
            if match is not None:
                used.add(id(match))
            cells[lang] = match
        rows.append(_Row(story, cells))
    for lang, items in stories.items():
        for story in items:
            if id(story) not in used:
                rows.append(_Row(None, {other: story if other == lang else None
                                        for other in langs}))
    return rows


def _story(story: StoryRow | None, lang: str, fallback_link: str | None) -> str:
    if story is None:
        return (f'<div class="story missing"><span class="tag lang">{_e(lang)}</span>'
                "no aligned story</div>")
    link = story.link or fallback_link  # a mirror story points at its English story's outlet
    headline = (f'<a href="{_e(link)}" rel="noopener">{_e(story.headline)}</a>' if link
                else _e(story.headline))
    meta = " · ".join(_e(x) for x in (story.outlet, story.date and story.date.isoformat()) if x)
    parts = [f'<div class="story" lang="{_e(lang)}"><span class="tag lang">{_e(lang)}</span>']
    if story.section:
        parts.append(f'<span class="section">{_e(story.section)}</span>')
    parts.append(f"<h3>{headline}</h3>")
    if meta:
        parts.append(f'<p class="meta">{meta}</p>')
    if story.summary:
        parts.append(f"<p>{_e(story.summary)}</p>")
    parts.append("</div>")
    return "".join(parts)


def _issue(view: IssueView) -> str:
    en = newsletter().lang
    langs = [lang for lang in mirror_languages() if view.mirror_in(lang) is not None]
    has_english = view.english is not None
    columns = [en] * has_english + langs
    number = f"#{view.number}" if view.number is not None else "(no number)"
    title = view.english.title if view.english is not None else (
        _mirror_title(view.mirrors[0]) if view.mirrors else view.key)
    body = ['<p><a href="../index.html">← All issues</a> · <a href="../index.html#feeds">'
            "Feeds</a></p>", '<header class="titles">',
            f"<h1>{_e(newsletter().name)} {_e(number)}</h1>"]
    if view.english is not None:
        body.append(f'<p><span class="tag">{_e(en)}</span><a lang="{_e(en)}" '
                    f'href="{_e(view.english.url)}">{_e(view.english.title)}</a></p>')
    for lang in langs:
        mirror = view.mirror_in(lang)
        assert mirror is not None
        body.append(f'<p><span class="tag">{_e(lang)}</span><a lang="{_e(lang)}" '
                    f'href="{_e(mirror.post.url)}">{_e(_mirror_title(mirror))}</a></p>')
    dates = []
    if view.published is not None:
        dates.append(f"published {view.published.date().isoformat()}")
    if view.english is not None and view.english.week_start and view.english.week_end:
        dates.append(f"week {view.english.week_start.isoformat()} to "
                     f"{view.english.week_end.isoformat()}")
    if dates:
        body.append(f'<p class="meta">{_e(", ".join(dates))}</p>')
    body.append("</header>")
    count = len(view.english_stories) if has_english else max(
        (len(m.stories) for m in view.mirrors), default=0)
    body.append(f'<h2 id="stories">{count} stories</h2>')
    if not has_english:
        body.append('<p class="muted">The English issue was not crawled: each mirror\'s '
                    "stories are shown in their own order, not aligned.</p>")
    body.append('<div class="row head">' + "".join(
        f"<div>{_e(_language_label(lang))}</div>" for lang in columns) + "</div>")
    for row in _rows(view, langs):
        link = row.english.link if row.english is not None else None
        cells = [_story(row.english, en, None)] if has_english else []
        cells += [_story(row.mirrors.get(lang), lang, link) for lang in langs]
        body.append('<div class="row">' + "".join(cells) + "</div>")
    body.extend(_linking(view))  # after the stories: a reader comes for those first
    return _page(f"{newsletter().name} {number}: {title}", body, columns=max(len(columns), 1))


def _linking(view: IssueView) -> list[str]:
    if not view.mirrors:
        return []
    out = ['<h2 id="linking">How the mirrors were linked</h2>', '<ul class="links">']
    for lang in mirror_languages():
        for index, mirror in enumerate(view.mirrors_in(lang)):
            site = SITES.get(mirror.post.source)
            name = site.name if site is not None else mirror.post.source
            version = " (older version)" if index else ""
            out.append(f'<li><span class="tag">{_e(lang)}</span>{_e(name)}{_e(version)}: '
                       f'<a lang="{_e(lang)}" href="{_e(mirror.post.url)}">'
                       f"{_e(mirror.post.title)}</a><br>")
            link = mirror.link
            if link is None:
                out.append('<span class="muted">not linked yet</span></li>')
                continue
            meaning = METHODS.get(link.method, "")
            out.append(f"linked by <strong>{_e(link.method)}</strong>, score "
                       f"{link.score:.3f}" + (f": {_e(meaning)}" if meaning else ""))
            details = _evidence(link.evidence)
            if details:
                out.append('<ul class="evidence">' + "".join(
                    f"<li>{_e(line)}</li>" for line in details) + "</ul>")
            out.append("</li>")
    out.append("</ul>")
    return out


def _evidence(evidence: dict[str, Any], limit: int = 6) -> list[str]:
    """A short readable rendering: ``key: value``, lists cut to a few items with a count."""
    return [f"{key.replace('_', ' ')}: {_value(value, limit)}" for key, value in evidence.items()]


def _value(value: Any, limit: int) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k} {_value(v, limit // 2 or 1)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        shown = ", ".join(str(v) for v in value[:limit])
        more = f" … (+{len(value) - limit})" if len(value) > limit else ""
        return f"({len(value)}) {shown}{more}" if len(value) > limit else shown
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
