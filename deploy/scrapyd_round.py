#!/usr/bin/env python3
"""One Scrapyd round of aggregator: every spider at once into one store, then link and export.

    scrapyd_round.py --db sqlite:////var/lib/aggregator/aggregator.db \\
                     --out /var/lib/aggregator/public

1. asks Scrapyd (``--scrapyd``, default http://127.0.0.1:6800) for the project's spiders and
   schedules them all at once, each with ``AGGREGATOR_DB_URL`` set to ``--db`` (plus any
   ``-s NAME=VALUE``);
2. waits, at most ``--timeout`` seconds, until ``listjobs.json`` lists every job as finished;
3. reads each job's log: Scrapyd lists a failed job as finished too, so only the log's
   ``finish_reason`` and its error count tell (``database is locked`` is named when seen);
4. runs ``aggregator relink --db DB --out OUT``: parallel jobs leave a mirror that was stored
   before its English issue unlinked, relink links every one, then writes feeds and exports.

Exit 0 when every job finished cleanly and the outputs were written; 1 when a job failed or
timed out (the outputs are still rewritten from what the store holds, so cron mails the
operator while the other sources stay published); 2 on a usage error or an unreachable Scrapyd.
Only the standard library: run it with the project's virtualenv Python (it calls
``python -m aggregator.cli``) or pass ``--aggregator /path/to/aggregator``.
``SCRAPYD_AUTH=user:password`` sends HTTP basic auth when Scrapyd has ``username``/``password``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import time
from typing import Any
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

FINISHED = "'finish_reason': 'finished'"
ERRORS = re.compile(r"'log_count/ERROR': (\d+)")


class RoundError(Exception):
    """Scrapyd cannot be used: one line, exit 2."""


def _request(base: str, path: str, *, params: dict[str, str] | None = None,
             fields: list[tuple[str, str]] | None = None) -> bytes:
    url = f"{base.rstrip('/')}/{path.lstrip('/')}"
    if params:
        url += f"?{urlencode(params)}"
    request = Request(url, data=urlencode(fields).encode() if fields is not None else None)
    auth = os.environ.get("SCRAPYD_AUTH")
    if auth:
        request.add_header("Authorization", f"Basic {base64.b64encode(auth.encode()).decode()}")
    try:
        # Scrapyd may run `scrapy list` before it answers schedule.json: allow for a busy machine.
        with urlopen(request, timeout=120) as response:
            body: bytes = response.read()
    except (URLError, OSError) as error:
        raise RoundError(f"Scrapyd at {base}: {error}") from None
    return body


def _json(base: str, path: str, **kwargs: Any) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(_request(base, path, **kwargs))
    if answer.get("status") != "ok":
        raise RoundError(f"Scrapyd {path}: {answer.get('message', answer)}")
    return answer


def _job_problem(base: str, job: dict[str, Any]) -> str | None:
    log_url = job.get("log_url")
    if not log_url:
        return None  # Scrapyd keeps no logs (logs_dir empty): nothing more to check
    log = _request(base, log_url).decode("utf-8", errors="replace")
    if "database is locked" in log:
        return "'database is locked' in its log"
    where = f"log: {base.rstrip('/')}{log_url}"
    if FINISHED not in log:
        reason = next((line.strip() for line in log.splitlines()
                       if "'finish_reason'" in line), "no finish reason logged")
        return f"did not finish cleanly ({reason}); {where}"
    errors = ERRORS.search(log)
    if errors:
        # A spider that closes normally may still have dropped pages on the way.
        return f"finished with {errors.group(1)} errors logged; {where}"
    return None


def run_round(args: argparse.Namespace) -> int:
    base, project = args.scrapyd, args.project
    spiders = _json(base, "listspiders.json", params={"project": project})["spiders"]
    if not spiders:
        raise RoundError(f"Scrapyd project {project!r} has no spider: deploy it first")
    settings = [f"AGGREGATOR_DB_URL={args.db}", *args.setting]
    jobs: dict[str, str] = {}
    for spider in spiders:
        fields = [("project", project), ("spider", spider),
                  *(("setting", setting) for setting in settings)]
        jobs[_json(base, "schedule.json", fields=fields)["jobid"]] = spider
    print(f"scheduled {len(jobs)} jobs: {', '.join(sorted(jobs.values()))}", flush=True)

    failed = 0
    deadline = time.monotonic() + args.timeout
    finished: dict[str, dict[str, Any]] = {}
    while len(finished) < len(jobs):
        listing = _json(base, "listjobs.json", params={"project": project})
        finished = {job["id"]: job for job in listing["finished"] if job["id"] in jobs}
        if len(finished) < len(jobs):
            if time.monotonic() > deadline:
                waiting = sorted(spider for job, spider in jobs.items() if job not in finished)
                print(f"still running after {args.timeout:.0f} s: {', '.join(waiting)}",
                      file=sys.stderr)
                failed += len(waiting)
                break
            time.sleep(args.poll)
    for job_id, job in sorted(finished.items(), key=lambda item: jobs[item[0]]):
        problem = _job_problem(base, job)
        if problem:
            failed += 1
            print(f"job {jobs[job_id]} ({job_id}): {problem}", file=sys.stderr)
        else:
            print(f"job {jobs[job_id]} ({job_id}): finished")

    command = [*args.aggregator, "relink", "--db", args.db, "--out", args.out]
    done = subprocess.run(command, check=False)
    if done.returncode != 0:
        print(f"{' '.join(command)} exited {done.returncode}", file=sys.stderr)
        return 1
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scrapyd", default="http://127.0.0.1:6800", help="Scrapyd's URL")
    parser.add_argument("--project", default="aggregator", help="the deployed project's name")
    parser.add_argument("--db", required=True, help="the store every job writes (SQLAlchemy URL)")
    parser.add_argument("--out", required=True, help="where feeds/ and exports/ are written")
    parser.add_argument("-s", "--set", dest="setting", action="append", default=[],
                        metavar="NAME=VALUE", help="a Scrapy setting for every job")
    parser.add_argument("--timeout", type=float, default=3 * 3600.0,
                        help="seconds to wait for the jobs (default: 3 hours)")
    parser.add_argument("--poll", type=float, default=10.0, help="seconds between job listings")
    parser.add_argument("--aggregator", nargs=1, default=[sys.executable, "-m", "aggregator.cli"],
                        metavar="PATH", help="the aggregator command (default: this Python's)")
    args = parser.parse_args(argv)
    try:
        return run_round(args)
    except RoundError as error:
        print(f"scrapyd_round: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
