"""The one schema of the analyst datasets: every column's name, type, nullability, meaning
and an example. Row builders, the three writers (JSON Lines, CSV, Parquet) and the data
dictionary (``docs/data-dictionary.md``) all read it, so they cannot disagree.

Columns only grow: a new column goes at the end of its dataset (or, for per-language
columns, into the per-language group); a rename is announced in the CHANGELOG.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aggregator.sites import SITES, mirror_languages, newsletter

Kind = Literal["int64", "float64", "string", "bool", "date", "datetime", "list<string>", "json"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool
    meaning: str
    example: str


def lang_suffix(lang: str) -> str:
    """``zh`` -> ``zh``, ``zh-Hant`` -> ``zh_hant``: a column-name suffix per language."""
    return lang.lower().replace("-", "_")


_UNNUMBERED = ("not linked, and stating no number or the number of a crawled English issue "
               "it was not linked to")


def _first_mirror() -> tuple[str, str, str]:
    """(key, language, base URL) of the registry's first mirror, for examples."""
    site = next((s for s in SITES.values() if s.kind == "mirror"), newsletter())
    return site.key, site.lang, site.canonical_base


def on_newsletter_column() -> str:
    """``on_<newsletter key>``: the English page is in the store (named from the registry)."""
    return f"on_{newsletter().key}"


_MIRROR_KEY, _MIRROR_LANG, _MIRROR_BASE = _first_mirror()
_POST = f"{_MIRROR_BASE}/?post=3776"
_ISSUE = f"{newsletter().canonical_base}/issues/481"


GROUP_MEANING = ("The issue's key, shared by its rows in every dataset (the one join key "
                 "that is never null): `issue:<N>`, or `post:<url>` for a mirror post of no "
                 "numbered issue (" + _UNNUMBERED + ").")


def _issue_columns() -> list[Column]:
    first, *further = mirror_languages() or ["zh"]
    columns = [
        Column("number", "int64", True, "The issue number; null only for an issue made of one "
               "mirror post " + _UNNUMBERED + ".", "481"),
        Column("url", "string", True, "The English issue page (canonical URL); for an issue "
               "known only from a mirror, the source URL the mirror states.",
               _ISSUE),
        Column("title_en", "string", True, "English title (null when the English page was "
               "never crawled).", "Musk Wants Altman Fired"),
        Column("week_start", "date", True, "First day of the week the issue covers.",
               "2026-04-03"),
        Column("week_end", "date", True, "Last day of the week the issue covers.", "2026-04-09"),
        Column("stories_en", "int64", False, "Number of English stories.", "12"),
    ]
    for i, lang in enumerate([first, *further]):
        sfx = lang_suffix(lang)
        columns.append(Column(f"title_{sfx}", "string", True, f"Title of the newest `{lang}` "
                              "mirror post of the issue (a re-post's newest version).", "标题"))
        if i == 0:  # where it stood before later languages' columns were added
            columns.append(Column("mirror_urls", "list<string>", False, "Every mirror post of "
                                  "the issue, every language and version, sorted.", _POST))
        columns.append(Column(f"stories_{sfx}", "int64", False, f"Number of stories of the "
                              f"newest `{lang}` mirror post (0 when none).", "12"))
        if i == 0:
            columns.append(Column(on_newsletter_column(), "bool", False,
                                  "The English issue page is in the store.", "true"))
            columns.append(Column("issue_group", "string", False, GROUP_MEANING, "issue:481"))
    return columns


