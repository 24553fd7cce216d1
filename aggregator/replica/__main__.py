"""``python -m aggregator.replica [--snapshot N] [--root PATH]`` (see aggregator.replica.cli)."""

from aggregator.replica.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
