"""Small, fast date parsing for the fixed English and Chinese forms these sites print: the one
date grammar of the project (page objects and the linker's anchors both read dates here).

dateparser gets this site's forms wrong or is slow: it returns ``None`` for "April 3 – 9, 2026",
``search_dates`` turns the end of such a range into September, "2026年4月3日-9日" silently
becomes a wrong date, and every failed call costs 15-50 ms. So the known forms are parsed with
precompiled regular expressions (microseconds); dateparser is kept only as a cached last resort
(:func:`parse_date_fallback`).

:func:`find_dates` is the scanner underneath: every date and date range written in a text, with
its span and what was written (years are not inferred there). :func:`parse_week_range`,
:func:`parse_month_day` and :func:`parse_day` interpret what it finds.

Every ``datetime`` returned here is timezone-aware. Garbage input gives ``None``, never an
exception.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "MAX_WEEK_DAYS",
    "DateSpan",
    "find_dates",
    "parse_date_fallback",
    "parse_day",
    "parse_local_datetime",
    "parse_month_day",
    "parse_rfc822",
    "parse_week_range",
]

# Month names and abbreviations; the first three letters identify every month ("sept" too).
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
# Word edges written out: ``\b`` treats CJK characters as word characters, so "发布于April 7"
# would have no boundary before "April".
_BEFORE_WORD = r"(?<![A-Za-z])"
_AFTER_WORD = r"(?![A-Za-z])"
_ORDINAL = r"(?:st|nd|rd|th)?"
# A day number not glued to more digits (so "2026" never reads as day 20).
_DAY = r"\d{1,2}(?!\d)"
_YEAR = r"\d{4}(?!\d)"
# A Chinese month number not glued to digits before it ("2026年" aside).
_ZH_MONTH = r"(?<!\d)\d{1,2}"
_ZH_DAY_MARK = r"[日号號]"
# Range separators: hyphens and dashes of every width, tildes, English and Chinese words. A
# Chinese input method types the fullwidth hyphen-minus "－" (U+FF0D) and the fullwidth tilde
# "～" (U+FF5E); the minus sign, small and swung dashes turn up in pasted text.
_SEP = (
    r"(?:[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\ufe58\ufe63\u2053~\uff5e\u301c"
    r"\u81f3\u5230]"
    r"|to|through|thru|until|till)"
)

# "April 3 – 9, 2026", "July 31 – August 6, 2026", "December 29, 2025 – January 4, 2026",
# "Apr 3, 2026 - Apr 9, 2026": month first, the year on either side or both.
_EN_RANGE = re.compile(
    rf"{_BEFORE_WORD}(?P<m1>{_MONTH}){_AFTER_WORD}\.?\s*(?P<d1>{_DAY}){_ORDINAL}"
    rf"(?:\s*,?\s*(?P<y1>{_YEAR}))?"
    rf"\s*{_SEP}\s*"
    rf"(?:(?P<m2>{_MONTH}){_AFTER_WORD}\.?\s*)?(?P<d2>{_DAY}){_ORDINAL}"
    rf"(?:\s*,?\s*(?P<y2>{_YEAR}))?",
    re.IGNORECASE,
)
# "3 – 9 April 2026", "29 December 2025 – 4 January 2026": day first.
_EN_RANGE_DAY_FIRST = re.compile(
    rf"(?<![\dA-Za-z.])(?P<d1>{_DAY}){_ORDINAL}(?:\s+(?P<m1>{_MONTH}){_AFTER_WORD}\.?)?"
    rf"(?:\s*,?\s*(?P<y1>{_YEAR}))?"
    rf"\s*{_SEP}\s*"
    rf"(?P<d2>{_DAY}){_ORDINAL}\s+(?P<m2>{_MONTH}){_AFTER_WORD}\.?(?:\s*,?\s*(?P<y2>{_YEAR}))?",
    re.IGNORECASE,
)
# "2026年4月3日-9日", "2026年7月31日 – 8月6日", "2025年12月29日-2026年1月4日", "4月16日至24日".
_ZH_RANGE = re.compile(
    rf"(?:(?P<y1>{_YEAR})\s*年\s*)?(?P<m1>{_ZH_MONTH})\s*月\s*(?P<d1>{_DAY})\s*{_ZH_DAY_MARK}?"
    rf"\s*{_SEP}\s*"
    rf"(?:(?P<y2>{_YEAR})\s*年\s*)?(?:(?P<m2>\d{{1,2}})\s*月\s*)?(?P<d2>{_DAY})\s*{_ZH_DAY_MARK}"
)
# "2026-04-03 – 2026-04-09" (both sides complete, so a hyphen separator is unambiguous).
_ISO_RANGE = re.compile(
    rf"(?<!\d)(?P<y1>{_YEAR})[-/.](?P<m1>\d{{1,2}})[-/.](?P<d1>{_DAY})"
    rf"\s*{_SEP}\s*"
    rf"(?P<y2>{_YEAR})[-/.](?P<m2>\d{{1,2}})[-/.](?P<d2>{_DAY})"
)
_RANGE_PATTERNS = (_EN_RANGE, _EN_RANGE_DAY_FIRST, _ZH_RANGE, _ISO_RANGE)

# "Apr 7", "April 7th", "Sept 4", optionally with a year ("Apr 10th 2026", "April 10, 2026").
_EN_MONTH_DAY = re.compile(
    rf"{_BEFORE_WORD}(?P<m>{_MONTH}){_AFTER_WORD}\.?\s*(?P<d>{_DAY}){_ORDINAL}"
    rf"(?:\s*,?\s*(?P<y>{_YEAR}))?",
    re.IGNORECASE,
)
# "7 April", "10 April 2026", "Fri, 10 Apr 2026".
_EN_DAY_MONTH = re.compile(
    rf"(?<![\dA-Za-z.])(?P<d>{_DAY}){_ORDINAL}\s+(?:of\s+)?(?P<m>{_MONTH}){_AFTER_WORD}\.?"
    rf"(?:\s*,?\s*(?P<y>{_YEAR}))?",
    re.IGNORECASE,
)
# "4月7日", "4月7号", "2026年4月10日".
_ZH_MONTH_DAY = re.compile(
    rf"(?:(?P<y>{_YEAR})\s*年\s*)?(?P<m>{_ZH_MONTH})\s*月\s*(?P<d>{_DAY})\s*{_ZH_DAY_MARK}"
)
# "2026-04-07", "2026/4/10", "2026.4.10".
_NUMERIC_DAY = re.compile(rf"(?<!\d)(?P<y>{_YEAR})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>{_DAY})")
_MONTH_DAY_PATTERNS = (_EN_MONTH_DAY, _EN_DAY_MONTH, _ZH_MONTH_DAY, _NUMERIC_DAY)

# A week range is at most this long: a week plus an editor's slack. A longer span ("April 1 –
# 30, 2026") is a month or a vote window, not an issue's week.
MAX_WEEK_DAYS = 10

# "2026-04-10 08:30", "2026-4-10 08:30", "2026-04-10T08:30:00+08:00", "2026年4月10日 08:30".
_LOCAL_DATETIME = re.compile(
    rf"(?<!\d)(?P<y>{_YEAR})\s*(?:[-/.]|年)\s*(?P<m>\d{{1,2}})\s*(?:[-/.]|月)\s*(?P<d>{_DAY})\s*日?"
    r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?(?![\w:])",
    re.IGNORECASE,
)

# The fallback is for short date strings; longer text is prose, and dateparser is slowest there.
_FALLBACK_MAX_CHARS = 120
_FALLBACK_SETTINGS = {
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TIMEZONE": "UTC",
    "TO_TIMEZONE": "UTC",
    "PREFER_DAY_OF_MONTH": "first",
    # A calendar date needs all three parts; without this dateparser fills gaps from "today",
    # which would make results depend on when the crawler runs.
    "REQUIRE_PARTS": ["day", "month", "year"],
    # No relative dates ("yesterday", "3 days ago"): same reason.
    "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
}


def _month_number(name: str) -> int:
    return _MONTH_NUMBERS[name[:3].lower()]


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # "April 31", "February 29" outside a leap year, month 13
        return None


def _month_of(match: re.Match[str], group: str) -> int | None:
    value = match.group(group)
    if value is None:
        return None
    return int(value) if value.isdigit() else _month_number(value)


def _plausible(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


@dataclass(frozen=True)
class DateSpan:
    """A date or a date range written in a text: where, and what was written.

    ``first`` and ``last`` are (month, day); a range's missing month is implied ("April 3 –
    9": both April; "3 – 9 April": both April; "April 28 – 4": May). Years are only what the
    text says; :meth:`week` infers the rest.
    """

    start: int
    end: int
    first: tuple[int, int]
    last: tuple[int, int] | None = None  # the end of a range
    year: int | None = None  # written with the first date
    last_year: int | None = None  # written with the last date

    def week(self) -> tuple[date, date] | None:
        """``(start, end)`` of a range with a year on either side, the end never before the
        start (the year is carried across New Year); ``None`` for a single date."""
        if self.last is None or (self.year is None and self.last_year is None):
            return None  # no year anywhere: a bare "April 16–24" in prose is not a week range
        start_year = self.year if self.year is not None else self.last_year
        end_year = self.last_year if self.last_year is not None else self.year
        assert start_year is not None and end_year is not None
        start = _safe_date(start_year, *self.first)
        end = _safe_date(end_year, *self.last)
        if start is None or end is None:
            return None
        if end < start:
            # The year was written on one side only and the range crosses New Year:
            # "December 29 – January 4, 2026" starts in 2025; "2025年12月29日-1月4日" ends in
            # 2026.
            if self.last_year is None:
                end = _safe_date(end_year + 1, *self.last) or end
            elif self.year is None:
                start = _safe_date(start_year - 1, *self.first) or start
        return (start, end) if start <= end else None


def _lower_month_word(match: re.Match[str], groups: tuple[str, ...]) -> bool:
    return any((v := match.group(g)) and v[0].islower() for g in groups)


def _range_span(match: re.Match[str], capitalized: bool) -> DateSpan | None:
    if capitalized and _lower_month_word(match, ("m1", "m2")):
        return None
    m1, m2 = _month_of(match, "m1"), _month_of(match, "m2")
    d1, d2 = int(match.group("d1")), int(match.group("d2"))
    if m1 is None:  # "3 – 9 April 2026": the start shares the end's month
        m1 = m2
    if m1 is None:
        return None
    if m2 is None:
        # "April 28 – 4, 2026" can only mean the end is in the next month (December: January).
        m2 = (m1 % 12) + 1 if d2 < d1 else m1
    if not (_plausible(m1, d1) and _plausible(m2, d2)):
        return None
    y1, y2 = _int(match.group("y1")), _int(match.group("y2"))
    return DateSpan(match.start(), match.end(), (m1, d1), (m2, d2), y1, y2)


def _day_span(match: re.Match[str], capitalized: bool) -> DateSpan | None:
    if capitalized and _lower_month_word(match, ("m",)):
        return None
    month, day = _month_of(match, "m"), int(match.group("d"))
    if month is None or not _plausible(month, day):
        return None
    return DateSpan(match.start(), match.end(), (month, day), None, _int(match.group("y")))


def _range_spans(text: str, capitalized: bool = False) -> list[DateSpan]:
    spans = [
        span
        for pattern in _RANGE_PATTERNS
        for match in pattern.finditer(text)
        if (span := _range_span(match, capitalized)) is not None
    ]
    spans.sort(key=lambda s: s.start)  # stable: at one position the earlier pattern wins
    return spans


def find_dates(text: str, *, capitalized: bool = False) -> list[DateSpan]:
    """Every date and date range in ``text``, leftmost first, never overlapping (at one
    position the longest form wins: "April 3 – 9, 2026" is one range, not "April 3").

    ``capitalized``: an English month name counts only capitalized ("may 7" in running text
    is a verb, "May 7" a date). Offsets are into ``text`` as given (no normalization here).
    """
    spans = _range_spans(text, capitalized)
    spans += [
        span
        for pattern in _MONTH_DAY_PATTERNS
        for match in pattern.finditer(text)
        if (span := _day_span(match, capitalized)) is not None
    ]
    spans.sort(key=lambda s: (s.start, s.start - s.end))
    kept: list[DateSpan] = []
    for span in spans:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def parse_week_range(text: str) -> tuple[date, date] | None:
    """Find the first week range in ``text`` (English or Chinese) and return ``(start, end)``.

    Accepts hyphens, dashes of every width, "to", "至", "到", "~", "～" as separators, with or
    without spaces, full-width digits, and finds the range inside longer text such as
    "(本期周期:2026年4月3日-9日)". A year must be written on at least one side. The end never
    precedes the start, and a span longer than :data:`MAX_WEEK_DAYS` is not a week.
    """
    if not text:
        return None
    # NFKC: full-width digits and punctuation become ASCII, no-break spaces plain spaces.
    for span in _range_spans(unicodedata.normalize("NFKC", text)):
        week = span.week()
        if week is not None and week[1] - week[0] <= timedelta(days=MAX_WEEK_DAYS):
            return week
    return None


def _first_match(
    text: str, patterns: tuple[re.Pattern[str], ...], *, year_required: bool
) -> tuple[re.Match[str], int, int, int | None] | None:
    """The earliest valid (month, day[, year]) match of any pattern, as (match, m, d, year)."""
    best: tuple[re.Match[str], int, int, int | None] | None = None
    for pattern in patterns:
        for match in pattern.finditer(text):
            year = _int(match.group("y"))
            if year_required and year is None:
                continue
            month, day = _month_of(match, "m"), int(match.group("d"))
            if month is None or not 1 <= month <= 12 or not 1 <= day <= 31:
                continue
            if best is None or match.start() < best[0].start():
                best = (match, month, day, year)
            break
    return best


def parse_month_day(text: str, *, near: date) -> date | None:
    """Parse "Apr 7", "April 7th", "Sept 4", "4月7日", "4月7号" (found inside ``text``).

    The year is the one that puts the date closest to ``near`` (the issue's week), so "Dec 30"
    near 2027-01-03 is 2026-12-30. A year written in the text ("Apr 7, 2026") wins.
    """
    if not text:
        return None
    found = _first_match(text, _MONTH_DAY_PATTERNS, year_required=False)
    if found is None:
        return None
    _, month, day, year = found
    if year is not None:
        return _safe_date(year, month, day)
    candidates = [
        d
        for d in (_safe_date(near.year + offset, month, day) for offset in (-1, 0, 1))
        if d is not None
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda d: abs((d - near).days))


def parse_day(text: str) -> date | None:
    """Parse a full date found in ``text``: "Apr 10th 2026", "April 10, 2026", "10 April 2026",
    "2026-04-07", "2026年4月10日", "2026/4/10"."""
    if not text:
        return None
    found = _first_match(text, _MONTH_DAY_PATTERNS, year_required=True)
    if found is None:
        return None
    _, month, day, year = found
    assert year is not None
    return _safe_date(year, month, day)


def parse_rfc822(text: str) -> datetime | None:
    """Parse an RFC 822/1123 feed date ("Fri, 10 Apr 2026 00:00:00 +0000"), always aware.

    ``email.utils`` returns a naive datetime for "-0000" (zone unknown) and for a missing zone;
    both are taken as UTC, which is what feeds mean by them.
    """
    if not text or not text.strip():
        return None
    try:
        parsed = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name)


def _offset(text: str) -> tzinfo | None:
    """A UTC offset such as "Z", "+08:00", "+0800", "+08"; ``None`` if out of range."""
    upper = text.upper()
    if upper in {"Z", "UTC", "GMT"}:
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_local_datetime(text: str, tz: str = "Asia/Shanghai") -> datetime | None:
    """Parse "2026-04-10 08:30", "2026-4-10 08:30", "2026-04-10T08:30:00+08:00", "2026-04-10".

    An explicit offset is kept; naive values are local time in ``tz`` (the blog's zone).
    Date-only values are local midnight.
    """
    if not text:
        return None
    match = _LOCAL_DATETIME.search(text)
    if match is None:
        return None
    zone: tzinfo | None = _zone(tz)
    if match.group("tz"):
        zone = _offset(match.group("tz"))
        if zone is None:
            return None
    fraction = (match.group("f") or "").ljust(6, "0")
    try:
        return datetime(
            int(match.group("y")),
            int(match.group("m")),
            int(match.group("d")),
            int(match.group("H") or 0),
            int(match.group("M") or 0),
            int(match.group("S") or 0),
            int(fraction),
            tzinfo=zone,
        )
    except ValueError:  # hour 25, February 30, ...
        return None


@lru_cache(maxsize=4096)
def parse_date_fallback(text: str, languages: tuple[str, ...] = ("en", "zh")) -> date | None:
    """Last resort for date strings none of the fixed forms match: dateparser, cached.

    Slow (15-50 ms per miss), so results are memoized and long prose is refused outright.
    Only absolute dates with day, month and year are accepted, so the answer never depends on
    the current date.
    """
    text = text.strip() if text else ""
    if not text or len(text) > _FALLBACK_MAX_CHARS:
        return None
    import dateparser  # imported lazily: it is slow to import and rarely needed

    try:
        parsed = dateparser.parse(
            text,
            languages=list(languages),
            settings=_FALLBACK_SETTINGS,
        )
    except Exception:  # the last resort must never raise: garbage in, None out
        return None
    return parsed.date() if parsed is not None else None
