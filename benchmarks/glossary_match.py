"""Glossary matching speed on the replica's texts: ``python benchmarks/glossary_match.py``.

Times :meth:`Glossary.matches` over every issue and mirror text of the bundled replica (English,
Simplified and, converted, Traditional) and prints microseconds per 1,000 characters.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as a script from anywhere
    sys.path.insert(0, str(ROOT))

import parsel  # noqa: E402

from aggregator.anchors import normalize_for_anchors  # noqa: E402
from aggregator.anchors.glossary import DEFAULT_GLOSSARY  # noqa: E402
from aggregator.anchors.script import to_simplified  # noqa: E402
from aggregator.replica import DEFAULT_ROOT  # noqa: E402

REPLICA = DEFAULT_ROOT


def _texts() -> list[str]:
    texts = []
    for path in sorted((REPLICA / "sites").rglob("*.html")):
        raw = path.read_bytes()
        for encoding in ("utf-8", "gb18030"):
            try:
                html = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            continue
        text = "\n".join(parsel.Selector(html).css("body ::text").getall())
        texts.append(normalize_for_anchors(to_simplified(text)))
    return texts


def main() -> None:
    texts = _texts()
    chars = sum(len(t) for t in texts)
    for t in texts[:5]:  # compile the patterns outside the timing
        list(DEFAULT_GLOSSARY.matches(t))
    rounds = 5
    started = time.perf_counter()
    found = 0
    for _ in range(rounds):
        for t in texts:
            found += sum(1 for _ in DEFAULT_GLOSSARY.matches(t))
    seconds = (time.perf_counter() - started) / rounds
    print(
        f"texts={len(texts)} chars={chars} matches={found // rounds} "
        f"seconds={seconds:.4f} us_per_1k_chars={seconds * 1e6 / (chars / 1000):.1f}"
    )


if __name__ == "__main__":
    main()
