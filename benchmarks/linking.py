"""Linking benchmark on the bundled replica: ``python benchmarks/linking.py [--json out.json]``.

Parses every replica page of snapshot 2 with the site page objects, HIDES every explicit source
link (``内容来源``), runs the linker and prints precision / recall / F1 of issue links (vs
``truth.json`` mirror_posts) and of story pairs (zh story i <-> en story i of the same issue), per
layer and with ablations; then harder cases built programmatically from the replica:

* ``zh-only``        the embedded English original and its links removed (forces layer c)
* ``summary-only``   only the 内容总结 left (no translation, no English)
* ``no-number``      zh-only, and the stated issue number and week removed as well
* ``target-missing`` the mirror's issue removed from the index: any link is wrong
* ``decoy``          a neighbouring issue relabelled with the target's number and week
                     (same companies, different stories), with and without the target
* ``small-index``    only the target and its two neighbours indexed (cold start, weak IDF)
* ``repost``         a re-post with edits: grouped with the original, both linked alike
* ``reorder``        translated stories dropped and swapped: story-pair precision / recall
* ``byod``           ``link_corpus`` on raw page text (no structure at all)
* ``Traditional``    the Traditional-script mirror site, Chinese text only, issue number
                     removed (converted to Simplified with OpenCC before matching)

Non-mirror posts go through every scenario; the number of links made for them must be 0.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as a script from anywhere
    sys.path.insert(0, str(ROOT))

import parsel  # noqa: E402

from aggregator.anchors import AnchorOptions  # noqa: E402
from aggregator.items import Issue, Post, Story  # noqa: E402
from aggregator.linking import (  # noqa: E402  # noqa: E402  (profiles only)
    ALIGN_MIN_SCORE,
    ALIGN_MIN_SCORE_REORDERED,
    DUP_JACCARD_NO_NUMBER,
    DUP_JACCARD_SAME_NUMBER,
    EMBEDDED_JACCARD,
    KIND_WEIGHTS,
    ZH_MIN_COVERAGE,
    ZH_MIN_MARGIN,
    ZH_MIN_MATCHED,
    AnchorStats,
    Features,
    IssueIndex,
    LinkDecision,
    LinkDoc,
    _informative,
    _zh_scores,
    align_stories,
    build_groups,
    compute_features,
    doc_from_issue,
    doc_from_post,
    doc_from_record,
    jaccard,
    link_corpus,
    link_mirror,
    story_scores,
)
from aggregator.normalize import canonical_url  # noqa: E402
from aggregator.replica import DEFAULT_ROOT  # noqa: E402
from aggregator.sites import SITES  # noqa: E402
from aggregator.sites.aiweekly import parse_issue_page  # noqa: E402
from aggregator.sites.base import Script  # noqa: E402
from aggregator.sites.qimuai import parse_post  # noqa: E402

REPLICA = DEFAULT_ROOT
SNAPSHOT = 2


# ---------------------------------------------------------------------------------------------
# Loading


@dataclass
class Replica:
    issues: list[Issue]
    posts: list[Post]
    aliases: dict[str, str]  # canonical numeric URL -> canonical slug URL (301s)
    truth_issue_of_post: dict[str, str | None]  # mirror post URL -> issue URL (None: not crawled)
    mirror_posts: set[str]
    other_posts: set[str]
    duplicate_of: dict[str, str]
    truth: dict[str, Any]


def _charset(headers: dict[str, str]) -> str:
    for key, value in headers.items():
        if key.lower() == "content-type" and "charset=" in value.lower():
            return value.lower().split("charset=")[-1].strip()
    return "utf-8"


def load_replica(root: Path = REPLICA, snapshot: int = SNAPSHOT) -> Replica:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    latest: dict[str, dict[str, Any]] = {}
    for entry in manifest:
        if entry.get("snapshot", 1) > snapshot:
            continue
        old = latest.get(entry["url"])
        if old is None or old.get("snapshot", 1) < entry.get("snapshot", 1):
            latest[entry["url"]] = entry
    issues: list[Issue] = []
    posts: list[Post] = []
    aliases: dict[str, str] = {}
    for url, entry in sorted(latest.items()):
        if entry["status"] == 301:
            aliases[canonical_url(url)] = canonical_url(entry["headers"]["Location"])
            continue
        if entry["status"] != 200 or not entry["file"]:
            continue
        html = (root / entry["file"]).read_bytes().decode(_charset(entry["headers"]))
        if re.search(r"aiweekly\.co/issues/[^/?]+$", url):
            issues.append(parse_issue_page(url, html))
        elif "post=" in url:
            posts.append(parse_post(url, html))
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    issue_url = {i["number"]: canonical_url(i["url"]) for i in truth["issues"]}
    crawled = {canonical_url(i.url) for i in issues}
    truth_of: dict[str, str | None] = {}
    for m in truth["mirror_posts"]:
        target = issue_url.get(m["issue_number"])
        truth_of[canonical_url(m["url"])] = target if target in crawled else None
    return Replica(
        issues=issues,
        posts=posts,
        aliases=aliases,
        truth_issue_of_post=truth_of,
        mirror_posts={canonical_url(m["url"]) for m in truth["mirror_posts"]},
        other_posts={canonical_url(o["url"]) for o in truth["other_posts"]},
        duplicate_of={
            canonical_url(m["url"]): canonical_url(m["duplicate_of"])
            for m in truth["mirror_posts"]
            if m.get("duplicate_of")
        },
        truth=truth,
    )


def load_traditional(rep: Replica, root: Path = REPLICA, snapshot: int = SNAPSHOT) -> Replica:
    """The Traditional-script mirror site of the replica (the registry's ``Hant`` site), its
    posts parsed minimally: the text of ``div.entry-content`` before the English original,
    without the source line or any URL (so only the Chinese text can link them)."""
    site = next(s for s in SITES.values() if s.script == "Hant")
    markers = site.markers
    assert markers is not None
    truth = rep.truth[site.key]
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    latest: dict[str, dict[str, Any]] = {}
    for entry in manifest:
        old = latest.get(entry["url"])
        if entry.get("snapshot", 1) <= snapshot and (
            old is None or old.get("snapshot", 1) < entry.get("snapshot", 1)
        ):
            latest[entry["url"]] = entry
    crawled = {i.number: canonical_url(i.url) for i in rep.issues}
    posts: list[Post] = []
    for m in truth["mirror_posts"] + truth["other_posts"]:
        sel = parsel.Selector((root / latest[m["url"]]["file"]).read_text(encoding="utf-8"))
        text = "\n".join(t.strip() for t in sel.css("div.entry-content ::text").getall())
        for label in markers.english:
            text = text.split(label, 1)[0]
        lines = [x for x in text.splitlines() if x and "http" not in x]
        stamp = sel.css("time.entry-date.published::attr(datetime)").get()
        posts.append(
            Post(m["url"], None, sel.css("h1.entry-title ::text").get("").strip(),
                 datetime.fromisoformat(stamp) if stamp else None, None, None, "",
                 "\n".join(x for x in lines if not x.startswith(markers.source)))
        )
    return replace(
        rep,
        posts=posts,
        truth_issue_of_post={
            canonical_url(m["url"]): crawled.get(m["issue_number"]) for m in truth["mirror_posts"]
        },
        mirror_posts={canonical_url(m["url"]) for m in truth["mirror_posts"]},
        other_posts={canonical_url(o["url"]) for o in truth["other_posts"]},
        duplicate_of={},
    )


def traditional_rows(rep: Replica, index: IssueIndex, root: Path = REPLICA) -> list[dict[str, Any]]:
    """Traditional mirrors, Chinese text alone, issue number removed from the title, converted
    with OpenCC before matching as the linker does; and how many glossary entities they share
    with their issue converted and as written (links hold either way on the replica: numbers,
    names and dates carry them; the entities are what conversion adds)."""
    hant = load_traditional(rep, root)

    def features_of(script: Script) -> dict[str, Features]:
        docs = {canonical_url(p.url): doc_from_post(p, script=script) for p in hant.posts}
        return _features(
            {
                url: replace(d, title=re.sub(r"第\S{1,8}期", "", d.title), issue_number=None)
                for url, d in docs.items()
            }
        )

    converted, as_written = features_of("Hant"), features_of("Hans")
    rows = [
        run_links(hant, converted, index, layers=("zh-anchors",)).row(
            "Traditional mirrors, zh-only, no number"
        ),
        run_links(hant, converted, index, layers=("zh-anchors",), kinds=("ent", "name")).row(
            "Traditional mirrors, names + entities only"
        ),
    ]
    shared: dict[str, list[int]] = {"converted": [], "as_written": []}
    for url, target in hant.truth_issue_of_post.items():
        if target is None:
            continue
        own = {k for k in index.get(target).anchors if k.startswith("ent:")}
        shared["converted"].append(len(own & converted[url].anchors))
        shared["as_written"].append(len(own & as_written[url].anchors))
    rows.append(
        {
            "scenario": "Traditional mirrors, entities shared with the issue",
            **{k: round(statistics.mean(v), 1) for k, v in shared.items()},
        }
    )
    return rows


# ---------------------------------------------------------------------------------------------
# Variants of a post's document


def hide_source(doc: LinkDoc) -> LinkDoc:
    return replace(doc, stated_source=None)


def zh_only(doc: LinkDoc) -> LinkDoc:
    return replace(hide_source(doc), embedded_en="", embedded_links=())


_ZH_PERIOD_RE = re.compile(
    r"[(（]?(?:本期周期[:：])?\d{4}年\d{1,2}月\d{1,2}日\s*[-–—至]\s*(?:\d{1,2}月)?\d{1,2}日[)）]?"
)


def no_number(doc: LinkDoc) -> LinkDoc:
    """Chinese only, and neither the issue number nor the period stated anywhere."""
    title = re.sub(r"AI周刊第\s*\d+\s*期[:：]?", "", doc.title)
    text = _ZH_PERIOD_RE.sub("", doc.text)
    return replace(zh_only(doc), title=title, text=text, issue_number=None, week=None)


def wrong_source(doc: LinkDoc, neighbour_url: str | None) -> LinkDoc:
    """The 内容来源 line copied from another post: it names a neighbouring issue."""
    return replace(doc, stated_source=neighbour_url) if neighbour_url else doc


def summary_only(post: Post) -> LinkDoc:
    doc = doc_from_post(post)
    if post.mirror is None:
        return hide_source(doc)
    text = _ZH_PERIOD_RE.sub("", f"{post.mirror.title}\n{post.mirror.summary}")
    return replace(zh_only(doc), text=text, stories=())


# ---------------------------------------------------------------------------------------------
# Scoring


@dataclass
class LinkScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    non_mirror_links: int = 0
    methods: Counter[str] = field(default_factory=Counter)
    times_ms: list[float] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def add(self, post_url: str, expected: str | None, got: LinkDecision | None) -> None:
        if got is not None:
            self.methods[got.method] += 1
        if got is not None and got.target == expected:
            self.tp += 1
            return
        if got is not None:
            self.fp += 1
            self.wrong.append(f"{post_url} -> {got.target} ({got.method} {got.score})")
        if expected is not None:
            self.fn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self, name: str) -> dict[str, Any]:
        times = sorted(self.times_ms) or [0.0]
        return {
            "scenario": name,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "non_mirror_links": self.non_mirror_links,
            "methods": dict(self.methods),
            "ms_per_link_mean": round(statistics.fmean(times), 3),
            "ms_per_link_p95": round(times[int(0.95 * (len(times) - 1))], 3),
            "wrong": self.wrong[:5],
        }


def build_index(issue_feats: dict[str, Features], skip: Iterable[str] = ()) -> IssueIndex:
    index = IssueIndex()
    skipped = set(skip)
    for doc_id, f in issue_feats.items():
        if doc_id not in skipped:
            index.add(doc_id, f)
    return index


def run_links(
    rep: Replica,
    post_feats: dict[str, Features],
    index: IssueIndex | Callable[[str], IssueIndex],
    *,
    layers: Sequence[str],
    kinds: Sequence[str] | None = None,
    expected: Callable[[str], str | None] | None = None,
    only: Iterable[str] | None = None,
) -> LinkScore:
    score = LinkScore()
    want = set(only) if only is not None else None
    for url, f in post_feats.items():
        if want is not None and url not in want:
            continue
        idx = index(url) if callable(index) else index
        start = time.perf_counter()
        if kinds is None:
            got = link_mirror(f, idx, aliases=rep.aliases, layers=layers)
        else:
            got = link_mirror(f, idx, aliases=rep.aliases, layers=layers, kinds=kinds)
        score.times_ms.append((time.perf_counter() - start) * 1000)
        exp = expected(url) if expected else rep.truth_issue_of_post.get(url)
        if url in rep.other_posts and got is not None:
            score.non_mirror_links += 1
        score.add(url, exp, got)
    return score


@dataclass
class PairScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def row(self, name: str) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "scenario": name,
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


def story_pairs(
    rep: Replica,
    mutate: Callable[[Sequence[Story], random.Random], list[Story]] | None = None,
    *,
    seed: int = 7,
) -> PairScore:
    """Story pairs of every mirror whose issue was crawled (truth: same position)."""
    by_url = {canonical_url(i.url): i for i in rep.issues}
    rng = random.Random(seed)
    score = PairScore()
    for post in rep.posts:
        url = canonical_url(post.url)
        target = rep.truth_issue_of_post.get(url)
        if post.mirror is None or target is None:
            continue
        en = list(by_url[target].stories)
        zh = list(post.mirror.stories)
        if mutate is not None:
            zh = mutate(zh, rng)
        truth = {(s.position, s.position) for s in zh if s.position <= len(en)}
        got = {(z, e) for z, e, _ in align_stories(zh, en)}
        score.tp += len(got & truth)
        score.fp += len(got - truth)
        score.fn += len(truth - got)
    return score


def drop_and_swap(stories: Sequence[Story], rng: random.Random) -> list[Story]:
    """Drop one or two stories and swap two neighbours (positions keep their truth)."""
    kept = list(stories)
    for _ in range(min(2, max(0, len(kept) - 3))):
        kept.pop(rng.randrange(len(kept)))
    if len(kept) >= 3:
        i = rng.randrange(len(kept) - 1)
        kept[i], kept[i + 1] = kept[i + 1], kept[i]
    return kept


# ---------------------------------------------------------------------------------------------
# Scenarios


def _features(
    docs: dict[str, LinkDoc], options: AnchorOptions | None = None
) -> dict[str, Features]:
    if options is None:
        return {k: compute_features(d) for k, d in docs.items()}
    return {k: compute_features(d, options=options) for k, d in docs.items()}


def _neighbour_of(rep: Replica, target: str, step: int) -> str | None:
    numbers = {canonical_url(i.url): i.number for i in rep.issues}
    by_number = {n: u for u, n in numbers.items()}
    return by_number.get(numbers[target] + step) or by_number.get(numbers[target] - step)


def contaminate(
    rep: Replica, feats: dict[str, Features], share: float, *, drop: float = 0.0, seed: int = 11
) -> dict[str, Features]:
    """A looser translation: drop a share of the mirror's own anchors and add anchors taken
    from the next issue's mirror (the translator's additions happen to match a neighbour)."""
    rng = random.Random(seed)
    mirror_of = {
        t: u for u, t in rep.truth_issue_of_post.items() if t and u not in rep.duplicate_of
    }
    out: dict[str, Features] = {}
    for url, f in feats.items():
        target = rep.truth_issue_of_post.get(url)
        neighbour = _neighbour_of(rep, target, 1) if target else None
        source = feats.get(mirror_of.get(neighbour or "", ""))
        own = sorted(f.anchors)
        kept = {k for k in own if rng.random() >= drop}
        extra: set[str] = set()
        if source is not None:
            pool = sorted(source.anchors - f.anchors)
            extra = set(rng.sample(pool, min(len(pool), int(share * len(own)))))
        out[url] = replace(f, anchors=frozenset(kept | extra))
    return out


def decoy_scenarios(
    rep: Replica, issue_docs: dict[str, LinkDoc], post_feats: dict[str, Features]
) -> tuple[LinkScore, LinkScore]:
    """A neighbour relabelled as the target (same number, same week): with the target indexed
    the link must still go to the target; without it, nowhere."""
    with_target = LinkScore()
    without_target = LinkScore()
    base = _features(issue_docs)
    for url, f in post_feats.items():
        target = rep.truth_issue_of_post.get(url)
        if target is None:
            continue
        neighbour = _neighbour_of(rep, target, 1)
        if neighbour is None:
            continue
        t_doc = issue_docs[target]
        decoy_doc = replace(
            issue_docs[neighbour],
            id="decoy:" + neighbour,
            url=None,
            alt_urls=(),
            issue_number=t_doc.issue_number,
            week=t_doc.week,
        )
        decoy = compute_features(decoy_doc)
        for score, keep_target in ((with_target, True), (without_target, False)):
            index = IssueIndex()
            for doc_id, feats in base.items():
                if doc_id == neighbour or (doc_id == target and not keep_target):
                    continue
                index.add(doc_id, feats)
            index.add(decoy.doc_id, decoy)
            start = time.perf_counter()
            got = link_mirror(f, index, aliases=rep.aliases)
            score.times_ms.append((time.perf_counter() - start) * 1000)
            score.add(url, target if keep_target else None, got)
    return with_target, without_target


def repost_scenario(rep: Replica, post_docs: dict[str, LinkDoc]) -> dict[str, Any]:
    """Each mirror re-posted with edits (an update note, a dropped quick hit, a fixed typo)."""
    issue_docs = [doc_from_issue(i) for i in rep.issues]
    docs: list[LinkDoc] = list(issue_docs)
    expected_group: dict[str, str] = {}
    for url, doc in post_docs.items():
        docs.append(hide_source(doc))
        target = rep.truth_issue_of_post.get(url)
        if url in rep.duplicate_of or url in rep.other_posts:
            continue
        lines = doc.text.split("\n")
        edited = [ln for k, ln in enumerate(lines) if k != len(lines) // 3]
        edited.insert(1, "(本文已根据原文更新部分内容)")
        copy = replace(
            hide_source(doc),
            id=url + "&repost=1",
            url=None,
            text="\n".join(edited).replace("。", "。 ", 3),
            published=doc.published + timedelta(days=1) if doc.published else None,
        )
        docs.append(copy)
        expected_group[copy.id] = target or url
    grouping = build_groups(docs, aliases=rep.aliases)
    same = 0
    for copy_id in expected_group:
        original = copy_id.removesuffix("&repost=1")
        if grouping.group_of[copy_id] == grouping.group_of[original]:
            same += 1
    # Every duplicate points at the newest member of its same-language cluster.
    published = {d.id: d.published for d in docs if d.published is not None}
    newest_ok = all(
        published[rep_id] >= published[d]
        for d, rep_id in grouping.duplicate_of.items()
        if d in published and rep_id in published
    )
    # False merges: two different truth issues in one group.
    issue_of: dict[str, str] = {}
    for d in docs:
        base_id = d.id.removesuffix("&repost=1")
        t = rep.truth_issue_of_post.get(base_id)
        if d.lang == "en":
            issue_of[d.id] = d.id
        elif t is not None:
            issue_of[d.id] = t
    groups: dict[str, set[str]] = {}
    for doc_id, g in grouping.group_of.items():
        if doc_id in issue_of:
            groups.setdefault(g, set()).add(issue_of[doc_id])
    false_merges = sum(1 for v in groups.values() if len(v) > 1)
    other_grouped = sum(
        1
        for u in rep.other_posts
        if sum(1 for g in grouping.group_of.values() if g == grouping.group_of[u]) > 1
    )
    real_dup_ok = all(
        grouping.group_of[a] == grouping.group_of[b] for a, b in rep.duplicate_of.items()
    )
    return {
        "scenario": "repost",
        "reposts": len(expected_group),
        "grouped_with_original": same,
        "duplicates": len(grouping.duplicate_of),
        "newest_is_representative": newest_ok,
        "groups_mixing_two_issues": false_merges,
        "non_mirrors_grouped_with_anything": other_grouped,
        "replica_duplicate_3833_grouped": real_dup_ok,
    }


def byod_scenario(rep: Replica) -> dict[str, Any]:
    """link_corpus on raw page text: issues as plain English text, posts as their full text
    with the 内容来源 line removed; no structure at all."""
    records: list[dict[str, Any]] = []
    for issue in rep.issues:
        d = doc_from_issue(issue)
        records.append({"id": d.id, "lang": "en", "title": issue.title, "text": d.text})
    for post in rep.posts:
        text = re.sub(r"内容来源[:：]\s*\S+", "", post.content_text)
        records.append(
            {
                "id": canonical_url(post.url),
                "title": post.title,
                "text": text,
                "published": post.published.isoformat() if post.published else None,
            }
        )
    start = time.perf_counter()
    results = link_corpus([doc_from_record(r) for r in records])
    elapsed = time.perf_counter() - start
    group = {r.id: r.group for r in results}
    tp = fp = fn = 0
    for url, target in rep.truth_issue_of_post.items():
        if target is None:
            continue
        if group.get(url) == group.get(target):
            tp += 1
        else:
            fn += 1
    for url in rep.other_posts:
        if sum(1 for g in group.values() if g == group[url]) > 1:
            fp += 1
    issue_groups = Counter(group[canonical_url(i.url)] for i in rep.issues)
    fp += sum(v - 1 for v in issue_groups.values() if v > 1)
    for url, target in rep.truth_issue_of_post.items():
        if target is None and sum(1 for g in group.values() if g == group[url]) > 1:
            fp += 1
    return {
        "scenario": "byod (link_corpus, raw text)",
        "mirrors_grouped_with_their_issue": tp,
        "mirrors_missed": fn,
        "wrong_groupings": fp,
        "methods": dict(Counter(r.method for r in results)),
        "seconds_total": round(elapsed, 3),
        "documents": len(records),
    }


def byod_articles_scenario(rep: Replica) -> dict[str, Any]:
    """link_corpus at article granularity: every English story and every translated story as
    its own short document (headline, outlet, date, summary), plus the ordinary news posts."""
    issues = {canonical_url(i.url): i for i in rep.issues}
    docs: list[LinkDoc] = []
    truth: dict[str, str] = {}
    for post in rep.posts:
        url = canonical_url(post.url)
        target = rep.truth_issue_of_post.get(url)
        if post.mirror is None or target is None or url in rep.duplicate_of:
            continue
        number = issues[target].number
        for zh, en in zip(post.mirror.stories, issues[target].stories, strict=False):
            en_id, zh_id = f"en:{number}:{en.position}", f"zh:{number}:{zh.position}"
            when = f"{zh.date.month}月{zh.date.day}日" if zh.date else ""
            docs.append(
                doc_from_record(
                    {
                        "id": en_id,
                        "lang": "en",
                        "title": en.headline,
                        "text": f"{en.headline}\n{en.outlet} · {en.date}\n{en.summary}",
                    }
                )
            )
            docs.append(
                doc_from_record(
                    {
                        "id": zh_id,
                        "lang": "zh",
                        "title": zh.headline,
                        "text": f"{zh.headline}\n{zh.outlet} · {when}\n{zh.summary}",
                    }
                )
            )
            truth[zh_id] = en_id
    for post in rep.posts:
        if canonical_url(post.url) in rep.other_posts:
            docs.append(doc_from_record({"id": post.url, "lang": "zh", "text": post.content_text}))
    start = time.perf_counter()
    results = link_corpus(docs)
    elapsed = time.perf_counter() - start
    group = {r.id: r.group for r in results}
    right = sum(1 for z, e in truth.items() if group[z] == group[e])
    wrong = sum(1 for z, e in truth.items() if group[z] not in (group[e], z))
    other = sum(1 for p in rep.posts if p.url in group and group[p.url] != p.url)
    p = right / (right + wrong) if right + wrong else 1.0
    r = right / len(truth) if truth else 1.0
    return {
        "scenario": "byod articles (story = document)",
        "precision": round(p, 4),
        "recall": round(r, 4),
        "translated_stories": len(truth),
        "linked_right": right,
        "linked_wrong": wrong,
        "non_mirror_posts_linked": other,
        "seconds_total": round(elapsed, 3),
        "documents": len(docs),
    }


def _coverage_profile(
    rep: Replica, issue_feats: dict[str, Features], post_feats: dict[str, Features]
) -> dict[str, str]:
    """Layer c scores: true pairs vs the best wrong issue vs ordinary posts (coverage and the
    number of informative anchors shared)."""
    stats = AnchorStats.of(issue_feats.values())
    kinds = frozenset(KIND_WEIGHTS)
    true: list[tuple[float, int]] = []
    wrong: list[tuple[float, int]] = []
    allowed: list[tuple[float, int]] = []  # wrong issues not vetoed by week/number/date
    other: list[tuple[float, int]] = []
    for url, f in post_feats.items():
        scores = _zh_scores(f, list(issue_feats.values()), stats, kinds)
        target = rep.truth_issue_of_post.get(url)
        for s in scores:
            row = (s.coverage, len(_informative(s.matched, stats)))
            if url in rep.other_posts:
                other.append(row)
            elif s.candidate.doc_id == target:
                true.append(row)
            else:
                wrong.append(row)
                if not s.vetoed:
                    allowed.append(row)

    def span(rows: list[tuple[float, int]]) -> str:
        if not rows:
            return "-"
        cov = [r[0] for r in rows]
        shared = [r[1] for r in rows]
        return (
            f"coverage {min(cov):.3f}..{max(cov):.3f}, "
            f"informative shared {min(shared)}..{max(shared)}"
        )

    best_wrong = max(wrong, default=(0.0, 0))
    best_allowed = max(allowed, default=(0.0, 0))
    return {
        "true pairs": span(true),
        "wrong issues": span(wrong),
        "best wrong issue": f"coverage {best_wrong[0]:.3f} with {best_wrong[1]} shared",
        "best wrong issue not vetoed": (
            f"coverage {best_allowed[0]:.3f} with {best_allowed[1]} shared"
        ),
        "ordinary posts": span(other),
    }


def _story_profile(rep: Replica) -> dict[str, str]:
    issues = {canonical_url(i.url): i for i in rep.issues}
    true: list[float] = []
    same_issue: list[float] = []
    other_issue: list[float] = []
    for post in rep.posts:
        target = rep.truth_issue_of_post.get(canonical_url(post.url))
        if post.mirror is None or target is None:
            continue
        matrix = story_scores(post.mirror.stories, issues[target].stories)
        for i, row in enumerate(matrix):
            for j, score in enumerate(row):
                (true if i == j else same_issue).append(score)
        neighbour = _neighbour_of(rep, target, 1)
        if neighbour is not None:
            other = story_scores(post.mirror.stories, issues[neighbour].stories)
            other_issue += [v for row in other for v in row]
    return {
        "true pairs": f"{min(true):.3f}..{max(true):.3f}",
        "other stories, same issue": f"max {max(same_issue):.3f}",
        "stories of the next issue": f"max {max(other_issue):.3f}",
    }


def distributions(
    rep: Replica,
    issue_feats: dict[str, Features],
    hidden_feats: dict[str, Features],
    zh_variants: dict[str, dict[str, Features]],
) -> dict[str, Any]:
    """Score distributions behind the thresholds (true pairs vs the best wrong candidate)."""
    true_jac: list[float] = []
    wrong_jac: list[float] = []
    for url, f in hidden_feats.items():
        target = rep.truth_issue_of_post.get(url)
        if f.en_shingles:
            for doc_id, g in issue_feats.items():
                j = jaccard(f.en_shingles, g.en_shingles)
                (true_jac if doc_id == target else wrong_jac).append(j)
    by_url = {canonical_url(p.url): p for p in rep.posts}
    zh_docs = {u: compute_features(doc_from_post(p)) for u, p in by_url.items()}
    dup_pairs = [
        jaccard(zh_docs[a].zh_shingles, zh_docs[b].zh_shingles) for a, b in rep.duplicate_of.items()
    ]
    distinct = [
        jaccard(zh_docs[a].zh_shingles, zh_docs[b].zh_shingles)
        for a in zh_docs
        for b in zh_docs
        if a < b and rep.duplicate_of.get(a) != b and rep.duplicate_of.get(b) != a
    ]
    out: dict[str, Any] = {
        "embedded-en jaccard, true pairs": f"{min(true_jac):.3f}..{max(true_jac):.3f}",
        "embedded-en jaccard, wrong pairs": f"max {max(wrong_jac):.3f}",
        "zh duplicate jaccard, replica re-post": f"{min(dup_pairs):.3f}",
        "zh jaccard, distinct posts": f"max {max(distinct):.3f}",
    }
    for name, feats in zh_variants.items():
        for k, v in _coverage_profile(rep, issue_feats, feats).items():
            out[f"zh-anchors [{name}] {k}"] = v
    for k, v in _story_profile(rep).items():
        out[f"story score, {k}"] = v
    out["thresholds"] = {
        "EMBEDDED_JACCARD": EMBEDDED_JACCARD,
        "ZH_MIN_COVERAGE": ZH_MIN_COVERAGE,
        "ZH_MIN_MARGIN": ZH_MIN_MARGIN,
        "ZH_MIN_MATCHED": ZH_MIN_MATCHED,
        "DUP_JACCARD_SAME_NUMBER": DUP_JACCARD_SAME_NUMBER,
        "DUP_JACCARD_NO_NUMBER": DUP_JACCARD_NO_NUMBER,
        "ALIGN_MIN_SCORE": ALIGN_MIN_SCORE,
        "ALIGN_MIN_SCORE_REORDERED": ALIGN_MIN_SCORE_REORDERED,
    }
    return out


def run(root: Path = REPLICA) -> dict[str, Any]:
    t0 = time.perf_counter()
    rep = load_replica(root)
    parse_s = time.perf_counter() - t0
    issue_docs = {canonical_url(i.url): doc_from_issue(i) for i in rep.issues}
    post_docs = {canonical_url(p.url): doc_from_post(p) for p in rep.posts}
    posts_by_url = {canonical_url(p.url): p for p in rep.posts}

    t0 = time.perf_counter()
    issue_feats = _features(issue_docs)
    feat_ms = (time.perf_counter() - t0) * 1000 / max(1, len(issue_docs))
    index = build_index(issue_feats)

    hidden = _features({k: hide_source(d) for k, d in post_docs.items()})
    with_source = _features(post_docs)
    zh = _features({k: zh_only(d) for k, d in post_docs.items()})
    nonum = _features({k: no_number(d) for k, d in post_docs.items()})
    summ = _features({k: summary_only(p) for k, p in posts_by_url.items()})

    links: list[dict[str, Any]] = []
    links.append(
        run_links(rep, with_source, index, layers=("explicit",)).row("explicit only, source kept")
    )
    links.append(
        run_links(rep, hidden, index, layers=("explicit", "embedded-en", "zh-anchors")).row(
            "ALL layers, links hidden"
        )
    )
    links.append(
        run_links(rep, hidden, index, layers=("embedded-en",)).row("embedded-en only, links hidden")
    )
    links.append(
        run_links(rep, zh, index, layers=("zh-anchors",)).row("zh-anchors only (zh-only mirrors)")
    )
    links.append(run_links(rep, summ, index, layers=("zh-anchors",)).row("summary-only mirrors"))
    links.append(
        run_links(rep, nonum, index, layers=("zh-anchors",)).row(
            "no-number (zh-only, no number/week)"
        )
    )

    ablations: list[dict[str, Any]] = []
    for name, opts in (
        ("no numbers", AnchorOptions(numbers=False)),
        ("no names", AnchorOptions(names=False)),
        ("no glossary", AnchorOptions(glossary=False)),
        ("no dates", AnchorOptions(dates=False)),
    ):
        a_issues = _features(issue_docs, opts)
        a_index = build_index(a_issues)
        a_zh = _features({k: zh_only(d) for k, d in post_docs.items()}, opts)
        a_nonum = _features({k: no_number(d) for k, d in post_docs.items()}, opts)
        ablations.append(
            run_links(rep, a_zh, a_index, layers=("zh-anchors",)).row(f"zh-only, {name}")
        )
        ablations.append(
            run_links(rep, a_nonum, a_index, layers=("zh-anchors",)).row(f"no-number, {name}")
        )

    hard: list[dict[str, Any]] = []

    def missing(u: str) -> IssueIndex:
        return build_index(issue_feats, skip=[rep.truth_issue_of_post.get(u) or ""])

    hard.append(
        run_links(
            rep,
            zh,
            missing,
            layers=("zh-anchors",),
            expected=lambda u: None,
        ).row("target-missing, zh-only")
    )
    hard.append(
        run_links(
            rep,
            hidden,
            missing,
            layers=("embedded-en", "zh-anchors"),
            expected=lambda u: None,
        ).row("target-missing, links hidden")
    )
    hard.append(
        run_links(
            rep,
            nonum,
            missing,
            layers=("zh-anchors",),
            expected=lambda u: None,
        ).row("target-missing, no-number")
    )
    with_t, without_t = decoy_scenarios(rep, issue_docs, zh)
    hard.append(with_t.row("decoy neighbour + target, zh-only"))
    hard.append(without_t.row("decoy neighbour, target missing, zh-only"))

    def small(u: str) -> IssueIndex:
        target = rep.truth_issue_of_post.get(u)
        if target is None:
            keep = list(issue_feats)[:3]
        else:
            keep = [
                target,
                _neighbour_of(rep, target, 1) or "",
                _neighbour_of(rep, target, -1) or "",
            ]
        return build_index({k: v for k, v in issue_feats.items() if k in keep})

    summ_nonum = {
        k: compute_features(
            replace(
                summary_only(p),
                issue_number=None,
                week=None,
                title=p.mirror.title if p.mirror else p.title,
            )
        )
        for k, p in posts_by_url.items()
    }
    hard.append(
        run_links(rep, summ_nonum, index, layers=("zh-anchors",)).row(
            "summary-only, no number/week"
        )
    )
    hard.append(
        run_links(rep, summ_nonum, missing, layers=("zh-anchors",), expected=lambda u: None).row(
            "summary-only, no number/week, target missing"
        )
    )
    undated = {k: replace(f, published=None) for k, f in summ_nonum.items()}
    hard.append(
        run_links(rep, undated, missing, layers=("zh-anchors",), expected=lambda u: None).row(
            "... and no publication date"
        )
    )
    wrong_src = {
        k: compute_features(
            wrong_source(
                d, _neighbour_of(rep, t, 1) if (t := rep.truth_issue_of_post.get(k)) else None
            )
        )
        for k, d in post_docs.items()
    }
    hard.append(
        run_links(rep, wrong_src, index, layers=("explicit", "embedded-en", "zh-anchors")).row(
            "wrong source line (a neighbour), all layers"
        )
    )
    for share, drop in ((0.5, 0.0), (0.2, 0.3), (0.0, 0.7), (0.3, 0.5)):
        loose = contaminate(rep, nonum, share, drop=drop)
        name = f"no-number, +{share:.0%} neighbour / -{drop:.0%} own anchors"
        hard.append(run_links(rep, loose, index, layers=("zh-anchors",)).row(name))
    hard.append(
        run_links(rep, zh, small, layers=("zh-anchors",)).row("small index (3 issues), zh-only")
    )
    hard.append(
        run_links(rep, nonum, small, layers=("zh-anchors",)).row(
            "small index (3 issues), no-number"
        )
    )
    hard += traditional_rows(rep, index, root)

    stories = [
        story_pairs(rep).row("story pairs, replica"),
        story_pairs(rep, drop_and_swap).row("story pairs, dropped + swapped"),
    ]
    return {
        "documents": {
            "issues": len(rep.issues),
            "posts": len(rep.posts),
            "parse_seconds": round(parse_s, 2),
        },
        "features_ms_per_issue": round(feat_ms, 2),
        "issue_links": links,
        "ablations": ablations,
        "hard_cases": hard,
        "story_pairs": stories,
        "grouping": [
            repost_scenario(rep, post_docs),
            byod_scenario(rep),
            byod_articles_scenario(rep),
        ],
        "distributions": distributions(
            rep,
            issue_feats,
            hidden,
            {"full translation": nonum, "summary only": summ_nonum},
        ),
    }


FIXTURE_DIR = ROOT / "tests" / "fixtures" / "linking"


def _zh_only_text(post: Post) -> str:
    """A mirror's page text without its 内容来源 line and without the English original."""
    text = re.sub(r"内容来源[:：]\s*\S+\n?", "", post.content_text)
    return text.split("英文来源")[0].rstrip()


