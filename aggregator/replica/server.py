"""Loopback HTTP server for a replica: every site host of its manifest on its own port.

``ReplicaServer`` serves every site host from its own loopback port (chosen by the OS), so a
crawler can fetch ``http://127.0.0.1:<port>/issues?page=2`` in place of
``https://aiweekly.co/issues?page=2``.

Responses are faithful to the manifest: the entry's status, its headers verbatim (``Location``
stays the absolute canonical ``https://`` URL, as the real site sends) and the file's bytes
unchanged (some pages are GBK). Conditional requests (``If-None-Match``, ``If-Modified-Since``)
answer 304. The served snapshot can be switched at runtime, and every request is logged as a
:class:`RequestRecord` so tests can count what a crawl fetched. Fault mode
(:meth:`ReplicaServer.set_fault`, :mod:`aggregator.replica.faults`) makes chosen URLs misbehave.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import urlsplit, urlunsplit

from aggregator.replica.conditional import NOT_MODIFIED_HEADERS, not_modified
from aggregator.replica.faults import Fault, FaultBook, write_body_damaged
from aggregator.replica.manifest import (
    DEFAULT_ROOT,
    Key,
    ManifestEntry,
    load_manifest,
    target_key,
    url_key,
)

__all__ = ["Fault", "ReplicaServer", "RequestRecord"]

logger = logging.getLogger(__name__)

_HTML_UTF8 = "text/html; charset=utf-8"


@dataclass(frozen=True)
class RequestRecord:
    """One request answered by the replica.

    ``url`` is the canonical ``https://`` URL: the manifest entry's URL when the request matched
    one (so ``?page=2&sort=3`` is logged as the manifest's ``?sort=3&page=2``), else the URL
    built from the request. ``conditional`` is true when the request carried ``If-None-Match``
    or ``If-Modified-Since`` (whatever the outcome; ``status`` 304 tells it was not modified).
    ``fault`` is the kind of the injected fault that answered it, and ``at`` its
    ``time.monotonic()`` arrival (so a test can see a retry wait out a ``Retry-After``).
    """

    method: str
    url: str
    status: int
    conditional: bool
    snapshot: int
    fault: str | None = None
    at: float = field(default_factory=time.monotonic, compare=False)


@dataclass(frozen=True)
class _Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    record: RequestRecord
    close: bool = False
    fault: Fault | None = None


def _canonical_base(host: str) -> str:
    return f"https://{host}"


class ReplicaServer:
    """Serve the replica's sites on loopback, one OS-chosen port per site host.

    >>> with ReplicaServer(snapshot=1) as srv:          # doctest: +SKIP
    ...     srv.base_url_for("aiweekly.co")             # 'http://127.0.0.1:41234'
    ...     srv.set_snapshot(2)                         # same ports, snapshot 2 content
    """

    def __init__(self, root: Path = DEFAULT_ROOT, snapshot: int = 1, host: str = "127.0.0.1",
                 faults: Mapping[str, Fault] | None = None):
        self.root = Path(root)
        self.host = host
        self._entries = load_manifest(self.root)
        self._index: dict[Key, list[ManifestEntry]] = {}
        for entry in self._entries:
            self._index.setdefault(url_key(entry.url), []).append(entry)
        for candidates in self._index.values():
            candidates.sort(key=lambda e: e.snapshot)
        hosts: list[str] = []
        for entry in self._entries:
            if entry.host not in hosts:
                hosts.append(entry.host)
        self._hosts = tuple(hosts)
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._bodies: dict[Path, bytes] = {}
        self._servers: dict[str, _SiteServer] = {}
        self._threads: list[threading.Thread] = []
        self._base_urls: dict[str, str] = {}
        self._snapshot = 1
        self.set_snapshot(snapshot)
        self._faults = FaultBook()
        for url, fault in (faults or {}).items():
            self.set_fault(url, fault)

    # -- configuration -------------------------------------------------------------------

    @property
    def snapshot(self) -> int:
        """The snapshot being served; assigning it is the same as :meth:`set_snapshot`."""
        return self._snapshot

    @snapshot.setter
    def snapshot(self, value: int) -> None:
        self.set_snapshot(value)

    def set_snapshot(self, snapshot: int) -> None:
        """Serve ``snapshot`` from now on (same ports); per URL the newest entry <= it wins."""
        if not isinstance(snapshot, int) or isinstance(snapshot, bool) or snapshot < 1:
            raise ValueError(f"snapshot must be an integer >= 1, not {snapshot!r}")
        with self._lock:
            self._snapshot = snapshot

    def set_fault(self, url: str, fault: Fault | None) -> None:
        """Make canonical ``url`` misbehave as ``fault`` says (None: answer normally again)."""
        self._faults.set(url_key(url), fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def sites(self) -> tuple[str, ...]:
        """Canonical base URLs of the manifest's sites, e.g. ``("https://aiweekly.co", ...)``."""
        return tuple(_canonical_base(h) for h in self._hosts)

    @property
    def entries(self) -> tuple[ManifestEntry, ...]:
        """Every manifest entry (all snapshots), in manifest order."""
        return tuple(self._entries)

    def lookup(self, url: str, snapshot: int | None = None) -> ManifestEntry | None:
        """The entry answering canonical ``url`` in ``snapshot`` (default: the served one)."""
        return self._lookup(url_key(url), self._snapshot if snapshot is None else snapshot)

    def _lookup(self, key: Key, snapshot: int) -> ManifestEntry | None:
        found: ManifestEntry | None = None
        for entry in self._index.get(key, ()):
            if entry.snapshot <= snapshot:
                found = entry
        return found

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> dict[str, str]:
        """Start one server per site host; return ``{canonical base -> loopback base}``.

        Idempotent: a running server returns its existing mapping.
        """
        with self._lock:
            if self._servers:
                return dict(self._base_urls)
        servers: dict[str, _SiteServer] = {}
        try:
            for site_host in self._hosts:
                servers[site_host] = _SiteServer(self, site_host, self.host)
        except BaseException:
            for server in servers.values():
                server.server_close()
            raise
        threads: list[threading.Thread] = []
        base_urls: dict[str, str] = {}
        for site_host, server in servers.items():
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"replica-{site_host}",
                daemon=True,
            )
            thread.start()
            threads.append(thread)
            base_urls[_canonical_base(site_host)] = server.base_url
        with self._lock:
            self._servers, self._threads, self._base_urls = servers, threads, base_urls
        logger.debug("replica serving snapshot %d: %s", self._snapshot, base_urls)
        return dict(base_urls)

    def stop(self) -> None:
        """Stop every site server, close open connections and free the ports (idempotent)."""
        with self._lock:
            servers, threads = self._servers, self._threads
            self._servers, self._threads, self._base_urls = {}, [], {}
        for server in servers.values():
            server.shutdown()
        for server in servers.values():
            server.close_connections()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return bool(self._servers)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- URL mapping ---------------------------------------------------------------------

    @property
    def base_urls(self) -> dict[str, str]:
        """``{canonical base -> loopback base}`` while running, else ``{}``."""
        with self._lock:
            return dict(self._base_urls)

    def base_url_for(self, host_or_canonical_base: str) -> str:
        """Loopback base URL for a site: ``"aiweekly.co"``, ``"https://aiweekly.co"`` or any
        URL on it. Raises RuntimeError when not running, KeyError for a host not in the replica.
        """
        text = host_or_canonical_base.strip()
        if "://" in text:
            site_host = urlsplit(text).hostname or ""
        else:
            site_host = text.split("/", 1)[0].rsplit(":", 1)[0]
        site_host = site_host.lower().rstrip(".")
        with self._lock:
            if not self._base_urls:
                raise RuntimeError("replica server is not running; call start() first")
            base = self._base_urls.get(_canonical_base(site_host))
        if base is None:
            raise KeyError(f"{host_or_canonical_base!r} is not a replica site {self.sites}")
        return base

    def to_loopback(self, url: str) -> str:
        """Map a canonical URL of a replica site to its loopback URL; other URLs unchanged."""
        parts = urlsplit(url)
        with self._lock:
            base = self._base_urls.get(_canonical_base((parts.hostname or "").lower()))
        if base is None or parts.scheme not in ("http", "https"):
            return url
        loop = urlsplit(base)
        return urlunsplit(
            (loop.scheme, loop.netloc, parts.path or "/", parts.query, parts.fragment)
        )

    def to_canonical(self, url: str) -> str:
        """Map a loopback URL of this server back to the canonical ``https://`` URL."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            canonical = {v.lower(): k for k, v in self._base_urls.items()}.get(origin)
        if canonical is None:
            return url
        return canonical + urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))

    # -- request log ---------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first (appended before each response is sent)."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    # -- responses -----------------------------------------------------------------------

    def _read_body(self, file: str) -> bytes:
        path = self.root / file
        body = self._bodies.get(path)
        if body is None:
            body = path.read_bytes()
            self._bodies[path] = body
        return body

    def _not_found_body(self, site_host: str) -> tuple[str, bytes]:
        page = Path("sites") / site_host / "404.html"
        if (self.root / page).is_file():
            return _HTML_UTF8, self._read_body(str(page))
        return "text/plain; charset=utf-8", b"404 Not Found\n"

    def _respond(
        self,
        site_host: str,
        method: str,
        target: str,
        *,
        if_none_match: str | None = None,
        if_modified_since: str | None = None,
    ) -> _Response:
        """Build the answer to ``method target`` on ``site_host``'s port (no I/O but files)."""
        snapshot = self._snapshot
        if target.startswith(("http://", "https://")):  # absolute-form request target
            parts = urlsplit(target)
            path, query = parts.path, parts.query
        else:
            path, _, query = target.partition("#")[0].partition("?")
        path = path or "/"
        key = target_key(site_host, path, query)
        url = _canonical_base(site_host) + path + (f"?{query}" if query else "")
        if_none_match = (if_none_match or "").strip()
        if_modified_since = (if_modified_since or "").strip()
        conditional = bool(if_none_match or if_modified_since)

        if method not in ("GET", "HEAD"):
            body = b"405 Method Not Allowed\n"
            headers = [("Content-Type", "text/plain; charset=utf-8"), ("Allow", "GET, HEAD")]
            record = RequestRecord(method, url, 405, conditional, snapshot)
            return _Response(405, headers, body, record, close=True)

        entry = self._lookup(key, snapshot)
        fault = self._faults.take(key)
        if fault is not None:
            return self._faulty(fault, method, entry, url, conditional, snapshot, site_host)
        if entry is None:
            content_type, body = self._not_found_body(site_host)
            record = RequestRecord(method, url, 404, conditional, snapshot)
            return _Response(404, [("Content-Type", content_type)], body, record)

        if entry.status == 200 and not_modified(entry, if_none_match, if_modified_since):
            headers = [
                (k, v) for k, v in entry.headers.items() if k.lower() in NOT_MODIFIED_HEADERS
            ]
            record = RequestRecord(method, entry.url, 304, conditional, snapshot)
            return _Response(304, headers, b"", record)

        body = self._read_body(entry.file) if entry.file is not None else b""
        record = RequestRecord(method, entry.url, entry.status, conditional, snapshot)
        return _Response(entry.status, list(entry.headers.items()), body, record)

    def _faulty(self, fault: Fault, method: str, entry: ManifestEntry | None, url: str,
                conditional: bool, snapshot: int, site_host: str) -> _Response:
        """The answer spoilt by ``fault``: conditional headers are ignored (a faulty server
        sends the whole page), and the connection is closed after a damaged body."""
        if entry is not None:
            url = entry.url
            status, headers = entry.status, list(entry.headers.items())
            body = self._read_body(entry.file) if entry.file is not None else b""
        else:
            content_type, body = self._not_found_body(site_host)
            status, headers = 404, [("Content-Type", content_type)]
        status, headers, body = fault.answer(url, status, headers, body)
        record = RequestRecord(method, url, status, conditional, snapshot, fault=fault.kind)
        return _Response(status, headers, body, record, close=fault.damages_body, fault=fault)

    def _error_response(self, method: str, site_host: str, target: str) -> _Response:
        url = _canonical_base(site_host) + (target if target.startswith("/") else "/")
        record = RequestRecord(method, url, 500, False, self._snapshot)
        body = b"500 Internal Server Error\n"
        headers = [("Content-Type", "text/plain; charset=utf-8")]
        return _Response(500, headers, body, record, close=True)


