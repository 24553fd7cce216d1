"""The reading pages, as a reader sees them: Debian's headless Chromium loads them from
``aggregator serve`` and the test reads the rendered page (visible text, where boxes sit at
desktop and phone width), follows every link, and takes the README's screenshots.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: JSON
messages ending in NUL on fds 3 and 4), so the test needs nothing beyond the standard library.
Set ``AGGREGATOR_SCREENSHOTS=DIR`` to keep the screenshots (``docs/`` holds the README's).
Without chromium the browser tests skip, unless ``AGGREGATOR_TEST_REQUIRE_TOOLS=1`` (CI).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import selectors
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urljoin

import pytest
from lxml import html as lxml_html

from aggregator.catalog import IssueView, MirrorView
from aggregator.reading import issue_page, write_pages
from aggregator.serve import OutputServer, serve
from aggregator.sites import mirror_languages, newsletter
from aggregator.store import IssueRow, LinkRow, PostRow, StoryRow
from tests.demo_output import catalog_of, demo_output

CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)
# .ci/run installs the browser and sets this, so a missing browser fails there, never skips.
REQUIRED = os.environ.get("AGGREGATOR_TEST_REQUIRE_TOOLS") == "1"
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not REQUIRED,
    reason="needs Debian's chromium (apt-get install chromium; .ci/run does)")
# As the machine notes say: no sandbox as root, and no background connections to Google.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-pipe"]
DESKTOP, PHONE = (1280, 900), (390, 844)


class Browser:
    """A headless Chromium driven over the DevTools protocol on a pipe."""

    def __init__(self, binary: str) -> None:
        # Chromium's helper processes may still write the profile as it closes: a leftover
        # temp folder is not what these tests are about.
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True)
        to_child, self._send = os.pipe()
        self._receive, from_child = os.pipe()

        def wire() -> None:  # in the child: the protocol expects commands on 3, replies on 4
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)

        self._process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, close_fds=False, start_new_session=True)
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target,
                                  flatten=True)["sessionId"]
        self.call("Page.enable", session=True)

    def call(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply["result"]
                return result
            self._events.append(reply)

    def _read(self, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self._receive, selectors.EVENT_READ)
            while b"\0" not in self._buffer:
                if not selector.select(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError("chromium did not answer")
                chunk = os.read(self._receive, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(raw)
        return parsed

    def open(self, url: str, size: tuple[int, int]) -> None:
        width, height = size
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width,
                  height=height, deviceScaleFactor=1, mobile=width < 500)
        self._events.clear()
        self.call("Page.navigate", session=True, url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            self._events.append(self._read())

    def evaluate(self, expression: str) -> Any:
        reply = self.call("Runtime.evaluate", session=True, expression=expression,
                          returnByValue=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(reply["exceptionDetails"])
        return reply["result"].get("value")

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.call("Page.captureScreenshot", session=True,
                                          format="png")["data"])  # the viewport
        path.write_bytes(data)
        return data

    def close(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)  # its helpers, before the profile goes
        os.close(self._send)
        os.close(self._receive)
        self._profile.cleanup()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OutputServer, Path]]:
    out = demo_output(tmp_path_factory)
    with serve(out, port=0) as server:
        yield server, out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None, "AGGREGATOR_TEST_REQUIRE_TOOLS=1 but no chromium on PATH"
    opened = Browser(CHROMIUM)
    yield opened
    opened.close()


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except HTTPError as error:
        return error.code


def assert_links_resolve(browser: Browser, base: str) -> None:
    """Every link the page shows that points into the served folder answers 200."""
    hrefs: list[str] = browser.evaluate(
        "[...document.querySelectorAll('a[href]')].map(a => a.href)")
    local = sorted({h.split("#")[0] for h in hrefs if h.startswith(base)})
    assert local, "the page links the other pages"
    assert {h: status_of(h) for h in local} == dict.fromkeys(local, 200)


def keep_screenshot(browser: Browser, tmp_path: Path, name: str, width: int) -> None:
    """A PNG of the viewport at the page's width; kept in $AGGREGATOR_SCREENSHOTS if set."""
    shot = browser.screenshot(tmp_path / name)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">I", shot[16:20])[0] == width
    keep = os.environ.get("AGGREGATOR_SCREENSHOTS")
    if keep:
        (Path(keep) / name).write_bytes(shot)


