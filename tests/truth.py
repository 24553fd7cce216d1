"""The replica's truth.json, read per registered site.

truth.json keeps the first mirror's posts at the top level and each later site's under its
site key (``hant``); these helpers collect posts from every section and tell each one's site
by its URL through the registry, so the end-to-end tests fan out over ``SITES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aggregator.sites import SITES, site_of_url
from tests.golden import load_json


def load(root: Path) -> dict[str, Any]:
    truth: dict[str, Any] = load_json(root / "truth.json")
    return truth


def _sections(truth: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield truth
    for key in SITES:
        section = truth.get(key)
        if isinstance(section, dict):
            yield section


def posts(truth: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Every ``mirror_posts`` or ``other_posts`` entry of every site, with its ``site`` key."""
    found = []
    for section in _sections(truth):
        for post in section.get(kind, []):
            site = site_of_url(post["url"])
            assert site is not None, f"truth lists a post of no registered site: {post['url']}"
            found.append({**post, "site": site.key})
    return found


def has_source_line(post: dict[str, Any]) -> bool:
    if "has_source_line" in post:
        return bool(post["has_source_line"])
    return post.get("variant") != "no_source_line"


def site_issue_titles(truth: dict[str, Any], key: str) -> dict[int, dict[str, Any]]:
    """A later site's per-issue expectations (``{number: {title_<lang>, stories_zh}}``)."""
    section = truth.get(key)
    if not isinstance(section, dict) or not isinstance(section.get("issues"), dict):
        return {}
    return {int(n): v for n, v in section["issues"].items()}
