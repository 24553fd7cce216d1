"""``aggregator link`` at scale: 10k and 100k short documents, beside issue #11's targets.

    python benchmarks/link_scale.py                    # 10,000 and 100,000 documents
    python benchmarks/link_scale.py --sizes 2000,10000 # other sizes (the ratio is last / first)
    python benchmarks/link_scale.py --workers 1        # AGGREGATOR_LINK_WORKERS for the runs
    python benchmarks/link_scale.py --pythonpath DIR   # measure another checkout (a baseline)

Documents come from ``benchmarks/link_memory.py``'s seeded generator (short news items built
from the glossary's entities with amounts and dates, English and Chinese; a quarter of the
Chinese ones translate a recent English item, one in ten re-posts an earlier document with a
sentence changed), plus, here, English paraphrases: one document in ten rewrites a recent
English item in other words (same companies, amount and date, new filler and title). So most
documents are distinct items, some are paraphrases, translations or copies, both languages.

Each size runs ``aggregator link`` in a child process and prints wall time and peak RSS,
each beside its target (10k < 30 s; 100k < 60 s and < 2 GiB; t(100k)/t(10k) <= 11), measured
in one run so the ratio compares like with like on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from link_memory import _EN_FILLER, ROOT, Generator, measure

TARGET_S = {10_000: 30.0, 100_000: 60.0}
TARGET_RSS_MB = {100_000: 2048.0}
TARGET_RATIO = 11.0
_TITLES = ("{a} signs ${amount}B agreement with {b}", "{b} and {a} in ${amount}B pact",
           "Report: {a} to pay {b} ${amount}B")


class ParaphraseGenerator(Generator):
    """:class:`Generator` plus English paraphrases of recent English items."""

    def next(self) -> str:
        if self.english and self.rng.random() < 0.1:
            return self._paraphrase()
        return super().next()

    def _paraphrase(self) -> str:
        rng = self.rng
        self.n += 1
        story = rng.choice(self.english)
        ents: list[tuple[str, str]] = story["ents"]  # type: ignore[assignment]
        a, b, c = (english for english, _chinese in ents[:3])
        day: datetime = story["day"]  # type: ignore[assignment]
        words = [rng.choice(_EN_FILLER) for _ in range(rng.randrange(60, 160))]
        text = (f"On {day:%B} {day.day}, {day.year}, {b} and {a} announced a "
                f"${story['amount']}B deal. " + " ".join(words) + f". According to {c}, more "
                "is to come.")
        title = rng.choice(_TITLES).format(a=a, b=b, amount=story["amount"])
        doc: dict[str, object] = {"id": f"doc-{self.n}", "lang": "en", "title": title,
                                  "text": text, "published": day.isoformat()}
        self.recent = [*self.recent[-200:], doc]
        return json.dumps(doc, ensure_ascii=False) + "\n"


def _verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return f" (target < {target:.0f}: {'met' if value < target else 'NOT met'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="document counts, ascending")
    parser.add_argument("--pythonpath", type=Path, default=ROOT,
                        help="checkout to measure (default: this one; another one: a baseline)")
    parser.add_argument("--workers", type=int, default=0,
                        help="worker processes for the runs (default: every core)")
    args = parser.parse_args()
    if args.workers:
        os.environ["AGGREGATOR_LINK_WORKERS"] = str(args.workers)
    sizes = [int(s) for s in args.sizes.split(",")]
    walls: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="link_scale_") as tmp:
        for n in sizes:
            src, out = Path(tmp) / f"docs_{n}.jsonl", Path(tmp) / "groups.jsonl"
            gen = ParaphraseGenerator(7)
            with src.open("w", encoding="utf-8") as fh:
                for _ in range(n):
                    fh.write(gen.next())
            wall, rss = measure(src, out, args.pythonpath)
            walls[n] = wall
            methods = Counter(json.loads(line)["method"] for line in out.open(encoding="utf-8"))
            print(f"{n:>7,} documents ({src.stat().st_size / 1e6:.0f} MB): wall {wall:.1f} s"
                  f"{_verdict(wall, TARGET_S.get(n))}, peak RSS {rss:.0f} MB"
                  f"{_verdict(rss, TARGET_RSS_MB.get(n))}; {wall / n * 1000:.2f} ms/document; "
                  f"methods {dict(sorted(methods.items()))}", flush=True)
            src.unlink()
    if len(walls) >= 2:
        small, big = sizes[0], sizes[-1]
        ratio = walls[big] / walls[small]
        print(f"t({big:,})/t({small:,}) = {ratio:.2f} for x{big / small:.0f} the documents"
              + (f" (target <= {TARGET_RATIO:.0f}: {'met' if ratio <= TARGET_RATIO else 'NOT met'})"
                 if (small, big) == (10_000, 100_000) else ""))
    print(f"measured {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"workers {os.environ.get('AGGREGATOR_LINK_WORKERS', 'all')}")


if __name__ == "__main__":
    main()
