"""Word shingles, exact Jaccard and MinHash: the text-similarity primitives.

MinHash only proposes candidates (LSH); every decision uses exact Jaccard on the shingle sets.
Hashes are stable across processes because features built from them are persisted.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash

# MinHash: 128 permutations estimate Jaccard within about ±0.09 (1/sqrt(128)); good enough to
# propose candidates, never to decide (decisions use exact Jaccard on the stored shingle sets).
NUM_PERM = 128
MINHASH_SEED = 1
# datasketch >= 2.0 names its permutation scheme; persisted hash values are only comparable
# under the same one (a change of scheme is a change of FEATURES_VERSION).
MINHASH_SCHEME = "affine32"
# Word 4-shingles: a mirror's embedded English vs its issue scores 0.94-0.99 on the replica,
# two different issues <= 0.005 even when they cover the same companies.
SHINGLE_K = 4
# LSH proposes pairs above ~0.3 estimated Jaccard: far under every true pair, so no recall loss.
LSH_THRESHOLD = 0.3

_TOKEN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[a-z0-9]+(?:['.][a-z0-9]+)*")


def _tokens(text: str) -> list[str]:
    """Lower-cased words and single CJK characters (so one tokenizer serves both languages)."""
    return _TOKEN_RE.findall(unicodedata.normalize("NFKC", text).lower())


def _hash32(text: str) -> int:
    # Stable across processes (unlike hash()): features are persisted.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")


def shingles(text: str, k: int = SHINGLE_K) -> frozenset[int]:
    """32-bit hashes of the k-token shingles of ``text``."""
    toks = _tokens(text)
    if not toks:
        return frozenset()
    if len(toks) < k:
        return frozenset({_hash32(" ".join(toks))})
    # Each distinct shingle hashed once (repeated phrases are common in a long text).
    distinct = {" ".join(toks[i : i + k]) for i in range(len(toks) - k + 1)}
    return frozenset(map(_hash32, distinct))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _identity(value: int) -> int:
    return value


@lru_cache(maxsize=1)
def _permutations() -> Any:
    # Generating the permutations is the slow part of MinHash(); do it once.
    return MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME).permutations


_LOCAL = threading.local()


def _sketch() -> Any:
    """One MinHash per thread, reset before each use: building one (parsing its
    permutations) cost a third of hashing a short document."""
    m = getattr(_LOCAL, "minhash", None)
    if m is None:
        m = MinHash(
            num_perm=NUM_PERM,
            seed=MINHASH_SEED,
            hashfunc=_identity,
            permutations=_permutations(),
            scheme=MINHASH_SCHEME,
        )
        _LOCAL.minhash = m
    else:
        m.clear()
    return m


def minhash_values(sh: Iterable[int]) -> tuple[int, ...]:
    values = list(sh)
    if not values:
        return ()
    m = _sketch()
    m.update_batch(values)
    return tuple(m.hashvalues.tolist())


def lean_minhash(values: Sequence[int]) -> LeanMinHash:
    return LeanMinHash(
        seed=MINHASH_SEED, hashvalues=np.asarray(values, dtype=np.uint64), scheme=MINHASH_SCHEME
    )
