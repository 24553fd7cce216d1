"""Anchor extraction (``aggregator.anchors``) and the glossary (``aggregator.glossary``).

Anchors must come out identical for an English text and its Chinese translation: every test
here states one equivalence the linker relies on.
"""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest

from aggregator.anchors import (
    AnchorOptions,
    date_keys,
    detect_issue_number,
    detect_week,
    extract_anchors,
    link_key,
    name_keys,
    number_keys,
    outlet_key,
    parse_chinese_numeral,
)
from aggregator.anchors.script import looks_traditional, to_simplified
from aggregator.dates import parse_week_range
from aggregator.glossary import (
    DEFAULT_GLOSSARY,
    Glossary,
    GlossaryEntry,
    load_glossary_file,
    load_glossary_text,
    load_glossary_tsv,
)

# ---------------------------------------------------------------------------------------------
# Numbers: every spelling in a row gives the same key.

NUMBER_EQUIVALENCES = [
    (["300亿美元", "$30B", "30 billion dollars", "$30 billion", "US$30bn"], "num:3e+10:usd"),
    (["13亿", "1.3 billion", "1,300,000,000"], "num:1.3e+09"),
    (["2.2万", "22K", "22,000", "22k"], "num:2.2e+04"),
    (["百分之25", "25%", "25 %", "25 percent", "百分之二十五", "25％"], "num:25:pct"),
    (["3.5吉瓦", "3.5GW", "3.5 gigawatts", "3,500 MW", "3500兆瓦"], "num:3.5e+09:w"),
    (["4000亿参数", "400B parameters", "400 billion parameters", "400B-parameter"],
     "num:4e+11:params"),
    (["1.2万亿美元", "$1.2T", "$1.2 trillion"], "num:1.2e+12:usd"),
    (["3.21亿美元", "$321M", "$321 million"], "num:3.21e+08:usd"),
    (["16.5万", "165,000", "165K"], "num:1.65e+05"),
    (["5000万澳元", "A$50M"], "num:5e+07:aud"),
    (["150亿元", "15 billion yuan", "RMB 15 billion"], "num:1.5e+10:cny"),
    (["11个百分点", "11 percentage points", "11 points"], "num:11:pt"),
    (["2.1倍", "2.1x", "2.1 times"], "num:2.1:x"),
    (["2万亿参数", "2-trillion-parameter"], "num:2e+12:params"),
    (["400亿欧元", "€40B", "40 billion euros"], "num:4e+10:eur"),
]  # fmt: skip


@pytest.mark.parametrize(("spellings", "key"), NUMBER_EQUIVALENCES)
def test_number_spellings_normalize_to_one_key(spellings: list[str], key: str) -> None:
    for text in spellings:
        assert number_keys(text) == [key], text


def test_number_in_running_text_keeps_its_unit() -> None:
    zh = "Anthropic年度预期达300亿美元,反超OpenAI的240亿美元,锁定3.5吉瓦算力。"
    en = "Anthropic's run rate passed OpenAI's — $30 billion to $24 billion — and 3.5 gigawatts."
    assert (
        set(number_keys(zh))
        == set(number_keys(en))
        == {
            "num:3e+10:usd",
            "num:2.4e+10:usd",
            "num:3.5e+09:w",
        }
    )


def test_ranges_share_multiplier_and_unit() -> None:
    assert number_keys("索赔790-970亿美元") == ["num:7.9e+10:usd", "num:9.7e+10:usd"]
    assert number_keys("$79–97 billion in damages") == ["num:7.9e+10:usd", "num:9.7e+10:usd"]


def test_names_dates_and_small_numbers_are_not_quantities() -> None:
    # Bare numbers under 10 match by chance; model names keep their digits as names.
    assert number_keys("4 models, 第2次, Q4") == []
    assert number_keys("H100 and Ascend 950PR and GPT-5.5 and COVID-19") == []
    assert "num:7" not in extract_anchors("4月7日")
    assert number_keys("1,000th robot") == number_keys("第1000台机器人") == ["num:1000"]


def test_chinese_numerals() -> None:
    assert parse_chinese_numeral("二十五") == 25
    assert parse_chinese_numeral("一百二十万") == 1_200_000
    assert parse_chinese_numeral("三千亿") == 300_000_000_000
    assert parse_chinese_numeral("两万亿") == 2_000_000_000_000
    assert parse_chinese_numeral("一亿二千万") == 120_000_000
    assert parse_chinese_numeral("万亿") == 1_000_000_000_000
    assert parse_chinese_numeral("abc") is None
    # Chinese numerals are ordinary words too (一家, 统一): only kept with a unit.
    assert number_keys("一家公司统一了标准") == []
    assert number_keys("两倍") == ["num:2:x"]


# ---------------------------------------------------------------------------------------------
# Dates, weeks, issue numbers


