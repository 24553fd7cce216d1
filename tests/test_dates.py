"""Tests for ``aggregator.dates``: every fixed form, year inference, garbage, awareness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from aggregator.dates import (
    MAX_WEEK_DAYS,
    DateSpan,
    find_dates,
    parse_date_fallback,
    parse_day,
    parse_local_datetime,
    parse_month_day,
    parse_rfc822,
    parse_week_range,
)

D = date
APR_3_9 = (D(2026, 4, 3), D(2026, 4, 9))
SHANGHAI = ZoneInfo("Asia/Shanghai")
GARBAGE = [
    "",
    "   ",
    "garbage",
    "Issue #481",
    "April",
    "2026",
    "13/45/2026",
    "Feb 30 – 31, 2026",
    "\ufffd\ufffd",
    "年月日",
    "April 31, 2026",
    "x" * 5000,
]


# --- parse_week_range ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English, as the archive and the classic issue pages print it
        ("April 3 – 9, 2026", APR_3_9),  # dateparser.parse() returns None for this one
        ("July 31 – August 6, 2026", (D(2026, 7, 31), D(2026, 8, 6))),
        # dateparser.search_dates turns this range's end into September
        ("August 28 – September 3, 2026", (D(2026, 8, 28), D(2026, 9, 3))),
        ("December 29, 2025 – January 4, 2026", (D(2025, 12, 29), D(2026, 1, 4))),
        ("April 3, 2026 - April 9, 2026", APR_3_9),
        ("Apr 3 – 9, 2026", APR_3_9),
        ("Apr. 3 — 9, 2026", APR_3_9),  # em dash
        ("April 3-9, 2026", APR_3_9),  # no spaces
        ("April 3 to 9, 2026", APR_3_9),
        ("April 3rd – 9th, 2026", APR_3_9),
        ("Sept 28 – Oct 4, 2026", (D(2026, 9, 28), D(2026, 10, 4))),
        ("3 – 9 April 2026", APR_3_9),
        ("2026-04-03 – 2026-04-09", APR_3_9),
        # Chinese, as the mirror posts print it (dateparser silently returns a wrong date)
        ("2026年4月3日-9日", APR_3_9),
        ("2026年4月3日 – 9日", APR_3_9),
        ("2026年4月3日至9日", APR_3_9),
        ("2026年4月3日~9日", APR_3_9),
        ("2026年7月31日 – 8月6日", (D(2026, 7, 31), D(2026, 8, 6))),
        ("2025年12月29日-2026年1月4日", (D(2025, 12, 29), D(2026, 1, 4))),
        # found inside longer text
        ("(本期周期:2026年4月3日-9日)", APR_3_9),
        ("（本期周期：2026年5月29日-6月4日）", (D(2026, 5, 29), D(2026, 6, 4))),
        ("This week, April 3 – 9, 2026, was busy", APR_3_9),
        ("\u00a0April 3\u00a0–\u00a09, 2026\u00a0", APR_3_9),
    ],
)
def test_parse_week_range(text: str, expected: tuple[date, date]) -> None:
    assert parse_week_range(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The year is written once; the range crosses New Year either way round.
        ("December 29 – January 4, 2026", (D(2025, 12, 29), D(2026, 1, 4))),
        ("December 29, 2025 – January 4", (D(2025, 12, 29), D(2026, 1, 4))),
        ("2025年12月29日-1月4日", (D(2025, 12, 29), D(2026, 1, 4))),
        ("December 28 – 3, 2026", (D(2025, 12, 28), D(2026, 1, 3))),
        ("April 28 – 4, 2026", (D(2026, 4, 28), D(2026, 5, 4))),  # end month implied
    ],
)
def test_parse_week_range_infers_years_across_new_year(
    text: str, expected: tuple[date, date]
) -> None:
    start, end = expected
    assert parse_week_range(text) == (start, end)
    assert start <= end


@pytest.mark.parametrize(
    "text",
    [
        *GARBAGE,
        "April 16–24",  # no year anywhere: prose, not an issue's week
        "Vote runs April 16–24.",
        "Issue #496: Preemption Stalls",
        "2026年4月",
    ],
)
def test_parse_week_range_rejects_garbage(text: str) -> None:
    assert parse_week_range(text) is None


@pytest.mark.parametrize(
    "sep", ["\uff0d", "\u2212", "\ufe63", "\ufe58", "\u2053"], ids=["fullwidth-hyphen-minus",
                                                                 "minus", "small-hyphen-minus",
                                                                 "small-em-dash", "swung-dash"]
)
def test_parse_week_range_accepts_input_method_dashes(sep: str) -> None:
    """A Chinese input method types "－" (U+FF0D) for a dash; pasted text brings "−", "﹣"."""
    new_year = (D(2026, 12, 29), D(2027, 1, 4))
    assert parse_week_range(f"（本期周期：2026年12月29日{sep}2027年1月4日）") == new_year
    assert parse_week_range(f"2026年12月29日 {sep} 1月4日") == new_year
    assert parse_week_range(f"2027年5月25日{sep}31日") == (D(2027, 5, 25), D(2027, 5, 31))
    assert parse_week_range(f"December 29, 2026 {sep} January 4, 2027") == new_year


def test_parse_week_range_picks_the_first_range() -> None:
    text = "2026年4月3日-9日 and later April 10 – 16, 2026"
    assert parse_week_range(text) == APR_3_9


def test_parse_week_range_refuses_spans_longer_than_a_week() -> None:
    assert parse_week_range(f"April 1 – {1 + MAX_WEEK_DAYS}, 2026") is not None
    assert parse_week_range(f"April 1 – {2 + MAX_WEEK_DAYS}, 2026") is None
    # ... and then finds the week after it
    assert parse_week_range("Vote April 1 – 30, 2026; week April 3 – 9, 2026") == APR_3_9


# --- find_dates (the scanner under every parser) ---------------------------------------------
def test_find_dates_spans_and_longest_form() -> None:
    text = "截至4月7日，2026年4月3日-9日 April 10 and 2026-04-11"
    spans = find_dates(text)
    assert [(text[s.start : s.end], s.first, s.last, s.year) for s in spans] == [
        ("4月7日", (4, 7), None, None),
        ("2026年4月3日-9日", (4, 3), (4, 9), 2026),
        ("April 10", (4, 10), None, None),
        ("2026-04-11", (4, 11), None, 2026),
    ]


def test_find_dates_capitalized_month_names_only_on_request() -> None:
    assert find_dates("you may 7 times") != []
    assert find_dates("you may 7 times", capitalized=True) == []
    assert find_dates("May 7", capitalized=True)[0].first == (5, 7)


@pytest.mark.parametrize(
    ("span", "week"),
    [
        (DateSpan(0, 1, (12, 29), (1, 4), None, 2026), (D(2025, 12, 29), D(2026, 1, 4))),
        (DateSpan(0, 1, (12, 29), (1, 4), 2026, None), (D(2026, 12, 29), D(2027, 1, 4))),
        (DateSpan(0, 1, (4, 3), (4, 9), None, None), None),  # no year
        (DateSpan(0, 1, (4, 3), None, 2026, None), None),  # a single date
        (DateSpan(0, 1, (2, 30), (3, 4), 2026, None), None),  # no such day
    ],
)
def test_date_span_week(span: DateSpan, week: tuple[date, date] | None) -> None:
    assert span.week() == week


# --- parse_month_day --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["Apr 7", "April 7", "Apr 7th", "apr. 7", "7 April", "4月7日", "4月7号", "Apr 7 · Bloomberg"],
)
def test_parse_month_day_forms(text: str) -> None:
    assert parse_month_day(text, near=D(2026, 4, 3)) == D(2026, 4, 7)


@pytest.mark.parametrize(
    ("text", "near", "expected"),
    [
        ("Sept 4", D(2026, 9, 4), D(2026, 9, 4)),
        ("Sep 4", D(2026, 9, 4), D(2026, 9, 4)),
        ("Apr 2", D(2026, 4, 3), D(2026, 4, 2)),  # a story from the day before the week
        ("Dec 30", D(2027, 1, 3), D(2026, 12, 30)),  # previous year is closer
        ("Jan 2", D(2026, 12, 29), D(2027, 1, 2)),  # next year is closer
        ("12月30日", D(2027, 1, 3), D(2026, 12, 30)),
        ("1月2号", D(2026, 12, 29), D(2027, 1, 2)),
        ("Feb 29", D(2028, 2, 25), D(2028, 2, 29)),  # only the leap year has it
        ("Apr 7, 2025", D(2026, 4, 3), D(2025, 4, 7)),  # an explicit year wins
    ],
)
def test_parse_month_day_infers_year_near(text: str, near: date, expected: date) -> None:
    assert parse_month_day(text, near=near) == expected


@pytest.mark.parametrize("text", [*GARBAGE, "Apr 32", "13月2日", "Bloomberg"])
def test_parse_month_day_rejects_garbage(text: str) -> None:
    assert parse_month_day(text, near=D(2026, 4, 3)) is None


# --- parse_day --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Apr 10th 2026",
        "April 10, 2026",
        "10 April 2026",
        "2026-04-10",
        "2026年4月10日",
        "2026/4/10",
        "Fri, 10 Apr 2026 00:00:00 +0000",
        "published Apr 10th 2026",
    ],
)
def test_parse_day_forms(text: str) -> None:
    assert parse_day(text) == D(2026, 4, 10)


@pytest.mark.parametrize("text", [*GARBAGE, "Apr 10", "4月10日", "2026-02-30"])
def test_parse_day_rejects_incomplete_or_garbage(text: str) -> None:
    assert parse_day(text) is None


# --- parse_rfc822 -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fri, 10 Apr 2026 00:00:00 +0000", datetime(2026, 4, 10, tzinfo=UTC)),
        ("Fri, 10 Apr 2026 00:00:00 -0000", datetime(2026, 4, 10, tzinfo=UTC)),  # "unknown"
        ("Fri, 10 Apr 2026 00:00:00 GMT", datetime(2026, 4, 10, tzinfo=UTC)),
        ("10 Apr 2026 00:00:00", datetime(2026, 4, 10, tzinfo=UTC)),  # no zone at all
        (
            "Fri, 10 Apr 2026 08:30:00 +0800",
            datetime(2026, 4, 10, 8, 30, tzinfo=timezone(timedelta(hours=8))),
        ),
        ("  Fri, 10 Apr 2026 00:00:00 +0000\n", datetime(2026, 4, 10, tzinfo=UTC)),
    ],
)
def test_parse_rfc822(text: str, expected: datetime) -> None:
    parsed = parse_rfc822(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() is not None
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", [*GARBAGE, "Fri, 99 Apr 2026 00:00:00 +0000"])
def test_parse_rfc822_rejects_garbage(text: str) -> None:
    assert parse_rfc822(text) is None


# --- parse_local_datetime ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-10 08:30", datetime(2026, 4, 10, 8, 30, tzinfo=SHANGHAI)),
        ("2026-4-10 08:30", datetime(2026, 4, 10, 8, 30, tzinfo=SHANGHAI)),
        ("2026-04-10 08:30:15", datetime(2026, 4, 10, 8, 30, 15, tzinfo=SHANGHAI)),
        ("2026年4月10日 08:30", datetime(2026, 4, 10, 8, 30, tzinfo=SHANGHAI)),
        ("2026-04-10", datetime(2026, 4, 10, tzinfo=SHANGHAI)),
        (
            "2026-04-10T08:30:00+08:00",
            datetime(2026, 4, 10, 8, 30, tzinfo=timezone(timedelta(hours=8))),
        ),
        ("2026-04-10T00:30:00Z", datetime(2026, 4, 10, 0, 30, tzinfo=UTC)),
        ("发布于 2026-4-10 08:30 阅读", datetime(2026, 4, 10, 8, 30, tzinfo=SHANGHAI)),
    ],
)
def test_parse_local_datetime(text: str, expected: datetime) -> None:
    parsed = parse_local_datetime(text)
    assert parsed == expected
    assert (parsed is not None and parsed.utcoffset() == timedelta(hours=8)) or (
        parsed is not None and parsed.utcoffset() == expected.utcoffset()
    )


def test_parse_local_datetime_keeps_explicit_offset() -> None:
    parsed = parse_local_datetime("2026-04-10T08:30:00-05:00", tz="Asia/Shanghai")
    assert parsed is not None and parsed.utcoffset() == timedelta(hours=-5)


def test_parse_local_datetime_other_zone() -> None:
    parsed = parse_local_datetime("2026-04-10 08:30", tz="Europe/Berlin")
    assert parsed == datetime(2026, 4, 10, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", [*GARBAGE, "2026-04-10 25:30", "2026-13-01 08:00"])
def test_parse_local_datetime_rejects_garbage(text: str) -> None:
    assert parse_local_datetime(text) is None


# --- parse_date_fallback ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "languages"),
    [("April 10 2026", ("en",)), ("10 avril 2026", ("fr",)), ("2026年4月10日", ("zh",))],
)
def test_parse_date_fallback(text: str, languages: tuple[str, ...]) -> None:
    assert parse_date_fallback(text, languages) == D(2026, 4, 10)


@pytest.mark.parametrize("text", [*GARBAGE, "tomorrow", "3 days ago", "April 10"])
def test_parse_date_fallback_never_guesses(text: str) -> None:
    # Relative or year-less dates would depend on the day the crawler runs.
    assert parse_date_fallback(text) is None


def test_parse_date_fallback_is_cached() -> None:
    parse_date_fallback.cache_clear()
    parse_date_fallback("April 10 2026")
    parse_date_fallback("April 10 2026")
    assert parse_date_fallback.cache_info().hits >= 1


# --- every returned datetime is aware ---------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        parse_rfc822("Fri, 10 Apr 2026 00:00:00 -0000"),
        parse_rfc822("10 Apr 2026 00:00:00"),
        parse_local_datetime("2026-04-10 08:30"),
        parse_local_datetime("2026-04-10"),
        parse_local_datetime("2026-04-10T08:30:00+08:00"),
    ],
)
def test_datetimes_are_aware(value: datetime | None) -> None:
    assert value is not None and value.tzinfo is not None and value.utcoffset() is not None


def test_fixed_forms_are_fast() -> None:
    # The whole point of not using dateparser on the hot path: well under 1 ms per call.
    import time

    started = time.perf_counter()
    for _ in range(1000):
        parse_week_range("August 28 – September 3, 2026")
        parse_month_day("Sep 1", near=D(2026, 8, 28))
    assert time.perf_counter() - started < 1.0