STORIES = [
    Column("issue_number", "int64", True, "The issue the story belongs to, the same number "
           "as `issues.number` (a mirror-only issue included); null when that is null.", "481"),
    Column("lang", "string", False, "Language tag of the story: " + ", ".join(
        f"`{t}`" for t in dict.fromkeys(s.lang for s in SITES.values())) + ".", "en"),
    Column("section", "string", True, "Section heading the story is under.", "Top Stories"),
    Column("position", "int64", False, "1-based position of the story in its document.", "1"),
    Column("headline", "string", False, "Headline, in the story's language.",
           "Musk asks court to remove Altman"),
    Column("link", "string", True, "The story's link; a translated story without its own "
           "link carries its aligned English story's link (see `pair`).",
           "https://www.bloomberg.com/news/…"),
    Column("outlet", "string", True, "Publication the story links to.", "Bloomberg"),
    Column("date", "date", True, "Date of the story.", "2026-04-08"),
    Column("summary", "string", True, "Summary paragraph.", "…"),
    Column("pair", "int64", True, "Position of the aligned story in the other language "
           "(null when not aligned).", "1"),
    Column("document_url", "string", False, "The document the story is from "
           "(`documents.url`).", _ISSUE),
    Column("issue_group", "string", False, GROUP_MEANING, "issue:481"),
]

DOCUMENTS = [
    Column("url", "string", False, "Canonical URL of the document.",
           _POST),
    Column("source", "string", False, "Site key: " + ", ".join(f"`{k}`" for k in SITES) + ".",
           _MIRROR_KEY),
    Column("lang", "string", False, "Language tag of the document.", _MIRROR_LANG),
    Column("kind", "string", False, "`issue` (English issue page), `mirror` (a translated "
           "issue) or `other` (any other post of a mirror site).", "mirror"),
    Column("title", "string", False, "The document's own title.", "AI周刊第481期:…"),
    Column("published", "datetime", True, "Publication time; JSONL/CSV: ISO 8601 with the "
           "site's own UTC offset; Parquet: the same instant as a UTC timestamp.",
           "2026-04-10T08:32:00+08:00"),
    Column("issue_number", "int64", True, "The issue the document belongs to, the same number "
           "as `issues.number` (a mirror-only issue included); null for `other` posts and "
           "when that is null.", "481"),
    Column("link_method", "string", True, "How the mirror was linked to its English issue: "
           "`explicit`, `embedded-en` or `zh-anchors`; null when not linked (also for "
           "English pages and other posts).", "explicit"),
    Column("link_score", "float64", True, "Score of the link, 0–1; null when not linked.",
           "1.0"),
    Column("stated_issue_number", "int64", True, "The issue number the document itself "
           "states.", "481"),
    Column("issue_group", "string", False, GROUP_MEANING + " A post of no issue (`other`) "
           "has its own `post:<url>`, with no issues row. Was `group`.", "issue:481"),
    Column("duplicate_of", "string", True, "An older re-post names the newest version in its "
           "language; a mirror in another language is a sibling, never a duplicate.",
           f"{_MIRROR_BASE}/?post=3833"),
]

LINKS = [
    Column("post_url", "string", False, "The mirror post (`documents.url`).",
           _POST),
    Column("source", "string", False, "Site key of the mirror.", _MIRROR_KEY),
    Column("lang", "string", False, "Language tag of the mirror.", _MIRROR_LANG),
    Column("issue_number", "int64", False, "The English issue it is linked to "
           "(`issues.number`).", "481"),
    Column("issue_url", "string", True, "That issue's English page (null if not stored).",
           _ISSUE),
    Column("method", "string", False, "`explicit`, `embedded-en` or `zh-anchors`.",
           "explicit"),
    Column("score", "float64", False, "Score of the link, 0–1.", "1.0"),
    Column("evidence", "json", False, "The anchors that agreed, as a JSON object in a string "
           "(keys sorted).", f'{{"source": "{_ISSUE}", "via": "url"}}'),
]


def datasets() -> dict[str, list[Column]]:
    """Every dataset's columns, in file order (issues' per-language columns follow the
    registry's mirror languages)."""
    return {"issues": _issue_columns(), "stories": STORIES, "documents": DOCUMENTS,
            "links": LINKS}


DESCRIPTIONS = {
    "issues": "one row per issue: English, or known only from a mirror",
    "stories": "one row per story of each issue, per language: the English stories, then "
               "the stories of the newest mirror post in each mirror language",
    "documents": "one row per crawled document: every English issue page and every post of "
                 "a mirror site",
    "links": "one row per mirror post linked to an English issue (an unlinked mirror has no "
             "row here and `link_method` null in documents)",
}