@pytest.mark.parametrize(
    ("zh", "en"),
    [
        ("4月7日", "Apr 7"),
        ("4月7日", "April 7"),
        ("8月21日", "Aug. 21"),
        ("4月16日至24日", "April 16–24"),
        ("9月30日-10月6日", "September 30 – October 6"),
        ("2026年4月7日", "7 April 2026"),
    ],
)
def test_dates_match_across_languages(zh: str, en: str) -> None:
    assert date_keys(zh) == date_keys(en)
    assert date_keys(zh)


def test_month_day_key_and_iso_date() -> None:
    assert date_keys("4月7日") == ["date:04-07"]
    assert date_keys("2026-04-07") == ["date:04-07"]
    assert date_keys("you may 7 times") == []  # lower-case "may" is a verb


def test_detect_week() -> None:
    week = (date(2026, 4, 3), date(2026, 4, 9))
    assert detect_week("(本期周期:2026年4月3日-9日)") == week
    assert detect_week("April 3 – 9, 2026") == week
    assert detect_week("September 30 – October 6, 2026") == (date(2026, 9, 30), date(2026, 10, 6))
    assert detect_week("December 29 – January 4, 2027") == (date(2026, 12, 29), date(2027, 1, 4))
    assert detect_week("Apr 7 and Apr 9") is None  # no year, no range


def test_detect_issue_number_from_titles_only() -> None:
    assert detect_issue_number("AI周刊第481期:马斯克呼吁解雇奥特曼") == 481
    assert detect_issue_number("Issue #481: Musk Wants Altman Fired") == 481
    assert detect_issue_number("AI Weekly Issue 519: Title") == 519
    assert detect_issue_number("百度完成新一轮融资") is None


# ---------------------------------------------------------------------------------------------
# Names


def test_latin_names_normalize_case_space_and_hyphen() -> None:
    assert {"name:gemma", "name:gemma4"} <= set(name_keys("Google releases Gemma 4"))
    assert {"name:gemma", "name:gemma4"} <= set(name_keys("谷歌发布Gemma 4系列"))
    assert "name:h100" in name_keys("H100") and "name:h100" in name_keys("h100集群")
    for spelling in ("GPT-5.5", "gpt-5.5", "GPT 5.5"):
        assert {"name:gpt", "name:gpt5.5"} <= set(name_keys(spelling)), spelling
    for spelling in ("DeepSeek V4", "deepseek v4", "DEEPSEEK V4", "DeepSeek-V4"):
        assert "name:deepseekv4" in extract_anchors(spelling), spelling
    assert "ent:anthropic" in extract_anchors("Anthropic年度预期")  # no \\b between Latin and CJK


def test_lowercase_words_and_sentence_starts_are_not_names() -> None:
    assert name_keys("the model was released and The rest") == []


# ---------------------------------------------------------------------------------------------
# Glossary


@pytest.mark.parametrize(
    ("zh", "en", "key"),
    [
        ("彭博社", "Bloomberg", "bloomberg"),
        ("路透社", "Reuters", "reuters"),
        ("《南华早报》", "South China Morning Post", "scmp"),
        ("英伟达", "NVIDIA", "nvidia"),
        ("英伟达", "Nvidia", "nvidia"),
        ("谷歌", "Google", "google"),
        ("奥特曼", "Sam Altman", "altman"),
        ("阿尔特曼", "Altman", "altman"),
        ("马斯克", "Musk", "musk"),
        ("《华尔街日报》", "The Wall Street Journal", "wsj"),
        ("英国《金融时报》", "Financial Times", "ft"),
        ("美联社", "Associated Press", "ap"),
        ("黄仁勋", "Jensen Huang", "jensen_huang"),
        ("深度求索", "DeepSeek", "deepseek"),
        ("台积电", "TSMC", "tsmc"),
        ("阿布扎比", "Abu Dhabi", "abu_dhabi"),
    ],
)
def test_glossary_maps_both_languages_to_one_key(zh: str, en: str, key: str) -> None:
    assert f"ent:{key}" in extract_anchors(f"据{zh}报道"), zh
    assert f"ent:{key}" in extract_anchors(f"according to {en}."), en


def test_glossary_covers_common_ai_news_entities() -> None:
    kinds = {e.kind for e in DEFAULT_GLOSSARY.entries}
    assert len(DEFAULT_GLOSSARY) >= 150
    assert {"outlet", "company", "person", "place", "org", "product"} <= kinds


def test_case_sensitive_aliases_do_not_match_common_words() -> None:
    assert "ent:time" in extract_anchors("Time magazine named")
    assert "ent:time" not in extract_anchors("at the same time")
    assert "ent:meta" in extract_anchors("Meta launched") and not extract_anchors("meta tags")


