"""Link Chinese mirror posts to the English issues they translate, align their stories and
group duplicates: pure functions over documents (no store, no Scrapy).

Pipeline for one document:

1. :func:`doc_from_issue` / :func:`doc_from_post` (or a :class:`LinkDoc` built by hand) give a
   language-tagged document; :func:`compute_features` turns it into :class:`Features` once.
   Features serialize to JSON (``to_json`` / ``from_json``) so a store keeps them and linking a
   new page costs an index lookup, not a pass over the archive.
2. :class:`IssueIndex` holds the English issues: MinHash LSH over English word shingles and an
   inverted index over language-neutral anchors (see :mod:`aggregator.anchors`).
   ``candidates`` retrieves; :func:`decide` accepts or rejects: two separate steps.
3. :func:`link_mirror` runs the layers, cheapest and most exact first:

   ``explicit``     the stated source URL (canonicalized; a numeric ``/issues/<N>`` URL also
                    through the 301 alias map or the issue number) names an indexed issue.
   ``embedded-en``  the English original embedded in the mirror matches an issue's text by
                    exact Jaccard on word shingles (LSH only proposes), or shares most story links.
   ``zh-anchors``   the Chinese text alone: IDF-weighted coverage of its anchors by the
                    candidate, with week / issue-number vetoes and a margin over the runner-up.

4. :func:`align_stories` pairs translated stories with English ones; :func:`group_documents`
   and :func:`link_corpus` group same-language duplicates and cross-language siblings;
   :func:`link_jsonl` backs ``aggregator link``.

Thresholds are module constants with the measurement that chose them (``benchmarks/linking.py``
prints the figures); none depends on an issue number or a title.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from aggregator.anchors import (
    ALL_ANCHORS,
    AnchorOptions,
    anchor_kind,
    detect_issue_number,
    detect_week,
    extract_anchors,
    link_key,
    outlet_key,
)
from aggregator.glossary import DEFAULT_GLOSSARY, Glossary
from aggregator.items import Issue, Post, Story, Translation
from aggregator.normalize import canonical_url, clean_text

__all__ = [
    "FEATURES_VERSION",
    "Aliases",
    "AnchorStats",
    "CorpusResult",
    "Features",
    "Grouping",
    "IssueIndex",
    "LinkDecision",
    "LinkDoc",
    "align_stories",
    "build_groups",
    "compute_features",
    "decide",
    "doc_from_issue",
    "doc_from_post",
    "doc_from_record",
    "group_documents",
    "jaccard",
    "link_corpus",
    "link_jsonl",
    "link_mirror",
    "split_embedded_english",
    "story_scores",
]

FEATURES_VERSION = 1

# MinHash: 128 permutations estimate Jaccard within about ±0.09 (1/sqrt(128)); good enough to
# propose candidates, never to decide (decisions use exact Jaccard on the stored shingle sets).
NUM_PERM = 128
MINHASH_SEED = 1
# datasketch >= 2.0 names its permutation scheme; persisted hash values are only comparable
# under the same one (a change of scheme is a change of FEATURES_VERSION).
MINHASH_SCHEME = "affine32"
# Word 4-shingles: a mirror's embedded English vs its issue scores 0.94-0.99 on the replica,
# two different issues <= 0.005 even when they cover the same companies.
SHINGLE_K = 4
# LSH proposes pairs above ~0.3 estimated Jaccard: far under every true pair, so no recall loss.
LSH_THRESHOLD = 0.3

# Layer b: exact Jaccard of embedded English vs the issue text (replica: true pairs 0.94-0.99,
# wrong pairs <= 0.005). 0.5 still accepts an original with a third of its text lost or edited
# and is a hundred times any chance overlap; the margin guards two copies of one issue.
EMBEDDED_JACCARD = 0.5
EMBEDDED_MARGIN = 0.2
# ... or the embedded story links: at least this many, covering at least this share.
LINKS_MIN_SHARED = 3
LINKS_MIN_SHARE = 0.5

# Layer c (Chinese text alone): IDF-weighted share of the mirror's anchor weight found in the
# candidate ("coverage"). Chosen on the replica with every source link hidden, the English
# original stripped and the issue number and period removed (``python benchmarks/linking.py``
# prints these distributions):
#   true pairs, full translation        coverage 0.89-1.00, 49-102 informative anchors shared
#   true pairs, summary only (内容总结)  coverage 0.75-1.00, 8-41 shared
#   best wrong issue, full translation  coverage 0.18 (15 shared)
#   best wrong issue, summary only      coverage 0.47 (5 shared); 0.40 (7 shared) if not vetoed
#   ordinary Chinese news posts         any coverage (they have 1-5 anchors) but <= 2 shared
# Coverage alone cannot reject a short post; the count of shared informative anchors does.
# 0.5 sits between 0.40 and 0.75, 6 between 2 and 8; the margin keeps a mirror away from an
# issue that shares its recurring stories (a neighbour with the same companies and figures).
ZH_MIN_COVERAGE = 0.5
ZH_MIN_MARGIN = 0.15
ZH_MIN_MATCHED = 6  # distinct informative anchors shared (not in most issues) ...
# ... for a candidate as large as an issue (120-230 anchors), which contains a short post's 2-3
# anchors by chance. A single article (7-20 anchors) rarely does, so for small candidates the
# bar drops to 3: one shared anchor per 20 of the candidate's, clamped to [3, 6]. (Measured
# with ``link_corpus`` on the replica's stories as separate articles: the best candidate is
# right for every translated story, 4-5 anchors shared for the shortest.)
ZH_MIN_MATCHED_SMALL = 3
ZH_ANCHORS_PER_MATCH = 20
ZH_MIN_KINDS = 2  # ... from at least two families (numbers + names, say)
# Anchor family weights: a number with its unit or a link identifies a story far better than
# a company name; topic words only break ties.
KIND_WEIGHTS: dict[str, float] = {
    "link": 3.0,
    "num": 1.5,
    "name": 1.0,
    "ent": 1.0,
    "date": 0.8,
    "topic": 0.3,
}
WEEK_SLACK = timedelta(days=1)  # an editor's off-by-one on the period is not a conflict

# Duplicates (same language): exact Jaccard on shingles (word 4-shingles for English, CJK
# character / Latin word 4-shingles for Chinese). Replica: the re-post 3833 vs 3832 scores 0.98,
# any two other posts <= 0.21 (two ordinary posts written from one template). With the same
# stated issue number 0.6 suffices; without a number 0.8 (edits rarely touch a fifth of a text).
DUP_JACCARD_SAME_NUMBER = 0.6
DUP_JACCARD_NO_NUMBER = 0.8

# Story alignment: a pair needs this similarity (IDF-weighted cosine over story anchors). On
# the replica the true pairs score 0.30-1.0, other stories of the same issue <= 0.28 (the
# order-preserving alignment never picks those) and stories of another issue <= 0.37. A pair
# out of order (a reordered story) must clear the higher bar on its own.
ALIGN_MIN_SCORE = 0.2
ALIGN_MIN_SCORE_REORDERED = 0.35

LAYERS = ("explicit", "embedded-en", "zh-anchors")


# ---------------------------------------------------------------------------------------------
# Documents


@dataclass(frozen=True)
class LinkDoc:
    """A document to link, in one language, with whatever structure is known.

    ``embedded_en`` / ``embedded_links`` hold an English original carried inside a Chinese
    document (a mirror's 英文来源 part); ``alt_urls`` other URLs of the same page (the numeric
    URL of a slug-era issue, URLs that redirected to it).
    """

    id: str
    lang: str  # "en" or "zh"
    title: str
    text: str
    url: str | None = None
    published: datetime | None = None
    stories: tuple[Story, ...] = ()
    stated_source: str | None = None
    issue_number: int | None = None
    week: tuple[date, date] | None = None
    embedded_en: str = ""
    embedded_links: tuple[str, ...] = ()
    alt_urls: tuple[str, ...] = ()


_EN_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
_EN_MONTHS_LONG = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip


def _en_week_line(week: tuple[date, date]) -> str:
    start, end = week
    if start.month == end.month:
        return f"{_EN_MONTHS_LONG[start.month - 1]} {start.day} – {end.day}, {end.year}"
    return (
        f"{_EN_MONTHS_LONG[start.month - 1]} {start.day} – "
        f"{_EN_MONTHS_LONG[end.month - 1]} {end.day}, {end.year}"
    )


def _zh_week_line(week: tuple[date, date]) -> str:
    start, end = week
    tail = f"{end.day}日" if start.month == end.month else f"{end.month}月{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日 – {tail}"


def _story_lines(story: Story, lang: str) -> Iterator[str]:
    when = ""
    if story.date is not None:
        d = story.date
        when = f"{_EN_MONTHS[d.month - 1]} {d.day}" if lang == "en" else f"{d.month}月{d.day}日"
    meta = " · ".join(p for p in (story.headline, when, story.outlet or "") if p)
    yield meta
    if story.summary:
        yield "→ " + story.summary


def _stories_text(stories: Sequence[Story], lang: str) -> list[str]:
    lines: list[str] = []
    section: str | None = None
    for story in stories:
        if story.section and story.section != section:
            section = story.section
            lines.append(section)
        lines.extend(_story_lines(story, lang))
    return lines


def _week_of(start: date | None, end: date | None) -> tuple[date, date] | None:
    return (start, end) if start is not None and end is not None else None


def doc_from_issue(issue: Issue) -> LinkDoc:
    """An English issue as a document; its text mirrors the page (and a mirror's 英文来源)."""
    week = _week_of(issue.week_start, issue.week_end)
    lines = [issue.intro]
    if week is not None:
        lines.append(_en_week_line(week))
    if issue.takeaways:
        lines += ["Key Takeaways", *issue.takeaways]
    if issue.quick_hits:
        lines += ["Quick Hits", *issue.quick_hits]
    if issue.watch:
        lines.append("Watch & Listen First")
        for w in issue.watch:
            lines.append(" · ".join(p for p in (w.title, w.show or "") if p))
            if w.note:
                lines.append("→ " + w.note)
    lines += _stories_text(issue.stories, "en")
    url = canonical_url(issue.url)
    alt = tuple(u for u in {canonical_url(issue.numeric_url)} if u != url)
    return LinkDoc(
        id=url,
        lang="en",
        title=issue.title,
        text="\n".join(line for line in lines if line),
        url=url,
        published=issue.published,
        stories=issue.stories,
        issue_number=issue.number,
        week=week,
        alt_urls=alt,
    )


def _translation_text(t: Translation) -> str:
    week = _week_of(t.week_start, t.week_end)
    lines = [t.title, t.summary, t.intro]
    if week is not None:
        lines.append(_zh_week_line(week))
    if t.takeaways:
        lines += ["核心要点", *t.takeaways]
    if t.quick_hits:
        lines += ["快讯", *t.quick_hits]
    for w in t.watch:
        lines.append(" · ".join(p for p in (w.title, w.show or "") if p))
        if w.note:
            lines.append("→ " + w.note)
    lines += _stories_text(t.stories, "zh")
    return "\n".join(line for line in lines if line)


def doc_from_post(post: Post) -> LinkDoc:
    """A blog post as a Chinese document; for a mirror, text = summary + translation and the
    English original is kept apart in ``embedded_en`` (it must not blur the Chinese anchors)."""
    url = canonical_url(post.url, https=True)
    t = post.mirror
    if t is None:
        return LinkDoc(
            id=url,
            lang="zh",
            title=post.title,
            text=post.content_text,
            url=url,
            published=post.published,
            issue_number=detect_issue_number(post.title),
        )
    return LinkDoc(
        id=url,
        lang="zh",
        title=post.title,
        text=_translation_text(t),
        url=url,
        published=post.published,
        stories=t.stories,
        stated_source=t.source_url,
        issue_number=t.issue_number,
        week=_week_of(t.week_start, t.week_end),
        embedded_en=t.english_text,
        embedded_links=t.english_links,
    )


_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z]+")


