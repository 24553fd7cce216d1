"""The loopback replica server: exact bytes and headers, 301/404, conditionals, snapshots, log."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

import aggregator.replica
from aggregator.replica import DEFAULT_ROOT, ReplicaServer, RequestRecord

REPO = Path(__file__).resolve().parent.parent
ROOT = DEFAULT_ROOT
AIW = "https://aiweekly.co"
QIMU = "https://news.qimuai.cn"
GBK_POST = "https://news.qimuai.cn/?post=3819"
SLUG_496 = "https://aiweekly.co/issues/preemption-stalls-in-the-senate-google-cloud-soars-deepseek"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxies (an http_proxy variable must not capture loopback) and no redirect following.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def fetch(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def manifest() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    return data


def manifest_sites() -> tuple[str, ...]:
    """Canonical base of every host in the manifest, in first-seen order."""
    hosts = dict.fromkeys(urllib.parse.urlsplit(e["url"]).hostname for e in manifest())
    return tuple(f"https://{host}" for host in hosts)


def module_env() -> dict[str, str]:
    """The environment for ``python -m aggregator.replica`` run outside the repo: this checkout
    importable, and no proxy variable that could capture loopback."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def entry(url: str, snapshot: int) -> dict[str, Any]:
    """The manifest entry serving ``url`` in ``snapshot`` (highest snapshot <= it)."""
    found = [e for e in manifest() if e["url"] == url and e["snapshot"] <= snapshot]
    assert found, url
    return max(found, key=lambda e: e["snapshot"])


@pytest.fixture
def srv() -> Iterator[ReplicaServer]:
    with ReplicaServer(snapshot=1) as server:
        yield server


def loop(srv: ReplicaServer, canonical_url: str) -> str:
    return srv.to_loopback(canonical_url)


# -- construction and lifecycle ------------------------------------------------------------


def test_default_root_is_package_data_of_aggregator_replica() -> None:
    # Inside the package, not beside it in the repo, so an installed wheel has it too.
    package_dir = Path(aggregator.replica.__file__).resolve().parent
    assert package_dir / "data" == DEFAULT_ROOT
    for name in ("manifest.json", "truth.json", "README.md"):
        assert (DEFAULT_ROOT / name).is_file(), name
    assert not (REPO / "data" / "replica").exists()  # no second copy left behind


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-replica"
    with pytest.raises(FileNotFoundError, match=r"manifest not found: .*no-such-replica"):
        ReplicaServer(root=missing)


def test_bad_snapshot_is_rejected() -> None:
    with pytest.raises(ValueError, match="snapshot"):
        ReplicaServer(snapshot=0)
    server = ReplicaServer()
    with pytest.raises(ValueError, match="snapshot"):
        server.set_snapshot(-1)
    assert server.snapshot == 1


def test_start_gives_one_loopback_port_per_site() -> None:
    sites = manifest_sites()
    assert {AIW, QIMU} < set(sites)  # the sites the other tests name, and more
    server = ReplicaServer()
    assert server.base_urls == {}
    with pytest.raises(RuntimeError, match="not running"):
        server.base_url_for("aiweekly.co")
    try:
        mapping = server.start()
        assert set(mapping) == set(sites)
        assert server.sites == sites
        assert server.base_urls == mapping
        assert server.start() == mapping  # idempotent
        ports = set()
        for base in mapping.values():
            assert base.startswith("http://127.0.0.1:")
            ports.add(int(base.rsplit(":", 1)[1]))
        assert len(ports) == len(sites)
        for site in sites:
            assert server.base_url_for(site.removeprefix("https://")) == mapping[site]
        for spelling in ("aiweekly.co", "AIWeekly.co", AIW, AIW + "/", AIW + "/issues?page=2"):
            assert server.base_url_for(spelling) == mapping[AIW]
        with pytest.raises(KeyError):
            server.base_url_for("example.com")
    finally:
        server.stop()
    assert server.base_urls == {}
    server.stop()  # idempotent


def test_stop_frees_the_ports_and_closes_keepalive_connections() -> None:
    with ReplicaServer() as server:
        base = server.base_url_for("aiweekly.co")
        assert fetch(base + "/robots.txt")[0] == 200
    assert not server.running
    with pytest.raises(urllib.error.URLError):
        fetch(base + "/robots.txt")


