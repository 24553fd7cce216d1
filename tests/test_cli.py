"""The command line: help for every command, documented in the README, one-line errors."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from aggregator.cli import build_parser, main
from aggregator.config import parse_base_urls
from aggregator.sites import ConfigError

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_the_commands_are_the_documented_ones() -> None:
    assert _commands() == ["db", "demo", "export", "link", "relink", "run", "serve", "status"]


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"aggregator {command}" in capsys.readouterr().out


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    assert re.search(rf"`aggregator {command}\b", README), f"README does not document {command}"


def test_quick_start_has_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    lines = [line for line in block.strip().splitlines() if line.strip()]
    assert len(lines) == 2
    assert "aggregator demo" in lines[0] and "pytest" in lines[1]


def test_bad_base_url_is_a_one_line_error(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    code = main(["run", "--out", str(tmp_path), "--base-url", "nosuchsite=http://x"])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown source 'nosuchsite'" in err


def test_bad_database_url_is_a_one_line_error(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    code = main(["export", "--out", str(tmp_path), "--db", "nosuchdb://x"])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("aggregator: error: cannot open database") and "\n" not in err


def test_parse_base_urls() -> None:
    assert parse_base_urls(["aiweekly=http://127.0.0.1:8001/"]) == {
        "aiweekly": "http://127.0.0.1:8001"}
    assert parse_base_urls("aiweekly=http://a:1,qimuai=http://b:2") == {
        "aiweekly": "http://a:1", "qimuai": "http://b:2"}
    with pytest.raises(ConfigError):
        parse_base_urls(["aiweekly"])
    with pytest.raises(ConfigError):
        parse_base_urls(["aiweekly=ftp://x"])


def test_link_command_needs_no_database(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    fixture = Path(__file__).parent / "fixtures" / "linking" / "byod_mixed.jsonl"
    monkeypatch.chdir(tmp_path)  # nothing may be written next to a default database
    out = tmp_path / "groups.jsonl"
    assert main(["link", "--input", str(fixture), "--output", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {"id", "group", "method", "score"} <= set(rows[0])
    assert len({r["group"] for r in rows}) < len(rows)  # zh and en documents share groups
    assert len(rows) == 8  # the fixture's three bad lines are reported and skipped
    assert not list(tmp_path.glob("**/*.db"))
    out_text = capsys.readouterr().out
    assert "8 documents" in out_text and "skipped line 9:" in out_text and "line 11:" in out_text


def test_run_configuration_is_resolved_once_with_one_database_default(
        tmp_path: Path) -> None:
    from aggregator.config import RunConfig

    config = RunConfig.resolve(out=tmp_path, environ={})
    assert config.db_url == f"sqlite:///{tmp_path / 'aggregator.db'}"
    assert config.sources == ("aiweekly", "qimuai", "hant")
    env = {"AGGREGATOR_DB_URL": "sqlite:///elsewhere.db",
           "AGGREGATOR_BASE_URLS": "qimuai=http://127.0.0.1:9/"}
    config = RunConfig.resolve(out=tmp_path, environ=env,
                               base_urls=["aiweekly=http://127.0.0.1:8"])
    assert config.db_url == "sqlite:///elsewhere.db"
    # Base URLs stay a dict from the command line to the downloader middleware.
    assert config.base_urls == {"qimuai": "http://127.0.0.1:9", "aiweekly": "http://127.0.0.1:8"}
    assert config.scrapy_settings().get("AGGREGATOR_BASE_URLS") == config.base_urls


def test_base_url_setting_accepts_the_text_form_scrapy_crawl_gets() -> None:
    from aggregator.config import base_urls_setting

    assert base_urls_setting("aiweekly=http://127.0.0.1:8") == {"aiweekly": "http://127.0.0.1:8"}
    assert base_urls_setting({"hant": "http://127.0.0.1:7/"}) == {"hant": "http://127.0.0.1:7"}
    assert base_urls_setting("") == {}
