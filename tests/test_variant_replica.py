"""End to end on a replica the code has never seen: ``tests/variant_replica.py`` renumbers the
bundled replica's issues, moves its archive across New Year and varies the mirror posts'
formatting; ``aggregator demo --replica`` crawls it and the exports must match its truth.json
exactly as they match the bundled replica's (see test_end_to_end.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.variant_replica import build_variant


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("variant")
    replica, out = root / "replica", root / "out"
    replica.mkdir()
    truth = build_variant(replica)
    command = [sys.executable, "-m", "aggregator.cli", "demo", "--replica", str(replica),
               "--out", str(out), "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    exports = {
        name: [json.loads(line) for line in (out / "exports" / f"{name}.jsonl").read_text(
            encoding="utf-8").splitlines()]
        for name in ("issues", "stories", "documents")
    }
    return {"truth": truth, "exports": exports, "stdout": done.stdout}


def _issues(variant: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {i["number"]: i for i in variant["truth"]["issues"]}


def test_the_variant_is_really_different(variant: dict[str, Any]) -> None:
    truth = variant["truth"]
    numbers = sorted(_issues(variant))
    assert numbers[0] == 1181 and len(numbers) == 25
    weeks = {(i["week_start"], i["week_end"]) for i in truth["issues"]}
    assert ("2026-12-29", "2027-01-04") in weeks  # a week across New Year
    variants = {part for p in truth["mirror_posts"] for part in p["variant"].split("+")}
    assert {
        "fullwidth_colons", "spaced_title", "http_trailing_slash", "utm_params", "gb2312",
        "br_lines", "no_english_no_source", "no_english", "no_source_line", "gbk", "bare_source",
        "www_source", "pipe_title", "year_story_dates", "ime_punctuation_no_english",
    } <= variants  # fmt: skip


def test_every_english_issue_matches_truth(variant: dict[str, Any]) -> None:
    rows = {r["number"]: r for r in variant["exports"]["issues"] if r["number"] is not None}
    expected = {n: i for n, i in _issues(variant).items() if i["on_aiweekly"]}
    for number, truth in expected.items():
        row = rows[number]
        assert row["url"] == truth["url"], number
        assert row["title_en"] == truth["title_en"], number
        assert (row["week_start"], row["week_end"]) == (truth["week_start"], truth["week_end"]), (
            number)
        assert row["stories_en"] == len(truth["stories"]), number
    assert {n for n, r in rows.items() if r["on_aiweekly"]} == set(expected)


def test_every_issue_week_matches_truth_even_when_known_only_from_a_mirror(
        variant: dict[str, Any]) -> None:
    rows = {r["number"]: r for r in variant["exports"]["issues"] if r["number"] is not None}
    for number, truth in _issues(variant).items():
        row = rows[number]
        assert (row["week_start"], row["week_end"]) == (truth["week_start"], truth["week_end"]), (
            number)


def test_every_english_story_matches_truth(variant: dict[str, Any]) -> None:
    stories: dict[int, list[dict[str, Any]]] = {}
    for row in variant["exports"]["stories"]:
        if row["lang"] == "en":
            stories.setdefault(row["issue_number"], []).append(row)
    for number, truth in _issues(variant).items():
        if not truth["on_aiweekly"]:
            continue
        got = sorted(stories[number], key=lambda r: r["position"])
        for position, (row, want) in enumerate(zip(got, truth["stories"], strict=True), 1):
            where = f"issue {number} story {position}"
            assert row["position"] == position, where
            assert row["headline"] == want["headline_en"], where
            assert row["link"] == want["link"], where
            assert row["outlet"] == want["outlet_en"], where
            assert row["date"] == want["date"], where
            assert row["section"] == want["section_en"], where


def test_mirrors_and_other_posts_match_truth(variant: dict[str, Any]) -> None:
    issues = _issues(variant)
    docs = {row["url"]: row for row in variant["exports"]["documents"]}
    for post in variant["truth"]["mirror_posts"]:
        doc = docs[post["url"]]
        where = f"{post['url']} ({post['variant']})"
        assert doc["kind"] == "mirror", where
        assert doc["stated_issue_number"] == post["issue_number"], where
        if not issues[post["issue_number"]]["on_aiweekly"]:
            # Not linked (null), yet counted under the issue it states, as issues.jsonl does.
            assert (doc["issue_number"], doc["link_method"]) == (post["issue_number"], None)
            assert f"unlinked mirror: {post['url']}" in variant["stdout"]
            continue
        assert doc["issue_number"] == post["issue_number"], where
        if post["variant"] in ("no_source_line", "no_english_no_source"):  # by content
            assert doc["link_method"] in ("embedded-en", "zh-anchors"), where
            assert 0 < doc["link_score"] <= 1, where
        else:
            assert (doc["link_method"], doc["link_score"]) == ("explicit", 1.0), where
    for post in variant["truth"]["other_posts"]:
        doc = docs[post["url"]]
        assert (doc["kind"], doc["issue_number"]) == ("other", None), post["url"]
    assert any(p["variant"] == "www_source" for p in variant["truth"]["mirror_posts"])


def test_chinese_titles_and_story_counts_match_truth(variant: dict[str, Any]) -> None:
    by_title = {r["title_zh"]: r for r in variant["exports"]["issues"] if r["title_zh"]}
    for number, truth in _issues(variant).items():
        row = by_title.get(truth["title_zh"])
        assert row is not None, f"no issue row has the Chinese title of issue {number}"
        assert row["number"] == number, number
        assert row["stories_zh"] == len(truth["stories"]), number
        assert row["title_en"] == (truth["title_en"] if truth["on_aiweekly"] else None), number


def test_chinese_story_dates_match_truth(variant: dict[str, Any]) -> None:
    issues = _issues(variant)
    for row in variant["exports"]["stories"]:
        if row["lang"] != "zh" or row["issue_number"] is None:
            continue
        want = issues[row["issue_number"]]["stories"][row["position"] - 1]
        assert row["date"] == want["date"], (row["issue_number"], row["position"])


def test_every_chinese_story_is_paired_with_its_english_story(variant: dict[str, Any]) -> None:
    issues = _issues(variant)
    zh = [s for s in variant["exports"]["stories"] if s["lang"] == "zh"
          and s["issue_number"] is not None and issues[s["issue_number"]]["on_aiweekly"]]
    assert zh
    assert all(s["pair"] == s["position"] for s in zh), [
        (s["issue_number"], s["position"], s["pair"]) for s in zh if s["pair"] != s["position"]]


def test_no_mojibake_in_the_exports(variant: dict[str, Any]) -> None:
    for name, rows in variant["exports"].items():
        assert "\ufffd" not in json.dumps(rows, ensure_ascii=False), name
