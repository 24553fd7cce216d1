"""Paraphrase linking of short, independently written texts (our own invented examples).

Every sentence here is written for these tests: two English reports of one item, two Chinese
ones, a Traditional Chinese one, and distractors about the same company that must stay apart.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from aggregator.cli import main
from aggregator.linking import link_corpus, link_jsonl
from aggregator.linking.documents import doc_from_record

FALCON_EN = {
    "id": "falcon-en", "lang": "en",
    "title": "Nimbus Labs releases Falcon 7, an open-weight model",
    "text": "Nimbus Labs released Falcon 7, an open-weight language model with 7 billion "
            "parameters, under the Apache 2.0 license. The model runs on a single laptop GPU "
            "and beats larger rivals on coding benchmarks, the company said.",
}
FALCON_EN2 = {
    "id": "falcon-en2", "lang": "en",
    "title": "Falcon 7: Nimbus Labs' small open model beats bigger ones at code",
    "text": "Falcon 7, a new open model from Nimbus Labs, has 7 billion parameters and ships "
            "under an Apache 2.0 license. It fits on one consumer GPU and outperforms much "
            "bigger language models at code generation benchmarks.",
}
FALCON_ZH = {
    "id": "falcon-zh", "lang": "zh",
    "title": "Nimbus Labs 发布开放权重模型 Falcon 7",
    "text": "Nimbus Labs 发布了开放权重语言模型 Falcon 7，参数量为70亿，采用 Apache 2.0 "
            "许可证。该模型可以在单个笔记本电脑 GPU 上运行，并在编程基准测试中超过了更大的"
            "竞争对手。",
}
FALCON_ZH2 = {
    "id": "falcon-zh2", "lang": "zh",
    "title": "Falcon 7 开源：70亿参数，一块 GPU 就能跑",
    "text": "Nimbus Labs 推出 Falcon 7 开放模型：70亿参数，Apache 2.0 许可证，一块消费级 "
            "GPU 即可运行，在代码生成基准测试中优于更大的语言模型。",
}
FALCON_HANT = {
    "id": "falcon-hant", "lang": "zh-Hant",
    "title": "Nimbus Labs 發布開放權重模型 Falcon 7",
    "text": "Nimbus Labs 發布了開放權重語言模型 Falcon 7，參數量為70億，採用 Apache 2.0 "
            "許可證。該模型可以在單個筆記型電腦 GPU 上運行，並在程式設計基準測試中超過了"
            "更大的競爭對手。",
}
# The same company, another item: must not join the Falcon group.
OFFICE_EN = {
    "id": "office-en", "lang": "en",
    "title": "Nimbus Labs opens a Berlin office",
    "text": "Nimbus Labs opened a new office in Berlin and plans to hire 200 engineers for "
            "its European research team by next year, its chief executive told reporters.",
}
OFFICE_ZH = {
    "id": "office-zh", "lang": "zh",
    "title": "Nimbus Labs 在柏林设立办公室",
    "text": "Nimbus Labs 在柏林开设新办公室，计划明年为欧洲研究团队招聘200名工程师，"
            "其首席执行官对记者表示。",
}
DRONE_EN = {
    "id": "drone-en", "lang": "en",
    "title": "Seattle court fines drone maker Skyline $4 million",
    "text": "A court in Seattle fined the drone maker Skyline $4 million for flying delivery "
            "drones over private homes without permission, and ordered an independent "
            "safety audit of its fleet.",
}
DRONE_ZH = {
    "id": "drone-zh", "lang": "zh",
    "title": "西雅图法院对无人机公司 Skyline 罚款400万美元",
    "text": "西雅图一家法院以未经许可让送货无人机飞越私人住宅为由，对无人机制造商 Skyline "
            "处以400万美元罚款，并责令对其机队进行独立的安全审计。",
}
DRONE_EN2 = {
    "id": "drone-en2", "lang": "en",
    "title": "Skyline must pay $4 million over drone flights above Seattle homes",
    "text": "Drone maker Skyline was fined $4 million by a Seattle court after its delivery "
            "drones flew over private homes without permission; the court also ordered an "
            "independent audit of the safety of its fleet.",
}

ALL = [FALCON_EN, FALCON_EN2, FALCON_ZH, FALCON_ZH2, OFFICE_EN, OFFICE_ZH, DRONE_EN, DRONE_ZH]
EXPECTED = sorted([
    ["falcon-en", "falcon-en2", "falcon-zh", "falcon-zh2"],
    ["office-en", "office-zh"],
    ["drone-en", "drone-zh"],
])


def _partition(records: list[dict[str, str]]) -> list[list[str]]:
    groups: dict[str, list[str]] = {}
    for r in link_corpus([doc_from_record(x) for x in records]):
        groups.setdefault(r.group, []).append(r.id)
    return sorted(sorted(m) for m in groups.values())


def _together(records: list[dict[str, str]], a: str, b: str) -> bool:
    group = {r.id: r.group for r in link_corpus([doc_from_record(x) for x in records])}
    return group[a] == group[b]


def test_english_paraphrases_link_and_a_same_company_item_stays_apart() -> None:
    records = [FALCON_EN, FALCON_EN2, OFFICE_EN, DRONE_EN]
    assert _partition(records) == [["drone-en"], ["falcon-en", "falcon-en2"], ["office-en"]]


def test_chinese_paraphrases_link_and_a_same_company_item_stays_apart() -> None:
    records = [FALCON_ZH, FALCON_ZH2, OFFICE_ZH, DRONE_ZH]
    assert _partition(records) == [["drone-zh"], ["falcon-zh", "falcon-zh2"], ["office-zh"]]


def test_english_and_chinese_reports_of_one_item_form_one_group() -> None:
    assert _partition(ALL) == EXPECTED
    results = {r.id: r for r in link_corpus([doc_from_record(x) for x in ALL])}
    assert results["falcon-en2"].method == "paraphrase" and results["falcon-en2"].score > 0
    assert results["falcon-en2"].similar_to == "falcon-en"
    assert results["falcon-zh2"].similar_to in {"falcon-en", "falcon-en2", "falcon-zh"}


def test_traditional_chinese_links_like_simplified() -> None:
    records = [FALCON_EN, FALCON_HANT, OFFICE_EN, OFFICE_ZH, DRONE_EN]
    assert _partition(records) == sorted([
        ["falcon-en", "falcon-hant"], ["office-en", "office-zh"], ["drone-en"]])


def test_groups_do_not_depend_on_input_order() -> None:
    expected = _partition(ALL)
    rng = random.Random(3)
    for _ in range(5):
        shuffled = ALL[:]
        rng.shuffle(shuffled)
        assert _partition(shuffled) == expected


def test_a_third_document_never_breaks_a_confident_link() -> None:
    pair = [FALCON_EN, FALCON_ZH, DRONE_EN]
    assert _together(pair, "falcon-en", "falcon-zh")
    for third in (FALCON_EN2, FALCON_ZH2, OFFICE_EN, OFFICE_ZH, FALCON_HANT):
        assert _together([*pair, third], "falcon-en", "falcon-zh"), third["id"]


def test_a_second_english_report_does_not_cost_a_mirror_its_link() -> None:
    pair = [DRONE_EN, DRONE_ZH, FALCON_EN]
    assert _together(pair, "drone-en", "drone-zh")
    records = [*pair, DRONE_EN2]
    assert _together(records, "drone-en", "drone-zh")
    assert _together(records, "drone-en2", "drone-zh")


def test_unrelated_documents_stay_unlinked() -> None:
    results = link_corpus([doc_from_record(x) for x in (FALCON_EN, DRONE_ZH)])
    assert {r.method for r in results} == {"none"}
    assert len({r.group for r in results}) == 2


def _write(path: Path, records: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")


def test_other_languages_are_rejected_clearly_and_never_linked(tmp_path: Path) -> None:
    french = {"id": "falcon-fr", "lang": "fr", "title": "Nimbus Labs publie Falcon 7",
              "text": "Nimbus Labs a publié Falcon 7, un modèle ouvert de 7 milliards de "
                      "paramètres sous licence Apache 2.0."}
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write(src, [FALCON_EN, french, FALCON_ZH, DRONE_EN])
    summary = link_jsonl(src, out)
    assert summary["skipped_by_kind"] == {"record": 1}
    assert "unsupported lang 'fr'" in summary["errors"][0]["error"]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["falcon-en", "falcon-zh", "drone-en"]
    with pytest.raises(ValueError, match="unsupported lang"):
        doc_from_record(french)


def test_link_command_groups_mixed_paraphrases_as_a_reader_would(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "mixed.jsonl", tmp_path / "groups.jsonl"
    _write(src, [*ALL, FALCON_HANT])
    assert main(["link", "--input", str(src), "--output", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for r in [*ALL, FALCON_HANT]]  # input order
    assert {"id", "group", "method", "score", "lang"} <= set(rows[0])
    groups: dict[str, list[str]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r["id"])
    assert sorted(sorted(m) for m in groups.values()) == sorted([
        ["falcon-en", "falcon-en2", "falcon-hant", "falcon-zh", "falcon-zh2"],
        ["office-en", "office-zh"],
        ["drone-en", "drone-zh"],
    ])
    paraphrased = [r for r in rows if r["method"] == "paraphrase"]
    assert paraphrased and all(0 < r["score"] <= 1 and r["similar_to"] for r in paraphrased)
    assert "3 groups" in capsys.readouterr().out


def test_one_loose_pair_never_joins_two_confident_pairs() -> None:
    from aggregator.linking.paraphrase import (
        CONFIDENT_MARGIN,
        THRESHOLDS,
        Edge,
        Spaces,
        group_edges,
    )
    from aggregator.linking.similarity import doc_terms

    records = [FALCON_EN, FALCON_EN2, OFFICE_EN, DRONE_EN, DRONE_ZH]
    docs = [doc_from_record(r) for r in records]
    spaces = Spaces.of([doc_terms(d, frozenset()) for d in docs])
    sure = THRESHOLDS["en-en"] + CONFIDENT_MARGIN + 0.1
    loose = THRESHOLDS["en-en"] + CONFIDENT_MARGIN / 2
    edges = [Edge(0, 1, "en-en", sure), Edge(2, 3, "en-en", sure),  # two confident pairs
             Edge(1, 2, "en-en", loose)]  # and one loose pair between them
    groups = group_edges(spaces, edges)
    assert groups["falcon-en"] == groups["falcon-en2"] != groups["office-en"]
    assert groups["office-en"] == groups["drone-en"]
    # A single document may join a pair on one loose link (half the pairs across agree).
    groups = group_edges(spaces, [*edges, Edge(3, 4, "en-zh", THRESHOLDS["en-zh"])])
    assert groups["drone-zh"] == groups["drone-en"]
