"""``aggregator link`` on local input: streamed, bounded, atomic, and every bad line reported."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aggregator.cli import main
from aggregator.linking import build_groups, compute_features, doc_from_record, link_corpus
from aggregator.linking import corpus as corpus_module
from aggregator.linking.corpus import CorpusResult, link_jsonl
from aggregator.linking.jsonl import raw_lines
from aggregator.linking.packed import PackedFeatures, group_packed

FIXTURES = Path(__file__).parent / "fixtures" / "linking"
MIXED = FIXTURES / "byod_mixed.jsonl"


def _records() -> list[dict[str, Any]]:
    """The fixture's good records (its last three lines are the bad ones)."""
    lines = MIXED.read_text(encoding="utf-8").splitlines()[:8]
    return [json.loads(line) for line in lines]


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_fixture_output_is_todays_result_row_for_row(tmp_path: Path) -> None:
    out = tmp_path / "groups.jsonl"
    summary = link_jsonl(MIXED, out)
    # link_corpus is the in-memory path (build_groups over full features), unchanged.
    expected = [r.to_json() for r in link_corpus([doc_from_record(r) for r in _records()])]
    assert _rows(out) == expected
    golden = json.loads((FIXTURES / "byod_mixed.expected.json").read_text(encoding="utf-8"))
    assert [e["line"] for e in summary["errors"]] == golden["bad_lines"]
    assert summary["skipped"] == 3 and summary["documents"] == summary["written"] == 8
    assert summary["skipped_by_kind"] == {"json": 1, "record": 2}


def test_packed_features_unpack_to_the_same_features() -> None:
    for record in _records():
        features = compute_features(doc_from_record(record))
        assert PackedFeatures.pack(features).unpack() == features


def test_packed_grouping_equals_build_groups_with_reposts_and_copies() -> None:
    records = _records()
    # Re-posts with an edit (same language duplicates), an exact copy under a new id and an
    # older date, and a translation with its English lines dropped: every grouping path.
    extra = [
        dict(records[3], id="repost-3829", text=records[3]["text"] + "\n更新:更正了一处错误。",
             published="2027-01-01T00:00:00+00:00"),
        dict(records[0], id="copy-en", published="2020-01-01T00:00:00+00:00"),
        dict(records[5], id="zh-only", text=records[5]["text"].split("\n")[0] * 3),
    ]
    feats = [compute_features(doc_from_record(r)) for r in records + extra]
    expected = build_groups(feats)
    got = group_packed([PackedFeatures.pack(f) for f in feats])
    assert got == expected
    assert expected.duplicate_of and expected.decisions  # the cases above were exercised


