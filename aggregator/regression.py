"""Is a new parse of a stored document much worse than what the store holds?

A page truncated mid-tag, a GBK page served as UTF-8 or a broken template must not replace a
good stored issue or post: the new version is quarantined beside the stored one and flagged,
and it replaces it only once it parses as well again. Each check compares the new parse with
the stored one, so a page that was always short is never held back.
"""

from __future__ import annotations

from aggregator.items import Issue, Post

_MIN_STORIES = 4  # below this a story count says little
_FEWER = 0.5  # "far fewer": under half of the stored stories
_MOJIBAKE = 3  # U+FFFD characters: a wrong decode makes many at once


def _replacements(text: str) -> int:
    return text.count("\ufffd")


def issue_regression(new: Issue, stored_stories: int, stored_text: str = "") -> str | None:
    """Why the new parse of an issue is worse than the stored one, or None."""
    if stored_stories >= _MIN_STORIES and len(new.stories) < stored_stories * _FEWER:
        return f"{len(new.stories)} stories where the stored issue has {stored_stories}"
    text = " ".join([new.title, new.intro, *(s.headline for s in new.stories)])
    if _replacements(text) >= _MOJIBAKE and _replacements(stored_text) < _MOJIBAKE:
        return f"{_replacements(text)} undecodable characters (U+FFFD): a wrong charset?"
    return None


def post_regression(new: Post, *, was_mirror: bool, stored_stories: int,
                    stored_text: str) -> str | None:
    """Why the new parse of a post is worse than the stored one, or None."""
    if was_mirror and new.mirror is None:
        return "the stored post is a mirror, the new parse is not"
    stories = len(new.mirror.stories) if new.mirror is not None else 0
    if stored_stories >= _MIN_STORIES and stories < stored_stories * _FEWER:
        return f"{stories} stories where the stored mirror has {stored_stories}"
    text = new.title + new.content_text
    if _replacements(text) >= _MOJIBAKE and _replacements(stored_text) < _MOJIBAKE:
        return f"{_replacements(text)} undecodable characters (U+FFFD): a wrong charset?"
    return None
