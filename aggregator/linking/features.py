"""Features: everything linking needs from one document, computed once and stored as JSON
so that linking a new page costs an index lookup, not a pass over the archive."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from aggregator.anchors import (
    ALL_ANCHORS,
    AnchorOptions,
    detect_issue_number,
    detect_week,
    extract_anchors,
    link_key,
)
from aggregator.anchors.glossary import DEFAULT_GLOSSARY, Glossary
from aggregator.anchors.script import CONVERTER_ID
from aggregator.linking.documents import LinkDoc
from aggregator.linking.shingling import minhash_values, shingles
from aggregator.normalize import canonical_url

# Persisted features carry this; a change to what they hold or how it is hashed bumps it.
# A change of vocabulary (the glossary data) or of the script converter needs no bump: both
# are part of :func:`features_key`, which is what a store compares.
FEATURES_VERSION = 1


def features_key(glossary: Glossary | None = None) -> int:
    """The key stored features are valid under: :data:`FEATURES_VERSION`, the glossary's
    digest and the OpenCC converter, hashed together.

    An int in [2**30, 2**31) so it fits the store's Integer ``features.version`` column on
    every backend and never equals a bare FEATURES_VERSION written by older code. Features
    stored under another key are recomputed (a glossary edit re-derives anchors on the next
    run). ``glossary`` defaults to the one :func:`compute_features` uses by default.
    """
    vocabulary = (glossary or DEFAULT_GLOSSARY).digest
    combined = f"{FEATURES_VERSION}\n{vocabulary}\n{CONVERTER_ID}".encode()
    value = int(hashlib.sha256(combined).hexdigest()[:8], 16)
    return (value & 0x3FFF_FFFF) | 0x4000_0000


def _pack(values: Iterable[int], *, sort: bool) -> str:
    seq = sorted(values) if sort else list(values)
    return base64.b64encode(np.asarray(seq, dtype="<u4").tobytes()).decode("ascii")


def _unpack(text: str) -> tuple[int, ...]:
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if len(raw) % 4:
        raise ValueError("packed integers: length is not a multiple of 4")
    return tuple(int(v) for v in np.frombuffer(raw, dtype="<u4"))


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
    glossary: Glossary | None = None,
    options: AnchorOptions = ALL_ANCHORS,
) -> Features:
    """Features of one document (pure; about 5-15 ms for a full issue).

    ``glossary`` defaults to the packaged vocabulary, looked up at call time (the same one
    :func:`features_key` digests by default).
    """
    glossary = glossary or DEFAULT_GLOSSARY
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