def test_outlet_key_uses_glossary_or_latin_name() -> None:
    assert outlet_key("彭博社") == outlet_key("Bloomberg") == "ent:bloomberg"
    assert outlet_key("《综艺》") == outlet_key("Variety") == "ent:variety"
    assert outlet_key("TechWire Asia") == "name:techwireasia"
    assert outlet_key(None) is None


def test_glossary_extension(tmp_path: Path) -> None:
    extra = load_glossary_text("[company]\nlumora | Lumora AI | 流光智能\n")
    glossary = DEFAULT_GLOSSARY.extended(extra)
    assert "ent:lumora" in extract_anchors("流光智能发布", glossary=glossary)
    assert "ent:lumora" in extract_anchors("Lumora AI ships", glossary=glossary)
    assert "ent:lumora" not in extract_anchors("流光智能发布")  # the default is unchanged
    # Merging an alias into an existing key.
    assert "ent:nvidia" not in extract_anchors("恩维迪亚财报")
    merged = DEFAULT_GLOSSARY.extended([GlossaryEntry("nvidia", "company", zh=("恩维迪亚",))])
    assert "ent:nvidia" in extract_anchors("恩维迪亚财报", glossary=merged)
    path = tmp_path / "extra.json"
    path.write_text('[{"key": "acme", "kind": "company", "en": ["Acme"], "zh": ["艾克米"]}]')
    assert "ent:acme" in extract_anchors(
        "艾克米", glossary=Glossary(tuple(load_glossary_file(path)))
    )
    with pytest.raises(ValueError, match="line 1"):
        load_glossary_text("broken line without separators")


# ---------------------------------------------------------------------------------------------
# All together


def test_translation_pair_shares_most_anchors() -> None:
    zh = "Anthropic年度预期达300亿美元,超越OpenAI · 4月7日 · 彭博社"
    en = "Anthropic Hits $30B Run Rate, Passes OpenAI · Apr 7 · Bloomberg"
    shared = extract_anchors(zh) & extract_anchors(en)
    assert shared == {
        "ent:anthropic",
        "ent:openai",
        "ent:bloomberg",
        "num:3e+10:usd",
        "date:04-07",
    }


def test_links_are_canonical_and_urls_do_not_leak_numbers() -> None:
    keys = extract_anchors(
        "see https://www.bloomberg.com/news/2026-04-07/x?utm_source=a#top for $30B",
        links=["HTTP://WWW.Example.com/a/"],
    )
    assert link_key("https://www.bloomberg.com/news/2026-04-07/x") in keys
    assert "link:https://www.example.com/a" in keys
    assert "date:04-07" not in keys  # the date inside the URL is not a story date
    assert "num:3e+10:usd" in keys


def test_options_switch_families_off() -> None:
    text = "英伟达 4月7日 300亿美元 Gemma 4"
    assert not any(
        k.startswith("num:") for k in extract_anchors(text, options=AnchorOptions(numbers=False))
    )
    assert not any(
        k.startswith("ent:") for k in extract_anchors(text, options=AnchorOptions(glossary=False))
    )
    assert not any(
        k.startswith("date:") for k in extract_anchors(text, options=AnchorOptions(dates=False))
    )
    assert not any(
        k.startswith("name:") for k in extract_anchors(text, options=AnchorOptions(names=False))
    )


# ---------------------------------------------------------------------------------------------
# One date grammar: the linker reads weeks exactly as the page objects do

D = date
APR_3_9 = (D(2026, 4, 3), D(2026, 4, 9))
NEW_YEAR = (D(2025, 12, 29), D(2026, 1, 4))
WEEK_FORMS = [
    ("April 3 – 9, 2026", APR_3_9),
    ("April 3-9, 2026", APR_3_9),
    ("Apr 3-9, 2026", APR_3_9),
    ("Apr 3-9", None),  # no year: not a week (prose says "April 16–24" too)
    ("December 29, 2025 – January 4, 2026", NEW_YEAR),
    ("December 29 – January 4, 2026", NEW_YEAR),
    ("July 31 – August 6, 2026", (D(2026, 7, 31), D(2026, 8, 6))),
    ("3 – 9 April 2026", APR_3_9),
    ("2026-04-03 – 2026-04-09", APR_3_9),
    ("2026年4月3日 – 9日", APR_3_9),
    ("2026年4月3日-9日", APR_3_9),
    ("2026年4月3日－9日", APR_3_9),  # fullwidth hyphen-minus
    ("2026年4月3日～9日", APR_3_9),  # fullwidth tilde
    ("2026年4月3日至9日", APR_3_9),
    ("2026年4月3日到9日", APR_3_9),
    ("２０２６年４月３日－９日", APR_3_9),  # fullwidth digits
    ("2026年12月29日 – 2027年1月4日", (D(2026, 12, 29), D(2027, 1, 4))),
    ("2025年12月29日-1月4日", NEW_YEAR),
    ("4月3日-9日", None),  # no year
    ("（本期期間：2026年4月3日-9日）", APR_3_9),
    ("發佈於April 3 – 9, 2026", APR_3_9),  # no word boundary between CJK and Latin
    ("April 1 – 30, 2026", None),  # a month, not a week
]


