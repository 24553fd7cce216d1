"""The CC-CEDICT bridge and the word segmentation behind paraphrase linking."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.linking import bridge
from aggregator.linking.segment import en_terms, stem, zh_words

# Lines in CC-CEDICT's format, written for this test.
LINES = [
    "# a comment line",
    "數據集 数据集 [shu4 ju4 ji2] /data set/",
    "發布 发布 [fa1 bu4] /to release/to issue/to announce/to publish/",
    "張 张 [Zhang1] /surname Zhang/",
    "張 张 [zhang1] /to open up/to spread/sheet of paper/classifier for flat objects/",
    "範圍 范围 [fan4 wei2] /range/scope/limit/CL:個|个[ge4]/",
    "請求 请求 [qing3 qiu2] /to request/to ask/request (CL:個|个[ge4])/",
    "PUA PUA [P U A] /(neologism) pickup artist/",
]


def test_parse_keeps_content_words_of_the_first_senses() -> None:
    table = bridge.parse_cedict(iter(LINES))
    assert table["数据集"] == ("data", "set")
    assert table["发布"] == ("releas", "issu", "announc")  # three senses, stemmed
    assert "zhang" not in table["张"]  # a surname is no meaning
    assert table["范围"] == ("rang", "scop", "limit")  # "CL:" senses are skipped
    assert "PUA" not in table  # Latin headwords are read as English words anyway


def test_a_compound_bridges_through_its_parts() -> None:
    table = bridge.parse_cedict(iter(LINES))
    assert bridge.bridge_word("范围请求", table) == ["rang", "scop", "limit", "request", "ask"]
    assert bridge.bridge_word("未知词", table) == []


def test_bundled_dictionary_is_cached_per_package_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(bridge, "_MAP", None)
    table = bridge.cedict()
    assert "dataset" in table["数据集"] or "data" in table["数据集"]
    assert "chip" in table["芯片"]
    cached = list((tmp_path / "aggregator").glob("cedict-*.pickle"))
    assert len(cached) == 1 and bridge._version() in cached[0].name
    monkeypatch.setattr(bridge, "_MAP", None)
    monkeypatch.setattr(bridge, "_read_bundled", lambda: pytest.fail("cache not used"))
    assert bridge.cedict() == table


def test_an_unwritable_cache_only_costs_time(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(bridge, "_MAP", None)
    assert "chip" in bridge.cedict()["芯片"]


def test_english_terms_meet_across_inflections() -> None:
    assert stem("released") == stem("releases") == stem("release") == stem("releasing")
    assert list(en_terms("The company has released two new models")) == [
        "company", "releas", "two", "model"]


def test_chinese_is_segmented_into_words() -> None:
    words = list(zh_words("开发者发布了一个新的编程工具"))
    assert words == ["开发者", "发布", "新", "编程", "工具"]  # words, not characters