def _is_english_line(line: str) -> bool:
    return not _CJK_RE.search(line) and len(_LATIN_WORD_RE.findall(line)) >= 3


def split_embedded_english(text: str, *, min_words: int = 150) -> tuple[str, str]:
    """Split a Chinese text into (Chinese part, embedded English original).

    Lines without CJK characters and with at least three Latin words are English; they count as
    an embedded original only if they add up to ``min_words`` words (a quoted English sentence
    or two stays in the Chinese part).
    """
    zh_lines: list[str] = []
    en_lines: list[str] = []
    for line in text.splitlines():
        (en_lines if _is_english_line(line) else zh_lines).append(line)
    en_text = "\n".join(en_lines)
    if len(_LATIN_WORD_RE.findall(en_text)) < min_words:
        return text, ""
    return "\n".join(zh_lines), en_text


def _detect_lang(text: str) -> str:
    """Chinese when CJK characters are a real share of the text (a Chinese character carries
    about as much as a 3-5 letter word, so 15% of the letter count is already a lot)."""
    cjk = len(_CJK_RE.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD_RE.findall(text))
    return "zh" if cjk >= max(20, 0.15 * latin) else "en"


def doc_from_record(record: Mapping[str, Any]) -> LinkDoc:
    """A "bring your own" document: ``{id, lang?, title?, text, url?, published?}``.

    No structure is assumed: the issue number comes from the title, the week from the text, and
    a Chinese text's English lines (if there are enough) become its embedded original.
    """
    doc_id = record.get("id")
    text = record.get("text")
    if not isinstance(doc_id, str | int) or str(doc_id) == "":
        raise ValueError("missing 'id'")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing or empty 'text'")
    title = record.get("title") or ""
    if not isinstance(title, str):
        raise ValueError("'title' must be a string")
    lang = record.get("lang") or _detect_lang(title + "\n" + text)
    lang = str(lang).lower().split("-")[0]
    if lang not in ("en", "zh"):
        raise ValueError(f"unsupported lang {record.get('lang')!r} (expected 'en' or 'zh')")
    url = record.get("url")
    if url is not None and not isinstance(url, str):
        raise ValueError("'url' must be a string")
    published = _parse_published(record.get("published"))
    text = clean_text(text)
    embedded = ""
    if lang == "zh":
        text, embedded = split_embedded_english(text)
    return LinkDoc(
        id=str(doc_id),
        lang=lang,
        title=title,
        text=text,
        url=canonical_url(url) if url else None,
        published=published,
        issue_number=detect_issue_number(title) if title else None,
        week=detect_week(text),
        embedded_en=embedded,
        stated_source=_stated_source_in(text),
    )


