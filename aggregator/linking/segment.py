"""Words for paraphrase similarity: English content-word stems and Chinese words (jieba).

Both sides are reduced to what survives rewording: English words lower-cased, stop words
dropped and light-stemmed ("releases", "released" and "release" are one term), so that two
summaries written separately still share their content words; Chinese text is segmented into
words with jieba (MIT; its Rust port rjieba when installed) rather than characters, because a
character alone (发, 模) means little.
The same stemmer reads the English side of the dictionary bridge (:mod:`.bridge`), so a
bridged Chinese word and an English word meet on one key.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache

_LATIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[.+#-][A-Za-z0-9]+)*")
_CJK_RUN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")

# Function words and the generic verbs every summary uses; content words are what is left.
_EN_STOP_TEXT = """
    a about above across after again against all almost along already also although always am
    among an and another any anyone anything are around as at away be became because become
    becomes been before being below between both but by can cannot could did do does doing done
    down during each either else enough especially etc even ever every few for from further get
    gets given gives got had has have having he her here hers herself him himself his how however
    i if in including instead into is it its itself just least less like made make makes making
    many may me might more most much must my myself near nearly neither no nor not now of off
    often on once one only onto or other others our ours out over own per perhaps quite rather
    really same several she should since so some such than that the their theirs them themselves
    then there these they this those though through thus to too toward towards under until up
    upon us use used uses using very via was we well were what whatever when where whether which
    while who whom whose why will with within without would yet you your yours
    new also said says say according amp s t re ve ll d m
    significant significantly important highlight highlights potential potentially particularly
    various based able allows allow allowing include includes provide provides providing key
"""
EN_STOPWORDS = frozenset(_EN_STOP_TEXT.split())

# Chinese function words and connectives (jieba keeps them as words); the rest is content.
_ZH_STOP_TEXT = """
    的 了 和 与 及 或 是 在 为 对 将 把 被 等 也 而 并 但 其 这 该 此 之 以 于 由 从 向 到 中 上
    下 个 一 一个 一种 这一 这些 那些 我们 他们 它们 以及 通过 可以 能够 进行 使用 已经 正在
    如何 什么 因为 所以 如果 就 都 还 又 更 最 很 不 没有 有 让 使 着 过 地 得 所 其中 此外
    同时 并且 以便 从而 然而 包括 具有 相关 方面 一些 可能 重要 显著 意义 提供 用于 表示 指出
"""
ZH_STOPWORDS = frozenset(_ZH_STOP_TEXT.split())


def _undouble(w: str) -> str:
    """"stopp" -> "stop" (after -ing / -ed), but "fill", "pass" stay."""
    return w[:-1] if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz" else w


def stem(word: str) -> str:
    """A light English stemmer: plural and -ed / -ing endings (enough to meet paraphrases;
    a full Porter stemmer merges words that mean different things, e.g. "general"/"generate")."""
    w = word.lower()
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("sses"):
        return w[:-2]
    if w.endswith("ing") and len(w) > 5:
        return _undouble(w[:-3])
    if w.endswith("ed") and len(w) > 4:
        return _undouble(w[:-2])
    if w.endswith("es") and len(w) > 4 and w[-3] in "sxz":
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    # A final "e" goes too, so that "release", "released" and "releasing" meet.
    return w[:-1] if w.endswith("e") and len(w) > 4 else w


def en_terms(text: str) -> Iterator[str]:
    """Content-word stems of English (or the Latin words inside Chinese) text."""
    for word in _LATIN_RE.findall(text):
        term = _content_term(word)
        if term is not None:
            yield term


@lru_cache(maxsize=1 << 17)
def _content_term(word: str) -> str | None:
    """The stem of one word, or None for a stop word (words recur: computed once each)."""
    word = word.lower()
    if word in EN_STOPWORDS or len(word) < 2:
        return None
    term = stem(word)
    return None if term in EN_STOPWORDS else term


_CUT: Callable[[str], list[str]] | None = None
_JIEBA_LOCK = threading.Lock()


def _cutter() -> Callable[[str], list[str]]:
    """The word cutter, loaded once: ``rjieba`` (jieba-rs, MIT; the same dictionary and
    algorithm in Rust, ~8x faster, identical words on the development set and the generated
    benchmark documents), else jieba's own tokenizer (about 1 s to load its dictionary)."""
    global _CUT
    if _CUT is None:
        with _JIEBA_LOCK:
            if _CUT is None:
                _CUT = _load_cutter()
    return _CUT


def _load_cutter() -> Callable[[str], list[str]]:
    try:
        import rjieba
    except ImportError:  # no wheel for this platform: the pure-Python jieba cuts the same
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        return lambda run: list(tokenizer.cut(run, HMM=False))
    return lambda run: list(rjieba.cut(run, hmm=False))


def zh_words(text: str) -> Iterator[str]:
    """Chinese content words of ``text`` (Simplified), in order; Latin words are left out
    (:func:`en_terms` reads them)."""
    cut = _cutter()
    for run in _CJK_RUN_RE.findall(text):
        # No HMM guessing of unknown words: three times faster, and a name it would guess is
        # usually in Latin script in these texts (read by en_terms) or an anchor anyway.
        for word in cut(run):
            if word not in ZH_STOPWORDS:
                yield word


def warm_up() -> None:
    """Load the word cutter now (before forking workers, so that they share it)."""
    _cutter()
