"""Copies collapse into one result, and one document does not fill the list.

A text that stands in several documents (an OECD principle the G20 adopted
word for word) or in near-identical versions (an interim and a final report)
is shown once, with where else it stands in ``also_in``; then each further
passage from an already chosen document is lowered by a penalty, so the
results spread over documents.
"""

from __future__ import annotations

import difflib

from assistant.index.rows import normalised_text_hash
from assistant.settings import RetrievalSettings
from core.model import AlsoIn, Passage
from core.text import fold_for_copies


def near_copy(a: str, b: str, threshold: float) -> bool:
    """Versions of one text: difflib's ratio, after its cheap upper bounds rule most pairs out."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return (matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold
            and matcher.ratio() >= threshold)


def collapse_copies(ranked: list[Passage], window: int, threshold: float) -> list[Passage]:
    """``ranked`` without copies, each first occurrence listing the others; near
    copies are looked for only among the first ``window`` (a diff each)."""
    by_hash: dict[str, Passage] = {}
    unique: list[Passage] = []
    folded: list[str] = []
    for rank, p in enumerate(ranked):
        h = normalised_text_hash(p.text)
        own = fold_for_copies(p.text)
        first = by_hash.get(h)
        near = False
        if first is None and rank < window:
            for other, theirs in zip(unique, folded):
                if near_copy(own, theirs, threshold):
                    first, near = other, True
                    break
        if first is not None:
            first.also_in.append(AlsoIn(author=p.author, document=p.document, date=p.date, id=p.id, same_text=not near))
            continue
        by_hash[h] = p
        unique.append(p)
        folded.append(own)
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
