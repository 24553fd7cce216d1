"""The one atomic writer: outputs appear whole or not at all (temp file in the same folder,
flushed to disk, then renamed over the old one), so a reader or a crash never sees half a feed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _sweep(path: Path) -> None:
    """Remove the temp files a killed writer of ``path`` left behind (its pid is in the name;
    a live writer's file is left alone)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        pid = stale.name[len(path.name) + 2: -len(".tmp")]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


@contextmanager
def atomic_open(path: Path, *, encoding: str | None = "utf-8",
                newline: str | None = None) -> Iterator[IO[str]]:
    """Write text to ``path`` through a temp file that replaces it only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_open_binary(path: Path) -> Iterator[IO[bytes]]:
    """Write bytes to ``path`` through a temp file that replaces it only on success (for
    writers that stream, such as Parquet's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> Path:
    with atomic_open_binary(path) as handle:
        handle.write(data)
    return path
