"""A replica with hostile pages (control characters and terminal escapes in titles, a
`javascript:` story link, an issue number beyond 64 bits, a page cut short) still gives a run
that writes every feed and export, with nothing unsafe in them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from aggregator.replica import DEFAULT_ROOT

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def _edit(root: Path, relative: str, old: str, new: str) -> None:
    page = root / relative
    text = page.read_text(encoding="utf-8")
    assert old in text, (relative, old)
    page.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_run(
        tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    base = tmp_path_factory.mktemp("hostile")
    root = base / "replica"
    shutil.copytree(DEFAULT_ROOT, root)
    issue = "sites/aiweekly.co/s1/issues/481.html"
    _edit(root, issue, "Musk Wants Altman Fired, Anthropic Passes OpenAI, Meta Goes Closed</h2>",
          "Musk Wants \x1b[31mAltman\x1b[0m Fired\x07, Anthropic Passes OpenAI\x0b</h2>")
    _edit(root, issue, 'href="https://www.bloomberg.com/news/articles/2026-04-07/anthropic-hits',
          'href="javascript:alert(1)//https://www.bloomberg.com/news/articles/2026-04-07/anthropic-hits')
    post = "sites/news.qimuai.cn/s1/index__post-3782.html"
    _edit(root, post, '<h1 class="log-title">百度完成新一轮融资',
          '<h1 class="log-title">AI周刊第99999999999999999999期:百度\x1b[0m完成新一轮融资')
    cut = root / "sites/aiweekly.co/s1/issues/482.html"
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])  # cut mid-page
    out = base / "out"
    done = subprocess.run([sys.executable, "-m", "aggregator.cli", "demo", "--quiet",
                           "--replica", str(root), "--snapshot", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    return out, done


def test_the_run_finishes_and_writes_every_feed_and_export(
        hostile_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, done = hostile_run
    assert done.returncode in (0, 3), done.stdout + done.stderr
    feeds = list((out / "feeds").rglob("*.xml"))
    assert len(feeds) >= 8
    for feed in feeds:
        etree.parse(str(feed))  # every feed is well-formed XML
    for name in ("issues", "stories", "documents", "links"):
        assert (out / "exports" / f"{name}.jsonl").stat().st_size > 0, name


def test_nothing_unsafe_reaches_feeds_or_exports(
        hostile_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _done = hostile_run
    for path in [*(out / "feeds").rglob("*.*"), *(out / "exports").glob("*.jsonl"),
                 *(out / "exports").glob("*.csv")]:
        text = path.read_text(encoding="utf-8-sig")
        assert not _UNSAFE.search(text), path.name
        assert "javascript:" not in text, path.name
    stories = [json.loads(line) for line in
               (out / "exports" / "stories.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(s["link"] is None or s["link"].startswith(("http://", "https://"))
               for s in stories)
    issues = [json.loads(line) for line in
              (out / "exports" / "issues.jsonl").read_text(encoding="utf-8").splitlines()]
    title = next(i["title_en"] for i in issues if i["number"] == 481)
    assert title.startswith("Musk Wants Altman Fired")  # the text stays, the escapes go
    assert all(i["number"] is None or i["number"] < 2**63 for i in issues)


def test_an_issue_number_beyond_64_bits_is_kept_as_a_post_without_a_number(
        hostile_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, done = hostile_run
    docs = {json.loads(line)["url"]: json.loads(line) for line in
            (out / "exports" / "documents.jsonl").read_text(encoding="utf-8").splitlines()}
    post = docs["https://news.qimuai.cn/?post=3782"]
    assert post["stated_issue_number"] is None and post["issue_number"] is None
    assert "Traceback" not in done.stderr
