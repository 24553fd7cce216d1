"""Quantities as anchors: 300亿美元, $30B and 30 billion dollars all give ``num:3e+10:usd``.

Chinese numerals are read in both scripts (万/萬, 亿/億, 两/兩), so a Traditional text matches
even before (or without) conversion to Simplified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from aggregator.anchors.text import normalize_for_anchors

__all__ = ["number_keys", "number_keys_in", "parse_chinese_numeral"]

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
# Both scripts: Traditional 萬/億 are the same units as Simplified 万/亿.
_CN_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_YI = 100_000_000


def parse_chinese_numeral(text: str) -> float | None:
    """Value of a Chinese numeral such as 二十五, 三千亿, 一百二十万, 两万亿, 兩萬億 (None if
    malformed)."""
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
            elif big == _YI:
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
    (r"日元|日圆|日圓|yen|JPY", "jpy", 1.0),  # 日圓: Taiwan usage
    (r"澳元|AUD", "aud", 1.0),
    (r"港元|港币|HKD", "hkd", 1.0),
    (r"韩元|won", "krw", 1.0),
    (r"人民币|元|yuan|renminbi|RMB|CNY", "cny", 1.0),
    (r"千兆瓦|吉瓦|gigawatts?|GW", "w", 1e9),
    (r"兆瓦|megawatts?|MW", "w", 1e6),
    (r"千瓦|kilowatts?|kW", "w", 1e3),
    (r"参数|引数|引數|parameters?|params?", "params", 1.0),  # 引數: Taiwan usage
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
    r"|(?P<zmult>[十百千万亿萬億]+))?"
    r"(?P<plus>\+|多|余)?"
    rf"(?:\s?-?\s?(?P<unit>{_UNIT_ALT})(?![A-Za-z]))?",
)
_CN_DIGIT_CHARS = "".join(_CN_DIGITS)
_CN_ALL = _CN_DIGIT_CHARS + "".join(_CN_SMALL_UNITS) + "".join(_CN_BIG_UNITS)
_CN_NUMBER_RE = re.compile(
    rf"(?P<pct>百分之)?(?P<cn>[{_CN_ALL}]*[{_CN_DIGIT_CHARS}][{_CN_ALL}]*)"
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


def number_keys_in(text: str) -> list[str]:
    """Quantity keys of an already normalized (and masked) text."""
    return [k for n in _number_spans(text) if (k := n.key()) is not None]


def number_keys(text: str) -> list[str]:
    """Normalized quantities: 300亿美元 and $30B both give ``num:3e+10:usd``."""
    return number_keys_in(normalize_for_anchors(text))

