"""Fault mode for the replica: make chosen URLs misbehave the way real servers do.

A :class:`Fault` says how a URL misbehaves and for how many requests (``times``; ``None`` is
every request, a permanent fault). Register one with ``ReplicaServer.set_fault(url, fault)``;
once its ``times`` are used up the URL answers normally again, so "503 twice, then the page"
is ``Fault.status(503, times=2)``.

Some faults only change what is answered (a status, a body, a header); the rest are damage
done by the server while writing: a slow answer, a body cut short
(:func:`write_body_damaged`), a reset connection.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass
from io import BufferedIOBase
from typing import Literal

__all__ = ["Fault", "FaultBook", "FaultKind", "write_body_damaged"]

FaultKind = Literal[
    "status",         # answer `status` (500, 503, 429 ...), with Retry-After if given
    "reset",          # send the headers and half the body, then reset the connection (RST)
    "truncate",       # Content-Length of the whole body, half of it sent, clean close
    "slow",           # wait `delay` seconds before answering (longer than DOWNLOAD_TIMEOUT)
    "redirect_loop",  # 301 to the URL itself, for ever
    "oversize",       # a 200 page of `size` bytes (over DOWNLOAD_MAXSIZE)
    "robots",         # robots.txt disallowing `disallow` (set it on the robots.txt URL)
    "html",           # an HTML page where the RSS/XML document should be
    "empty",          # 200 with an empty body
]

_HTML = "text/html; charset=utf-8"
_BODY_DAMAGE = frozenset({"reset", "truncate"})


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    times: int | None = None  # requests that misbehave; None: every one (a permanent fault)
    status_code: int = 500
    retry_after: str | None = None  # the Retry-After header, verbatim ("3", "3600", a date)
    delay: float = 0.0
    size: int = 0
    disallow: tuple[str, ...] = ()

    # -- the faults, by name -----------------------------------------------------------------

    @classmethod
    def status(cls, code: int, *, times: int | None = None,
               retry_after: int | str | None = None) -> Fault:
        after = None if retry_after is None else str(retry_after)
        return cls("status", times, status_code=code, retry_after=after)

    @classmethod
    def too_many_requests(cls, retry_after: int | str, *, times: int | None = None) -> Fault:
        return cls.status(429, times=times, retry_after=retry_after)

    @classmethod
    def reset(cls, *, times: int | None = None) -> Fault:
        return cls("reset", times)

    @classmethod
    def truncate(cls, *, times: int | None = None) -> Fault:
        return cls("truncate", times)

    @classmethod
    def slow(cls, delay: float, *, times: int | None = None) -> Fault:
        return cls("slow", times, delay=delay)

    @classmethod
    def redirect_loop(cls, *, times: int | None = None) -> Fault:
        return cls("redirect_loop", times)

    @classmethod
    def oversize(cls, size: int, *, times: int | None = None) -> Fault:
        return cls("oversize", times, size=size)

    @classmethod
    def robots(cls, *disallow: str) -> Fault:
        return cls("robots", None, disallow=disallow)

    @classmethod
    def html(cls, *, times: int | None = None) -> Fault:
        return cls("html", times)

    @classmethod
    def empty(cls, *, times: int | None = None) -> Fault:
        return cls("empty", times)

    # -- what it answers ---------------------------------------------------------------------

    @property
    def damages_body(self) -> bool:
        return self.kind in _BODY_DAMAGE

    def answer(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes
               ) -> tuple[int, list[tuple[str, str]], bytes]:
        """The (status, headers, body) answered instead of the normal ``status, headers, body``
        (a slow answer or a damaged body is the server's doing while it writes)."""
        if self.kind == "status":
            extra = [("Retry-After", self.retry_after)] if self.retry_after is not None else []
            text = f"<html><body><h1>{self.status_code}</h1></body></html>\n".encode()
            return self.status_code, [("Content-Type", _HTML), *extra], text
        if self.kind == "redirect_loop":
            return 301, [("Content-Type", _HTML), ("Location", url)], b""
        if self.kind == "oversize":
            head = b"<!DOCTYPE html><html><body><p>"
            tail = b"</p></body></html>\n"
            padding = b"x" * max(0, self.size - len(head) - len(tail))
            return 200, [("Content-Type", _HTML)], head + padding + tail
        if self.kind == "robots":
            lines = ["User-agent: *", *(f"Disallow: {path}" for path in self.disallow), ""]
            return 200, [("Content-Type", "text/plain; charset=utf-8")], "\n".join(lines).encode()
        if self.kind == "html":
            page = b"<!DOCTYPE html><html><head><title>Maintenance</title></head>" \
                   b"<body><p>We will be back soon.</p></body></html>\n"
            return 200, [("Content-Type", _HTML)], page
        if self.kind == "empty":
            kept = [(k, v) for k, v in headers if k.lower() == "content-type"]
            return 200, kept, b""
        return status, headers, body  # write damage: the normal answer, spoilt while sent


class FaultBook:
    """The faults in force, by URL key, and how many requests each has left (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[object, Fault] = {}
        self._left: dict[object, int | None] = {}

    def set(self, key: object, fault: Fault | None) -> None:
        with self._lock:
            if fault is None:
                self._faults.pop(key, None)
                self._left.pop(key, None)
            else:
                self._faults[key] = fault
                self._left[key] = fault.times

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._left.clear()

    def take(self, key: object) -> Fault | None:
        """The fault answering this request to ``key``, using up one of its ``times``."""
        with self._lock:
            fault = self._faults.get(key)
            if fault is None:
                return None
            left = self._left[key]
            if left is not None:
                if left <= 0:
                    return None
                self._left[key] = left - 1
            return fault


def write_body_damaged(fault: Fault, connection: socket.socket, wfile: BufferedIOBase,
                       body: bytes) -> None:
    """Send half of ``body`` (the headers announced all of it), then end the connection the
    way ``fault`` says: a clean EOF (truncated) or a TCP reset."""
    wfile.write(body[: len(body) // 2])
    wfile.flush()
    if fault.kind == "reset":
        # SO_LINGER with a zero timeout turns close() into a TCP RST: a reset, not an EOF.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
    else:
        connection.shutdown(socket.SHUT_WR)
