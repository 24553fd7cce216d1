"""Story alignment: pair the stories of a translation with those of its English issue."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from aggregator.anchors import anchor_kind, extract_anchors, outlet_key
from aggregator.anchors.glossary import DEFAULT_GLOSSARY, Glossary
from aggregator.anchors.script import looks_traditional, to_simplified
from aggregator.items import Story
from aggregator.linking.layers import KIND_WEIGHTS

# Story alignment: a pair needs this similarity (IDF-weighted cosine over story anchors). On
# the replica the true pairs score 0.30-1.0, other stories of the same issue <= 0.28 (the
# order-preserving alignment never picks those) and stories of another issue <= 0.37. A pair
# out of order (a reordered story) must clear the higher bar on its own.
ALIGN_MIN_SCORE = 0.2
ALIGN_MIN_SCORE_REORDERED = 0.35


def _story_anchors(story: Story, glossary: Glossary) -> set[str]:
    text = f"{story.headline}\n{story.summary or ''}"
    # Stored stories keep their script; a Traditional one is matched in Simplified like a
    # document (the outlet lookup converts on its own).
    if looks_traditional(text):
        text = to_simplified(text)
    keys = extract_anchors(text, links=[story.link] if story.link else [], glossary=glossary)
    keys = {k for k in keys if not k.startswith("link:")}  # Chinese stories carry no link
    if story.date is not None:
        keys.add(f"date:{story.date.month:02d}-{story.date.day:02d}")
    outlet = outlet_key(story.outlet, glossary)
    if outlet:
        keys.add("outlet:" + outlet)
    return keys


def _story_similarity(
    a: set[str], b: set[str], weight: Mapping[str, float], default: float
) -> float:
    shared = sum(weight.get(k, default) for k in a & b)
    if shared == 0:
        return 0.0
    wa = sum(weight.get(k, default) for k in a)
    wb = sum(weight.get(k, default) for k in b)
    return shared / math.sqrt(wa * wb)


def _monotone_pairs(matrix: list[list[float]], floor: float) -> list[tuple[int, int]]:
    """Best order-preserving pairing (sum of scores; pairs under ``floor`` not allowed)."""
    n = len(matrix)
    m = len(matrix[0]) if n else 0
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]  # 0 pair, 1 skip zh, 2 skip en
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            options = [(best[i + 1][j], 1), (best[i][j + 1], 2)]
            if matrix[i][j] >= floor:
                options.append((best[i + 1][j + 1] + matrix[i][j], 0))
            best[i][j], move[i][j] = max(options, key=lambda o: (o[0], -o[1]))
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if move[i][j] == 0:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif move[i][j] == 1:
            i += 1
        else:
            j += 1
    return pairs


def story_scores(
    zh_stories: Sequence[Story],
    en_stories: Sequence[Story],
    *,
    glossary: Glossary = DEFAULT_GLOSSARY,
) -> list[list[float]]:
    """Similarity of every (zh, en) story pair: IDF-weighted cosine over story anchors, the
    IDF taken over the English stories of the issue (the company of the week weighs little)."""
    zh = [_story_anchors(s, glossary) for s in zh_stories]
    en = [_story_anchors(s, glossary) for s in en_stories]
    df: Counter[str] = Counter()
    for keys in en:
        df.update(keys)
    n = len(en)
    weight = {
        k: KIND_WEIGHTS.get(anchor_kind(k), 1.0) * (math.log((n + 1) / df[k]) + 0.1) for k in df
    }
    default = math.log(n + 1) + 0.1
    return [[_story_similarity(a, b, weight, default) for b in en] for a in zh]


def align_stories(
    zh_stories: Sequence[Story],
    en_stories: Sequence[Story],
    *,
    glossary: Glossary = DEFAULT_GLOSSARY,
) -> list[tuple[int, int, float]]:
    """Pair translated stories with English ones: ``(zh position, en position, score)``.

    Similarity is an IDF-weighted cosine over story anchors (numbers, names, glossary entities,
    date, outlet); anchors shared by many stories of the issue (the company of the week) weigh
    little. An order-preserving alignment takes the best monotone pairing; stories it leaves
    out are then paired out of order only on strong evidence. Unpaired stories get no pair.
    """
    if not zh_stories or not en_stories:
        return []
    matrix = story_scores(zh_stories, en_stories, glossary=glossary)
    pairs = _monotone_pairs(matrix, ALIGN_MIN_SCORE)
    used_zh = {i for i, _ in pairs}
    used_en = {j for _, j in pairs}
    extra = sorted(
        (
            (matrix[i][j], i, j)
            for i in range(len(zh_stories))
            if i not in used_zh
            for j in range(len(en_stories))
            if j not in used_en and matrix[i][j] >= ALIGN_MIN_SCORE_REORDERED
        ),
        reverse=True,
    )
    for _, i, j in extra:
        if i not in used_zh and j not in used_en:
            pairs.append((i, j))
            used_zh.add(i)
            used_en.add(j)
    pairs.sort()
    return [
        (zh_stories[i].position, en_stories[j].position, round(matrix[i][j], 4)) for i, j in pairs
    ]
