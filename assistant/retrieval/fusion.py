"""One score per candidate from several signals, each z-scored against the store.

Why not plain reciprocal-rank fusion: on our dev questions BM25 is poor on
paraphrases, and RRF of full lists lowered the dense retriever's MRR.  Instead
each signal is turned into a z-score against the whole store (so a weak signal
adds little) and added with the measured ``FusionWeights`` weights: dense cosine, the
second embedding view, BM25, a year the question names and an organisation or
document it names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.index.base import Store
from assistant.retrieval.candidates import CandidatePool
from assistant.retrieval.catalog import Mentions
from assistant.retrieval.query import QueryVectors
from assistant.retrieval.sentences import mix_sentences
from assistant.retrieval.signals import Signals, background_z
from assistant.retrieval.snapshot import StoreSnapshot
from assistant.settings import FusionWeights
from core.model import Passage


@dataclass
class Fused:
    """The pool ranked best first (``score`` fused, ``dense`` the cosine), and the
    best similarity per view among all candidates (for the coverage decision)."""

    passages: list[Passage]
    best_dense: float
    best_second: float | None
    signals: Signals


def zscore(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    if reference.size < 2:
        return values - (reference.mean() if reference.size else 0.0)
    return (values - reference.mean()) / (reference.std() + 1e-9)


def fuse(store: Store, snapshot: StoreSnapshot, query: str, vectors: QueryVectors, pool: CandidatePool,
         years: set[int], mentions: Mentions, weights: FusionWeights) -> Fused:
    """``vectors``: the question in each view, embedded once by the retriever."""
    qvec = vectors.dense
    ids = list(pool.rows)
    passages = [pool.rows[pid].passage() for pid in ids]
    dense = snapshot.similarities(qvec, ids, second=False)
    background = snapshot.sample @ qvec if snapshot.sample.size else dense
    fused = mix_sentences(snapshot.sentences, qvec, pool.rows, zscore(dense, background), weights.sentence)
    second = None
    second_z = 0.0
    if vectors.second is not None and snapshot.second_sample is not None and snapshot.second_sample.size:
        q2 = vectors.second
        second = snapshot.similarities(q2, ids, second=True)
        second_background = snapshot.second_sample @ q2
        second_mixed = zscore(second, second_background)
        if snapshot.second_sentences is not None:
            second_mixed = mix_sentences(snapshot.second_sentences, q2, pool.rows, second_mixed,
                                         weights.second_sentence)
        fused += weights.second * second_mixed
        second_z = background_z(float(second.max()), second_background) if second.size else 0.0
    lexical = np.array([pool.bm25[snapshot.position[i]] if i in snapshot.position else 0.0 for i in ids])
    fused += weights.bm25 * zscore(lexical, pool.bm25)
    for j, p in enumerate(passages):
        if years and p.year in years:
            fused[j] += weights.year
        fused[j] += weights.mention * mentions.strength(p.author, p.document)
        if p.document in mentions.titled:
            fused[j] += weights.title
    ranked = []
    for j in np.argsort(-fused):
        p = passages[j]
        p.score, p.dense = float(fused[j]), float(dense[j])
        ranked.append(p)
    best_second = float(second.max()) if second is not None and second.size else None
    signals = Signals(float(dense.max()), best_second, background_z(float(dense.max()), background), second_z,
                      background_z(float(lexical.max()), pool.bm25) if lexical.size else 0.0,
                      float(mentions.specific()))
    return Fused(ranked, float(dense.max()), best_second, signals)