def test_band_sort_proposes_the_pairs_minhash_lsh_proposes() -> None:
    from datasketch import MinHashLSH

    from aggregator.linking.packed import _candidate_pairs
    from aggregator.linking.shingling import LSH_THRESHOLD, NUM_PERM, lean_minhash

    records = _records()
    variants = [dict(r, id=f"{r['id']}#{n}", text=r["text"][: len(r["text"]) * n // 4])
                for r in records for n in (2, 3)]
    group = [PackedFeatures.pack(compute_features(doc_from_record(r)))
             for r in records + variants if r["lang"] == "zh"]
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    for i, p in enumerate(group):
        lsh.insert(i, lean_minhash(p.own_minhash.tolist()))
    expected = {(i, j) for i, p in enumerate(group)
                for j in lsh.query(lean_minhash(p.own_minhash.tolist())) if i < j}
    assert len(expected) > len(group)  # truncated copies share bands with their originals
    assert _candidate_pairs(group) == expected


def test_a_failed_run_leaves_the_previous_output_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "groups.jsonl"
    out.write_text("previous output\n", encoding="utf-8")
    real = corpus_module._results

    def fail_midway(*args: Any, **kwargs: Any) -> Iterator[CorpusResult]:
        results = real(*args, **kwargs)
        yield next(results)
        raise RuntimeError("disk full")  # after one line has been written

    monkeypatch.setattr(corpus_module, "_results", fail_midway)
    with pytest.raises(RuntimeError, match="disk full"):
        link_jsonl(MIXED, out)
    assert out.read_text(encoding="utf-8") == "previous output\n"
    assert [p.name for p in tmp_path.iterdir()] == ["groups.jsonl"]  # no temp file left


def test_output_replaced_only_when_complete(tmp_path: Path) -> None:
    out = tmp_path / "groups.jsonl"
    out.write_text("previous output\n", encoding="utf-8")
    link_jsonl(MIXED, out)
    assert len(_rows(out)) == 8


def test_every_kind_of_bad_line_is_reported_and_the_rest_linked(tmp_path: Path) -> None:
    good = [json.dumps(r, ensure_ascii=False).encode() for r in _records()[:2]]
    bad = [
        b"[" * 100_000,  # json.loads raises RecursionError
        b'{"id": "s", "lang": "en", "text": "half a pair \\ud800 here"}',
        b'{"id": "u", "lang": "en", "text": "bytes \xff\xfe here"}',
        b"[1, 2]",
        b"42",
        b'{"id": "m", "lang": "en"}',
        b'{"id": "t", "text"',
        b'{"id": "long", "text": "' + b"x" * 300_000 + b'"}',
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join([good[0], *bad, good[1]]) + b"\n")
    summary = link_jsonl(src, tmp_path / "out.jsonl", max_line_bytes=200_000)
    kinds = [(e["line"], e["kind"]) for e in summary["errors"]]
    assert kinds == [(2, "nesting"), (3, "surrogate"), (4, "utf-8"), (5, "not-object"),
                     (6, "not-object"), (7, "record"), (8, "json"), (9, "too-long")]
    assert all("\n" not in e["error"] for e in summary["errors"])
    assert "U+D800" in summary["errors"][1]["error"] and "byte 41" in summary["errors"][2]["error"]
    assert summary["documents"] == 2 and summary["lines"] == 10
    assert [r["id"] for r in _rows(tmp_path / "out.jsonl")] == [r["id"] for r in _records()[:2]]


def test_a_surrogate_in_an_unused_field_does_no_harm(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "lang": "en", "text": "OpenAI raised $10B.", "note": "\\udfff"}\n',
                   encoding="utf-8")
    summary = link_jsonl(src, tmp_path / "out.jsonl")
    assert summary["documents"] == 1 and summary["skipped"] == 0


def test_an_over_long_line_is_skipped_without_being_held(tmp_path: Path) -> None:
    bound = 64 * 1024
    src = tmp_path / "in.jsonl"
    huge = 16 * 1024 * 1024  # 256 times the bound
    with src.open("wb") as fh:
        fh.write(b'{"id": "huge", "text": "' + b"y" * huge + b'"}\n')
        fh.write(b'{"id": "next"}\n')
    tracemalloc.start()
    try:
        with src.open("rb") as fh:
            got = [(n, raw if isinstance(raw, int) else raw.decode()) for n, raw in
                   raw_lines(fh, bound)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got == [(1, huge + 26), (2, '{"id": "next"}')]
    assert peak < 1024 * 1024  # a reader that held the line would need > 16 MB


def test_raw_lines_edges() -> None:
    data = b"\xef\xbb\xbfabc\r\n" + b"x" * 8 + b"\n" + b"y" * 9 + b"\n\nlast"
    assert list(raw_lines(io.BytesIO(data), 8)) == [
        (1, b"abc\r"), (2, b"x" * 8), (3, 9), (4, b""), (5, b"last")]


def test_summary_lists_the_first_errors_and_counts_them_all(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(MIXED.read_text(encoding="utf-8") + "not json\n" * 30, encoding="utf-8")
    summary = link_jsonl(src, tmp_path / "out.jsonl", max_errors_listed=5)
    assert summary["skipped"] == 33 and len(summary["errors"]) == 5
    assert summary["skipped_by_kind"] == {"json": 31, "record": 2}
    assert main(["link", "--input", str(src), "--output", str(tmp_path / "o.jsonl")]) == 0
    out = capsys.readouterr().out
    assert out.count("  skipped line ") == 20
    assert "... and 13 more skipped lines (33 in all; json: 31, record: 2)" in out


def test_a_reason_quoting_a_huge_value_is_kept_short(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "x", "published": "z" * 100_000}) + "\n",
                   encoding="utf-8")
    (error,) = link_jsonl(src, tmp_path / "out.jsonl")["errors"]
    assert error["kind"] == "record" and len(error["error"]) == 300


def test_output_that_is_a_directory_fails_before_linking(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        link_jsonl(MIXED, tmp_path)


def test_repeated_ids_are_reported_not_grouped(tmp_path: Path) -> None:
    record = _records()[0]
    src = tmp_path / "in.jsonl"
    lines = [json.dumps(record), json.dumps({**record, "text": "another text entirely"})]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = link_jsonl(src, tmp_path / "out.jsonl")
    assert [(e["line"], e["kind"]) for e in summary["errors"]] == [(2, "repeated-id")]




def test_output_does_not_depend_on_the_number_of_workers(tmp_path: Path) -> None:
    # Enough lines for the worker pool (several batches), with the fixture's bad lines, a
    # repeated id and copies of every good document under new ids: every kind of outcome
    # crosses a process boundary, and the repeated-id check sees the lines in file order.
    good = MIXED.read_text(encoding="utf-8").splitlines()[:8]
    bad = MIXED.read_text(encoding="utf-8").splitlines()[8:]
    lines: list[str] = []
    for copy in range(30):
        for line in good:
            record = json.loads(line)
            record["id"] = f"{record['id']}-{copy}"
            lines.append(json.dumps(record, ensure_ascii=False))
        lines.extend(bad)
    lines.append(lines[0])  # a repeated id, late in the file
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs, summaries = [], []
    for workers in (1, 2, 3):
        out = tmp_path / f"groups-{workers}.jsonl"
        summaries.append(link_jsonl(src, out, workers=workers))
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert summaries[0] == summaries[1] == summaries[2]
    assert summaries[0]["documents"] == 240
    assert summaries[0]["skipped_by_kind"] == {"json": 30, "record": 60, "repeated-id": 1}
