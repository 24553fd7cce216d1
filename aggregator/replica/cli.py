"""``python -m aggregator.replica``: serve a replica on loopback until Ctrl-C.

Kept out of ``__main__.py`` so ``aggregator.replica`` can re-export :func:`main` without runpy
warning that ``__main__`` was imported before it ran.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from aggregator.replica.manifest import DEFAULT_ROOT
from aggregator.replica.server import ReplicaServer

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aggregator.replica",
        description="Serve an offline replica (default: the bundled one) on loopback.",
    )
    parser.add_argument("--snapshot", type=int, default=1, help="snapshot to serve (default 1)")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT,
                        help="replica directory (default: the bundled replica)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    args = parser.parse_args(argv)
    try:
        server = ReplicaServer(root=args.root, snapshot=args.snapshot, host=args.host)
    except (OSError, ValueError) as exc:
        parser.exit(2, f"error: {exc}\n")
    with server:
        print(f"serving replica snapshot {server.snapshot} from {server.root}", flush=True)
        for canonical, loopback in server.base_urls.items():
            print(f"{canonical} -> {loopback}", flush=True)
        print("press Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", file=sys.stderr, flush=True)
    return 0