def full_issue(catalog: list[IssueView]) -> IssueView:
    """The newest issue with an English page and a mirror in every mirror language."""
    return next(v for v in catalog if v.english is not None and v.english_stories
                and all(v.mirror_in(lang) for lang in mirror_languages()))


@needs_chromium
def test_index_lists_every_issue_newest_first_with_both_titles(
        site: tuple[OutputServer, Path], browser: Browser, tmp_path: Path) -> None:
    server, out = site
    catalog = catalog_of(out)
    browser.open(server.url, DESKTOP)
    text: str = browser.evaluate("document.body.innerText")
    issue_links = browser.evaluate(
        "[...document.querySelectorAll('ol.issues > li > a')].map(a => a.getAttribute('href'))")
    assert issue_links == [issue_page(v) for v in catalog]
    for view in catalog:
        if view.english is not None:
            assert view.english.title in text
        for lang in mirror_languages():
            mirror = view.mirror_in(lang)
            if mirror is not None:
                assert (mirror.post.title_zh or mirror.post.title) in text
                assert browser.evaluate(f"[...document.querySelectorAll('[lang=\"{lang}\"]')]"
                                        ".some(e => e.textContent === "
                                        f"{json.dumps(mirror.post.title_zh)})")
    feeds = sorted(p.relative_to(out).as_posix() for p in (out / "feeds").rglob("*.xml"))
    shown = browser.evaluate("[...document.querySelectorAll('#feeds ~ table a')]"
                             ".map(a => a.getAttribute('href'))")
    assert set(feeds) <= set(shown)
    assert_links_resolve(browser, server.url)
    keep_screenshot(browser, tmp_path, "reading-index-desktop.png", DESKTOP[0])


@needs_chromium
def test_issue_page_shows_every_story_beside_its_aligned_translation(
        site: tuple[OutputServer, Path], browser: Browser, tmp_path: Path) -> None:
    server, out = site
    view = full_issue(catalog_of(out))
    langs = [newsletter().lang, *mirror_languages()]
    url = urljoin(server.url, issue_page(view))
    cells_js = ("[...document.querySelectorAll('.row:not(.head)')].map(r => [...r.children]"
                ".map(c => ({lang: c.getAttribute('lang'), h: (c.querySelector('h3') || {})"
                ".innerText || null, href: (c.querySelector('h3 a') || {href: null}).href,"
                " box: c.getBoundingClientRect().toJSON()})))")
    for size in (DESKTOP, PHONE):
        browser.open(url, size)
        assert view.english is not None
        text: str = browser.evaluate("document.body.innerText")
        assert view.english.title in text
        rows = browser.evaluate(cells_js)
        english = sorted(view.english_stories, key=lambda s: s.position)
        assert [r[0]["h"] for r in rows[:len(english)]] == [s.headline for s in english]
        for lang in mirror_languages():
            mirror = view.mirror_in(lang)
            assert mirror is not None
            column = langs.index(lang)
            by_pair = {s.pair: s for s in mirror.stories}
            for row, story in zip(rows, english, strict=False):
                aligned = by_pair.get(story.position)
                cell = row[column]
                assert cell["h"] == (aligned.headline if aligned else None)
                if aligned is not None:
                    assert cell["lang"] == lang
                    assert cell["href"] == (aligned.link or story.link)
            shown = {c["h"] for r in rows for c in r if c["lang"] == lang}
            assert shown == {s.headline for s in mirror.stories}, "every story, once"
            assert mirror.link is not None and mirror.link.method in text
        first = [c["box"] for c in rows[0]]
        if size == DESKTOP:  # side by side: one line, left to right
            assert len({round(b["top"]) for b in first}) == 1
            assert [b["left"] for b in first] == sorted(b["left"] for b in first)
        else:  # stacked, each below the last, and nothing wider than the phone
            assert all(a["bottom"] <= b["top"] for a, b in itertools.pairwise(first))
            assert browser.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
        assert_links_resolve(browser, server.url)
        name = "desktop" if size == DESKTOP else "phone"
        keep_screenshot(browser, tmp_path, f"reading-issue-{name}.png", size[0])


@needs_chromium
def test_a_mirror_only_issue_has_its_page(site: tuple[OutputServer, Path],
                                          browser: Browser) -> None:
    server, out = site
    view = next(v for v in catalog_of(out) if v.english is None)
    browser.open(urljoin(server.url, issue_page(view)), PHONE)
    text: str = browser.evaluate("document.body.innerText")
    assert "English issue was not crawled" in text
    for mirror in view.mirrors:
        assert (mirror.post.title_zh or mirror.post.title) in text
        assert all(s.headline in text for s in mirror.stories)
    assert_links_resolve(browser, server.url)


