"""Analyst datasets: JSON Lines and CSV files rebuilt from the store.

Field names are a contract: later versions add fields, never rename. Dates are ISO 8601
(``YYYY-MM-DD``); datetimes are ISO 8601 with their UTC offset. Rows are in a stable order,
so the same store gives byte-identical files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.catalog import IssueView
from aggregator.files import atomic_open
from aggregator.normalize import canonical_url
from aggregator.sites import SITES, mirror_languages, newsletter
from aggregator.store import Store, StoryRow


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _local_iso(value: datetime | None, source: str) -> str | None:
    """A post's datetime in its site's own time zone (the offset its readers saw)."""
    if value is None:
        return None
    zone = SITES[source].timezone if source in SITES else "UTC"
    return value.astimezone(ZoneInfo(zone)).isoformat()


def _lang_column(lang: str) -> str:
    """``zh`` -> ``zh``, ``zh-Hant`` -> ``zh_hant``: a column-name suffix per language."""
    return lang.lower().replace("-", "_")


def issue_rows(catalog: list[IssueView]) -> list[dict[str, Any]]:
    """One row per issue; ``title_<lang>``/``stories_<lang>`` per mirror language of the
    registry (``title_zh``, ``title_zh_hant``), from that language's newest mirror."""
    rows = []
    for view in sorted(catalog, key=lambda v: (v.number is None, v.number or 0, v.key)):
        en, any_mirror = view.english, view.mirror
        url = en.url if en is not None else None
        stated = next((m.post.source_url for m in view.mirrors if m.post.source_url), None)
        if url is None and stated:
            url = canonical_url(stated)
        dated = next((m.post for m in view.mirrors if m.post.week_start), None)
        if en is not None:
            week_start, week_end = en.week_start, en.week_end
        else:
            source = dated or (any_mirror.post if any_mirror else None)
            week_start = source.week_start if source else None
            week_end = source.week_end if source else None
        row: dict[str, Any] = {
            "number": view.number,
            "url": url,
            "title_en": en.title if en is not None else None,
            "week_start": _iso(week_start),
            "week_end": _iso(week_end),
            "stories_en": len(view.english_stories),
        }
        for i, lang in enumerate(mirror_languages()):
            zh = view.mirror_in(lang)
            suffix = _lang_column(lang)
            row[f"title_{suffix}"] = zh.post.title_zh if zh is not None else None
            if i == 0:
                row["mirror_urls"] = sorted(m.post.url for m in view.mirrors)
            row[f"stories_{suffix}"] = len(zh.stories) if zh is not None else 0
            if i == 0:  # where it stood before later languages' columns were added
                row["on_aiweekly"] = en is not None
        row.setdefault("on_aiweekly", en is not None)
        rows.append(row)
    return rows


def _story_row(story: StoryRow, issue_number: int | None, document_url: str) -> dict[str, Any]:
    return {
        "issue_number": issue_number,
        "lang": story.lang,
        "section": story.section,
        "position": story.position,
        "headline": story.headline,
        "link": story.link,
        "outlet": story.outlet,
        "date": _iso(story.date),
        "summary": story.summary,
        "pair": story.pair,
        "document_url": document_url,
    }


def story_rows(catalog: list[IssueView]) -> list[dict[str, Any]]:
    """English stories of every issue, then per mirror language the stories of its newest
    mirror in that language."""
    rows = []
    for view in sorted(catalog, key=lambda v: (v.number is None, v.number or 0, v.key)):
        if view.english is not None:
            rows += [_story_row(s, view.number, view.english.url) for s in view.english_stories]
        for lang in mirror_languages():
            mirror = view.mirror_in(lang)
            if mirror is not None:
                rows += [_story_row(s, mirror.issue_number, mirror.post.url)
                         for s in mirror.stories]
    return rows


def document_rows(store: Store, catalog: list[IssueView]) -> list[dict[str, Any]]:
    """One row per crawled document: every English issue page and every mirror-site post.

    ``group`` names the issue a document belongs to (shared across languages); among several
    mirrors of one issue the newest is the version readers see and the older ones name it in
    ``duplicate_of`` (they stay in the store; a translation is never a duplicate).
    """
    group_of: dict[str, str] = {}
    duplicate_of: dict[str, str] = {}
    for view in catalog:
        if view.english is not None:
            group_of[view.english.url] = view.key
        for mirror in view.mirrors:
            group_of[mirror.post.url] = view.key
            # A re-post is a duplicate of the newest mirror in its own language; a mirror
            # in another language is a sibling, never a duplicate.
            newest = view.mirror_in(mirror.post.lang)
            if newest is not None and mirror is not newest:
                duplicate_of[mirror.post.url] = newest.post.url
    rows: list[dict[str, Any]] = []
    original = newsletter()
    for issue in store.issues():
        rows.append({
            "url": issue.url, "source": original.key, "lang": original.lang, "kind": "issue",
            "title": issue.title, "published": _iso(issue.published),
            "issue_number": issue.number, "link_method": None, "link_score": None,
            "stated_issue_number": issue.number, "group": group_of.get(issue.url),
            "duplicate_of": None,
        })
    links = store.links()
    for post in store.posts():
        link = links.get(post.id)
        rows.append({
            "url": post.url, "source": post.source, "lang": post.lang,
            "kind": "mirror" if post.is_mirror else "other",
            "title": post.title, "published": _local_iso(post.published, post.source),
            "issue_number": link.issue_number if link is not None else None,
            "link_method": link.method if link is not None and post.is_mirror else None,
            "link_score": link.score if link is not None and post.is_mirror else None,
            "stated_issue_number": post.stated_issue_number,
            "group": group_of.get(post.url, f"post:{post.url}"),
            "duplicate_of": duplicate_of.get(post.url),
        })
    rows.sort(key=lambda r: (r["source"], r["url"]))
    return rows


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    with atomic_open(path, newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n")
    return path


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)  # URLs never contain spaces
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """The same rows as CSV for spreadsheets; UTF-8 with a BOM so Excel shows Chinese right."""
    with atomic_open(path, encoding="utf-8-sig", newline="") as handle:
        if rows:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: _csv_value(v) for k, v in row.items()} for row in rows)
    return path


def write_exports(store: Store, catalog: list[IssueView], out_dir: Path) -> list[Path]:
    """Every dataset as JSON Lines (the reference form) and as CSV."""
    exports = out_dir / "exports"
    datasets = {
        "issues": issue_rows(catalog),
        "stories": story_rows(catalog),
        "documents": document_rows(store, catalog),
    }
    written = [write_jsonl(exports / f"{name}.jsonl", rows) for name, rows in datasets.items()]
    written += [write_csv(exports / f"{name}.csv", rows) for name, rows in datasets.items()]
    return written
