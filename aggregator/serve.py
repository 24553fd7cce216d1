"""Serve the output directory (feeds, exports, reading pages) over HTTP, read-only.

What feed readers and caches need from a static host: a strong ETag (hash of the bytes) and
Last-Modified (the file's mtime), 304 for a conditional request that still matches, gzip when
the client accepts it, and the content type each format is registered under. Everything served
is a plain file under ``OUT/``, so any static host serving the same folder serves the same site;
this server only adds the headers.

Only output formats are served (see :data:`CONTENT_TYPES`): the SQLite store, the run lock and
temp files of the atomic writer may live in the same folder and are nobody's business.

>>> with serve(Path("data"), port=0) as server:   # doctest: +SKIP
...     print(server.url)                           # http://127.0.0.1:41234/
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

__all__ = ["CONTENT_TYPES", "OutputServer", "content_type", "serve"]

logger = logging.getLogger(__name__)

# By file name ending; the first match wins, so the longer endings come first.
CONTENT_TYPES: tuple[tuple[str, str], ...] = (
    (".atom.xml", "application/atom+xml"),
    (".rss.xml", "application/rss+xml"),
    (".xml", "application/xml"),
    (".opml", "text/x-opml"),
    (".html", "text/html; charset=utf-8"),
    (".jsonl", "application/x-ndjson"),
    (".json", "application/json"),
    (".csv", "text/csv; charset=utf-8"),
    (".parquet", "application/vnd.apache.parquet"),
    (".md", "text/markdown; charset=utf-8"),
    (".txt", "text/plain; charset=utf-8"),
    (".png", "image/png"),
)
_FEED_JSON = "application/feed+json"
# Already compressed (or binary columnar with its own compression): gzip would only cost time.
_NO_GZIP = ("image/png", "application/vnd.apache.parquet")
_GZIP_MIN_BYTES = 256


def content_type(relative: PurePosixPath) -> str | None:
    """The content type of an output file by its path under ``OUT/`` (None: not served).

    A ``.json`` file under ``feeds/`` is a JSON Feed; elsewhere it is plain JSON.
    """
    name = relative.name.lower()
    if name.endswith(".json") and relative.parts[:1] == ("feeds",):
        return _FEED_JSON
    return next((kind for ending, kind in CONTENT_TYPES if name.endswith(ending)), None)


@dataclass(frozen=True)
class _Representation:
    body: bytes
    etag: str
    encoding: str | None  # "gzip" or None (identity)


class _Files:
    """Reads files under the root and remembers their hashes while size and mtime stay."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._lock = threading.Lock()
        self._cache: dict[tuple[Path, int, int, bool], _Representation] = {}

    def locate(self, url_path: str) -> tuple[Path, PurePosixPath] | None:
        """The file a request path names, or None when it names nothing servable.

        The path is percent-decoded once; any ``..``, ``.``, backslash, NUL or hidden segment
        refuses it outright (no normalizing that could climb out of the root), and the resolved
        file must still lie under the root (a symlink pointing outside is refused too).
        """
        decoded = unquote(url_path, errors="strict") if "%" in url_path else url_path
        if "\\" in decoded or "\x00" in decoded:
            return None
        parts = [p for p in decoded.split("/") if p]
        if any(p in (".", "..") or p.startswith(".") for p in parts):
            return None
        if not parts or decoded.endswith("/"):
            parts.append("index.html")
        relative = PurePosixPath(*parts)
        if content_type(relative) is None:
            return None
        candidate = self.root.joinpath(*parts)
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            return None
        return resolved, relative

    def representation(self, path: Path, size: int, mtime_ns: int,
                       gzipped: bool) -> _Representation:
        key = (path, size, mtime_ns, gzipped)
        with self._lock:
            found = self._cache.get(key)
        if found is not None:
            return found
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:32]
        if gzipped:
            # mtime=0: the same file always compresses to the same bytes.
            made = _Representation(gzip.compress(body, compresslevel=6, mtime=0),
                                   f'"{digest}-gz"', "gzip")
        else:
            made = _Representation(body, f'"{digest}"', None)
        with self._lock:
            if len(self._cache) > 4096:  # a long-running server sees many exports
                self._cache.clear()
            self._cache[key] = made
        return made


