"""A plain (non-editable) wheel install works on its own, away from the checkout.

The wheel is built from a copy of the checkout and installed with its dependencies into a fresh
virtual environment (no system site packages). Then: only the ``aggregator`` package tree is
installed (no generic top-level ``spiders``/``tests``/``benchmarks``), every data file of the
package tree (the bundled replica above all) is inside the installed package, and the installed
``aggregator demo`` runs from a directory that is not the repo and writes feeds and exports.

Slow by nature (build, then pip installs the dependencies: about a minute here), so everything
is built once per module.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from aggregator.replica import DEFAULT_ROOT

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "aggregator"
GENERIC_NAMES = ("spiders", "tests", "benchmarks")
# The whole module (build + install + demo) must fit in pytest's per-test timeout with room.
pytestmark = pytest.mark.timeout(600)

# Not copied: version control, local environments and outputs (the top-level data/ is the
# default output folder), build leftovers and caches.
_TOP_LEVEL_SKIP = {".git", ".venv", "venv", "data", "out", "build", "dist"}
_ANYWHERE_SKIP = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


@dataclass(frozen=True)
class Install:
    venv: Path
    site_packages: Path
    work: Path  # an empty folder outside the repo to run commands from


def _ignore(directory: str, names: list[str]) -> set[str]:
    top = Path(directory) == REPO
    return {
        name for name in names
        if name in _ANYWHERE_SKIP or name.endswith((".egg-info", ".pyc"))
        or (top and name in _TOP_LEVEL_SKIP)
    }


def _env(*, proxies: bool) -> dict[str, str]:
    """The environment minus what would point the install back at the checkout (PYTHONPATH,
    an active venv) or at another store; without proxies for loopback traffic."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "AGGREGATOR_DB_URL"}
    return {
        key: value for key, value in os.environ.items()
        if key not in drop and (proxies or not key.lower().endswith("_proxy"))
    }


def _run(command: list[str], cwd: Path, *, proxies: bool = True) -> str:
    done = subprocess.run(command, cwd=cwd, env=_env(proxies=proxies), capture_output=True,
                          text=True, timeout=480, check=False)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _data_files(root: Path) -> dict[str, bytes]:
    """Every non-Python file under ``root`` (what ships as package data), by relative path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Install:
    root = tmp_path_factory.mktemp("packaging")
    source, dist, venv, work = root / "source", root / "dist", root / "venv", root / "work"
    # Build from a copy: setuptools reuses build/ in the source folder, and a stale file there
    # would ship in the wheel and hide a packaging mistake. tests/, benchmarks/ (and spiders/
    # while it exists) are copied too, so the test sees whether they would be installed.
    shutil.copytree(REPO, source, ignore=_ignore)
    work.mkdir()
    # Build isolation (pip's default) builds with the setuptools pyproject.toml asks for.
    _run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(dist)],
         cwd=work)
    wheels = list(dist.glob("aggregator-*.whl"))
    assert len(wheels) == 1, wheels
    # No pip inside the venv (ensurepip is slow): this pip installs into it with --python.
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", str(wheels[0])],
         cwd=work)
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = Path(_run([str(python), "-c", purelib], cwd=work).strip()).resolve()
    return Install(venv, site_packages, work)


def test_only_the_aggregator_package_is_installed(install: Install) -> None:
    installed = {path.name for path in install.site_packages.iterdir()}
    assert "aggregator" in installed
    assert not installed & set(GENERIC_NAMES), sorted(installed & set(GENERIC_NAMES))
    # And by the distribution's own record: the package, its metadata and the script only.
    listing = _run([str(install.venv / "bin" / "python"), "-c",
                    "import json, importlib.metadata as m; "
                    "print(json.dumps([str(f) for f in m.distribution('aggregator').files]))"],
                   cwd=install.work)
    top_level = {name.split("/")[0] for name in json.loads(listing) if not name.startswith("..")}
    assert top_level == {"aggregator", "aggregator-0.1.0.dist-info"}


def test_every_package_data_file_is_installed(install: Install) -> None:
    installed_package = install.site_packages / "aggregator"
    # The replica's every kind of file (json, md, html with the 404 pages, xml, txt) ships ...
    replica = _data_files(DEFAULT_ROOT)
    assert {"manifest.json", "truth.json", "README.md"} <= set(replica)
    assert {Path(name).suffix for name in replica} >= {".json", ".md", ".html", ".xml", ".txt"}
    _assert_same_files(_data_files(installed_package / "replica" / "data"), replica)
    # ... and so does any other data file of the package tree (py.typed, glossaries, ...).
    _assert_same_files(_data_files(installed_package), _data_files(PACKAGE))


def _assert_same_files(installed: dict[str, bytes], source: dict[str, bytes]) -> None:
    missing = sorted(set(source) - set(installed))
    assert not missing, f"{len(missing)} data files not installed, e.g. {missing[:5]}"
    assert sorted(set(installed) - set(source)) == []
    assert [name for name in source if installed[name] != source[name]] == []


def test_installed_package_finds_its_bundled_replica(install: Install) -> None:
    found = _run([str(install.venv / "bin" / "python"), "-c",
                  "from aggregator.replica import DEFAULT_ROOT; print(DEFAULT_ROOT)"],
                 cwd=install.work).strip()
    assert Path(found).resolve() == install.site_packages / "aggregator" / "replica" / "data"


def test_installed_demo_runs_outside_the_repo(install: Install) -> None:
    out = install.work / "demo"
    stdout = _run([str(install.venv / "bin" / "aggregator"), "demo", "--out", str(out), "--quiet"],
                  cwd=install.work, proxies=False)
    assert str(install.site_packages) in stdout  # served the installed replica
    truth = json.loads((DEFAULT_ROOT / "truth.json").read_text(encoding="utf-8"))
    english = {issue["number"] for issue in truth["issues"] if issue["on_aiweekly"]}
    rows = (out / "exports" / "issues.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(row)["number"] for row in rows} >= english
    feeds = sorted((out / "feeds").iterdir())
    assert feeds and all(feed.stat().st_size > 0 for feed in feeds), feeds
