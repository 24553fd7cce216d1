"""The replica's manifest: which status, headers and file answer each URL in each snapshot.

A replica is a folder with ``manifest.json`` (a JSON list of entries: ``url``, ``file``,
``status``, ``headers``, ``snapshot``) and the files it names (under ``sites/``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["DEFAULT_ROOT", "MANIFEST_NAME", "ManifestEntry", "load_manifest"]

MANIFEST_NAME = "manifest.json"


def _bundled_root() -> Path:
    """The bundled replica, package data of ``aggregator.replica`` (found the same way in a
    checkout and in an installed wheel, whatever the working directory)."""
    root = resources.files("aggregator.replica") / "data"
    # The server reads files by path; a zipped install (no real files) is not supported.
    if not isinstance(root, Path):
        raise RuntimeError(f"the bundled replica is not a folder on disk: {root}")
    return root.resolve()


DEFAULT_ROOT = _bundled_root()

# (host, decoded path, sorted decoded query pairs): the lookup key of a URL.
Key = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class ManifestEntry:
    """One manifest row: how ``url`` is answered from ``snapshot`` on (until replaced)."""

    url: str
    file: str | None
    status: int
    headers: dict[str, str] = field(hash=False)
    snapshot: int

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    def header(self, name: str) -> str | None:
        """The entry's header ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


def url_key(url: str) -> Key:
    parts = urlsplit(url)
    return target_key((parts.hostname or "").lower(), parts.path, parts.query)


def target_key(host: str, path: str, query: str) -> Key:
    pairs = tuple(sorted(parse_qsl(query, keep_blank_values=True)))
    return host.lower(), unquote(path) or "/", pairs


def load_manifest(root: Path) -> list[ManifestEntry]:
    """Read and validate ``root/manifest.json``; every referenced file must exist under root."""
    manifest_path = root / MANIFEST_NAME
    if not manifest_path.is_file():
        raise FileNotFoundError(
            f"replica manifest not found: {manifest_path} (a replica is a folder with "
            f"manifest.json and sites/, like the bundled {DEFAULT_ROOT})"
        )
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"unreadable replica manifest {manifest_path}: {exc}") from exc
    if not isinstance(raw, list):
        raise ValueError(f"{manifest_path}: expected a JSON list of entries")
    resolved_root = root.resolve()
    entries: list[ManifestEntry] = []
    seen: set[tuple[Key, int]] = set()
    for index, item in enumerate(raw):
        where = f"{manifest_path} entry {index}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected an object")
        url, file, status = item.get("url"), item.get("file"), item.get("status")
        headers, snapshot = item.get("headers", {}), item.get("snapshot", 1)
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"{where}: bad url {url!r}")
        if not urlsplit(url).hostname:
            raise ValueError(f"{where}: url without host {url!r}")
        if file is not None and not isinstance(file, str):
            raise ValueError(f"{where}: bad file {file!r}")
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise ValueError(f"{where}: bad status {status!r}")
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise ValueError(f"{where}: headers must map strings to strings")
        if not isinstance(snapshot, int) or isinstance(snapshot, bool) or snapshot < 1:
            raise ValueError(f"{where}: bad snapshot {snapshot!r}")
        if file is not None:
            path = (root / file).resolve()
            if not path.is_relative_to(resolved_root):
                raise ValueError(f"{where}: file {file!r} escapes the replica root")
            if not path.is_file():
                raise FileNotFoundError(f"{where}: file not found: {root / file}")
        key = (url_key(url), snapshot)
        if key in seen:
            raise ValueError(f"{where}: duplicate entry for {url} in snapshot {snapshot}")
        seen.add(key)
        entries.append(ManifestEntry(url, file, status, dict(headers), snapshot))
    return entries
