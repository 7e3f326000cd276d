"""Does the store cover the question?  The same decision whichever method ranked the passages.

Two signals (see ``coverage.py`` for why one is not enough): the question must
not name a text the corpus lacks, and its best match must be close enough.
e5's cosines are compressed (off-topic questions reach 0.78-0.84, more when
question and store share a language), so the second view, whose off-topic
scores stay near 0-0.2, votes too: the margins above each model's floor, in
units of that model's spread, must add up to zero or more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.index.base import Store
from assistant.retrieval.coverage import missing_titles
from assistant.retrieval.fusion import similarities
from assistant.retrieval.snapshot import StoreSnapshot
from assistant.settings import RetrievalSettings
from core.model import Passage


@dataclass(frozen=True)
class Floors:
    """The relevance floor of each view (None: the second view does not vote)."""

    dense: float
    second: float | None


@dataclass(frozen=True)
class Verdict:
    abstain: bool
    reason: str | None = None


def best_similarities(store: Store, query: str, qvec: np.ndarray, ids: list[str]) -> tuple[float | None, float | None]:
    """Best cosine among ``ids`` in each view (None where a view is absent)."""
    dense = similarities(store, qvec, ids, second=False)
    best_second = None
    if store.second is not None and store.has_second_view:
        q2 = store.second.embed_array([query], is_query=True)[0]
        others = similarities(store, q2, ids, second=True)
        best_second = float(others.max()) if others.size else None
    return (float(dense.max()) if dense.size else None), best_second


def close_enough(best_dense: float | None, best_second: float | None, floors: Floors,
                 tuning: RetrievalSettings) -> bool:
    """Is the best match above each view's floor, counted in units of that view's spread?"""
    if best_dense is None:
        return True
    margin = (best_dense - floors.dense) / tuning.dense_spread
    if floors.second is not None and best_second is not None:
        margin += (best_second - floors.second) / tuning.second_spread
    return margin >= 0


def decide(query: str, passages: list[Passage], snapshot: StoreSnapshot, best: tuple[float | None, float | None],
           floors: Floors, tuning: RetrievalSettings) -> Verdict:
    """``best`` is the best similarity, per view, among the candidates the method considered."""
    if not passages:
        return Verdict(True, "No passage matches.")
    missing = missing_titles(query, snapshot.corpus_text, snapshot.statement_names)
    if missing:
        return Verdict(True, "The corpus holds no text named " + ", ".join(f"“{t}”" for t in missing) + ".")
    if not close_enough(*best, floors, tuning):
        return Verdict(True, "No stored statement is close enough to this question.")
    return Verdict(False)