def write_fixtures(rep: Replica, out: Path = FIXTURE_DIR) -> list[Path]:
    """Hard cases for the tests, as "bring your own documents" JSON lines plus expectations:
    a Chinese-only mirror (layer c), a mirror with its English original (layer b), a re-post,
    one issue under two URLs, a summary-only mirror whose issue is absent, an ordinary news
    post, and bad lines."""
    out.mkdir(parents=True, exist_ok=True)
    issues = {i.number: i for i in rep.issues}
    posts = {p.post_id: p for p in rep.posts}

    def issue_record(number: int, url: str | None = None) -> dict[str, Any]:
        doc = doc_from_issue(issues[number])
        return {
            "id": url or doc.id,
            "lang": "en",
            "title": issues[number].title,
            "text": doc.text,
            "url": url or doc.url,
            "published": doc.published.isoformat() if doc.published else None,
        }

    def post_record(post_id: int, text: str) -> dict[str, Any]:
        p = posts[post_id]
        return {
            "id": canonical_url(p.url),
            "lang": "zh",
            "title": p.title,
            "text": text,
            "published": p.published.isoformat() if p.published else None,
        }

    p3829, p3832, p3833, p3834 = posts[3829], posts[3832], posts[3833], posts[3834]
    assert p3834.mirror is not None
    records: list[dict[str, Any] | str] = [
        issue_record(500),
        issue_record(501),
        issue_record(501, "https://aiweekly.co/issues/501"),  # the same page, numeric URL
        post_record(3829, _zh_only_text(p3829)),  # Chinese only: forces zh-anchors
        post_record(3832, re.sub(r"内容来源[:：]\s*\S+\n?", "", p3832.content_text)),
        post_record(3833, re.sub(r"内容来源[:：]\s*\S+\n?", "", p3833.content_text)),
        post_record(3834, f"{p3834.mirror.title}\n{p3834.mirror.summary}"),  # issue #502 absent
        post_record(3830, posts[3830].content_text),  # ordinary news post (Tencent)
        "{not json",
        {"id": "no-text", "lang": "en", "title": "x"},
        {"id": "french", "lang": "fr", "text": "Bonjour"},
    ]
    jsonl = out / "byod_mixed.jsonl"
    with jsonl.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n")
    i500, i501 = canonical_url(issues[500].url), canonical_url(issues[501].url)
    expected = {
        "groups": [
            [i500, canonical_url(p3829.url)],
            [
                i501,
                "https://aiweekly.co/issues/501",
                canonical_url(p3832.url),
                canonical_url(p3833.url),
            ],
            [canonical_url(p3834.url)],
            [canonical_url(posts[3830].url)],
        ],
        "methods": {
            canonical_url(p3829.url): "zh-anchors",
            canonical_url(p3833.url): "embedded-en",
            canonical_url(p3832.url): "duplicate",
            canonical_url(p3834.url): "none",
            canonical_url(posts[3830].url): "none",
        },
        "bad_lines": [9, 10, 11],
    }
    exp_path = out / "byod_mixed.expected.json"
    exp_path.write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [jsonl, exp_path]


def _print_table(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n== {title}")
    for r in rows:
        name = r.get("scenario", "")
        rest = {k: v for k, v in r.items() if k not in ("scenario", "wrong") and v not in ({}, [])}
        print(f"  {name:<42} " + "  ".join(f"{k}={v}" for k, v in rest.items()))
        for w in r.get("wrong", []):
            print(f"      wrong: {w}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=REPLICA)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument(
        "--write-fixtures",
        action="store_true",
        help=f"(re)write the test fixtures in {FIXTURE_DIR}",
    )
    args = parser.parse_args(argv)
    if args.write_fixtures:
        for path in write_fixtures(load_replica(args.root)):
            print(f"wrote {path}")
        return 0
    figures = run(args.root)
    print(
        f"documents: {figures['documents']}  features: {figures['features_ms_per_issue']} ms/issue"
    )
    _print_table("issue links", figures["issue_links"])
    _print_table("ablations (layer c)", figures["ablations"])
    _print_table("hard cases", figures["hard_cases"])
    _print_table("story pairs", figures["story_pairs"])
    _print_table("grouping", figures["grouping"])
    print("\n== distributions")
    for k, v in figures["distributions"].items():
        print(f"  {k}: {v}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
