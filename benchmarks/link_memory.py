"""Memory and time of ``aggregator link`` on large local inputs.

    python benchmarks/link_memory.py                  # 2, 20 and 200 MB inputs
    python benchmarks/link_memory.py --sizes 2,20     # only these (MB)
    python benchmarks/link_memory.py --pythonpath DIR # measure another checkout (a baseline)

Each input is generated deterministically (seeded) into a temp dir: short news-like documents,
English and Chinese, built from the glossary's entities with amounts and dates, where about a
quarter of the Chinese documents translate an English one, and one document in ten re-posts an
earlier one with a sentence changed. Each size runs ``aggregator link`` in a child process (run
by its own wrapper process, so ``RUSAGE_CHILDREN`` sees that run alone) and prints wall time
and peak RSS; a least-squares line through the sizes gives the bound "peak RSS ≈ X MB + Y bytes
per document". A size whose estimated time (from the smaller ones) is over ``--budget``
seconds is not run: its figures are extrapolated from the line, and the output says so.

Figures at the time of writing (2 shared cores, ~1.5 KB documents, 131,787 at 200 MB):

    size    this checkout            before (58ae382)
    2 MB    19 s, 149 MB             12 s, 203 MB
    20 MB   149 s, 263 MB            101 s, 753 MB
    200 MB  1035 s, 1439 MB          not run; ~6.2 GB extrapolated (142 MB + 46 KB/document)

    peak RSS ≈ 140 MB + 10 KB/document here (the 2/20 MB line predicted 1402 MB at 200 MB)

Of the ~10 KB a document: ~2.7 KB packed features (every document), ~15 KB per English
cluster head in the issue index (its datasketch LSH and postings), the rest transient. Wall
times vary with the shared CPU (the process got about half a core); computing features
(~10 ms a document) dominates, grouping is a few percent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "aggregator" / "anchors" / "glossary.tsv"
MB = 1_000_000

# Common Chinese characters for filler text (a news register, no rare characters).
_ZH_FILLER = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明"
    "看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料"
)
_EN_FILLER = [
    "the", "company", "said", "on", "its", "plans", "for", "new", "model", "growth", "market",
    "quarter", "revenue", "users", "chips", "deal", "talks", "report", "analysts",
    "investors", "shares", "regulators", "rules", "launch", "product", "team", "data",
    "cloud", "compute", "training", "safety", "policy", "court", "ruling", "lawsuit",
    "partners", "customers", "spending", "billion", "million", "early", "later", "this",
    "week", "after", "before", "while", "despite", "amid", "following", ").split(",
]


def _entities() -> list[tuple[str, str]]:
    pairs = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) >= 4 and cols[2] and cols[3]:
            pairs.append((cols[2].split(";")[0].strip().lstrip("="),
                          cols[3].split(";")[0].strip()))
    return pairs


class Generator:
    """Deterministic documents: ``next()`` gives one JSON line."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.entities = _entities()
        self.english: list[dict[str, object]] = []  # recent English stories, to translate
        self.recent: list[dict[str, object]] = []  # recent documents, to re-post
        self.n = 0
        self.start = datetime(2024, 1, 1, tzinfo=UTC)

    def _story(self) -> dict[str, object]:
        rng = self.rng
        ents = rng.sample(self.entities, 3)
        amount = rng.choice([1.2, 2.5, 3.8, 6, 10, 14, 30, 86, 120]) * rng.choice([1, 10])
        day = self.start + timedelta(days=rng.randrange(700))
        return {"ents": ents, "amount": round(amount, 1), "day": day,
                "words": [rng.choice(_EN_FILLER) for _ in range(rng.randrange(120, 260))],
                "chars": "".join(rng.choice(_ZH_FILLER) for _ in range(rng.randrange(250, 600)))}

    def _english(self, s: dict[str, object], doc_id: str) -> dict[str, object]:
        ents: list[tuple[str, str]] = s["ents"]  # type: ignore[assignment]
        a, b, c = (english for english, _chinese in ents[:3])
        words: list[str] = s["words"]  # type: ignore[assignment]
        day: datetime = s["day"]  # type: ignore[assignment]
        cut = len(words) // 3
        text = (f"{a} agreed a ${s['amount']}B deal with {b} on {day:%B} {day.day}, "
                f"{day.year}. " + " ".join(words[:cut]) + f". {c} said " + " ".join(words[cut:])
                + ".")
        return {"id": doc_id, "lang": "en", "title": f"{a} and {b}: ${s['amount']}B deal",
                "text": text, "published": day.isoformat()}

    def _chinese(self, s: dict[str, object], doc_id: str) -> dict[str, object]:
        ents: list[tuple[str, str]] = s["ents"]  # type: ignore[assignment]
        a, b, c = (chinese for _english, chinese in ents[:3])
        chars: str = s["chars"]  # type: ignore[assignment]
        day: datetime = s["day"]  # type: ignore[assignment]
        yi = round(float(s["amount"]) * 10, 1)  # type: ignore[arg-type]
        cut = len(chars) // 2
        text = (f"{day.year}年{day.month}月{day.day}日,{a}与{b}达成{yi}亿美元的协议。"
                f"{chars[:cut]}。{c}表示,{chars[cut:]}。")
        return {"id": doc_id, "lang": "zh", "title": f"{a}与{b}达成{yi}亿美元协议",
                "text": text, "published": (day + timedelta(hours=9)).isoformat()}

    def next(self) -> str:
        rng = self.rng
        self.n += 1
        doc_id = f"doc-{self.n}"
        roll = rng.random()
        if roll < 0.1 and self.recent:  # a re-post, one sentence changed, published later
            doc = dict(rng.choice(self.recent), id=doc_id)
            doc["text"] = str(doc["text"]) + (" Updated with a correction."
                                              if doc["lang"] == "en" else "更新:更正了一处错误。")
        elif roll < 0.25 and self.english:  # a translation of a recent English story
            doc = self._chinese(rng.choice(self.english), doc_id)
        else:
            story = self._story()
            if roll < 0.65:
                doc = self._english(story, doc_id)
                self.english = [*self.english[-200:], story]
            else:
                doc = self._chinese(story, doc_id)
        self.recent = [*self.recent[-200:], doc]
        return json.dumps(doc, ensure_ascii=False) + "\n"