_SOURCE_LINE_RE = re.compile(
    r"(?:内容来源|来源|原文|Source|Original)\s*[:：]\s*(https?://[^\s，。、；)）<>\"']+)",
    re.IGNORECASE,
)


def _stated_source_in(text: str) -> str | None:
    m = _SOURCE_LINE_RE.search(text)
    return m.group(1) if m else None


def _parse_published(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("'published' must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"bad 'published' {value!r}: {exc}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"'published' {value!r} has no UTC offset")
    return parsed


# ---------------------------------------------------------------------------------------------
# Shingles and MinHash

_TOKEN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[a-z0-9]+(?:['.][a-z0-9]+)*")


def _tokens(text: str) -> list[str]:
    """Lower-cased words and single CJK characters (so one tokenizer serves both languages)."""
    return _TOKEN_RE.findall(unicodedata.normalize("NFKC", text).lower())


def _hash32(text: str) -> int:
    # Stable across processes (unlike hash()): features are persisted.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")


def shingles(text: str, k: int = SHINGLE_K) -> frozenset[int]:
    """32-bit hashes of the k-token shingles of ``text``."""
    toks = _tokens(text)
    if not toks:
        return frozenset()
    if len(toks) < k:
        return frozenset({_hash32(" ".join(toks))})
    return frozenset(_hash32(" ".join(toks[i : i + k])) for i in range(len(toks) - k + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _identity(value: int) -> int:
    return value


@lru_cache(maxsize=1)
def _permutations() -> Any:
    # Generating the permutations is the slow part of MinHash(); do it once.
    return MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME).permutations


def minhash_values(sh: Iterable[int]) -> tuple[int, ...]:
    values = list(sh)
    if not values:
        return ()
    m = MinHash(
        num_perm=NUM_PERM,
        seed=MINHASH_SEED,
        hashfunc=_identity,
        permutations=_permutations(),
        scheme=MINHASH_SCHEME,
    )
    m.update_batch(values)
    return tuple(int(v) for v in m.hashvalues)


def _lean(values: Sequence[int]) -> LeanMinHash:
    return LeanMinHash(
        seed=MINHASH_SEED, hashvalues=np.asarray(values, dtype=np.uint64), scheme=MINHASH_SCHEME
    )


def _pack(values: Iterable[int], *, sort: bool) -> str:
    seq = sorted(values) if sort else list(values)
    return base64.b64encode(np.asarray(seq, dtype="<u4").tobytes()).decode("ascii")


def _unpack(text: str) -> tuple[int, ...]:
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if len(raw) % 4:
        raise ValueError("packed integers: length is not a multiple of 4")
    return tuple(int(v) for v in np.frombuffer(raw, dtype="<u4"))


# ---------------------------------------------------------------------------------------------
# Features


@dataclass(frozen=True)
class Features:
    """Everything linking needs from one document, computed once and persisted as JSON.

    ``anchors`` come from the document's own language (the Chinese text of a mirror, never its
    embedded English); ``en_*`` from English text (an issue's own text, a mirror's embedded
    original); ``zh_*`` from Chinese text (for same-language duplicate detection).
    """

    doc_id: str
    lang: str
    anchors: frozenset[str] = frozenset()
    en_shingles: frozenset[int] = frozenset()
    en_minhash: tuple[int, ...] = ()
    zh_shingles: frozenset[int] = frozenset()
    zh_minhash: tuple[int, ...] = ()
    links: frozenset[str] = frozenset()  # "link:" keys of story links
    urls: frozenset[str] = frozenset()  # canonical URLs of the document itself
    stated_source: str | None = None  # canonical
    issue_number: int | None = None
    week: tuple[date, date] | None = None
    published: datetime | None = None
    version: int = FEATURES_VERSION

    @property
    def own_shingles(self) -> frozenset[int]:
        return self.en_shingles if self.lang == "en" else self.zh_shingles

    @property
    def own_minhash(self) -> tuple[int, ...]:
        return self.en_minhash if self.lang == "en" else self.zh_minhash

    def to_json(self) -> dict[str, Any]:
        return {
            "v": self.version,
            "id": self.doc_id,
            "lang": self.lang,
            "anchors": sorted(self.anchors),
            "en_shingles": _pack(self.en_shingles, sort=True),
            "en_minhash": _pack(self.en_minhash, sort=False),
            "zh_shingles": _pack(self.zh_shingles, sort=True),
            "zh_minhash": _pack(self.zh_minhash, sort=False),
            "links": sorted(self.links),
            "urls": sorted(self.urls),
            "stated_source": self.stated_source,
            "issue_number": self.issue_number,
            "week": [d.isoformat() for d in self.week] if self.week else None,
            "published": self.published.isoformat() if self.published else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Features:
        version = data.get("v")
        if version != FEATURES_VERSION:
            raise ValueError(
                f"features version {version!r}, this code reads {FEATURES_VERSION}: recompute"
            )
        week = data.get("week")
        published = data.get("published")
        return cls(
            doc_id=str(data["id"]),
            lang=str(data["lang"]),
            anchors=frozenset(data.get("anchors", ())),
            en_shingles=frozenset(_unpack(data.get("en_shingles", ""))),
            en_minhash=_unpack(data.get("en_minhash", "")),
            zh_shingles=frozenset(_unpack(data.get("zh_shingles", ""))),
            zh_minhash=_unpack(data.get("zh_minhash", "")),
            links=frozenset(data.get("links", ())),
            urls=frozenset(data.get("urls", ())),
            stated_source=data.get("stated_source"),
            issue_number=data.get("issue_number"),
            week=(date.fromisoformat(week[0]), date.fromisoformat(week[1])) if week else None,
            published=datetime.fromisoformat(published) if published else None,
        )


def compute_features(
    doc: LinkDoc,
    *,
    glossary: Glossary = DEFAULT_GLOSSARY,
    options: AnchorOptions = ALL_ANCHORS,
) -> Features:
    """Features of one document (pure; about 5-15 ms for a full issue)."""
    story_links = [s.link for s in doc.stories if s.link]
    own_text = f"{doc.title}\n{doc.text}"
    if doc.lang == "en":
        links = frozenset(link_key(u) for u in story_links)
        anchors = extract_anchors(own_text, links=story_links, glossary=glossary, options=options)
        en_sh = shingles(doc.text)
        zh_sh: frozenset[int] = frozenset()
    else:
        links = frozenset(link_key(u) for u in (*doc.embedded_links, *story_links))
        anchors = extract_anchors(own_text, glossary=glossary, options=options)
        en_sh = shingles(doc.embedded_en) if doc.embedded_en.strip() else frozenset()
        zh_sh = shingles(own_text)
    urls = {canonical_url(u) for u in (doc.url, *doc.alt_urls) if u}
    return Features(
        doc_id=doc.id,
        lang=doc.lang,
        anchors=frozenset(anchors),
        en_shingles=en_sh,
        en_minhash=minhash_values(en_sh),
        zh_shingles=zh_sh,
        zh_minhash=minhash_values(zh_sh),
        links=links,
        urls=frozenset(urls),
        stated_source=canonical_url(doc.stated_source) if doc.stated_source else None,
        issue_number=doc.issue_number
        if doc.issue_number is not None
        else detect_issue_number(doc.title),
        week=doc.week or detect_week(doc.text),
        published=doc.published,
    )


# ---------------------------------------------------------------------------------------------
# Decisions


@dataclass(frozen=True)
class LinkDecision:
    """A link to ``target`` (a document id) with the layer that made it and why."""

    target: str
    method: str
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnchorStats:
    """Document frequencies of anchors over the English side (for IDF weights)."""

    n_docs: int
    df: Mapping[str, int]

    def idf(self, key: str) -> float:
        # Smoothed so an anchor in every document still weighs a little and one never seen
        # (df 0) weighs like one seen once: an unknown anchor is not stronger evidence.
        df = max(self.df.get(key, 0), 1)
        return math.log((self.n_docs + 1) / df) + 0.1

    def weight(self, key: str) -> float:
        return KIND_WEIGHTS.get(anchor_kind(key), 1.0) * self.idf(key)

    @classmethod
    def of(cls, features: Iterable[Features]) -> AnchorStats:
        df: Counter[str] = Counter()
        n = 0
        for f in features:
            n += 1
            df.update(f.anchors)
        return cls(n, df)


def _week_relation(a: tuple[date, date] | None, b: tuple[date, date] | None) -> str:
    if a is None or b is None:
        return "unknown"
    if abs(a[0] - b[0]) <= WEEK_SLACK and abs(a[1] - b[1]) <= WEEK_SLACK:
        return "agree"
    return "conflict"


def _number_relation(a: int | None, b: int | None) -> str:
    if a is None or b is None:
        return "unknown"
    return "agree" if a == b else "conflict"


def _time_relation(published: datetime | None, original: Features) -> str:
    """A conflict when a translation was published before its candidate original existed
    (before the issue's week ended, or a day before the issue's own publication)."""
    if published is None:
        return "unknown"
    day = published.date()
    if original.week is not None and day < original.week[1] - WEEK_SLACK:
        return "conflict"
    if original.published is not None and published < original.published - timedelta(days=1):
        return "conflict"
    return "agree" if original.week is not None or original.published is not None else "unknown"


def _embedded_decision(mirror: Features, candidates: Sequence[Features]) -> LinkDecision | None:
    if not mirror.en_shingles and not mirror.links:
        return None
    scored = sorted(
        ((jaccard(mirror.en_shingles, c.en_shingles), c) for c in candidates),
        key=lambda sc: sc[0],
        reverse=True,
    )
    if scored:
        best, cand = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if best >= EMBEDDED_JACCARD and best - runner_up >= EMBEDDED_MARGIN:
            return LinkDecision(
                cand.doc_id,
                "embedded-en",
                round(best, 4),
                {
                    "criterion": "jaccard",
                    "jaccard": round(best, 4),
                    "runner_up": round(runner_up, 4),
                    "shared_links": len(mirror.links & cand.links),
                    "week": _week_relation(mirror.week, cand.week),
                },
            )
    return _links_decision(mirror, candidates)


def _links_decision(mirror: Features, candidates: Sequence[Features]) -> LinkDecision | None:
    if len(mirror.links) < LINKS_MIN_SHARED:
        return None
    shared = sorted(((len(mirror.links & c.links), c) for c in candidates), key=lambda x: -x[0])
    if not shared:
        return None
    count, cand = shared[0]
    runner = shared[1][0] if len(shared) > 1 else 0
    share = count / len(mirror.links)
    if count >= LINKS_MIN_SHARED and share >= LINKS_MIN_SHARE and count > 2 * runner:
        return LinkDecision(
            cand.doc_id,
            "embedded-en",
            round(share, 4),
            {
                "criterion": "links",
                "shared_links": count,
                "mirror_links": len(mirror.links),
                "runner_up_links": runner,
                "week": _week_relation(mirror.week, cand.week),
            },
        )
    return None


@dataclass(frozen=True)
class _ZhScore:
    """Coverage of the mirror's anchor weight by one candidate (layer c)."""

    candidate: Features
    coverage: float
    matched: tuple[str, ...]
    week: str
    number: str
    time: str

    @property
    def vetoed(self) -> bool:
        # A stated week or issue number that disagrees is a different issue, however many
        # companies and numbers the two share (neighbouring issues share many); and no
        # translation is published before its original.
        return "conflict" in (self.week, self.number, self.time)

    @property
    def kinds(self) -> int:
        return len({anchor_kind(k) for k in self.matched})


def _zh_scores(
    mirror: Features, candidates: Sequence[Features], stats: AnchorStats, kinds: frozenset[str]
) -> list[_ZhScore]:
    own = [k for k in mirror.anchors if anchor_kind(k) in kinds]
    total = sum(stats.weight(k) for k in own)
    scores: list[_ZhScore] = []
    if total <= 0:
        return scores
    for cand in candidates:
        matched = tuple(sorted(k for k in own if k in cand.anchors))
        coverage = sum(stats.weight(k) for k in matched) / total
        scores.append(
            _ZhScore(
                cand,
                coverage,
                matched,
                _week_relation(mirror.week, cand.week),
                _number_relation(mirror.issue_number, cand.issue_number),
                _time_relation(mirror.published, cand),
            )
        )
    scores.sort(key=lambda s: s.coverage, reverse=True)
    return scores


def _informative(keys: Iterable[str], stats: AnchorStats) -> list[str]:
    """Anchors that are not in most issues (an anchor every issue has proves nothing)."""
    limit = max(2, stats.n_docs // 2)
    return [k for k in keys if stats.df.get(k, 0) <= limit]


def _min_matched(candidate: Features) -> int:
    """Shared anchors needed: more for a large candidate (more to match by chance)."""
    scaled = math.ceil(len(candidate.anchors) / ZH_ANCHORS_PER_MATCH)
    return min(ZH_MIN_MATCHED, max(ZH_MIN_MATCHED_SMALL, scaled))


def _anchors_decision(
    mirror: Features,
    candidates: Sequence[Features],
    stats: AnchorStats,
    kinds: frozenset[str],
) -> LinkDecision | None:
    scores = _zh_scores(mirror, candidates, stats, kinds)
    if not scores:
        return None
    best = scores[0]
    runner_up = scores[1].coverage if len(scores) > 1 else 0.0
    informative = _informative(best.matched, stats)
    accepted = (
        not best.vetoed
        and best.coverage >= ZH_MIN_COVERAGE
        and best.coverage - runner_up >= ZH_MIN_MARGIN
        and len(informative) >= _min_matched(best.candidate)
        and len({anchor_kind(k) for k in informative}) >= ZH_MIN_KINDS
    )
    if not accepted:
        return None
    by_kind: dict[str, list[str]] = defaultdict(list)
    for k in best.matched:
        kind, _, value = k.partition(":")
        by_kind[kind].append(value)
    return LinkDecision(
        best.candidate.doc_id,
        "zh-anchors",
        round(best.coverage, 4),
        {
            "coverage": round(best.coverage, 4),
            "runner_up": round(runner_up, 4),
            "matched": dict(by_kind),
            "week": best.week,
            "issue_number": best.number,
            "published_after_original": best.time,
        },
    )


def decide(
    mirror: Features,
    candidates: Sequence[Features],
    *,
    stats: AnchorStats | None = None,
    layers: Sequence[str] = ("embedded-en", "zh-anchors"),
    kinds: Iterable[str] = tuple(KIND_WEIGHTS),
) -> LinkDecision | None:
    """Accept or reject ``candidates`` (English documents) for ``mirror``: layer b, then c.

    ``stats`` are the anchor document frequencies of the whole English side (an
    :class:`IssueIndex` passes its own); without them, the candidates' own are used.
    """
    pool = [c for c in candidates if c.doc_id != mirror.doc_id]
    if not pool:
        return None
    if "embedded-en" in layers:
        found = _embedded_decision(mirror, pool)
        if found is not None:
            return found
    if "zh-anchors" in layers:
        return _anchors_decision(mirror, pool, stats or AnchorStats.of(pool), frozenset(kinds))
    return None


# ---------------------------------------------------------------------------------------------
# The index


_NUMERIC_ISSUE_PATH = re.compile(r"/issues/(\d+)$")
# URL (as stated or canonical) -> the URL it redirects to (301), a document id, or an issue number.
Aliases = Mapping[str, str | int]


class IssueIndex:
    """English issues: LSH over English shingles, postings over anchors, URL and number maps.

    Adding or re-adding an issue (an edited page) is incremental; candidates for one mirror
    cost one LSH query plus the postings of its rarer anchors.
    """

    def __init__(self, *, block_limit: int = 8) -> None:
        self._features: dict[str, Features] = {}
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self._postings: dict[str, set[str]] = defaultdict(set)
        self._df: Counter[str] = Counter()
        self._urls: dict[str, str] = {}
        self._numbers: dict[int, str] = {}
        self._weeks: dict[date, set[str]] = defaultdict(set)  # week start -> ids
        self._block_limit = block_limit

    def __len__(self) -> int:
        return len(self._features)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._features

    def ids(self) -> list[str]:
        return list(self._features)

    def get(self, doc_id: str) -> Features:
        return self._features[doc_id]

    @property
    def stats(self) -> AnchorStats:
        return AnchorStats(len(self._features), self._df)

    def add(self, doc_id: str, features: Features) -> None:
        if doc_id in self._features:
            self.remove(doc_id)
        if features.doc_id != doc_id:
            features = replace(features, doc_id=doc_id)
        self._features[doc_id] = features
        if features.en_minhash:
            self._lsh.insert(doc_id, _lean(features.en_minhash))
        for key in features.anchors | features.links:
            self._postings[key].add(doc_id)
        self._df.update(features.anchors)
        for url in features.urls:
            self._urls[url] = doc_id
        if features.issue_number is not None:
            self._numbers[features.issue_number] = doc_id
        if features.week is not None:
            self._weeks[features.week[0]].add(doc_id)

    def remove(self, doc_id: str) -> None:
        features = self._features.pop(doc_id)
        if features.en_minhash:
            self._lsh.remove(doc_id)
        for key in features.anchors | features.links:
            self._postings[key].discard(doc_id)
        self._df.subtract(features.anchors)
        for key in features.anchors:
            if self._df[key] <= 0:
                del self._df[key]
        for url in features.urls:
            if self._urls.get(url) == doc_id:
                del self._urls[url]
        number = features.issue_number
        if number is not None and self._numbers.get(number) == doc_id:
            del self._numbers[number]
        if features.week is not None:
            self._weeks[features.week[0]].discard(doc_id)

    def resolve_url(self, url: str, aliases: Aliases | None = None) -> tuple[str, str] | None:
        """(doc id, how) for a stated URL: directly, through the alias map, or by number."""
        canon = canonical_url(url)
        if canon in self._urls:
            return self._urls[canon], "url"
        if canon in self._features:
            return canon, "url"
        if aliases:
            target = aliases.get(canon, aliases.get(url))
            hit = self._resolve_alias(target) if target is not None else None
            if hit is not None:
                return hit, "alias"
        m = _NUMERIC_ISSUE_PATH.search(canon)
        if m and int(m.group(1)) in self._numbers:
            hit = self._numbers[int(m.group(1))]
            hosts = {canonical_url(u).split("/")[2] for u in self.get(hit).urls}
            if canon.split("/")[2] in hosts:
                return hit, "issue-number"
        return None

    def _resolve_alias(self, target: str | int) -> str | None:
        if isinstance(target, int):  # an alias map to issue numbers
            return self._numbers.get(target)
        canon = canonical_url(target) if "://" in target else target
        return self._urls.get(canon) or (canon if canon in self._features else None)

    def candidates(self, features: Features) -> list[str]:
        """Ids worth deciding on: LSH hits on English text, the best anchor blocks, the same
        week and the same stated number (never the whole archive)."""
        found: dict[str, float] = {}
        if features.en_minhash:
            for doc_id in self._lsh.query(_lean(features.en_minhash)):
                found[str(doc_id)] = math.inf
        for doc_id, score in self._block(features):
            found.setdefault(doc_id, score)
        if features.issue_number is not None and features.issue_number in self._numbers:
            found.setdefault(self._numbers[features.issue_number], 0.0)
        if features.week is not None:
            start = features.week[0]
            for day in (start - WEEK_SLACK, start, start + WEEK_SLACK):
                for doc_id in self._weeks.get(day, ()):
                    found.setdefault(doc_id, 0.0)
        found.pop(features.doc_id, None)
        return sorted(found, key=lambda d: found[d], reverse=True)

    def _block(self, features: Features) -> list[tuple[str, float]]:
        stats = self.stats
        limit = max(2, len(self._features) // 2)
        weights: defaultdict[str, float] = defaultdict(float)
        for key in features.anchors | features.links:
            posting = self._postings.get(key)
            if not posting or len(posting) > limit:
                continue  # common anchors ("OpenAI") block nothing
            w = stats.weight(key)
            for doc_id in posting:
                weights[doc_id] += w
        ranked = sorted(weights.items(), key=lambda kv: kv[1], reverse=True)
        return ranked[: self._block_limit]

    def decide(
        self,
        features: Features,
        *,
        layers: Sequence[str] = ("embedded-en", "zh-anchors"),
        kinds: Iterable[str] = tuple(KIND_WEIGHTS),
    ) -> LinkDecision | None:
        pool = [self._features[d] for d in self.candidates(features)]
        return decide(features, pool, stats=self.stats, layers=layers, kinds=kinds)


def link_mirror(
    features: Features,
    index: IssueIndex,
    *,
    aliases: Aliases | None = None,
    layers: Sequence[str] = LAYERS,
    kinds: Iterable[str] = tuple(KIND_WEIGHTS),
) -> LinkDecision | None:
    """Link one (possible) mirror to an indexed issue, or return None.

    ``aliases`` maps a canonical URL (e.g. a numeric issue URL that answered 301) to the
    canonical URL it redirects to, a document id, or an issue number.
    """
    if "explicit" in layers and features.stated_source:
        hit = index.resolve_url(features.stated_source, aliases)
        if hit is not None:
            target, how = hit
            found = index.get(target)
            week = _week_relation(features.week, found.week)
            number = _number_relation(features.issue_number, found.issue_number)
            # A source line that contradicts the post's own number or period is a copy-paste
            # slip more often than a renumbering: let the content layers decide instead.
            if week != "conflict" and number != "conflict":
                evidence = {"source": features.stated_source, "via": how, "week": week}
                return LinkDecision(target, "explicit", 1.0, evidence)
    rest = [layer for layer in layers if layer != "explicit"]
    if not rest:
        return None
    return index.decide(features, layers=rest, kinds=kinds)


# ---------------------------------------------------------------------------------------------
# Story alignment


def _story_anchors(story: Story, glossary: Glossary) -> set[str]:
    text = f"{story.headline}\n{story.summary or ''}"
    keys = extract_anchors(text, links=[story.link] if story.link else [], glossary=glossary)
    keys = {k for k in keys if not k.startswith("link:")}  # Chinese stories carry no link
    if story.date is not None:
        keys.add(f"date:{story.date.month:02d}-{story.date.day:02d}")
    outlet = outlet_key(story.outlet, glossary)
    if outlet:
        keys.add("outlet:" + outlet)
    return keys


def _story_similarity(
    a: set[str], b: set[str], weight: Mapping[str, float], default: float
) -> float:
    shared = sum(weight.get(k, default) for k in a & b)
    if shared == 0:
        return 0.0
    wa = sum(weight.get(k, default) for k in a)
    wb = sum(weight.get(k, default) for k in b)
    return shared / math.sqrt(wa * wb)


def _monotone_pairs(matrix: list[list[float]], floor: float) -> list[tuple[int, int]]:
    """Best order-preserving pairing (sum of scores; pairs under ``floor`` not allowed)."""
    n = len(matrix)
    m = len(matrix[0]) if n else 0
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]  # 0 pair, 1 skip zh, 2 skip en
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            options = [(best[i + 1][j], 1), (best[i][j + 1], 2)]
            if matrix[i][j] >= floor:
                options.append((best[i + 1][j + 1] + matrix[i][j], 0))
            best[i][j], move[i][j] = max(options, key=lambda o: (o[0], -o[1]))
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if move[i][j] == 0:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif move[i][j] == 1:
            i += 1
        else:
            j += 1
    return pairs


def story_scores(
    zh_stories: Sequence[Story],
    en_stories: Sequence[Story],
    *,
    glossary: Glossary = DEFAULT_GLOSSARY,
) -> list[list[float]]:
    """Similarity of every (zh, en) story pair: IDF-weighted cosine over story anchors, the
    IDF taken over the English stories of the issue (the company of the week weighs little)."""
    zh = [_story_anchors(s, glossary) for s in zh_stories]
    en = [_story_anchors(s, glossary) for s in en_stories]
    df: Counter[str] = Counter()
    for keys in en:
        df.update(keys)
    n = len(en)
    weight = {
        k: KIND_WEIGHTS.get(anchor_kind(k), 1.0) * (math.log((n + 1) / df[k]) + 0.1) for k in df
    }
    default = math.log(n + 1) + 0.1
    return [[_story_similarity(a, b, weight, default) for b in en] for a in zh]


def align_stories(
    zh_stories: Sequence[Story],
    en_stories: Sequence[Story],
    *,
    glossary: Glossary = DEFAULT_GLOSSARY,
) -> list[tuple[int, int, float]]:
    """Pair translated stories with English ones: ``(zh position, en position, score)``.

    Similarity is an IDF-weighted cosine over story anchors (numbers, names, glossary entities,
    date, outlet); anchors shared by many stories of the issue (the company of the week) weigh
    little. An order-preserving alignment takes the best monotone pairing; stories it leaves
    out are then paired out of order only on strong evidence. Unpaired stories get no pair.
    """
    if not zh_stories or not en_stories:
        return []
    matrix = story_scores(zh_stories, en_stories, glossary=glossary)
    pairs = _monotone_pairs(matrix, ALIGN_MIN_SCORE)
    used_zh = {i for i, _ in pairs}
    used_en = {j for _, j in pairs}
    extra = sorted(
        (
            (matrix[i][j], i, j)
            for i in range(len(zh_stories))
            if i not in used_zh
            for j in range(len(en_stories))
            if j not in used_en and matrix[i][j] >= ALIGN_MIN_SCORE_REORDERED
        ),
        reverse=True,
    )
    for _, i, j in extra:
        if i not in used_zh and j not in used_en:
            pairs.append((i, j))
            used_zh.add(i)
            used_en.add(j)
    pairs.sort()
    return [
        (zh_stories[i].position, en_stories[j].position, round(matrix[i][j], 4)) for i, j in pairs
    ]


# ---------------------------------------------------------------------------------------------
# Duplicates and groups


class _UnionFind:
    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {x: x for x in items}

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _is_duplicate(a: Features, b: Features) -> tuple[bool, float]:
    """Same language, near-identical text and no contradicting issue number or week."""
    if a.lang != b.lang:
        return False, 0.0
    if _number_relation(a.issue_number, b.issue_number) == "conflict":
        return False, 0.0
    if _week_relation(a.week, b.week) == "conflict":
        return False, 0.0
    score = jaccard(a.own_shingles, b.own_shingles)
    same_number = _number_relation(a.issue_number, b.issue_number) == "agree"
    threshold = DUP_JACCARD_SAME_NUMBER if same_number else DUP_JACCARD_NO_NUMBER
    return score >= threshold, score


def _sort_key_newest(f: Features) -> tuple[float, str]:
    ts = f.published.timestamp() if f.published is not None else float("-inf")
    return ts, f.doc_id


@dataclass(frozen=True)
class Grouping:
    """Groups over a set of documents.

    ``group_of``: document id -> group id (the representative of the group's English cluster
    if there is one, else of its own cluster). ``duplicate_of``: same-language copies -> the
    newest version (nothing is deleted). ``sibling_of``: a translation -> the English document
    it was linked to (a sibling, never a duplicate). ``decisions`` how each link was made.
    """

    group_of: dict[str, str]
    duplicate_of: dict[str, str]
    sibling_of: dict[str, str]
    decisions: dict[str, LinkDecision]
    dup_scores: dict[str, float]


def _duplicate_clusters(feats: Sequence[Features]) -> tuple[_UnionFind, dict[str, float]]:
    uf = _UnionFind(f.doc_id for f in feats)
    scores: dict[str, float] = {}
    by_id = {f.doc_id: f for f in feats}
    # Same page under several URLs: one cluster before any text comparison.
    owner: dict[str, str] = {}
    for f in feats:
        for url in f.urls:
            if url in owner and by_id[owner[url]].lang == f.lang:
                uf.union(owner[url], f.doc_id)
                scores[f.doc_id] = 1.0
            owner.setdefault(url, f.doc_id)
    for lang in sorted({f.lang for f in feats}):
        group = [f for f in feats if f.lang == lang and f.own_minhash]
        lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        for f in group:
            lsh.insert(f.doc_id, _lean(f.own_minhash))
        for f in group:
            for other in lsh.query(_lean(f.own_minhash)):
                other_id = str(other)
                if other_id <= f.doc_id:
                    continue
                same, score = _is_duplicate(f, by_id[other_id])
                if same:
                    uf.union(f.doc_id, other_id)
                    scores[f.doc_id] = max(scores.get(f.doc_id, 0.0), score)
                    scores[other_id] = max(scores.get(other_id, 0.0), score)
    return uf, scores


def build_groups(
    docs: Sequence[LinkDoc] | Sequence[Features],
    *,
    aliases: Aliases | None = None,
    layers: Sequence[str] = LAYERS,
) -> Grouping:
    """Group documents: same-language duplicates first, then translations to English ones."""
    feats = [d if isinstance(d, Features) else compute_features(d) for d in docs]
    ids = [f.doc_id for f in feats]
    if len(set(ids)) != len(ids):
        dupes = sorted(k for k, v in Counter(ids).items() if v > 1)
        raise ValueError(f"duplicate document ids: {dupes[:5]}")
    by_id = {f.doc_id: f for f in feats}
    uf, dup_scores = _duplicate_clusters(feats)
    clusters: dict[str, list[str]] = defaultdict(list)
    for f in feats:
        clusters[uf.find(f.doc_id)].append(f.doc_id)
    rep = {
        root: max(members, key=lambda d: _sort_key_newest(by_id[d]))
        for root, members in clusters.items()
    }
    duplicate_of = {
        d: rep[root] for root, members in clusters.items() for d in members if d != rep[root]
    }
    # Translations link to the representatives of English clusters only: one target per issue.
    index = IssueIndex()
    for root, members in clusters.items():
        head = by_id[rep[root]]
        if head.lang == "en":
            index.add(head.doc_id, _merged_cluster_features(head, [by_id[m] for m in members]))
    decisions: dict[str, LinkDecision] = {}
    sibling_of: dict[str, str] = {}
    group_of: dict[str, str] = {}
    for root, members in clusters.items():
        head = by_id[rep[root]]
        target = None
        if head.lang != "en" and len(index):
            decision = _link_cluster([by_id[m] for m in members], index, aliases, layers)
            if decision is not None:
                target = decision.target
                for m in members:
                    decisions[m] = decision
                    sibling_of[m] = target
        for m in members:
            group_of[m] = target or head.doc_id
    return Grouping(group_of, duplicate_of, sibling_of, decisions, dup_scores)


def _merged_cluster_features(head: Features, members: Sequence[Features]) -> Features:
    """The head's features, reachable under every member's URL (same page, several URLs)."""
    urls = frozenset().union(*(m.urls for m in members))
    return replace(head, urls=urls)


def _link_cluster(
    members: Sequence[Features],
    index: IssueIndex,
    aliases: Aliases | None,
    layers: Sequence[str],
) -> LinkDecision | None:
    """Link a cluster of same-language copies by the first copy that links (newest first)."""
    for f in sorted(members, key=_sort_key_newest, reverse=True):
        decision = link_mirror(f, index, aliases=aliases, layers=layers)
        if decision is not None:
            return decision
    return None


def group_documents(docs: Sequence[LinkDoc], *, aliases: Aliases | None = None) -> dict[str, str]:
    """Document id -> group id; see :func:`build_groups` for the full result."""
    return build_groups(docs, aliases=aliases).group_of


@dataclass(frozen=True)
class CorpusResult:
    """One line of ``aggregator link`` output."""

    id: str
    group: str
    method: str  # explicit | embedded-en | zh-anchors | duplicate | representative | none
    score: float
    lang: str
    duplicate_of: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "group": self.group,
            "method": self.method,
            "score": self.score,
            "lang": self.lang,
        }
        if self.duplicate_of is not None:
            out["duplicate_of"] = self.duplicate_of
        return out


def link_corpus(docs: Sequence[LinkDoc]) -> list[CorpusResult]:
    """Group an arbitrary mix of English and Chinese documents (text only, no structure).

    Per input, in input order: its group (shared across languages by documents describing the
    same issue or article), the method that put it there and a score in [0, 1].
    """
    feats = [compute_features(d) for d in docs]
    grouping = build_groups(feats)
    members: Counter[str] = Counter(grouping.group_of.values())
    results: list[CorpusResult] = []
    for f in feats:
        group = grouping.group_of[f.doc_id]
        dup = grouping.duplicate_of.get(f.doc_id)
        decision = grouping.decisions.get(f.doc_id)
        if decision is not None and dup is None:
            method, score = decision.method, decision.score
        elif dup is not None:
            method, score = "duplicate", round(grouping.dup_scores.get(f.doc_id, 1.0), 4)
        elif members[group] > 1:
            method, score = "representative", 1.0
        else:
            method, score = "none", 0.0
        results.append(CorpusResult(f.doc_id, group, method, score, f.lang, dup))
    return results


def link_jsonl(in_path: str | Path, out_path: str | Path) -> dict[str, Any]:
    """Read documents (one JSON object a line), group them, write one result a line.

    A bad line (not JSON, not an object, missing id/text, unknown lang, repeated id, bad date)
    is reported in the summary's ``errors`` and skipped; it never stops the run.
    """
    docs: list[LinkDoc] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    lines = 0
    with Path(in_path).open(encoding="utf-8-sig", errors="replace") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            lines += 1
            try:
                record = json.loads(raw)
                if not isinstance(record, dict):
                    raise ValueError("line is not a JSON object")
                doc = doc_from_record(record)
                if doc.id in seen:
                    raise ValueError(f"repeated id {doc.id!r}")
            except ValueError as exc:  # JSONDecodeError is a ValueError
                errors.append({"line": number, "error": str(exc)})
                continue
            seen.add(doc.id)
            docs.append(doc)
    results = link_corpus(docs)
    with Path(out_path).open("w", encoding="utf-8") as out:
        for r in results:
            out.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
    methods = Counter(r.method for r in results)
    return {
        "lines": lines,
        "documents": len(docs),
        "written": len(results),
        "groups": len({r.group for r in results}),
        "cross_language_groups": _cross_language_groups(results),
        "methods": dict(sorted(methods.items())),
        "errors": errors,
    }


def _cross_language_groups(results: Sequence[CorpusResult]) -> int:
    langs: defaultdict[str, set[str]] = defaultdict(set)
    for r in results:
        langs[r.group].add(r.lang)
    return sum(1 for v in langs.values() if len(v) > 1)
