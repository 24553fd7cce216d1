"""``aggregator.serve``: the output folder over HTTP as a feed reader and a cache see it."""

from __future__ import annotations

import gzip
import http.client
import os
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from aggregator.serve import OutputServer, serve

FILES = {
    "index.html": "<!doctype html><title>Index</title>" + "x" * 400,
    "issues/481.html": "<!doctype html><title>481</title>",
    "feeds/en.atom.xml": "<feed xmlns='http://www.w3.org/2005/Atom'/>",
    "feeds/en.rss.xml": "<rss version='2.0'/>",
    "feeds/en.json": '{"version": "https://jsonfeed.org/version/1.1"}',
    "feeds/feeds.opml": "<opml version='2.0'/>",
    "feeds/sources/a.atom.xml": "<feed xmlns='http://www.w3.org/2005/Atom'/>",
    "exports/issues.jsonl": '{"number": 1}\n' * 100,
    "exports/issues.csv": "number\n1\n",
    "exports/issues.json": "[]",
    "exports/issues.parquet": "PAR1....PAR1",
    "aggregator.db": "SQLite format 3",
    ".aggregator.lock": "123",
}


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[OutputServer]:
    for name, text in FILES.items():
        path = tmp_path / "out" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside the root", encoding="utf-8")
    with serve(tmp_path / "out", port=0) as running:
        yield running


def fetch(server: OutputServer, path: str, method: str = "GET",
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


@pytest.mark.parametrize(("path", "expected"), [
    ("/feeds/en.atom.xml", "application/atom+xml"),
    ("/feeds/en.rss.xml", "application/rss+xml"),
    ("/feeds/en.json", "application/feed+json"),
    ("/feeds/sources/a.atom.xml", "application/atom+xml"),
    ("/feeds/feeds.opml", "text/x-opml"),
    ("/issues/481.html", "text/html; charset=utf-8"),
    ("/exports/issues.jsonl", "application/x-ndjson"),
    ("/exports/issues.csv", "text/csv; charset=utf-8"),
    ("/exports/issues.json", "application/json"),
    ("/exports/issues.parquet", "application/vnd.apache.parquet"),
])
def test_each_format_has_its_content_type_and_bytes(server: OutputServer, path: str,
                                                    expected: str) -> None:
    status, headers, body = fetch(server, path)
    assert status == 200
    assert headers["content-type"] == expected
    assert body == FILES[path.lstrip("/")].encode()
    assert headers["content-length"] == str(len(body))


def test_root_serves_the_index_page(server: OutputServer) -> None:
    status, headers, body = fetch(server, "/")
    assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert body == FILES["index.html"].encode()
    assert server.url == f"http://127.0.0.1:{server.port}/"


@pytest.mark.parametrize("path", [
    "/nothing.html", "/feeds/nothing.atom.xml", "/feeds/", "/aggregator.db",
    "/.aggregator.lock", "/../secret.txt", "/feeds/../../secret.txt", "/%2e%2e/secret.txt",
    "/feeds/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt", "/feeds%2f..%2f..%2fsecret.txt",
    "/..%5csecret.txt", "/%252e%252e/secret.txt", "/index.html%00.txt", "/%ff.html",
    "//etc/passwd", "/feeds/./en.atom.xml",
])
def test_unknown_hidden_and_escaping_paths_are_404(server: OutputServer, path: str) -> None:
    status, _headers, body = fetch(server, path)
    assert status == 404
    assert b"outside the root" not in body


def test_symlink_out_of_the_root_is_refused(server: OutputServer, tmp_path: Path) -> None:
    (tmp_path / "out" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    assert fetch(server, "/leak.txt")[0] == 404


def test_head_sends_the_headers_of_get_without_a_body(server: OutputServer) -> None:
    got = fetch(server, "/feeds/en.atom.xml")
    head = fetch(server, "/feeds/en.atom.xml", method="HEAD")
    assert head[0] == 200 and head[2] == b""
    assert head[1]["etag"] == got[1]["etag"]
    assert head[1]["content-length"] == got[1]["content-length"]


def test_writes_are_refused(server: OutputServer) -> None:
    status, headers, _ = fetch(server, "/index.html", method="DELETE")
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_etag_is_a_strong_content_hash_answered_with_304(server: OutputServer,
                                                         tmp_path: Path) -> None:
    _, first, _ = fetch(server, "/feeds/en.rss.xml")
    etag = first["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    status, headers, body = fetch(server, "/feeds/en.rss.xml", headers={"If-None-Match": etag})
    assert (status, body, headers["etag"]) == (304, b"", etag)
    assert fetch(server, "/feeds/en.rss.xml",
                 headers={"If-None-Match": f'"other", {etag}'})[0] == 304
    assert fetch(server, "/feeds/en.rss.xml", headers={"If-None-Match": '"other"'})[0] == 200
    # Rewritten with the same bytes (a re-export of an unchanged store): same tag, still 304.
    path = tmp_path / "out" / "feeds" / "en.rss.xml"
    path.write_text(FILES["feeds/en.rss.xml"], encoding="utf-8")
    os.utime(path, (1_900_000_000, 1_900_000_000))
    assert fetch(server, "/feeds/en.rss.xml", headers={"If-None-Match": etag})[0] == 304
    path.write_text("<rss version='2.0'><channel/></rss>", encoding="utf-8")
    status, headers, body = fetch(server, "/feeds/en.rss.xml", headers={"If-None-Match": etag})
    assert status == 200 and headers["etag"] != etag and b"channel" in body


def test_last_modified_is_the_mtime_and_answers_if_modified_since(server: OutputServer,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "out" / "feeds" / "en.atom.xml"
    os.utime(path, (1_800_000_000, 1_800_000_000))
    _, headers, _ = fetch(server, "/feeds/en.atom.xml")
    assert headers["last-modified"] == formatdate(1_800_000_000, usegmt=True)
    same = {"If-Modified-Since": headers["last-modified"]}
    assert fetch(server, "/feeds/en.atom.xml", headers=same)[0] == 304
    older = {"If-Modified-Since": formatdate(1_799_999_999, usegmt=True)}
    assert fetch(server, "/feeds/en.atom.xml", headers=older)[0] == 200
    assert fetch(server, "/feeds/en.atom.xml",
                 headers={"If-Modified-Since": "yesterday"})[0] == 200
    # If-None-Match decides when both are sent: a stale tag means the client's copy is old.
    both = {**same, "If-None-Match": '"stale"'}
    assert fetch(server, "/feeds/en.atom.xml", headers=both)[0] == 200


def test_gzip_when_accepted_with_its_own_etag(server: OutputServer) -> None:
    status, headers, body = fetch(server, "/exports/issues.jsonl",
                                  headers={"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == FILES["exports/issues.jsonl"].encode()
    assert len(body) < len(FILES["exports/issues.jsonl"])
    _, plain, plain_body = fetch(server, "/exports/issues.jsonl")
    assert "content-encoding" not in plain and plain["vary"] == "Accept-Encoding"
    assert plain_body == FILES["exports/issues.jsonl"].encode()
    assert plain["etag"] != headers["etag"]  # two representations, two strong tags
    again = fetch(server, "/exports/issues.jsonl",
                  headers={"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})
    assert again[0] == 304
    refused = fetch(server, "/exports/issues.jsonl", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused[1]


def test_two_servers_on_port_zero_get_their_own_ports(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("hi", encoding="utf-8")
    with serve(tmp_path, port=0) as one, serve(tmp_path, port=0) as two:
        assert one.port != two.port
        assert fetch(two, "/")[2] == b"hi"
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", one.port, timeout=2).connect()
