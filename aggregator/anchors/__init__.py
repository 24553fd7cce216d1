"""Language-neutral anchors: the facts a translation keeps when every word changes.

A Chinese translation of an English issue shares almost no characters with it, but it keeps
numbers (300亿美元 = $30B), Latin-script names (Anthropic, Gemma 4, H100), dates (4月7日 =
Apr 7), outlets and people (彭博社 = Bloomberg, 奥特曼 = Altman, via the glossary) and story
links. Each becomes a string key ``kind:value`` that is identical on both sides:

==========  ===========================================================================
``link:``   canonical story URL
``num:``    value with multiplier applied plus a unit class, e.g. ``num:3e+10:usd``
``name:``   Latin-script name, lower-case, hyphens dropped, e.g. ``name:gpt5.5``
``ent:``    glossary entity (outlet, company, person, product, place, institution)
``topic:``  glossary topic term (data center = 数据中心); weak evidence
``date:``   month-day, e.g. ``date:04-07`` (years are rarely written next to story dates)
==========  ===========================================================================

Extraction masks what it consumed (URLs, then dates, then glossary names) so that a later
pattern never reads the same characters again (the "7" of "4月7日" is not a number).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from aggregator.glossary import DEFAULT_GLOSSARY, Glossary
from aggregator.normalize import canonical_url

__all__ = [
    "ANCHOR_KINDS",
    "AnchorOptions",
    "anchor_kind",
    "date_keys",
    "detect_issue_number",
    "detect_week",
    "extract_anchors",
    "link_key",
    "name_keys",
    "normalize_for_anchors",
    "number_keys",
    "outlet_key",
    "parse_chinese_numeral",
]

ANCHOR_KINDS = ("link", "num", "name", "ent", "topic", "date")


@dataclass(frozen=True)
class AnchorOptions:
    """Which anchor families to extract (the benchmark's ablations switch them off)."""

    numbers: bool = True
    names: bool = True
    glossary: bool = True
    dates: bool = True
    links: bool = True


ALL_ANCHORS = AnchorOptions()


def anchor_kind(key: str) -> str:
    return key.split(":", 1)[0]


def normalize_for_anchors(text: str) -> str:
    """NFKC (full-width digits, ％ and ， become ASCII) and unify dashes and spaces."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u2009", " ").replace("\u202f", " ")


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Blank out spans (same length, so later offsets stay valid)."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)


# ---------------------------------------------------------------------------------------------
# Links

_URL_RE = re.compile(r"https?://[^\s<>\"'()\[\]{}，。、）]+", re.IGNORECASE)


def link_key(url: str) -> str:
    return "link:" + canonical_url(url.rstrip(".,;:!?"))


# ---------------------------------------------------------------------------------------------
# Dates

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# Capitalized only: "may 7" in running text is a verb, "May 7" a date.
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DASH = r"\s*[-–—~至到]\s*"
_ZH_DATE_RE = re.compile(
    r"(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"
    rf"(?:{_DASH}(?:(?P<m2>\d{{1,2}})\s*月\s*)?(?P<d2>\d{{1,2}})\s*[日号]?)?"
)
_EN_DATE_RE = re.compile(
    rf"(?<![A-Za-z])(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)"
    rf"(?:{_DASH}(?:(?P<mon2>{_MONTH})\.?\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?!\d))?"
    r"(?:,?\s+(?P<y>\d{4})(?!\d))?"
)
_EN_DAY_FIRST_RE = re.compile(
    rf"(?<![\d.])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH})(?![a-z])"
    r"(?:,?\s+(?P<y>\d{4})(?!\d))?"
)
_ISO_DATE_RE = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)")


@dataclass(frozen=True)
class _DateHit:
    start: int
    end: int
    year: int | None
    first: tuple[int, int]  # (month, day)
    last: tuple[int, int] | None  # end of a range


def _month_of(name: str | None) -> int | None:
    return _MONTHS.get(name[:3].lower()) if name else None


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def _hit(m: re.Match[str], month: int, day: int, month2: int, day2: str | None) -> list[_DateHit]:
    if not _valid(month, day):
        return []
    last = (month2, int(day2)) if day2 and _valid(month2, int(day2)) else None
    year = int(m["y"]) if m["y"] else None
    return [_DateHit(m.start(), m.end(), year, (month, day), last)]


def _date_hits(text: str) -> list[_DateHit]:
    hits: list[_DateHit] = []
    for m in _ZH_DATE_RE.finditer(text):
        month = int(m["m"])
        hits += _hit(m, month, int(m["d"]), int(m["m2"]) if m["m2"] else month, m["d2"])
    for m in _EN_DATE_RE.finditer(text):
        en_month = _month_of(m["mon"])
        if en_month is not None:
            month2 = _month_of(m["mon2"]) or en_month
            hits += _hit(m, en_month, int(m["d"]), month2, m["d2"])
    for m in _EN_DAY_FIRST_RE.finditer(text):
        en_month = _month_of(m["mon"])
        if en_month is not None:
            hits += _hit(m, en_month, int(m["d"]), en_month, None)
    for m in _ISO_DATE_RE.finditer(text):
        hits += _hit(m, int(m["m"]), int(m["d"]), int(m["m"]), None)
    hits.sort(key=lambda h: h.start)
    kept: list[_DateHit] = []
    for h in hits:  # leftmost wins; the patterns can overlap on "7 April 2026"-like text
        if not kept or h.start >= kept[-1].end:
            kept.append(h)
    return kept


def _md_key(month: int, day: int) -> str:
    return f"date:{month:02d}-{day:02d}"


def date_keys(text: str) -> list[str]:
    """Month-day keys of every date in ``text`` (both ends of a range)."""
    keys: list[str] = []
    for h in _date_hits(normalize_for_anchors(text)):
        keys.append(_md_key(*h.first))
        if h.last is not None:
            keys.append(_md_key(*h.last))
    return keys


def _range_dates(h: _DateHit) -> tuple[date, date] | None:
    if h.year is None or h.last is None:
        return None
    try:
        start = date(h.year, *h.first)
        end = date(h.year, *h.last)
    except ValueError:
        return None
    if end < start:  # "December 29 – January 4, 2027": the year belongs to the end
        try:
            start = date(h.year - 1, *h.first)
        except ValueError:
            return None
    if not timedelta(days=1) <= end - start <= timedelta(days=10):
        return None
    return start, end


def detect_week(text: str) -> tuple[date, date] | None:
    """The first dated range of at most ten days ("April 3 – 9, 2026", "2026年4月3日-9日")."""
    for h in _date_hits(normalize_for_anchors(text)):
        found = _range_dates(h)
        if found is not None:
            return found
    return None


_ZH_ISSUE_RE = re.compile(r"第\s*(\d{1,5})\s*期")
_EN_ISSUE_RE = re.compile(r"\bIssue\s*(?:No\.?\s*)?#?\s*(\d{1,5})\b", re.IGNORECASE)


def detect_issue_number(title: str) -> int | None:
    """An issue number stated in a title ("AI周刊第481期", "Issue #481")."""
    text = normalize_for_anchors(title)
    m = _ZH_ISSUE_RE.search(text) or _EN_ISSUE_RE.search(text)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------------------------
# Numbers

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}


def parse_chinese_numeral(text: str) -> float | None:
    """Value of a Chinese numeral such as 二十五, 三千亿, 一百二十万, 两万亿 (None if malformed)."""
    if not text:
        return None
    total = 0.0  # groups already closed by 万 or 亿
    section = 0.0  # value below the next big unit
    digit: float | None = None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = float(_CN_DIGITS[ch])
        elif ch in _CN_SMALL_UNITS:
            section += (1.0 if digit is None else digit) * _CN_SMALL_UNITS[ch]
            digit = None
        elif ch in _CN_BIG_UNITS:
            section += digit or 0.0
            digit = None
            big = _CN_BIG_UNITS[ch]
            if section == 0:
                total = (total or 1.0) * big  # 万亿: a unit right after a unit multiplies
            elif big == _CN_BIG_UNITS["亿"]:
                total = (total + section) * big  # 亿 scales everything before it
            else:
                total += section * big
            section = 0.0
        else:
            return None
    return total + section + (digit or 0.0)


_UNITS: tuple[tuple[str, str, float], ...] = (
    # (pattern, unit class, factor); longest first inside each family.
    (r"个百分点|百分点|percentage points?|points?|pts", "pt", 1.0),
    (r"美元|美金|US dollars?|dollars?|USD", "usd", 1.0),
    (r"欧元|euros?|EUR", "eur", 1.0),
    (r"英镑|pounds? sterling|pounds?|GBP", "gbp", 1.0),
    (r"日元|yen|JPY", "jpy", 1.0),
    (r"澳元|AUD", "aud", 1.0),
    (r"港元|港币|HKD", "hkd", 1.0),
    (r"韩元|won", "krw", 1.0),
    (r"人民币|元|yuan|renminbi|RMB|CNY", "cny", 1.0),
    (r"千兆瓦|吉瓦|gigawatts?|GW", "w", 1e9),
    (r"兆瓦|megawatts?|MW", "w", 1e6),
    (r"千瓦|kilowatts?|kW", "w", 1e3),
    (r"参数|parameters?|params?", "params", 1.0),
    (r"倍|times|x|×", "x", 1.0),
    (r"%|percent|per cent|pct", "pct", 1.0),
)
_UNIT_CLASS: list[tuple[re.Pattern[str], str, float]] = [
    (re.compile(rf"(?:{p})\Z", re.IGNORECASE), c, f) for p, c, f in _UNITS
]
_UNIT_ALT = "|".join(p for p, _, _ in _UNITS)
_PREFIX_CURRENCY = {
    "US$": "usd", "$": "usd", "A$": "aud", "C$": "cad", "HK$": "hkd", "NT$": "twd",
    "€": "eur", "£": "gbp", "¥": "cny", "￥": "cny",
}  # fmt: skip
_EN_MULTS = {
    "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "bn": 1e9, "mn": 1e6, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12,
}  # fmt: skip

_NUMBER_RE = re.compile(
    r"(?<![A-Za-z0-9.])(?<![A-Za-z]-)"
    r"(?:(?P<cur>US\$|A\$|C\$|HK\$|NT\$|\$|€|£|¥)|(?P<code>USD|RMB|CNY|EUR|GBP|JPY)\s)?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:st|nd|rd|th(?![a-z]))?"
    r"(?:\s?-?\s?(?P<emult>thousand|million|billion|trillion|bn|mn|[KkMBT])(?![A-Za-z])"
    r"|(?P<zmult>[十百千万亿]+))?"
    r"(?P<plus>\+|多|余)?"
    rf"(?:\s?-?\s?(?P<unit>{_UNIT_ALT})(?![A-Za-z]))?",
)
_CN_NUMBER_RE = re.compile(
    r"(?P<pct>百分之)?(?P<cn>[零〇一二两三四五六七八九十百千万亿]*[零〇一二两三四五六七八九][零〇一二两三四五六七八九十百千万亿]*)"
    rf"(?P<unit>{_UNIT_ALT})?"
)
_PERCENT_WORD_RE = re.compile(r"百分之\s?(?P<num>\d+(?:\.\d+)?)")
_RANGE_GAP_RE = re.compile(r"\s*[-–—~至到]\s*\Z")


@dataclass
class _Num:
    start: int
    end: int
    value: float
    mult: float | None
    unit: str | None
    factor: float = 1.0

    def key(self) -> str | None:
        value = self.value * (self.mult or 1.0) * self.factor
        unit = self.unit or ""
        if not unit and value < 10:
            return None  # bare small numbers ("4 models", "第2次") match by chance
        return f"num:{value:.4g}:{unit}" if unit else f"num:{value:.4g}"


def _unit_class(text: str | None) -> tuple[str | None, float]:
    if not text:
        return None, 1.0
    for pattern, unit, factor in _UNIT_CLASS:
        if pattern.match(text):
            return unit, factor
    return None, 1.0


def _zh_mult(text: str | None) -> float | None:
    if not text:
        return None
    value = parse_chinese_numeral(text)  # 万亿 → 1e12, 千万 → 1e7
    return value if value and value > 1 else None


def _arabic_numbers(text: str) -> list[_Num]:
    found: list[_Num] = []
    for m in _NUMBER_RE.finditer(text):
        nxt = text[m.end() : m.end() + 1]
        consumed = m["emult"] or m["zmult"] or m["unit"]
        if not consumed and nxt.isascii() and nxt.isalpha():
            continue  # "950PR", "5G", "3D": part of a name, not a quantity
        unit, factor = _unit_class(m["unit"])
        if m["unit"] and m["unit"].lower() == "x" and text[m.end("num") : m.start("unit")]:
            unit, factor = None, 1.0  # "3 x 4": only "3x" is a multiple
        if m["cur"]:
            unit = _PREFIX_CURRENCY.get(m["cur"], "usd")
        elif m["code"]:
            unit, factor = _unit_class(m["code"])
        mult = _EN_MULTS[m["emult"].lower()] if m["emult"] else _zh_mult(m["zmult"])
        value = float(m["num"].replace(",", ""))
        found.append(_Num(m.start(), m.end(), value, mult, unit, factor))
    return found


def _chinese_numbers(text: str) -> list[_Num]:
    found: list[_Num] = []
    for m in _PERCENT_WORD_RE.finditer(text):
        found.append(_Num(m.start(), m.end(), float(m["num"]), None, "pct"))
    for m in _CN_NUMBER_RE.finditer(text):
        # Chinese numerals are also ordinary words (一家, 统一); keep them only with a unit.
        unit, factor = _unit_class(m["unit"])
        if m["pct"]:
            unit, factor = "pct", 1.0
        value = parse_chinese_numeral(m["cn"])
        if unit is None or value is None:
            continue
        found.append(_Num(m.start(), m.end(), value, None, unit, factor))
    return found


def _propagate_ranges(nums: list[_Num], text: str) -> None:
    """Ranges ("790-970亿美元", "$79–97 billion"): both ends share the multiplier and unit."""
    for a, b in pairwise(nums):
        if not _RANGE_GAP_RE.match(text[a.end : b.start]) or a.end == b.start:
            continue
        if a.mult is None and b.mult is not None:
            a.mult = b.mult
        if a.unit is None and b.unit is not None:
            a.unit, a.factor = b.unit, b.factor
        if b.unit is None and a.unit is not None:
            b.unit, b.factor = a.unit, a.factor


def _number_spans(text: str) -> list[_Num]:
    nums = _arabic_numbers(text) + _chinese_numbers(text)
    nums.sort(key=lambda n: n.start)
    kept: list[_Num] = []
    for n in nums:
        if not kept or n.start >= kept[-1].end:
            kept.append(n)
    _propagate_ranges(kept, text)
    return kept


def number_keys(text: str) -> list[str]:
    """Normalized quantities: 300亿美元 and $30B both give ``num:3e+10:usd``."""
    text = normalize_for_anchors(text)
    return [k for n in _number_spans(text) if (k := n.key()) is not None]


# ---------------------------------------------------------------------------------------------
# Names

_NAME_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]+(?:[.\-&][A-Za-z0-9]+)*(?![A-Za-z0-9])")
# A model version right after a name: "4", "V4", "2.1", "4.5", "3o" (not a year or "30B").
_VERSION_RE = re.compile(r"[ -]?(?P<v>[vV]?\d{1,2}(?:\.\d+)*[a-z]?)(?![A-Za-z0-9]|\.\d)")
_QUANTITY_TOKEN_RE = re.compile(r"\d+(?:\.\d+)?[kmbt]?", re.IGNORECASE)
# Capitalized sentence starts and headline words carry no identity; they never appear as
# Latin words inside a Chinese translation, so dropping them only shrinks the English key sets.
_NAME_STOP = frozenset(
    (
        "a", "an", "the", "and", "or", "but", "if", "when", "while", "as", "at", "by", "for",
        "from", "in", "into", "of", "off", "on", "onto", "out", "over", "to", "up", "with",
        "without", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that",
        "these", "those", "there", "here", "we", "you", "he", "she", "they", "his", "her",
        "their", "our", "your", "my", "i", "me", "us", "not", "no", "yes", "new", "how", "why",
        "what", "who", "whom", "which", "where", "after", "before", "about", "above", "below",
        "more", "most", "less", "least", "all", "any", "each", "every", "both", "some", "such",
        "than", "then", "so", "just", "only", "also", "too", "very", "can", "could", "will",
        "would", "should", "may", "might", "must", "do", "does", "did", "has", "have", "had",
        "get", "gets", "got", "make", "makes", "made", "one", "two", "three", "four", "five",
        "six", "seven", "eight", "nine", "ten", "first", "last", "next", "week", "day", "days",
        "year", "years", "month", "months", "per", "via", "vs",
    )
)  # fmt: skip


_FAMILY_RE = re.compile(r"([A-Za-z]{2,})-[vV]?\d")


def _norm_name(token: str) -> str:
    return token.lower().replace("-", "")


def _is_name_token(token: str) -> bool:
    if len(token) < 2 and not token.isdigit():
        return False
    if token.isdigit() or _QUANTITY_TOKEN_RE.fullmatch(token):
        return False
    if not any(c.isalpha() for c in token):
        return False
    if not any(c.isupper() or c.isdigit() for c in token):
        return False  # lower-case English words are not names
    return token.lower() not in _NAME_STOP


def _version_after(text: str, end: int) -> str | None:
    m = _VERSION_RE.match(text, end)
    return m["v"].lower() if m else None


def _name_keys_masked(text: str) -> Iterator[str]:
    for m in _NAME_RE.finditer(text):
        token = m.group(0)
        if not _is_name_token(token):
            continue
        base = _norm_name(token)
        yield "name:" + base
        family = _FAMILY_RE.match(token)
        if family is not None:
            yield "name:" + family.group(1).lower()  # "GPT-5.5" also names "GPT", as "GPT 5.5" does
        version = _version_after(text, m.end())
        if version is not None and token.isalpha():
            yield "name:" + base + version  # "Gemma 4" -> gemma4, "DeepSeek V4" -> deepseekv4


def name_keys(text: str) -> list[str]:
    """Latin-script names: ``Gemma 4`` -> ``name:gemma`` + ``name:gemma4``, ``GPT-5.5`` ->
    ``name:gpt`` + ``name:gpt5.5``."""
    return list(_name_keys_masked(normalize_for_anchors(text)))


# ---------------------------------------------------------------------------------------------
# Glossary


def outlet_key(name: str | None, glossary: Glossary = DEFAULT_GLOSSARY) -> str | None:
    """The anchor for an outlet field: the glossary key, or the Latin name itself."""
    if not name:
        return None
    entry = glossary.lookup(normalize_for_anchors(name))
    if entry is not None:
        return f"ent:{entry.key}"
    latin = [k for k in name_keys(name)]
    return latin[0] if len(latin) == 1 else ("name:" + "".join(k[5:] for k in latin) or None)


def _glossary_keys(text: str, glossary: Glossary) -> tuple[list[str], list[tuple[int, int]]]:
    keys: list[str] = []
    spans: list[tuple[int, int]] = []
    for g in glossary.matches(text):
        prefix = "topic" if g.kind == "topic" else "ent"
        keys.append(f"{prefix}:{g.key}")
        spans.append((g.start, g.end))
        version = _version_after(text, g.end) if g.kind in ("product", "company") else None
        if version is not None:
            keys.append(f"name:{g.key}{version}")  # "Gemini 3" keeps its version
    return keys, spans


# ---------------------------------------------------------------------------------------------
# All together


def extract_anchors(
    text: str,
    *,
    links: Iterable[str] = (),
    glossary: Glossary = DEFAULT_GLOSSARY,
    options: AnchorOptions = ALL_ANCHORS,
) -> set[str]:
    """Every anchor key of ``text`` (any language) plus ``links`` (story URLs)."""
    text = normalize_for_anchors(text)
    keys: set[str] = set()
    url_spans = [(m.start(), m.end()) for m in _URL_RE.finditer(text)]
    if options.links:
        keys.update(link_key(u) for u in links)
        keys.update(link_key(text[s:e]) for s, e in url_spans)
    text = _mask(text, url_spans)
    hits = _date_hits(text)
    if options.dates:
        for h in hits:
            keys.add(_md_key(*h.first))
            if h.last is not None:
                keys.add(_md_key(*h.last))
    text = _mask(text, ((h.start, h.end) for h in hits))
    if options.glossary:
        found, spans = _glossary_keys(text, glossary)
        keys.update(found)
        text = _mask(text, spans)
    if options.numbers:
        keys.update(k for n in _number_spans(text) if (k := n.key()) is not None)
    if options.names:
        keys.update(_name_keys_masked(text))
    return keys
