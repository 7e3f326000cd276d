"""Copies collapse into one result, and one document does not fill the list.

A text that stands in several documents (an OECD principle the G20 adopted
word for word) or in near-identical versions (an interim and a final report)
is shown once, with where else it stands in ``also_in``; then each further
passage from an already chosen document is lowered by a penalty, so the
results spread over documents.
"""

from __future__ import annotations

import re

from assistant.settings import RetrievalSettings
from core.model import AlsoIn, Passage, stable_id
from core.text import fold_for_copies

# a Latin/Cyrillic/... word, or one CJK character (Chinese and Japanese are not written with spaces)
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|[^\W_]+")


Shingles = frozenset[tuple[str, ...]]


def shingles(folded: str) -> Shingles:
    """The word-pair shingles of a folded text (its single words when it has only one).

    Why not difflib: a diff per pair of candidates cost ~3 ms each, most of a
    search; two sets of word pairs compare in microseconds, and versions of one
    text share nearly all of theirs while recombined or paraphrased texts do not.
    The pairs are built and hashed by ``zip`` and ``frozenset`` in C: a hash per
    pair in a Python generator took 2.8 of the 3.2 ms this step cost a search."""
    words = _WORD.findall(folded)
    if len(words) < 2:
        return frozenset((w,) for w in words)
    return frozenset(zip(words, words[1:]))


def near_copy(a: Shingles, b: Shingles, threshold: float) -> bool:
    """Versions of one text: their shingle sets' Dice coefficient reaches ``threshold``."""
    if not a or not b:
        return False
    small, large = sorted((len(a), len(b)))
    if 2 * small < threshold * (small + large):  # the size bound alone rules most pairs out
        return False
    return 2 * len(a & b) >= threshold * (len(a) + len(b))


def collapse_copies(ranked: list[Passage], window: int, threshold: float) -> list[Passage]:
    """``ranked`` without copies, each first occurrence listing the others; near
    copies are looked for only among the first ``window``."""
    by_hash: dict[str, Passage] = {}
    unique: list[Passage] = []
    folded: list[tuple[int, Shingles]] = []  # (shingle count, shingles) of each kept passage
    # two sets can reach the Dice threshold only when their sizes are close: that bound alone rules out most
    # pairs, so it is checked inline (as ``near_copy`` states it) before ``near_copy`` is called (~430 pairs a search)
    for rank, p in enumerate(ranked):
        text = fold_for_copies(p.text)  # folded once for both the copy hash and the shingles
        h = stable_id(text)  # = normalised_text_hash(p.text)
        own = shingles(text) if rank < window else frozenset()
        first = by_hash.get(h)
        near = False
        if first is None and own:
            mine = len(own)
            for other, (size, theirs) in zip(unique, folded):
                if 2 * min(mine, size) >= threshold * (mine + size) and near_copy(own, theirs, threshold):
                    first, near = other, True
                    break
        if first is not None:
            first.also_in.append(AlsoIn(author=p.author, document=p.document, date=p.date, id=p.id, same_text=not near))
            continue
        by_hash[h] = p
        unique.append(p)
        folded.append((len(own), own))
    return unique


def spread_documents(ranked: list[Passage], k: int, penalty: float) -> list[Passage]:
    """The ``k`` best, each passage lowered by ``penalty`` per one already chosen from its document."""
    chosen: list[Passage] = []
    per_doc: dict[str, int] = {}
    pool = list(ranked)
    while pool and len(chosen) < k:
        best = max(pool, key=lambda p: p.score - penalty * per_doc.get(p.document or p.statement_id, 0))
        pool.remove(best)
        chosen.append(best)
        per_doc[best.document or best.statement_id] = per_doc.get(best.document or best.statement_id, 0) + 1
    return chosen


def diversify(ranked: list[Passage], k: int, penalty: float, tuning: RetrievalSettings) -> list[Passage]:
    """Collapse copies, then spread the ``k`` results over documents (among the leading candidates only)."""
    window = max(k * 6, tuning.near_copy_window)
    return spread_documents(collapse_copies(ranked, window, tuning.near_copy)[:window], k, penalty)
