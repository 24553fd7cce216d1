"""What every feed format writes: entries, feed descriptions, and the publisher's identity.

The formats (Atom, RSS, JSON Feed) only serialize these; what an entry says, which id it has
and when it was updated is decided once, here and in :mod:`aggregator.feeds.entries`.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from aggregator.catalog import IssueView
from aggregator.config import DEFAULT_FEED_BASE_URL
from aggregator.normalize import xml_safe
from aggregator.sites import ConfigError, newsletter

# Where ``aggregator serve`` serves OUT/ by default; feeds live under ``<base>feeds/``.
DEFAULT_BASE_URL = DEFAULT_FEED_BASE_URL  # where `aggregator serve` serves OUT/
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# RFC 4151 tags carry a date on which the tagging entity owned the authority name; the ids
# must never change, so this is a constant, not the current year.
TAG_DATE = "2026"
# Names nobody can own (RFC 2606, RFC 6761, RFC 6762, RFC 8375): a tag minted under them
# would not be the publisher's, so such hosts get the UUID fallback like an IP address.
_UNOWNABLE_SUFFIXES = (".localhost", ".local", ".test", ".example", ".invalid",
                       ".internal", ".home.arpa", ".lan")
_DNS_LABEL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# What the tag specific part (RFC 4151 §2.1, pchar plus "/" and "?") allows unescaped.
_TAG_SAFE = ";/?:@&=+$,-_.!~*'()"


@dataclass(frozen=True)
class Version:
    """One language version of an entry: a link a reader can follow to read it there."""

    href: str
    lang: str
    title: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", xml_safe(self.title))
        object.__setattr__(self, "href", xml_safe(self.href))


@dataclass(frozen=True)
class Entry:
    key: str  # the stable part of the id: "issue:481:en", "post:<url>"; never a title
    lang: str  # the entry's language (xml:lang, JSON Feed ``language``)
    title: str  # plain text
    link: str
    published: datetime
    updated: datetime  # the newest ``updated`` of the documents whose content it shows
    arrived: datetime  # when the store first saw it: archive pages are filled in this order
    summary: str  # plain text
    content_html: str
    categories: tuple[str, ...] = ()
    versions: tuple[Version, ...] = ()  # one per language, the entry's own included
    related: tuple[Version, ...] = ()  # older re-posts of the same issue in some language

    def __post_init__(self) -> None:
        # The last line of defence: whatever a store holds (rows written before the normalize
        # stage existed, say), no entry can make a feed unwritable or unsafe for a reader.
        for name in ("title", "link", "summary", "content_html"):
            value = getattr(self, name)
            clean = xml_safe(value)
            if clean != value:
                object.__setattr__(self, name, clean)
        object.__setattr__(self, "categories", tuple(xml_safe(c) for c in self.categories))


@dataclass(frozen=True)
class FeedSpec:
    """One feed: ``path`` is its file stem under ``feeds/`` (``en``, ``sources/qimuai``)."""

    path: str
    title: str
    subtitle: str
    language: str
    home: str
    authors: tuple[str, ...]
    entries: Callable[[list[IssueView]], list[Entry]]


def is_ownable_dns_name(host: str) -> bool:
    """Whether ``host`` is a DNS name someone can register (so RFC 4151 lets its owner tag)."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return False
    labels = host.split(".")
    if len(labels) < 2 or host == "localhost" or host.endswith(_UNOWNABLE_SUFFIXES):
        return False
    if labels[-1].isdigit():
        return False
    return all(label and set(label) <= _DNS_LABEL and not label.startswith("-")
               and not label.endswith("-") for label in labels)


@dataclass(frozen=True)
class Identity:
    """Where the feeds are served and who mints their ids.

    Ids are ``tag:<host>,2026:<key>`` when the base URL's host is a DNS name (the publisher
    serving there controls it, as RFC 4151 requires). A loopback address, an IP or a
    special-use name belongs to nobody, and no constant domain would be the publisher's
    either (tagging under the newsletter's host would mint ids in AI Weekly's namespace), so
    those ids are name-based UUIDs (RFC 4122 version 5, ``urn:uuid:``), which need no
    authority: RFC 4287 §4.2.6 accepts any IRI. Both are pure functions of the key, so an
    entry keeps its id across edits, re-exports and added mirrors; moving the feeds to
    another host changes every id once.
    """

    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def of(cls, base_url: str) -> Identity:
        split = urlsplit(base_url)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ConfigError(f"feed base URL must be an http(s) URL, got {base_url!r}")
        return cls(base_url if base_url.endswith("/") else base_url + "/")

    @property
    def authority(self) -> str | None:
        host = urlsplit(self.base_url).hostname or ""
        return host.lower() if is_ownable_dns_name(host) else None

    def url(self, path: str) -> str:
        """The served URL of a file under OUT/ (``feeds/en.atom.xml``)."""
        return self.base_url + path

    def id(self, key: str) -> str:
        authority = self.authority
        if authority is not None:
            return f"tag:{authority},{TAG_DATE}:{quote(key, safe=_TAG_SAFE)}"
        return f"urn:uuid:{uuid.uuid5(_UUID_NAMESPACE, key)}"


# A namespace of our own for the UUID fallback, derived from the registry's newsletter so the
# same key always gives the same UUID (and nobody else's name-based UUIDs collide with ours).
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"{newsletter().canonical_base}/#aggregator")