def test_keepalive_connection_serves_several_requests_and_stop_ends_it() -> None:
    server = ReplicaServer()
    server.start()
    try:
        port = int(server.base_url_for("aiweekly.co").rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        expected = {"/": 200, "/issues/496": 301, "/missing": 404, "/robots.txt": 200}
        for path, status in expected.items():
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == status, path
        connection.request("GET", "/", headers={"If-None-Match": "*"})
        response = connection.getresponse()
        assert response.status == 304 and response.read() == b""
        connection.request("GET", "/robots.txt")  # still in sync after a bodiless 304
        response = connection.getresponse()
        assert response.status == 200 and b"Disallow: /admin" in response.read()
        handlers = [t for t in threading.enumerate() if "process_request" in t.name]
        assert handlers
    finally:
        server.stop()
    for thread in handlers:
        thread.join(timeout=5)
        assert not thread.is_alive()
    connection.close()


def test_url_mapping_helpers(srv: ReplicaServer) -> None:
    base = srv.base_url_for("aiweekly.co")
    assert srv.to_loopback(AIW + "/issues?page=2#top") == base + "/issues?page=2#top"
    assert srv.to_loopback(AIW) == base + "/"
    assert srv.to_loopback("https://example.com/x") == "https://example.com/x"
    assert srv.to_canonical(base + "/issues?page=2") == AIW + "/issues?page=2"
    assert srv.to_canonical("https://example.com/x") == "https://example.com/x"


# -- exact answers -------------------------------------------------------------------------


@pytest.mark.parametrize("snapshot", [1, 2])
def test_every_manifest_url_is_served_exactly(snapshot: int) -> None:
    urls = sorted({e["url"] for e in manifest() if e["snapshot"] <= snapshot})
    with ReplicaServer(snapshot=snapshot) as server:
        for url in urls:
            want = entry(url, snapshot)
            status, headers, body = fetch(server.to_loopback(url))
            assert status == want["status"], url
            for name, value in want["headers"].items():
                assert headers[name] == value, (url, name)
            expected = (ROOT / want["file"]).read_bytes() if want["file"] else b""
            assert body == expected, url
            assert headers["Content-Length"] == str(len(expected)), url


def test_200_with_file_bytes_and_headers(srv: ReplicaServer) -> None:
    url = AIW + "/issues/481"
    status, headers, body = fetch(loop(srv, url))
    want = entry(url, 1)
    assert status == 200
    assert body == (ROOT / "sites/aiweekly.co/s1/issues/481.html").read_bytes()
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["ETag"] == want["headers"]["ETag"]
    assert headers["Last-Modified"] == want["headers"]["Last-Modified"]
    assert int(headers["Content-Length"]) == len(body)


def test_head_has_headers_but_no_body(srv: ReplicaServer) -> None:
    url = QIMU + "/rss.php"
    status, headers, body = fetch(loop(srv, url), method="HEAD")
    assert status == 200
    assert body == b""
    assert headers["Content-Length"] == str(len((ROOT / entry(url, 1)["file"]).read_bytes()))
    assert headers["ETag"] == entry(url, 1)["headers"]["ETag"]


def test_gbk_page_bytes_are_unchanged(srv: ReplicaServer) -> None:
    status, headers, body = fetch(loop(srv, GBK_POST))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=gbk"
    assert body == (ROOT / entry(GBK_POST, 1)["file"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "AI周刊" in body.decode("gbk")


def test_301_keeps_the_absolute_canonical_location(srv: ReplicaServer) -> None:
    status, headers, body = fetch(loop(srv, AIW + "/issues/496"))
    assert status == 301
    assert headers["Location"] == SLUG_496
    assert body == b""
    # Following it by hand (mapped back to loopback) reaches the issue page.
    status, _, page = fetch(srv.to_loopback(headers["Location"]))
    assert status == 200
    assert b"Issue #496" in page


def test_unknown_urls_are_404_with_the_site_404_page(srv: ReplicaServer) -> None:
    for site in manifest_sites():
        path = "/no/such/page" if site != QIMU else "/?post=1"
        status, headers, body = fetch(srv.base_url_for(site) + path)
        assert status == 404
        host = site.removeprefix("https://")
        assert body == (ROOT / "sites" / host / "404.html").read_bytes()
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert "ETag" not in headers


def test_404_manifest_entry_answers_with_its_file() -> None:
    url = AIW + "/issues/505"
    with ReplicaServer(snapshot=2) as server:
        status, _, body = fetch(server.to_loopback(url))
    assert status == 404
    assert body == (ROOT / entry(url, 2)["file"]).read_bytes()


def test_other_methods_are_not_allowed(srv: ReplicaServer) -> None:
    request = urllib.request.Request(loop(srv, AIW + "/"), data=b"x=1", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        _OPENER.open(request, timeout=10)
    with caught.value as error:
        assert error.code == 405
        assert error.headers["Allow"] == "GET, HEAD"


# -- queries -------------------------------------------------------------------------------


def test_query_order_does_not_matter(srv: ReplicaServer) -> None:
    base = srv.base_url_for("news.qimuai.cn")
    a = fetch(base + "/?sort=3&page=2")
    b = fetch(base + "/?page=2&sort=3")
    assert a[0] == b[0] == 200
    assert a[2] == b[2]
    assert a[1]["ETag"] == b[1]["ETag"] == entry(QIMU + "/?sort=3&page=2", 1)["headers"]["ETag"]


def test_root_and_empty_query(srv: ReplicaServer) -> None:
    base = srv.base_url_for("news.qimuai.cn")
    root = fetch(base + "/")
    assert root[0] == 200
    assert fetch(base)[2] == root[2]
    assert fetch(base + "/?")[2] == root[2]
    assert fetch(base + "/?page=1")[1]["ETag"] == root[1]["ETag"]  # same page, same tag
    assert fetch(srv.base_url_for("aiweekly.co") + "/issues?")[0] == 200


# -- conditional requests ------------------------------------------------------------------


def test_etag_round_trip_gives_304(srv: ReplicaServer) -> None:
    url = loop(srv, AIW + "/issues")
    status, headers, _ = fetch(url)
    etag = headers["ETag"]
    assert status == 200 and etag
    for sent in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        status, headers304, body = fetch(url, {"If-None-Match": sent})
        assert status == 304, sent
        assert body == b""
        assert headers304["ETag"] == etag
        assert headers304["Last-Modified"] == headers["Last-Modified"]
    status, _, body = fetch(url, {"If-None-Match": '"something-else"'})
    assert status == 200 and body


def test_if_modified_since(srv: ReplicaServer) -> None:
    url = loop(srv, AIW + "/issues/481")
    last_modified = entry(AIW + "/issues/481", 1)["headers"]["Last-Modified"]
    assert last_modified == "Fri, 10 Apr 2026 01:36:54 GMT"
    assert fetch(url, {"If-Modified-Since": last_modified})[0] == 304
    assert fetch(url, {"If-Modified-Since": "Sat, 11 Apr 2026 00:00:00 GMT"})[0] == 304
    status, _, body = fetch(url, {"If-Modified-Since": "Thu, 09 Apr 2026 00:00:00 GMT"})
    assert status == 200 and body
    assert fetch(url, {"If-Modified-Since": "not a date"})[0] == 200
    # If-None-Match wins: a stale tag means 200 even with a fresh date.
    stale = {"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    assert fetch(url, stale)[0] == 200


def test_conditional_does_not_apply_to_redirects_or_404(srv: ReplicaServer) -> None:
    assert fetch(loop(srv, AIW + "/issues/496"), {"If-None-Match": "*"})[0] == 301
    assert fetch(loop(srv, AIW + "/missing"), {"If-None-Match": "*"})[0] == 404


# -- snapshots -----------------------------------------------------------------------------


def test_snapshots_switch_on_the_same_ports(srv: ReplicaServer) -> None:
    before = srv.base_urls
    s1 = fetch(loop(srv, AIW + "/issues"))
    same1 = fetch(loop(srv, AIW + "/issues/481"))
    srv.set_snapshot(2)
    assert srv.base_urls == before
    s2 = fetch(loop(srv, AIW + "/issues"))
    same2 = fetch(loop(srv, AIW + "/issues/481"))
    assert s1[1]["ETag"] != s2[1]["ETag"]
    assert s1[2] != s2[2]
    assert same1[1]["ETag"] == same2[1]["ETag"]
    assert same1[2] == same2[2]
    # A snapshot-1 validator is stale for the changed page, still fresh for the unchanged one.
    assert fetch(loop(srv, AIW + "/issues"), {"If-None-Match": s1[1]["ETag"]})[0] == 200
    assert fetch(loop(srv, AIW + "/issues/481"), {"If-None-Match": same1[1]["ETag"]})[0] == 304
    srv.snapshot = 1  # the property setter works too
    assert fetch(loop(srv, AIW + "/issues"))[1]["ETag"] == s1[1]["ETag"]


def test_snapshot_two_only_urls_are_404_in_snapshot_one(srv: ReplicaServer) -> None:
    new_urls = (AIW + "/issues/504", QIMU + "/?post=3836")
    for url in new_urls:
        assert fetch(loop(srv, url))[0] == 404, url
    srv.set_snapshot(2)
    status, headers, _ = fetch(loop(srv, AIW + "/issues/504"))
    assert status == 301
    assert headers["Location"].startswith("https://aiweekly.co/issues/oracles-backlog")
    assert fetch(loop(srv, QIMU + "/?post=3836"))[0] == 200


def test_edited_issue_changes_validators_in_snapshot_two(srv: ReplicaServer) -> None:
    url = AIW + "/issues/europes-deepfake-labels-go-live-aws-rides-anthropic-gpt-6"  # #498
    first = fetch(loop(srv, url))
    srv.set_snapshot(2)
    second = fetch(loop(srv, url))
    assert first[1]["ETag"] != second[1]["ETag"]
    assert first[1]["Last-Modified"] != second[1]["Last-Modified"]
    assert first[2] != second[2]


def test_lookup_picks_the_highest_snapshot_not_above_the_served_one(srv: ReplicaServer) -> None:
    home = srv.lookup(AIW + "/")
    assert home is not None and home.snapshot == 1
    later = srv.lookup(AIW + "/", snapshot=2)
    assert later is not None and later.snapshot == 2
    assert srv.lookup(AIW + "/issues/504") is None
    reordered = srv.lookup(QIMU + "/?page=2&sort=3")
    assert reordered is not None and reordered.url == QIMU + "/?sort=3&page=2"


# -- request log and robustness ------------------------------------------------------------


def test_request_log_records_what_was_fetched(srv: ReplicaServer) -> None:
    base = srv.base_url_for("news.qimuai.cn")
    fetch(base + "/?page=2&sort=3")
    fetch(base + "/?post=1")
    etag = entry(QIMU + "/rss.php", 1)["headers"]["ETag"]
    fetch(base + "/rss.php", {"If-None-Match": etag}, method="HEAD")
    assert srv.requests == [
        RequestRecord("GET", QIMU + "/?sort=3&page=2", 200, False, 1),
        RequestRecord("GET", QIMU + "/?post=1", 404, False, 1),
        RequestRecord("HEAD", QIMU + "/rss.php", 304, True, 1),
    ]
    srv.clear_log()
    assert srv.requests == []
    srv.set_snapshot(2)
    fetch(loop(srv, AIW + "/issues/504"))
    assert srv.requests == [RequestRecord("GET", AIW + "/issues/504", 301, False, 2)]


def test_request_log_is_thread_safe(srv: ReplicaServer) -> None:
    urls = [loop(srv, AIW + "/issues/48" + str(n)) for n in range(1, 10)]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for url in urls:
                assert fetch(url)[0] == 200
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    records = srv.requests
    assert len(records) == 8 * len(urls)
    assert {r.url for r in records} == {AIW + "/issues/48" + str(n) for n in range(1, 10)}


def test_handler_errors_do_not_kill_the_server(
    srv: ReplicaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(file: str) -> bytes:
        raise OSError("disk on fire")

    monkeypatch.setattr(srv, "_read_body", broken)
    assert fetch(loop(srv, AIW + "/issues/481"))[0] == 500
    monkeypatch.undo()
    assert fetch(loop(srv, AIW + "/issues/481"))[0] == 200
    assert [r.status for r in srv.requests] == [500, 200]


def test_serving_is_quiet(srv: ReplicaServer, capfd: pytest.CaptureFixture[str]) -> None:
    fetch(loop(srv, AIW + "/"))
    fetch(loop(srv, AIW + "/missing"))
    fetch(loop(srv, AIW + "/"), {"If-None-Match": "*"})
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# -- command line --------------------------------------------------------------------------


def test_module_serves_the_bundled_replica_until_interrupted(tmp_path: Path) -> None:
    # No --root and a working directory outside the repo: the bundled replica is found anyway.
    sites = manifest_sites()
    process = subprocess.Popen(
        [sys.executable, "-m", "aggregator.replica", "--snapshot", "2"],
        cwd=tmp_path,
        env=module_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        bases: dict[str, str] = {}
        while len(bases) < len(sites):
            line = process.stdout.readline()
            assert line, "server exited before printing its base URLs"
            if " -> " in line:
                canonical, loopback = line.strip().split(" -> ")
                bases[canonical] = loopback
        assert set(bases) == set(sites)
        assert fetch(bases[AIW] + "/issues/504")[0] == 301  # snapshot 2
        for base in bases.values():
            assert fetch(base + "/robots.txt")[0] == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_module_reports_a_missing_manifest(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aggregator.replica", "--root", str(tmp_path / "nope")],
        cwd=tmp_path,
        env=module_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "manifest not found" in result.stderr