class _SiteServer(ThreadingHTTPServer):
    """One site's server: knows its replica and host, and tracks open connections."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops SYNs under concurrent crawls (1 s retries)

    def __init__(self, replica: ReplicaServer, site_host: str, bind_host: str):
        self.replica = replica
        self.site_host = site_host
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in bind_host:
            self.address_family = socket.AF_INET6
        super().__init__((bind_host, 0), _ReplicaHandler)
        port = self.server_address[1]
        netloc = f"[{bind_host}]" if ":" in bind_host else bind_host
        self.base_url = f"http://{netloc}:{port}"

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads parked on idle keep-alive connections so they exit."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Never print tracebacks to stderr; a failing connection must not affect the others.
        logger.debug("replica %s: error serving %s", self.site_host, client_address, exc_info=True)


class _ReplicaHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real sites
    server_version = "aggregator-replica"
    sys_version = ""
    timeout = 30  # idle keep-alive connections are dropped after this many seconds

    def version_string(self) -> str:
        return self.server_version

    @property
    def _site(self) -> _SiteServer:
        return cast(_SiteServer, self.server)

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def _serve(self) -> None:
        site = self._site
        method = self.command
        try:
            response = site.replica._respond(
                site.site_host,
                method,
                self.path,
                if_none_match=self.headers.get("If-None-Match"),
                if_modified_since=self.headers.get("If-Modified-Since"),
            )
        except Exception:
            logger.exception(
                "replica %s: failed to answer %s %s", site.site_host, method, self.path
            )
            response = site.replica._error_response(method, site.site_host, self.path)
        # Log before answering so a client that has read the response always finds its record.
        site.replica._record(response.record)
        try:
            if response.fault is not None and response.fault.kind == "slow":
                time.sleep(response.fault.delay)  # the client's timeout fires first
            self._write(response, head=method == "HEAD")
        except OSError:  # client went away mid-response
            self.close_connection = True

    def _write(self, response: _Response, *, head: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        if response.close:
            self.send_header("Connection", "close")  # also sets self.close_connection
        self.end_headers()
        if response.fault is not None and response.fault.damages_body and not head:
            self.close_connection = True
            write_body_damaged(response.fault, self.connection, self.wfile, response.body)
            return
        if not head and response.status != 304 and response.body:
            self.wfile.write(response.body)
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("replica %s: %s", self._site.site_host, format % args)