def test_every_relative_link_of_every_page_resolves(site: tuple[OutputServer, Path]) -> None:
    server, out = site
    pages = [out / "index.html", *sorted((out / "issues").glob("*.html"))]
    assert len(pages) == len(catalog_of(out)) + 1
    for page in pages:
        tree = lxml_html.fromstring(page.read_bytes())
        base = urljoin(server.url, page.relative_to(out).as_posix())
        for href in tree.xpath("//a/@href | //link/@href"):
            if "://" not in href:
                assert status_of(urljoin(base, href).split("#")[0]) == 200, (page, href)


def test_same_store_same_bytes_and_stale_pages_go(tmp_path: Path,
                                                  tmp_path_factory: pytest.TempPathFactory
                                                  ) -> None:
    catalog = catalog_of(demo_output(tmp_path_factory))
    first = {p.name: p.read_bytes() for p in write_pages(catalog, tmp_path)}
    (tmp_path / "issues" / "999999.html").write_text("old", encoding="utf-8")
    second = {p.name: p.read_bytes() for p in write_pages(catalog, tmp_path)}
    assert first == second
    assert not (tmp_path / "issues" / "999999.html").exists()


def _story(position: int, headline: str, lang: str, pair: int | None = None,
           link: str | None = None) -> StoryRow:
    return StoryRow(position=position, headline=headline, lang=lang, pair=pair, link=link,
                    section="S", outlet="Outlet", date=date(2026, 1, 2), summary="Sum")


def test_pairs_not_positions_decide_the_row_and_text_is_escaped(tmp_path: Path) -> None:
    stamp = datetime(2026, 1, 5, tzinfo=UTC)
    lang = mirror_languages()[0]
    english = IssueRow(number=7, url="https://example.org/7", numeric_url="", title="<b>A & B</b>",
                       published=stamp, updated=stamp)
    post = PostRow(id=1, url="https://example.org/zh/7?a=1&b=2", source="x", lang=lang,
                   title="T", title_zh="<i>中文</i>", published=stamp, updated=stamp)
    link = LinkRow(post_row=1, issue_number=7, method="explicit", score=1.0,
                   evidence={"source": "https://example.org/7", "shared": list(range(20))})
    view = IssueView(key="issue:7", number=7, english=english,
                     english_stories=[_story(1, "First", "en", link="https://o/1"),
                                      _story(2, "Second", "en", link="https://o/2")],
                     mirrors=[MirrorView(post, link, [_story(1, "第二", lang, pair=2),
                                                      _story(2, "多出", lang, pair=None)])])
    write_pages([view], tmp_path)
    page = (tmp_path / "issues" / "7.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in page and "<b>A" not in page
    assert "&lt;i&gt;中文&lt;/i&gt;" in page and "?a=1&amp;b=2" in page
    tree = lxml_html.fromstring(page)
    rows = [[c.xpath("string(.//h3)") or None for c in row]
            for row in tree.xpath("//div[@class='row']")]
    assert rows == [["First", None], ["Second", "第二"], [None, "多出"]]
    # The translated story links its English story's outlet when it has none of its own.
    assert tree.xpath(f"//div[@lang='{lang}']//a/@href")[0] == "https://o/2"
    assert "(20) 0, 1, 2, 3, 4, 5 … (+14)" in page


def test_an_issue_without_a_number_gets_a_slug_page_linked_from_the_index(
        tmp_path: Path) -> None:
    stamp = datetime(2026, 2, 1, tzinfo=UTC)
    lang = mirror_languages()[0]
    url = "https://mirror.example/?post=3840"
    post = PostRow(id=2, url=url, source="x", lang=lang, title="无编号", title_zh="无编号",
                   published=stamp, updated=stamp)
    view = IssueView(key=f"post:{url}", number=None, english=None,
                     mirrors=[MirrorView(post, None, [_story(1, "独立", lang)])])
    page = issue_page(view)
    assert page.startswith("issues/mirror-example-post-3840-") and page.endswith(".html")
    write_pages([view], tmp_path)
    assert "独立" in (tmp_path / page).read_text(encoding="utf-8")
    index = lxml_html.fromstring((tmp_path / "index.html").read_bytes())
    assert index.xpath("//ol[@class='issues']/li/a/@href") == [page]