@pytest.mark.parametrize(("text", "expected"), WEEK_FORMS)
def test_linker_and_page_objects_read_weeks_alike(
    text: str, expected: tuple[date, date] | None
) -> None:
    assert parse_week_range(text) == expected
    assert detect_week(text) == expected
    assert detect_week(f"本期回顾 {text} 完") == parse_week_range(f"本期回顾 {text} 完")


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("4月7號", ["date:04-07"]),
        ("發佈於April 7", ["date:04-07"]),
        ("2026/4/7", ["date:04-07"]),
        ("April 28 – 4, 2026", ["date:04-28", "date:05-04"]),  # the end month is implied
        ("4月16日至24日", ["date:04-16", "date:04-24"]),
    ],
)
def test_date_keys_use_the_same_grammar(text: str, keys: list[str]) -> None:
    assert date_keys(text) == keys


# ---------------------------------------------------------------------------------------------
# Traditional Chinese


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("300億美元", "300亿美元"),
        ("1.2萬億美元", "1.2万亿美元"),
        ("2.2萬", "2.2万"),
        ("兩倍", "两倍"),
        ("兩萬億引數", "两万亿参数"),  # 引數: Taiwan for parameters
        ("5000萬日圓", "5000万日元"),
    ],
)
def test_traditional_numbers_read_natively(traditional: str, simplified: str) -> None:
    assert number_keys(traditional) == number_keys(simplified) != []


def test_traditional_numerals() -> None:
    assert parse_chinese_numeral("兩萬億") == parse_chinese_numeral("两万亿") == 2e12
    assert parse_chinese_numeral("三千億") == 3e11
    assert parse_chinese_numeral("十二萬") == 120_000


@pytest.mark.parametrize(
    ("traditional", "key"),
    [
        ("輝達", "ent:nvidia"),
        ("英偉達", "ent:nvidia"),
        ("奧特曼", "ent:altman"),
        ("臉書", "ent:facebook"),
        ("推特", "ent:x_twitter"),
        ("彭博社", "ent:bloomberg"),
        ("路透社", "ent:reuters"),
        ("日經亞洲", "ent:nikkei"),
        ("華爾街日報", "ent:wsj"),
        ("富比士", "ent:forbes"),
        ("祖克柏", "ent:zuckerberg"),
        ("台積電", "ent:tsmc"),
        ("昇騰", "ent:ascend"),
        ("矽谷", "ent:silicon_valley"),
        ("資料中心", "topic:data_center"),
        ("晶片", "topic:chips"),
        ("智慧體", "topic:agent"),
    ],
)
def test_taiwan_spellings_resolve_after_conversion(traditional: str, key: str) -> None:
    assert key in extract_anchors(to_simplified(f"據報導，{traditional}本週宣佈"))


def test_script_detection() -> None:
    assert looks_traditional("輝達發佈財報，營收創新高")
    assert not looks_traditional("英伟达发布财报，营收创新高")
    assert not looks_traditional("Nvidia reports record revenue")
    assert to_simplified("Nvidia 2026") == "Nvidia 2026"


# ---------------------------------------------------------------------------------------------
# The glossary is data


def test_glossary_ships_as_package_data_and_loads_whole() -> None:
    text = files("aggregator.anchors").joinpath("glossary.tsv").read_text(encoding="utf-8")
    entries = load_glossary_tsv(text)
    assert tuple(entries) == DEFAULT_GLOSSARY.entries
    assert len({e.key for e in entries}) == len(entries)  # one line per key


def test_glossary_tsv_rejects_malformed_lines() -> None:
    with pytest.raises(ValueError, match="line 2"):
        load_glossary_tsv("nvidia\tcompany\tNvidia\t英伟达\nbroken line\n")
    with pytest.raises(ValueError, match="kind"):
        load_glossary_tsv("nvidia\tchipmaker\tNvidia\t英伟达\n")


def test_glossary_digest_follows_entries_not_layout() -> None:
    base = [GlossaryEntry("nvidia", "company", ("Nvidia",), ("英伟达",))]
    same = Glossary(tuple(load_glossary_tsv("# comment\n\nnvidia\tcompany\tNvidia\t英伟达\n")))
    assert Glossary(tuple(base)).digest == same.digest
    more = Glossary(tuple(base)).extended([GlossaryEntry("nvidia", "company", zh=("輝達",))])
    assert more.digest != same.digest
