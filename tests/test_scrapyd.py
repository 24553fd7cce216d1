"""Scrapyd end to end: deploy the project egg to a real Scrapyd on loopback, run every spider
at once against the bundled replica into one SQLite store, then export from that store.

This is the deployment an operator does: ``scrapyd-deploy`` (scrapyd-client) builds the egg
from a copy of the project (it writes a ``setup.py`` beside ``scrapy.cfg``, so never in the
work tree) and uploads it; ``schedule.json`` starts one job per spider with the store and the
replica's base URLs as settings; ``aggregator export`` then writes the feeds and exports.

Needs ``scrapyd`` and ``scrapyd-client`` installed in the interpreter running the tests;
skipped otherwise.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from sqlalchemy import create_engine, func, select

from aggregator.replica import DEFAULT_ROOT, ReplicaServer
from aggregator.sites import SITES
from aggregator.store import IssueRow, LinkRow, PostRow, StoryRow
from tests import truth as truth_of

_INSTALL = "pip install 'scrapyd>=1.6,<2' 'scrapyd-client>=2,<3'"
pytest.importorskip("scrapyd", reason=f"the Scrapyd test needs scrapyd: {_INSTALL}")
pytest.importorskip("scrapyd_client", reason=f"the Scrapyd test needs scrapyd-client: {_INSTALL}")

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "aggregator"
TRUTH = truth_of.load(DEFAULT_ROOT)
TRUTH_ISSUES = {i["number"]: i for i in TRUTH["issues"]}
MIRRORS = truth_of.posts(TRUTH, "mirror_posts")
OTHERS = truth_of.posts(TRUTH, "other_posts")
START_TIMEOUT = 30.0
DEPLOY_TIMEOUT = 120.0
JOBS_TIMEOUT = 150.0
# Scrapyd answers addversion.json, listspiders.json and schedule.json after running `scrapy list`
# in a subprocess: seconds on a busy machine.
HTTP_TIMEOUT = 90.0


@dataclass
class Deployment:
    egg: Path
    spiders: list[str]
    jobs: dict[str, str]  # job id -> spider
    finished: list[dict[str, Any]]
    logs: dict[str, str]  # spider -> its job's log
    db: Path
    db_url: str
    deploy_output: str
    scrapyd: str  # Scrapyd's base URL, up until the module's tests are done


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(base: str, path: str, **params: str) -> dict[str, Any]:
    query = f"?{urlencode(params)}" if params else ""
    with urlopen(f"{base}/{path}{query}", timeout=HTTP_TIMEOUT) as response:
        data: dict[str, Any] = json.load(response)
    return data


def _post(base: str, path: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
    with urlopen(f"{base}/{path}", data=urlencode(fields).encode(),
                 timeout=HTTP_TIMEOUT) as response:
        data: dict[str, Any] = json.load(response)
    return data


def _job_environment(environ: dict[str, str]) -> dict[str, str]:
    """Scrapyd's environment, which its jobs inherit: none of our settings from the caller, and
    this checkout first on ``PYTHONPATH``.

    Scrapyd appends the egg to the end of ``sys.path``, so an installed ``aggregator`` (an
    editable install of another checkout, say) would otherwise shadow it, wholly or in part
    (``aggregator.crawl`` has no ``__init__.py``, so it is a namespace package whose portions
    can come from two trees). With this checkout first, the jobs run the code the egg was built
    from; the egg's own metadata (the settings entry point) is what Scrapyd reads either way.
    """
    env = dict(environ)
    kept = [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
            if p and Path(p).resolve() != ROOT]
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *kept])
    for name in ("AGGREGATOR_DB_URL", "AGGREGATOR_BASE_URLS", "SCRAPY_SETTINGS_MODULE",
                 "SCRAPY_PROJECT", "SCRAPYD_EGG_VERSION"):
        env.pop(name, None)
    return env


def _project_copy(dest: Path, scrapyd_url: str) -> Path:
    """What scrapyd-deploy needs (scrapy.cfg, pyproject.toml, the package), its target set."""
    dest.mkdir()
    shutil.copytree(ROOT / "aggregator", dest / "aggregator",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "scrapy.cfg"):
        shutil.copy2(ROOT / name, dest / name)
    cfg = configparser.ConfigParser()
    cfg.read(dest / "scrapy.cfg", encoding="utf-8")
    assert cfg.get("settings", "default") == "aggregator.settings"
    assert cfg.get("deploy", "project") == PROJECT
    cfg.set("deploy", "url", scrapyd_url)
    with (dest / "scrapy.cfg").open("w", encoding="utf-8") as handle:
        cfg.write(handle)
    return dest


def _start_scrapyd(home: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\n"
        f"dbs_dir = {home / 'dbs'}\n"
        "items_dir =\n"
        "jobs_dir =\n"
        "poll_interval = 0.5\n"
        f"max_proc = {len(SITES) + 1}\n",
        encoding="utf-8")
    # Scrapyd reads ./scrapyd.conf: run it from its own home, where no scrapy.cfg is found.
    return subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=env,
                            stdout=(home / "scrapyd.out").open("wb"), stderr=subprocess.STDOUT)


def _wait_for_daemon(base: str, process: subprocess.Popen[bytes], home: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = (home / "scrapyd.out").read_text(errors="replace")
            pytest.fail(f"scrapyd exited with {process.returncode}:\n{output}")
        try:
            if _get(base, "daemonstatus.json").get("status") == "ok":
                return
        except (URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"scrapyd did not answer on {base} within {START_TIMEOUT:.0f} s")


def _wait_for_jobs(base: str, jobs: dict[str, str]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + JOBS_TIMEOUT
    listing: dict[str, Any] = {}
    while time.monotonic() < deadline:
        listing = _get(base, "listjobs.json", project=PROJECT)
        finished = [job for job in listing["finished"] if job["id"] in jobs]
        if len(finished) == len(jobs):
            return finished
        time.sleep(0.5)
    pytest.fail(f"Scrapyd jobs not finished within {JOBS_TIMEOUT:.0f} s: {listing}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("scrapyd")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _job_environment(dict(os.environ))
    home = tmp / "scrapyd"
    daemon = _start_scrapyd(home, port, env)
    try:
        _wait_for_daemon(base, daemon, home)
        project = _project_copy(tmp / "project", f"{base}/")
        deploy = subprocess.run(
            [sys.executable, "-c", "from scrapyd_client.deploy import main; main()",
             "default", "-p", PROJECT, "-v", "1.0"],
            cwd=project, env=env, capture_output=True, text=True, timeout=DEPLOY_TIMEOUT,
            check=False)
        deploy_output = deploy.stdout + deploy.stderr
        assert deploy.returncode == 0, deploy_output
        eggs = sorted((home / "eggs" / PROJECT).glob("*.egg"))
        assert len(eggs) == 1, f"no egg stored by Scrapyd: {deploy_output}"
        spiders = _get(base, "listspiders.json", project=PROJECT)
        assert spiders.get("status") == "ok", spiders

        db = tmp / "store" / "aggregator.db"
        db.parent.mkdir()
        db_url = f"sqlite:///{db}"
        jobs: dict[str, str] = {}
        with ReplicaServer(snapshot=2) as replica:
            bases = replica.base_urls
            served = ",".join(f"{key}={bases[site.canonical_base]}"
                              for key, site in SITES.items() if site.canonical_base in bases)
            settings = [f"AGGREGATOR_BASE_URLS={served}", f"AGGREGATOR_DB_URL={db_url}",
                        "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False",
                        "CONCURRENT_REQUESTS_PER_DOMAIN=8"]
            # Every spider is queued before the first starts: they run at once on one store.
            for spider in spiders["spiders"]:
                answer = _post(base, "schedule.json",
                               [("project", PROJECT), ("spider", spider),
                                *(("setting", s) for s in settings)])
                assert answer.get("status") == "ok", answer
                jobs[answer["jobid"]] = spider
            finished = _wait_for_jobs(base, jobs)
        logs = {spider: (home / "logs" / PROJECT / spider / f"{job}.log").read_text(
                    encoding="utf-8", errors="replace")
                for job, spider in jobs.items()}
        yield Deployment(eggs[0], spiders["spiders"], jobs, finished, logs, db, db_url,
                         deploy_output, base)
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=15)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(timeout=15)


def test_the_egg_names_the_settings_module(deployment: Deployment) -> None:
    with zipfile.ZipFile(deployment.egg) as egg:
        entry_points = configparser.ConfigParser()
        entry_points.read_string(egg.read("EGG-INFO/entry_points.txt").decode())
        names = set(egg.namelist())
    assert entry_points.get("scrapy", "settings") == "aggregator.settings"
    # The package data the spiders and the replica need ships in the egg.
    assert "aggregator/settings.py" in names
    assert "aggregator/replica/data/truth.json" in names


def test_scrapyd_lists_every_registered_site(deployment: Deployment) -> None:
    assert sorted(deployment.spiders) == sorted(SITES)


def test_every_job_finished_cleanly(deployment: Deployment) -> None:
    assert sorted(job["spider"] for job in deployment.finished) == sorted(SITES)
    for spider, log in deployment.logs.items():
        # Scrapyd lists a failed job as finished too: the job's own log tells.
        assert "'finish_reason': 'finished'" in log, f"{spider}:\n{log[-3000:]}"
        assert "database is locked" not in log, spider
        assert "Traceback (most recent call last)" not in log, f"{spider}:\n{log[-3000:]}"
        assert "'log_count/ERROR'" not in log, f"{spider}:\n{log[-3000:]}"
        assert "'aggregator/fetch_failed'" not in log, spider
        assert "(bot: aggregator)" in log, spider  # the egg's settings module was used


def test_the_store_holds_every_issue_and_post(deployment: Deployment) -> None:
    engine = create_engine(deployment.db_url)
    try:
        with engine.connect() as conn:
            numbers = set(conn.execute(select(IssueRow.number)).scalars())
            posts = {url: (source, is_mirror) for url, source, is_mirror in conn.execute(
                select(PostRow.url, PostRow.source, PostRow.is_mirror))}
            english_stories: dict[int | None, int] = {
                number: count for number, count in conn.execute(
                    select(StoryRow.issue_number, func.count()).where(StoryRow.lang == "en")
                    .group_by(StoryRow.issue_number))}
            links = conn.execute(select(func.count()).select_from(LinkRow)).scalar_one()
    finally:
        engine.dispose()
    on_aiweekly = {n for n, issue in TRUTH_ISSUES.items() if issue["on_aiweekly"]}
    assert on_aiweekly <= numbers
    for number in on_aiweekly:
        assert english_stories.get(number) == len(TRUTH_ISSUES[number]["stories"]), number
    for post in MIRRORS:
        assert posts.get(post["url"]) == (post["site"], True), post["url"]
    for post in OTHERS:
        assert posts.get(post["url"]) == (post["site"], False), post["url"]
    assert links > 0


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aggregator.cli", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def _documents(out: Path) -> dict[str, dict[str, Any]]:
    lines = (out / "exports" / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    return {row["url"]: row for row in map(json.loads, lines)}


def _assert_outputs(out: Path) -> None:
    feeds = {p.name for p in (out / "feeds").iterdir()}
    for lang in ("en", *(site.lang for site in SITES.values()), "all"):
        assert {f"{lang}.atom.xml", f"{lang}.rss.xml"} <= feeds, lang
    for name in ("issues", "stories", "documents"):
        for ext in ("jsonl", "csv"):
            assert (out / "exports" / f"{name}.{ext}").stat().st_size > 0, f"{name}.{ext}"
    assert {p["url"] for p in MIRRORS + OTHERS} <= set(_documents(out))


def test_export_from_the_shared_store_writes_feeds_and_exports(
        deployment: Deployment, tmp_path: Path) -> None:
    done = _cli("export", "--db", deployment.db_url, "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    _assert_outputs(tmp_path / "out")


def test_relink_after_parallel_jobs_links_every_mirror(
        deployment: Deployment, tmp_path: Path) -> None:
    # Parallel jobs: a mirror stored before its English issue waits unlinked, and the job that
    # stores the issue does not link other spiders' posts. `aggregator relink` after the jobs
    # links every one and writes the outputs (docs/deploy.md).
    out = tmp_path / "out"
    done = _cli("relink", "--db", deployment.db_url, "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    _assert_outputs(out)
    documents = _documents(out)
    for post in MIRRORS:
        # Every document of an issue carries its number; "linked" is told by link_method.
        doc = documents[post["url"]]
        assert doc["issue_number"] == post["issue_number"], post["url"]
        linked = TRUTH_ISSUES[post["issue_number"]]["on_aiweekly"]
        assert (doc["link_method"] is not None) == linked, post["url"]


def test_the_deploy_round_script_schedules_waits_links_and_exports(
        deployment: Deployment, tmp_path: Path) -> None:
    # deploy/scrapyd_round.py, as cron or the timer runs it: a second round over the same store.
    out = tmp_path / "out"
    with ReplicaServer(snapshot=2) as replica:
        bases = replica.base_urls
        served = ",".join(f"{key}={bases[site.canonical_base]}"
                          for key, site in SITES.items() if site.canonical_base in bases)
        done = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "scrapyd_round.py"),
             "--scrapyd", deployment.scrapyd, "--db", deployment.db_url, "--out", str(out),
             "-s", f"AGGREGATOR_BASE_URLS={served}", "-s", "DOWNLOAD_DELAY=0",
             "-s", "AUTOTHROTTLE_ENABLED=False", "--poll", "0.5", "--timeout", str(JOBS_TIMEOUT)],
            capture_output=True, text=True, timeout=JOBS_TIMEOUT + 60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for spider in SITES:
        assert f"job {spider} (" in done.stdout and "): finished" in done.stdout, done.stdout
    _assert_outputs(out)
    documents = _documents(out)
    for post in MIRRORS:
        # Every document of an issue carries its number; "linked" is told by link_method.
        doc = documents[post["url"]]
        assert doc["issue_number"] == post["issue_number"], post["url"]
        linked = TRUTH_ISSUES[post["issue_number"]]["on_aiweekly"]
        assert (doc["link_method"] is not None) == linked, post["url"]


def test_the_deploy_round_script_says_in_one_line_when_scrapyd_is_down(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "scrapyd_round.py"),
         "--scrapyd", f"http://127.0.0.1:{_free_port()}", "--db", "sqlite:///x.db",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("scrapyd_round: Scrapyd at http://127.0.0.1:"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
