"""One demo output folder per test session, for the tests that read the outputs as users do.

``aggregator demo`` runs once in a subprocess (as a user runs it); the reading pages are written
from its store when the run does not write them itself. A test that edits the store or the
outputs works on :func:`copy_demo_output`, never on the shared folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aggregator.app import open_store
from aggregator.catalog import IssueView, build_catalog
from aggregator.config import db_url
from aggregator.reading import write_pages

_BUILT: dict[str, Path] = {}
_STORES: dict[Path, str] = {}  # output folder -> the store its demo wrote (see conftest)


def demo_output(factory: pytest.TempPathFactory) -> Path:
    """The shared demo output (built on first use): feeds, exports, pages, ``aggregator.db``."""
    if "out" not in _BUILT:
        out = factory.mktemp("demo-output")
        command = [sys.executable, "-m", "aggregator.cli", "demo", "--quiet", "--out", str(out)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        _STORES[out] = db_url(None, out)  # OUT/aggregator.db, or $AGGREGATOR_DB_URL
        if not (out / "index.html").exists():
            write_pages(catalog_of(out), out)
        _BUILT["out"] = out
    return _BUILT["out"]


def copy_demo_output(factory: pytest.TempPathFactory, name: str) -> Path:
    copy = factory.mktemp(name) / "out"
    shutil.copytree(demo_output(factory), copy)
    return copy


def catalog_of(out: Path) -> list[IssueView]:
    store = open_store(_STORES.get(out) or db_url(None, out))
    try:
        return build_catalog(store)
    finally:
        store.close()
