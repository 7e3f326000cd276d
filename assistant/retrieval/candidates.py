"""Which stored passages a search considers at all.

Hybrid search re-ranks a pool: the dense query's nearest passages, the nearest
inside each year, organisation or document the question names (so a passage
the plain query ranks 200th can still be considered), and BM25's best (so an
exact term the embedding missed still gets in).

Filters (the user's, and each focus) are answered in memory by the snapshot's
row facets (``facets.py``, held to the store's own ``where`` by a conformance
test), and the store is asked for the nearest rows among the ids they let
through (``nearest``): a ``where`` costs Chroma ~100 ms a query at 150,000
passages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.index.base import Store
from assistant.index.rows import StoredPassage
from assistant.retrieval.catalog import Mentions
from assistant.retrieval.snapshot import StoreSnapshot
from assistant.settings import RetrievalSettings
from core.model import Filters, Passage


@dataclass
class CandidatePool:
    """The passages to re-rank, and every stored row's BM25 score for the question
    (the lexical signal is z-scored against all of them)."""

    rows: dict[str, StoredPassage]  # id -> row, in the order they joined the pool
    bm25: np.ndarray


def focus_filters(filters: Filters | None, years: set[int], mentions: Mentions) -> list[Filters]:
    """The user's filters narrowed to each year set, organisation set and document
    set the question names (a narrowing nothing can match is left out)."""
    base = filters or Filters()
    focus: list[Filters | None] = []
    if years:
        focus.append(base.narrowed(years=sorted(years)))
    if mentions.authors:
        focus.append(base.narrowed(authors=sorted(mentions.authors)))
    if mentions.documents:
        focus.append(base.narrowed(documents=sorted(mentions.documents)))
    return [f for f in focus if f is not None]


WIDE_SHARE = 0.25  # a filter letting through this share of rows or more: an unfiltered look, oversampled


def nearest(store: Store, snapshot: StoreSnapshot, qvec: np.ndarray, n: int,
            filters: Filters | None) -> Sequence[tuple[StoredPassage, float]]:
    """The ``n`` nearest passages the filters let through.  A filter most rows pass ("2018 or 2019") is met by
    asking the unfiltered index for proportionally more and keeping the rows it lets through (3 ms, where a
    list of half the store's ids costs ~100 ms); when that falls short, or the filter is narrow, the store is
    asked within the ids it lets through, with their vectors from the snapshot (``StoreSnapshot.nearest_among``)."""
    if not filters or filters.is_empty():
        return store.query(qvec, n)
    mask = snapshot.allowed(filters)
    count = int(mask.sum())
    if not count:
        return []
    if count >= WIDE_SHARE * snapshot.size:
        ask = min(snapshot.size, math.ceil(2 * n * snapshot.size / count))
        hits = store.query(qvec, ask)
        kept = [(row, s) for row, s in hits if (p := snapshot.position.get(row.id)) is not None and mask[p]]
        if len(kept) >= n or len(hits) < ask:
            return kept[:n]
    return snapshot.nearest_among(qvec, np.flatnonzero(mask), n)


def bm25_best(scores: np.ndarray, allowed: np.ndarray, n: int) -> list[int]:
    """Row positions of the ``n`` best BM25 scores among the allowed rows (a zero score matches nothing)."""
    masked = np.where(allowed, scores, -np.inf)
    if n < masked.size:  # the n best in linear time, then only those sorted (a full sort is 10 ms at 150k rows)
        best = np.argpartition(-masked, n)[:n]
        best = best[np.argsort(-masked[best], kind="stable")]
    else:
        best = np.argsort(-masked, kind="stable")
    return [int(pos) for pos in best[:n] if np.isfinite(masked[pos]) and masked[pos] > 0]


def hybrid_pool(store: Store, snapshot: StoreSnapshot, query: str, qvec: np.ndarray, filters: Filters | None,
                years: set[int], mentions: Mentions, tuning: RetrievalSettings) -> CandidatePool:
    """Dense, focus and BM25 candidates, each passage once."""
    rows: dict[str, StoredPassage] = {}
    for hit, _ in nearest(store, snapshot, qvec, tuning.dense_pool, filters):
        rows[hit.id] = hit
    for focus in focus_filters(filters, years, mentions):
        for hit, _ in nearest(store, snapshot, qvec, tuning.focus_pool, focus):
            rows.setdefault(hit.id, hit)
    bm25 = snapshot.lexical.scores(query)
    for row in snapshot.rows(bm25_best(bm25, snapshot.allowed(filters), tuning.bm25_pool)):
        rows.setdefault(row.id, row)
    return CandidatePool(rows, bm25)


def dense_ranked(store: Store, qvec: np.ndarray, n: int, filters: Filters | None) -> list[Passage]:
    """The ``n`` nearest passages, scored by cosine similarity alone (``method="dense"``)."""
    return [hit.passage(score=s, dense=s) for hit, s in store.query(qvec, n, filters)]


def bm25_ranked(store: Store, snapshot: StoreSnapshot, query: str, n: int, filters: Filters | None) -> list[Passage]:
    """The ``n`` best BM25 matches, scored by BM25 alone (``method="bm25"``)."""
    scores = snapshot.lexical.scores(query)
    best = bm25_best(scores, snapshot.allowed(filters), n)
    return [row.passage(score=float(scores[snapshot.position[row.id]])) for row in snapshot.rows(best)]