def _accepts_gzip(header: str | None) -> bool:
    for part in (header or "").split(","):
        token, _, params = part.strip().partition(";")
        if token.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = params.strip().lower()
            return not (quality.startswith("q=") and _zero_quality(quality[2:]))
    return False


def _zero_quality(value: str) -> bool:
    try:
        return float(value) == 0.0
    except ValueError:
        return False


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2): ``W/`` is ignored."""
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags


def _not_modified_since(header: str, mtime: int) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False  # an unparseable date is ignored, as RFC 9110 §13.1.3 says
    return since.tzinfo is not None and mtime <= int(since.timestamp())


class _Handler(BaseHTTPRequestHandler):
    server_version = "aggregator"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    files: _Files  # set on the subclass made per server

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _refuse_method(self) -> None:
        self._send_plain(HTTPStatus.METHOD_NOT_ALLOWED, b"read-only: GET and HEAD only\n",
                         extra=[("Allow", "GET, HEAD")])

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _answer(self, *, send_body: bool) -> None:
        try:
            found = self.files.locate(urlsplit(self.path).path)
        except UnicodeDecodeError:
            found = None
        if found is None:
            self._send_plain(HTTPStatus.NOT_FOUND, b"not found\n", send_body=send_body)
            return
        path, relative = found
        kind = content_type(relative)
        assert kind is not None  # locate() serves only typed files
        stat = path.stat()
        mtime = int(stat.st_mtime)
        gzipped = (_accepts_gzip(self.headers.get("Accept-Encoding"))
                   and kind not in _NO_GZIP and stat.st_size >= _GZIP_MIN_BYTES)
        rep = self.files.representation(path, stat.st_size, stat.st_mtime_ns, gzipped)
        headers = [("ETag", rep.etag), ("Last-Modified", formatdate(mtime, usegmt=True)),
                   ("Vary", "Accept-Encoding"), ("Cache-Control", "no-cache")]
        if_none_match = self.headers.get("If-None-Match")
        if_modified_since = self.headers.get("If-Modified-Since")
        # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 §13.2.2).
        if (_etag_matches(if_none_match, rep.etag) if if_none_match is not None
                else if_modified_since is not None
                and _not_modified_since(if_modified_since, mtime)):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(rep.body)))
        if rep.encoding is not None:
            self.send_header("Content-Encoding", rep.encoding)
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(rep.body)

    def _send_plain(self, status: HTTPStatus, body: bytes, *, send_body: bool = True,
                    extra: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra or []:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        logger.info("%s %s", self.address_string(), format % args)


class OutputServer:
    """A threaded HTTP server for one output folder, running in a background thread.

    Use it as a context manager (tests: ``port=0`` lets the OS choose) or call :meth:`wait`
    to block until interrupted (the ``aggregator serve`` command).
    """

    def __init__(self, out_dir: Path, host: str = "127.0.0.1", port: int = 8080) -> None:
        handler = type("Handler", (_Handler,), {"files": _Files(Path(out_dir))})
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        # A short poll interval: close() (each test's teardown) returns within 50 ms.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="aggregator-serve", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, ending in ``/`` (IPv6 hosts in brackets)."""
        host = str(self._httpd.server_address[0])
        return f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C stops it)."""
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def close(self) -> None:
        """Stop serving and free the port; calling it again does nothing."""
        if not self._thread.is_alive():
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 8080) -> OutputServer:
    """Start serving ``out_dir`` read-only at ``host:port`` (0: any free port); see the module."""
    return OutputServer(out_dir, host, port)
