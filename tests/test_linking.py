"""Linking (``aggregator.linking``): explicit links, hidden-link matching, thresholds, story
alignment, duplicate grouping, feature persistence and ``link_jsonl``.

Replica tests parse the bundled replica (snapshot 2) with the site page objects; the hard cases
in ``tests/fixtures/linking`` are written by ``python benchmarks/linking.py --write-fixtures``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import opencc
import parsel
import pytest

import aggregator.linking.features as features_module
from aggregator.anchors.glossary import (
    DEFAULT_GLOSSARY,
    Glossary,
    GlossaryEntry,
    load_glossary_tsv,
)
from aggregator.anchors.script import looks_traditional, to_simplified
from aggregator.items import Issue, Post, Story
from aggregator.linking import (
    FEATURES_VERSION,
    AnchorStats,
    Features,
    IssueIndex,
    LinkDoc,
    align_stories,
    build_groups,
    compute_features,
    decide,
    doc_from_issue,
    doc_from_post,
    doc_from_record,
    features_key,
    group_documents,
    link_corpus,
    link_jsonl,
    link_mirror,
    split_embedded_english,
)
from aggregator.normalize import canonical_url
from aggregator.relink import FeatureCache
from aggregator.replica import DEFAULT_ROOT
from aggregator.sites import SITES, Site
from aggregator.sites.aiweekly import parse_issue_page
from aggregator.sites.qimuai import parse_post
from aggregator.store import Store

REPLICA = DEFAULT_ROOT
FIXTURES = Path(__file__).parent / "fixtures" / "linking"


# ---------------------------------------------------------------------------------------------
# The replica, parsed once


@dataclass
class Corpus:
    issues: dict[int, Issue]
    posts: dict[int, Post]
    aliases: dict[str, str]
    truth: dict[str, Any]
    index: IssueIndex
    issue_features: dict[int, Features]

    def issue_id(self, number: int) -> str:
        return canonical_url(self.issues[number].url)

    def expected_target(self, post_id: int) -> str | None:
        for m in self.truth["mirror_posts"]:
            if m["post_id"] == post_id and m["issue_number"] in self.issues:
                return self.issue_id(m["issue_number"])
        return None

    def mirror_ids(self) -> list[int]:
        return [m["post_id"] for m in self.truth["mirror_posts"]]

    def other_ids(self) -> list[int]:
        return [int(o["url"].rsplit("=", 1)[1]) for o in self.truth["other_posts"]]


def _charset(headers: dict[str, str]) -> str:
    for key, value in headers.items():
        if key.lower() == "content-type" and "charset=" in value.lower():
            return value.lower().split("charset=")[-1].strip()
    return "utf-8"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    manifest = json.loads((REPLICA / "manifest.json").read_text(encoding="utf-8"))
    latest: dict[str, dict[str, Any]] = {}
    for entry in manifest:
        if entry["url"] not in latest or latest[entry["url"]]["snapshot"] < entry["snapshot"]:
            latest[entry["url"]] = entry
    issues: dict[int, Issue] = {}
    posts: dict[int, Post] = {}
    aliases: dict[str, str] = {}
    for url, entry in latest.items():
        if entry["status"] == 301:
            aliases[canonical_url(url)] = canonical_url(entry["headers"]["Location"])
        if entry["status"] != 200 or not entry["file"]:
            continue
        html = (REPLICA / entry["file"]).read_bytes().decode(_charset(entry["headers"]))
        if re.search(r"aiweekly\.co/issues/[^/?]+$", url):
            issue = parse_issue_page(url, html)
            issues[issue.number] = issue
        elif "post=" in url:
            post = parse_post(url, html)
            assert post.post_id is not None
            posts[post.post_id] = post
    truth = json.loads((REPLICA / "truth.json").read_text(encoding="utf-8"))
    index = IssueIndex()
    feats: dict[int, Features] = {}
    for number, issue in issues.items():
        feats[number] = compute_features(doc_from_issue(issue))
        index.add(feats[number].doc_id, feats[number])
    return Corpus(issues, posts, aliases, truth, index, feats)


def hidden(doc: LinkDoc) -> LinkDoc:
    return replace(doc, stated_source=None)


def zh_only(doc: LinkDoc) -> LinkDoc:
    return replace(doc, stated_source=None, embedded_en="", embedded_links=())


# ---------------------------------------------------------------------------------------------
# Layer a: explicit links


def _tiny_issue(number: int, slug: str | None) -> Features:
    url = f"https://aiweekly.co/issues/{slug or number}"
    doc = LinkDoc(
        id=url,
        lang="en",
        title=f"Issue {number}",
        text=f"Anthropic and OpenAI in issue {number}.",
        url=url,
        alt_urls=(f"https://aiweekly.co/issues/{number}",) if slug else (),
        issue_number=number,
    )
    return compute_features(doc)


@pytest.fixture()
def tiny_index() -> IssueIndex:
    index = IssueIndex()
    for f in (_tiny_issue(481, None), _tiny_issue(500, "openai-pushes-its-ipo")):
        index.add(f.doc_id, f)
    return index


@pytest.mark.parametrize(
    ("stated", "target", "via"),
    [
        ("https://aiweekly.co/issues/481", "https://aiweekly.co/issues/481", "url"),
        ("https://aiweekly.co/issues/481/", "https://aiweekly.co/issues/481", "url"),
        ("http://aiweekly.co/issues/481", "https://aiweekly.co/issues/481", "url"),
        ("HTTPS://AIWEEKLY.CO/issues/481#top", "https://aiweekly.co/issues/481", "url"),
        (
            "https://aiweekly.co/issues/481?utm_source=qimuai&utm_medium=web&fbclid=x",
            "https://aiweekly.co/issues/481",
            "url",
        ),
        (
            "https://aiweekly.co/issues/openai-pushes-its-ipo/",
            "https://aiweekly.co/issues/openai-pushes-its-ipo",
            "url",
        ),
        # A "www." host names the same site.
        (
            "https://www.aiweekly.co/issues/openai-pushes-its-ipo",
            "https://aiweekly.co/issues/openai-pushes-its-ipo",
            "url",
        ),
        # The numeric URL of a slug-era issue, known as one of the issue's URLs.
        (
            "https://aiweekly.co/issues/500",
            "https://aiweekly.co/issues/openai-pushes-its-ipo",
            "url",
        ),
    ],
)
def test_explicit_source_after_canonicalization(
    tiny_index: IssueIndex, stated: str, target: str, via: str
) -> None:
    mirror = compute_features(LinkDoc("m", "zh", "t", "正文", stated_source=stated))
    decision = link_mirror(mirror, tiny_index)
    assert decision is not None
    assert (decision.target, decision.method, decision.score) == (target, "explicit", 1.0)
    assert decision.evidence["via"] == via


def test_numeric_url_resolves_through_alias_map_or_issue_number() -> None:
    index = IssueIndex()
    # An issue indexed under its slug URL only (the 301 was not recorded on the issue).
    f = replace(
        _tiny_issue(496, "preemption-stalls"),
        urls=frozenset({"https://aiweekly.co/issues/preemption-stalls"}),
    )
    index.add(f.doc_id, f)
    mirror = compute_features(
        LinkDoc("m", "zh", "t", "正文", stated_source="https://aiweekly.co/issues/496/")
    )
    aliases = {"https://aiweekly.co/issues/496": "https://aiweekly.co/issues/preemption-stalls"}
    by_alias = link_mirror(mirror, index, aliases=aliases)
    assert by_alias is not None and by_alias.evidence["via"] == "alias"
    to_number = link_mirror(mirror, index, aliases={"https://aiweekly.co/issues/496": 496})
    assert to_number is not None and to_number.evidence["via"] == "alias"
    by_number = link_mirror(mirror, index)
    assert by_number is not None and by_number.evidence["via"] == "issue-number"
    assert by_alias.target == by_number.target == "https://aiweekly.co/issues/preemption-stalls"
    elsewhere = compute_features(
        LinkDoc("m", "zh", "t", "正文", stated_source="https://example.com/issues/496")
    )
    assert link_mirror(elsewhere, index, layers=("explicit",)) is None


def test_unknown_source_is_no_link(tiny_index: IssueIndex) -> None:
    mirror = compute_features(
        LinkDoc("m", "zh", "t", "正文", stated_source="https://aiweekly.co/issues/505")
    )
    assert link_mirror(mirror, tiny_index) is None


def test_explicit_link_contradicting_the_stated_number_is_not_trusted(
    tiny_index: IssueIndex,
) -> None:
    mirror = compute_features(
        LinkDoc("m", "zh", "AI周刊第482期", "正文", stated_source="https://aiweekly.co/issues/481")
    )
    assert link_mirror(mirror, tiny_index, layers=("explicit",)) is None


def test_replica_explicit_links(corpus: Corpus) -> None:
    for post_id in corpus.mirror_ids():
        f = compute_features(doc_from_post(corpus.posts[post_id]))
        decision = link_mirror(f, corpus.index, aliases=corpus.aliases, layers=("explicit",))
        if post_id == 3799:  # the post without a 内容来源 line
            assert decision is None
        else:
            assert (decision.target if decision else None) == corpus.expected_target(post_id)


# ---------------------------------------------------------------------------------------------
# Layers b and c with every explicit link hidden


def test_hidden_links_every_mirror_links_to_its_issue(corpus: Corpus) -> None:
    for post_id in corpus.mirror_ids():
        f = compute_features(hidden(doc_from_post(corpus.posts[post_id])))
        decision = link_mirror(f, corpus.index, aliases=corpus.aliases)
        expected = corpus.expected_target(post_id)
        assert (decision.target if decision else None) == expected, post_id
        if decision is not None:
            assert decision.method == "embedded-en"
            assert decision.evidence["jaccard"] >= 0.9


def test_embedded_story_links_alone_are_enough(corpus: Corpus) -> None:
    # The English original lost (say, stripped by a theme) but its story links kept.
    full = compute_features(hidden(doc_from_post(corpus.posts[3776])))
    links_only = replace(full, en_shingles=frozenset(), en_minhash=(), anchors=frozenset())
    decision = link_mirror(links_only, corpus.index)
    assert decision is not None and decision.target == corpus.issue_id(481)
    assert decision.method == "embedded-en" and decision.evidence["criterion"] == "links"


def test_chinese_text_alone_links_with_anchor_evidence(corpus: Corpus) -> None:
    for post_id in corpus.mirror_ids():
        doc = zh_only(doc_from_post(corpus.posts[post_id]))
        doc = replace(doc, title=re.sub(r"AI周刊第\d+期[:：]?", "", doc.title), issue_number=None)
        decision = link_mirror(compute_features(doc), corpus.index)
        expected = corpus.expected_target(post_id)
        assert (decision.target if decision else None) == expected, post_id
        if decision is not None:
            assert decision.method == "zh-anchors"
            matched = decision.evidence["matched"]
            assert {"num", "ent", "name", "date"} <= set(matched)


def test_non_mirror_posts_get_no_link(corpus: Corpus) -> None:
    everything = [corpus.index.get(d) for d in corpus.index.ids()]
    for post_id in corpus.other_ids():
        f = compute_features(doc_from_post(corpus.posts[post_id]))
        assert link_mirror(f, corpus.index, aliases=corpus.aliases) is None, post_id
        # Even when every issue is offered as a candidate (no blocking).
        assert decide(f, everything, stats=corpus.index.stats) is None, post_id


def test_mirror_of_a_missing_issue_gets_no_link(corpus: Corpus) -> None:
    index = IssueIndex()
    for number, f in corpus.issue_features.items():
        if number != 481:
            index.add(f.doc_id, f)
    for doc in (
        hidden(doc_from_post(corpus.posts[3776])),
        zh_only(doc_from_post(corpus.posts[3776])),
    ):
        assert link_mirror(compute_features(doc), index) is None


def test_decision_needs_many_shared_anchors_and_a_margin(corpus: Corpus) -> None:
    target = corpus.issue_features[481]
    # Few anchors, all found in the issue: full coverage, but too little evidence.
    few = Features("few", "zh", anchors=frozenset(sorted(target.anchors)[:4]))
    assert decide(few, [target], stats=corpus.index.stats) is None
    # Two indistinguishable candidates: no margin, no link.
    twin = replace(target, doc_id="twin")
    mirror = compute_features(zh_only(doc_from_post(corpus.posts[3776])))
    assert decide(mirror, [target, twin], stats=corpus.index.stats) is None
    assert decide(mirror, [target], stats=corpus.index.stats) is not None


def test_week_or_number_conflict_vetoes_anchor_link(corpus: Corpus) -> None:
    mirror = compute_features(zh_only(doc_from_post(corpus.posts[3776])))
    target = corpus.issue_features[481]
    shifted = replace(target, week=(date(2026, 4, 10), date(2026, 4, 16)))
    assert decide(mirror, [shifted], stats=corpus.index.stats) is None
    renumbered = replace(target, issue_number=482)
    assert decide(mirror, [renumbered], stats=corpus.index.stats) is None


def test_a_translation_is_never_older_than_its_original(corpus: Corpus) -> None:
    mirror = compute_features(zh_only(doc_from_post(corpus.posts[3776])))
    target = corpus.issue_features[481]
    assert mirror.published is not None
    too_early = replace(mirror, published=mirror.published.replace(month=3))
    assert decide(too_early, [target], stats=corpus.index.stats) is None
    decision = decide(mirror, [target], stats=corpus.index.stats)
    assert decision is not None and decision.evidence["published_after_original"] == "agree"


def _summary_only(post: Post) -> LinkDoc:
    assert post.mirror is not None
    doc = zh_only(doc_from_post(post))
    return replace(doc, text=f"{post.mirror.title}\n{post.mirror.summary}", stories=(), week=None)


def test_summary_only_mirror_links_and_never_to_a_neighbour(corpus: Corpus) -> None:
    f = compute_features(_summary_only(corpus.posts[3781]))
    decision = link_mirror(f, corpus.index)
    assert decision is not None and decision.target == corpus.issue_id(482)
    index = IssueIndex()
    for number, feats in corpus.issue_features.items():
        if number != 482:
            index.add(feats.doc_id, feats)
    assert link_mirror(f, index) is None
    assert link_mirror(replace(f, published=None, issue_number=None), index) is None


def test_candidates_are_a_block_not_the_archive(corpus: Corpus) -> None:
    f = compute_features(zh_only(doc_from_post(corpus.posts[3776])))
    found = corpus.index.candidates(f)
    assert corpus.issue_id(481) in found[:3]
    assert len(found) < len(corpus.index)


def test_linking_one_mirror_is_cheap(corpus: Corpus) -> None:
    feats = [compute_features(hidden(doc_from_post(corpus.posts[p]))) for p in corpus.mirror_ids()]
    start = time.perf_counter()
    for f in feats:
        link_mirror(f, corpus.index)
    per_link_ms = (time.perf_counter() - start) * 1000 / len(feats)
    assert per_link_ms < 50  # about 0.5 ms on a laptop; generous for slow CI machines


def test_index_update_replaces_an_edited_issue(corpus: Corpus) -> None:
    index = IssueIndex()
    f = corpus.issue_features[498]
    index.add(f.doc_id, f)
    index.add(f.doc_id, f)  # re-adding (an edited page) replaces, never duplicates
    assert len(index) == 1 and index.stats.df[next(iter(f.anchors))] == 1
    index.remove(f.doc_id)
    assert len(index) == 0 and index.resolve_url(f.doc_id) is None


# ---------------------------------------------------------------------------------------------
# Story alignment


def test_align_stories_on_a_real_pair(corpus: Corpus) -> None:
    zh = corpus.posts[3776].mirror
    assert zh is not None
    en = corpus.issues[481].stories
    pairs = align_stories(zh.stories, en)
    assert [(z, e) for z, e, _ in pairs] == [(s.position, s.position) for s in en]
    assert all(score > 0 for _, _, score in pairs)


def test_align_stories_with_dropped_and_swapped_stories(corpus: Corpus) -> None:
    zh = corpus.posts[3776].mirror
    assert zh is not None
    stories = list(zh.stories)
    del stories[4]  # a dropped story
    stories[0], stories[1] = stories[1], stories[0]  # a reordered pair
    pairs = {(z, e) for z, e, _ in align_stories(stories, corpus.issues[481].stories)}
    assert pairs == {(s.position, s.position) for s in stories}


def test_align_stories_pairs_nothing_with_an_unrelated_issue(corpus: Corpus) -> None:
    zh = corpus.posts[3776].mirror
    assert zh is not None
    pairs = align_stories(zh.stories, corpus.issues[501].stories)
    assert len(pairs) <= 2 < len(zh.stories)  # a chance pair or two, never an alignment


def test_align_stories_edge_cases() -> None:
    assert align_stories([], [Story(1, "A")]) == []
    one_zh = [Story(1, "英伟达营收达862亿美元", outlet="CNBC", date=date(2026, 8, 26))]
    one_en = [
        Story(1, "Apple ships a phone", outlet="The Verge", date=date(2026, 8, 20)),
        Story(2, "NVIDIA Reports $86.2B Revenue", outlet="CNBC", date=date(2026, 8, 26)),
    ]
    assert [(z, e) for z, e, _ in align_stories(one_zh, one_en)] == [(1, 2)]


# ---------------------------------------------------------------------------------------------
# Duplicates and groups


def test_repost_is_grouped_with_its_original_and_the_issue(corpus: Corpus) -> None:
    docs = [
        hidden(doc_from_post(corpus.posts[3832])),
        hidden(doc_from_post(corpus.posts[3833])),
        doc_from_post(corpus.posts[3830]),  # an ordinary post in the same week
        doc_from_issue(corpus.issues[501]),
        doc_from_issue(corpus.issues[500]),
    ]
    grouping = build_groups(docs)
    g = grouping.group_of
    p3832, p3833 = canonical_url(corpus.posts[3832].url), canonical_url(corpus.posts[3833].url)
    assert g[p3832] == g[p3833] == corpus.issue_id(501)
    assert grouping.duplicate_of == {p3832: p3833}  # the newest version represents the copies
    assert grouping.sibling_of[p3833] == corpus.issue_id(501)  # a translation: a sibling
    assert corpus.issue_id(501) not in grouping.duplicate_of
    assert g[corpus.issue_id(500)] == corpus.issue_id(500)
    assert g[canonical_url(corpus.posts[3830].url)] == canonical_url(corpus.posts[3830].url)
    assert group_documents(docs) == g


def test_same_page_under_two_urls_is_one_group(corpus: Corpus) -> None:
    slug = doc_from_issue(corpus.issues[500])
    numeric = replace(slug, id="https://aiweekly.co/issues/500", url=None, alt_urls=())
    grouping = build_groups([slug, numeric])
    assert grouping.group_of[numeric.id] == grouping.group_of[slug.id]
    assert len(grouping.duplicate_of) == 1


def test_neighbouring_issues_are_never_duplicates(corpus: Corpus) -> None:
    docs = [doc_from_issue(corpus.issues[n]) for n in (499, 500, 501, 502)]
    docs += [hidden(doc_from_post(corpus.posts[p])) for p in (3823, 3829, 3834)]
    grouping = build_groups(docs)
    assert grouping.duplicate_of == {}
    assert len(set(grouping.group_of.values())) == 4


# ---------------------------------------------------------------------------------------------
# Features persistence


def test_features_json_round_trip(corpus: Corpus) -> None:
    for doc in (doc_from_post(corpus.posts[3776]), doc_from_issue(corpus.issues[496])):
        f = compute_features(doc)
        data = json.loads(json.dumps(f.to_json()))
        assert Features.from_json(data) == f
    with pytest.raises(ValueError, match="recompute"):
        Features.from_json({**data, "v": 0})


def test_features_are_deterministic(corpus: Corpus) -> None:
    doc = doc_from_post(corpus.posts[3776])
    assert compute_features(doc).to_json() == compute_features(doc).to_json()


def test_stored_features_link_like_fresh_ones(corpus: Corpus) -> None:
    index = IssueIndex()
    for f in corpus.issue_features.values():
        stored = Features.from_json(json.loads(json.dumps(f.to_json())))
        index.add(stored.doc_id, stored)
    mirror = compute_features(hidden(doc_from_post(corpus.posts[3820])))
    decision = link_mirror(mirror, index)
    assert decision is not None and decision.target == corpus.issue_id(496)


def test_anchor_stats_weights_rare_anchors_higher(corpus: Corpus) -> None:
    stats = AnchorStats.of(corpus.issue_features.values())
    assert stats.weight("ent:openai") < stats.weight("num:3e+10:usd")


# ---------------------------------------------------------------------------------------------
# Bring your own documents


def test_link_jsonl_on_mixed_file_with_bad_lines(tmp_path: Path) -> None:
    expected = json.loads((FIXTURES / "byod_mixed.expected.json").read_text(encoding="utf-8"))
    out = tmp_path / "groups.jsonl"
    summary = link_jsonl(FIXTURES / "byod_mixed.jsonl", out)
    assert [e["line"] for e in summary["errors"]] == expected["bad_lines"]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert summary["written"] == len(rows) == summary["documents"]
    group_of = {r["id"]: r["group"] for r in rows}
    got = sorted(sorted(ids) for ids in _partition(group_of))
    assert got == sorted(sorted(ids) for ids in expected["groups"])
    methods = {r["id"]: r["method"] for r in rows}
    for doc_id, method in expected["methods"].items():
        assert methods[doc_id] == method, doc_id


def _partition(group_of: dict[str, str]) -> list[list[str]]:
    groups: dict[str, list[str]] = {}
    for doc_id, group in group_of.items():
        groups.setdefault(group, []).append(doc_id)
    return list(groups.values())


def test_link_jsonl_reports_every_kind_of_bad_line(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "a", "lang": "en", "text": "OpenAI raised $10B."}),
        "[1, 2]",
        json.dumps({"id": "a", "lang": "en", "text": "repeated id"}),
        json.dumps({"id": "b", "text": "x", "published": "yesterday"}),
        json.dumps({"id": "c", "text": "x", "published": "2026-04-10T08:30:00"}),
        json.dumps({"id": "d", "lang": "zh", "text": "英伟达发布财报", "url": 5}),
        "",
        json.dumps({"id": "e", "lang": "zh-CN", "text": "英伟达发布财报"}),
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = link_jsonl(src, tmp_path / "out.jsonl")
    assert [e["line"] for e in summary["errors"]] == [2, 3, 4, 5, 6]
    assert summary["documents"] == 2  # "a" and "e" (zh-CN is Chinese)


def test_doc_from_record_detects_language_and_embedded_english() -> None:
    english = "\n".join(["The quick brown fox jumps over the lazy dog again."] * 20)
    chinese = "中文翻译:" + "英伟达本季度业绩再次超出预期,不过中国市场几乎没有贡献。" * 6
    doc = doc_from_record({"id": 1, "title": "AI周刊第9期", "text": chinese + "\n" + english})
    assert doc.lang == "zh" and doc.id == "1" and doc.issue_number == 9
    assert doc.embedded_en.startswith("The quick") and "The quick" not in doc.text
    assert doc_from_record({"id": "x", "text": "Plain English text."}).lang == "en"
    _, en = split_embedded_english("中文\nOne two three.")
    assert en == ""  # a short English quote stays in the Chinese part


def test_link_corpus_uses_a_source_line_in_the_text(corpus: Corpus) -> None:
    issue = doc_from_issue(corpus.issues[481])
    docs = [
        doc_from_record({"id": "en", "lang": "en", "text": issue.text, "url": issue.url}),
        doc_from_record(
            {"id": "zh", "text": "内容来源:http://aiweekly.co/issues/481/\n英伟达 本周 发布" * 3}
        ),
    ]
    results = {r.id: r for r in link_corpus(docs)}
    assert results["zh"].group == "en" and results["zh"].method == "explicit"


def test_link_corpus_keeps_unrelated_documents_apart() -> None:
    docs = [
        doc_from_record({"id": "en", "lang": "en", "text": "Nvidia reported $86.2B revenue."}),
        doc_from_record(
            {"id": "zh", "lang": "zh", "text": "腾讯发布AI智能体平台,瞄准智能客服场景。"}
        ),
    ]
    results = {r.id: r for r in link_corpus(docs)}
    assert results["en"].group != results["zh"].group
    assert results["zh"].method == "none" and results["zh"].score == 0.0


def test_published_must_carry_an_offset() -> None:
    record = {"id": "p", "text": "x", "published": "2026-04-10T08:30:00+08:00"}
    assert doc_from_record(record).published == datetime(2026, 4, 10, 0, 30, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Traditional Chinese: converted to Simplified before matching, the item left as it is


def _hant_site() -> Site:
    return next(s for s in SITES.values() if s.script == "Hant")


def _hant_post(url: str, entry: dict[str, Any]) -> Post:
    """A Traditional mirror page parsed minimally (the site's page objects are not needed for
    linking): the text of ``div.entry-content`` before the English original, without the
    source line or any URL, so only the Chinese text can link it."""
    markers = _hant_site().markers
    assert markers is not None
    sel = parsel.Selector((REPLICA / entry["file"]).read_text(encoding="utf-8"))
    lines = [t.strip() for t in sel.css("div.entry-content ::text").getall() if t.strip()]
    text = "\n".join(lines)
    for label in markers.english:
        text = text.split(label, 1)[0]
    text = "\n".join(
        line
        for line in text.splitlines()
        if not line.startswith(markers.source) and "http" not in line
    )
    published = sel.css("time.entry-date.published::attr(datetime)").get()
    return Post(
        url=url,
        post_id=None,
        title=sel.css("h1.entry-title ::text").get("").strip(),
        published=datetime.fromisoformat(published) if published else None,
        author=None,
        category=None,
        content_html="",
        content_text=text,
    )


@dataclass
class HantReplica:
    posts: dict[str, Post]
    expected: dict[str, int | None]  # url -> issue number (None: no English issue to link)


@pytest.fixture(scope="module")
def hant(corpus: Corpus) -> HantReplica:
    manifest = json.loads((REPLICA / "manifest.json").read_text(encoding="utf-8"))
    latest: dict[str, dict[str, Any]] = {}
    for entry in manifest:
        if entry["url"] not in latest or latest[entry["url"]]["snapshot"] < entry["snapshot"]:
            latest[entry["url"]] = entry
    truth = corpus.truth["hant"]
    expected: dict[str, int | None] = {
        m["url"]: m["issue_number"] if m["issue_number"] in corpus.issues else None
        for m in truth["mirror_posts"]
    }
    expected.update({o["url"]: None for o in truth["other_posts"]})
    posts = {url: _hant_post(url, latest[url]) for url in expected}
    return HantReplica(posts, expected)


def _without_issue_number(doc: LinkDoc) -> LinkDoc:
    title = re.sub(r"第\S{1,8}期", "", doc.title)  # 第481期 and 第四百八十一期
    return replace(zh_only(doc), title=title, issue_number=None)


def test_traditional_mirrors_link_by_chinese_anchors_alone(
    corpus: Corpus, hant: HantReplica
) -> None:
    assert sum(n is not None for n in hant.expected.values()) >= 15
    for url, post in hant.posts.items():
        doc = _without_issue_number(doc_from_post(post))  # script from the site registry
        decision = link_mirror(compute_features(doc), corpus.index)
        number = hant.expected[url]
        assert (decision.target if decision else None) == (
            corpus.issue_id(number) if number is not None else None
        ), url
        if decision is not None:
            assert decision.method == "zh-anchors"
            assert {"num", "ent", "name", "date"} <= set(decision.evidence["matched"])


def _glossary_anchors(doc: LinkDoc) -> set[str]:
    return {k for k in compute_features(doc).anchors if k.startswith(("ent:", "topic:"))}


def test_traditional_mirror_finds_every_glossary_entity_of_its_simplified_twin(
    corpus: Corpus, hant: HantReplica
) -> None:
    simplified = {
        p.mirror.issue_number: p
        for p in corpus.posts.values()
        if p.mirror is not None and p.mirror.issue_number is not None
    }
    compared = 0
    for url, post in hant.posts.items():
        number = hant.expected[url]
        if number not in simplified:
            continue
        twin = _glossary_anchors(zh_only(doc_from_post(simplified[number])))
        converted = _glossary_anchors(doc_from_post(post, script="Hant"))
        as_written = _glossary_anchors(doc_from_post(post, script="Hans"))
        assert twin <= converted, (url, sorted(twin - converted))
        assert len(as_written & twin) < 0.8 * len(twin), url  # conversion is what does it
        compared += 1
    assert compared >= 10


def test_doc_from_post_converts_a_traditional_post_but_not_the_item(hant: HantReplica) -> None:
    post = next(p for u, p in hant.posts.items() if hant.expected[u] is not None)
    before = replace(post)
    doc = doc_from_post(post)
    assert post == before and looks_traditional(post.content_text)
    assert not looks_traditional(doc.text) and doc.text == to_simplified(post.content_text)
    assert doc.id == canonical_url(post.url, https=True)
    assert doc_from_post(post, script="Hans").text == post.content_text


def test_doc_from_post_converts_every_part_of_a_traditional_translation(
    corpus: Corpus,
) -> None:
    simplified = corpus.posts[3776]
    assert simplified.mirror is not None
    # The Simplified mirror rewritten in Traditional script, as the hant mirror is.
    traditional = replace(
        simplified,
        url="https://mirror.example/zh-hant/481",
        title="《AI週刊》第481期：輝達與奧特曼",
        mirror=replace(
            simplified.mirror,
            summary="輝達與臉書在資料中心上的支出兩萬億美元",
            stories=(Story(1, "輝達發佈財報", "營收", None, "彭博社", date(2026, 4, 7),
                           "營收300億美元"),),
        ),
    )
    doc = doc_from_post(traditional, script="Hant")
    assert "辉达与脸书在资料中心" in doc.text and doc.title == "《AI周刊》第481期：辉达与奥特曼"
    assert doc.stories[0].headline == "辉达发布财报" and doc.stories[0].outlet == "彭博社"
    keys = compute_features(doc).anchors
    assert {"ent:nvidia", "ent:facebook", "topic:data_center", "num:2e+12:usd"} <= keys
    assert doc.embedded_en == simplified.mirror.english_text  # English is left alone


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-TW", "zh-HK", "zh-hant-tw", "zh", None])
def test_doc_from_record_converts_traditional_text(lang: str | None) -> None:
    text = "輝達與奧特曼：資料中心支出兩萬億美元，臉書與推特跟進。" * 3
    record: dict[str, Any] = {"id": "t", "text": text, "title": "《AI週刊》第9期"}
    if lang is not None:
        record["lang"] = lang
    doc = doc_from_record(record)
    assert doc.lang == "zh" and doc.title == "《AI周刊》第9期" and doc.issue_number == 9
    assert doc.text.startswith("辉达与奥特曼")
    keys = compute_features(doc).anchors
    assert {"ent:nvidia", "ent:altman", "ent:facebook", "ent:x_twitter"} <= keys


def test_doc_from_record_keeps_simplified_text_and_rejects_other_languages() -> None:
    text = "英伟达与奥特曼:数据中心支出两万亿美元。" * 3
    assert doc_from_record({"id": "s", "lang": "zh-CN", "text": text}).text == text
    assert doc_from_record({"id": "s", "text": text}).text == text
    for lang in ("ja", "fr", "ko-KR"):
        with pytest.raises(ValueError, match="unsupported lang"):
            doc_from_record({"id": "x", "lang": lang, "text": text})


def test_source_labels_come_from_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    site = _hant_site()
    assert site.markers is not None
    for label in site.markers.source:
        doc = doc_from_record({"id": "a", "text": f"{label}：https://aiweekly.co/issues/481\n輝達"})
        assert doc.stated_source == "https://aiweekly.co/issues/481", label
    record = {"id": "b", "text": "原始出處：https://aiweekly.co/issues/482\n英伟达"}
    assert doc_from_record(record).stated_source is None
    new_site = replace(site, key="new", markers=replace(site.markers, source=("原始出處",)))
    monkeypatch.setitem(SITES, "new", new_site)
    assert doc_from_record(record).stated_source == "https://aiweekly.co/issues/482"


# ---------------------------------------------------------------------------------------------
# The features key: version, vocabulary and converter


def test_features_key_fits_the_store_and_follows_the_glossary(tmp_path: Path) -> None:
    key = features_key()
    assert isinstance(key, int) and 2**30 <= key < 2**31 and key != FEATURES_VERSION
    assert features_key() == key == features_key(DEFAULT_GLOSSARY)
    edited = DEFAULT_GLOSSARY.extended([GlossaryEntry("lumora", "company", ("Lumora",))])
    assert features_key(edited) != key
    data = files("aggregator.anchors").joinpath("glossary.tsv").read_text(encoding="utf-8")
    relaid = "# a new comment\n\n" + data.replace("\t", " \t ")
    assert features_key(Glossary(tuple(load_glossary_tsv(relaid)))) == key


def test_an_edited_glossary_invalidates_stored_features(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://aiweekly.co/issues/481"
    doc = LinkDoc(id=url, lang="en", title="Issue 481", text="Lumora raised $30B.", url=url)
    cache = FeatureCache(store)
    first = cache.get("issue", url, "sha-1", lambda: doc)
    assert cache.computed == 1 and "ent:lumora" not in first.anchors
    again = FeatureCache(store)
    assert again.get("issue", url, "sha-1", lambda: doc) == first and again.computed == 0
    # The next run after an edit of the vocabulary: same document, same content digest.
    edited = DEFAULT_GLOSSARY.extended([GlossaryEntry("lumora", "company", ("Lumora",))])
    monkeypatch.setattr(features_module, "DEFAULT_GLOSSARY", edited)
    after = FeatureCache(store)
    fresh = after.get("issue", url, "sha-1", lambda: doc)
    assert after.computed == 1 and "ent:lumora" in fresh.anchors
    assert store.features("issue")[url].version == features_key(edited)


def test_align_stories_reads_stored_traditional_stories(corpus: Corpus) -> None:
    # Stored stories keep their script (the relink path passes them as they are).
    zh = corpus.posts[3776].mirror
    assert zh is not None
    to_taiwan = opencc.OpenCC("s2twp")  # how the Traditional mirror is written
    traditional = tuple(
        replace(
            s,
            headline=to_taiwan.convert(s.headline),
            summary=to_taiwan.convert(s.summary) if s.summary else None,
            outlet=to_taiwan.convert(s.outlet) if s.outlet else None,
        )
        for s in zh.stories
    )
    assert any(looks_traditional(s.headline + (s.summary or "")) for s in traditional)
    en = corpus.issues[481].stories
    expected = align_stories(zh.stories, en)
    got = align_stories(traditional, en)
    assert [(z, e) for z, e, _ in got] == [(z, e) for z, e, _ in expected]
    # Same anchors as the Simplified stories, so the same scores (not merely the same order).
    assert [score for *_, score in got] == pytest.approx([score for *_, score in expected],
                                                         abs=0.02)
