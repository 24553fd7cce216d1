"""Glossary matching speed on the replica's texts: ``python benchmarks/glossary_match.py``.

Times :meth:`Glossary.matches` (one Aho-Corasick pass) over every issue and mirror text of the
bundled replica (English, Simplified and, converted, Traditional) beside the regex matcher it
replaced (kept as the reference in ``tests/test_glossary_matcher.py``), in one run: microseconds
per 1,000 characters of each, the ratio, and whether both found the same matches.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def _time(matchers: list[Callable[[str], list[Any]]], texts: list[str], rounds: int = 10
          ) -> list[float]:
    """Best time of each matcher over all texts, rounds interleaved (a loaded machine's drift
    then hits both alike)."""
    for match in matchers:
        for t in texts[:5]:  # build the automata / compile the patterns outside the timing
            match(t)
    best = [float("inf")] * len(matchers)
    for _ in range(rounds):
        for i, match in enumerate(matchers):
            started = time.process_time()  # CPU time: other load on the machine moves it less
            for t in texts:
                match(t)
            best[i] = min(best[i], time.process_time() - started)
    return best


def main() -> None:
    from tests.test_glossary_matcher import reference_matches, reference_patterns

    texts = _texts()
    chars = sum(len(t) for t in texts)
    same = all(list(DEFAULT_GLOSSARY.matches(t)) == reference_matches(DEFAULT_GLOSSARY, t)
               for t in texts)
    patterns = {}  # the reference compiles its regexes per call: compile once, as it did

    def regexes(text: str) -> list[Any]:
        key = id(DEFAULT_GLOSSARY)
        if key not in patterns:
            patterns[key] = reference_patterns(DEFAULT_GLOSSARY)
        return reference_matches(DEFAULT_GLOSSARY, text, patterns[key])

    found = sum(len(list(DEFAULT_GLOSSARY.matches(t))) for t in texts)
    ours, theirs = _time([lambda t: list(DEFAULT_GLOSSARY.matches(t)), regexes], texts)
    per_1k = chars / 1000
    print(f"texts={len(texts)} chars={chars} matches={found} identical={same}")
    for label, seconds in (("aho-corasick", ours), ("regexes     ", theirs)):
        print(f"{label} us_per_1k_chars={seconds * 1e6 / per_1k:.1f} "
              f"(best of 10, {seconds:.4f} s CPU)")
    print(f"aho-corasick / regexes = {ours / theirs:.2f}x the time")


if __name__ == "__main__":
    main()