def generate(path: Path, size: int, seed: int = 7) -> int:
    """Write about ``size`` bytes of documents to ``path``; the number of documents."""
    gen = Generator(seed)
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        while written < size:
            line = gen.next()
            fh.write(line)
            written += len(line.encode("utf-8"))
    return gen.n


_WRAPPER = """
import resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - t
print(code, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def measure(src: Path, out: Path, pythonpath: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of ``aggregator link`` on ``src``, in a child process."""
    link = [sys.executable, "-c", "import sys; from aggregator.cli import main; "
            "sys.exit(main(sys.argv[1:]))", "link", "--input", str(src), "--output", str(out)]
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    # cwd too: "python -c" puts the working directory first on sys.path, ahead of PYTHONPATH.
    result = subprocess.run([sys.executable, "-c", _WRAPPER, *link], env=env, check=True,
                            capture_output=True, text=True, cwd=pythonpath)
    code, wall, maxrss_kb = result.stdout.split()
    if code != "0":
        raise SystemExit(f"aggregator link exited {code} on {src}")
    return float(wall), int(maxrss_kb) / 1024  # ru_maxrss is in KiB on Linux


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares intercept and slope."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return my - slope * mx, slope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2,20,200", help="input sizes in MB (ascending)")
    parser.add_argument("--budget", type=float, default=600.0,
                        help="skip (and extrapolate) a size estimated to take longer (s)")
    parser.add_argument("--pythonpath", type=Path, default=ROOT,
                        help="checkout to measure (default: this one)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: list[tuple[int, int, float, float]] = []  # MB, docs, wall, peak MB
    with tempfile.TemporaryDirectory(prefix="link_memory_") as tmp:
        for size in sizes:
            src = Path(tmp) / f"docs_{size}mb.jsonl"
            t0 = time.perf_counter()
            docs = generate(src, size * MB)
            gen_s = time.perf_counter() - t0
            if len(rows) >= 1:
                per_doc_s = rows[-1][2] / rows[-1][1]
                estimate = per_doc_s * docs
                if estimate > args.budget:
                    print(f"{size:>4} MB: {docs} documents; estimated {estimate:.0f} s > budget "
                          f"{args.budget:.0f} s: not run (extrapolated below)")
                    src.unlink()
                    rows.append((size, docs, float("nan"), float("nan")))
                    continue
            wall, peak = measure(src, Path(tmp) / "groups.jsonl", args.pythonpath)
            src.unlink()
            rows.append((size, docs, wall, peak))
            print(f"{size:>4} MB: {docs} documents, generated in {gen_s:.0f} s; "
                  f"link {wall:.1f} s, peak RSS {peak:.0f} MB", flush=True)
    done = [r for r in rows if r[2] == r[2]]  # not NaN
    if len(done) >= 2:
        base, per_doc_mb = _fit([r[1] for r in done], [r[3] for r in done])
        print(f"bound (fit over {len(done)} runs): peak RSS ≈ {base:.0f} MB + "
              f"{per_doc_mb * 1e6:.0f} bytes/document "
              f"({done[-1][3] / done[-1][0]:.1f} MB RSS per MB of input at {done[-1][0]} MB)")
        small, big = done[0], done[-1]
        print(f"ratio {big[0]} MB / {small[0]} MB: time x{big[2] / small[2]:.1f}, "
              f"peak RSS x{big[3] / small[3]:.1f} (input x{big[0] / small[0]:.0f})")
        for size, docs, wall, _ in rows:
            if wall != wall:
                time_per_doc = done[-1][2] / done[-1][1]
                print(f"{size:>4} MB EXTRAPOLATED, not measured: ~{docs * time_per_doc:.0f} s, "
                      f"peak RSS ~{base + per_doc_mb * docs:.0f} MB")


if __name__ == "__main__":
    main()
