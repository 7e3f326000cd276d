"""A passage one of whose sentences answers the question counts for more than its average says.

Why: a paraphrase question ("must it always be a person who answers for a
machine?") matches one sentence of a passage ("Responsibility always lies with
a human"), while the passage's vector averages that sentence with several
others on neighbouring points, so the passage ranks 8th.  The best cosine
between the question and one of a passage's sentences (max-sim) sees it.

How: the main view's signal becomes ``(1 - share) * z(passage cosine) + share *
z(best sentence cosine)``, each z-scored against a sample of the store (the
sentence one against sentences of a seeded sample of passages).  Only the
sentence vectors shipped with a corpus are read (``<corpus>/.embeddings``,
segment ``sentences``; the default corpus has them), so a search never embeds
a sentence and a ranking never depends on what was asked before: the
sentences the offline answer and the map embed go to the store's writable
cache, which this module does not read.  Candidates are compared on one
footing: when any passage of the pool lacks its sentence vectors (a user's
own PDF beside the default corpus), every candidate keeps its passage signal:
the two z-scores are not on one scale (over the dev questions' pools a best
sentence's ran 0.41 below its passage's on average, 1.07 below among the
first five), so mixing only some candidates would rank the ones without
sentence vectors up.

Both views mix this way, each from its own model's shipped sentence vectors
(``StoreSnapshot.sentences`` and ``second_sentences``).  Measured with
``benchmarks/paraphrase_experiments.py`` (the shares chosen on the dev
questions' odd half and our own tuning halves, reported on the others): see
``settings.retrieval.fusion.sentence``.  Pseudo-relevance feedback (Rocchio,
per view) was measured there too and did not generalise.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import numpy as np

from assistant.index.base import Store
from assistant.index.embedders.base import CharterEmbeddings
from assistant.index.embedders.cache import normalise, text_key
from assistant.index.rows import StoredPassage
from core.text import sentences

BACKGROUND_PASSAGES = 300  # passages whose sentences the max-sim is z-scored against


class SentenceVectors:
    """Each passage's cached sentence vectors (None when any is missing), looked up once per passage."""

    def __init__(self, store: Store, ids: list[str], embedder: CharterEmbeddings | None = None,
                 texts: dict[str, list[str]] | None = None):
        """``embedder``: the view whose sentence vectors to read (the store's main one by default); ``texts``: a
        memo of each passage's normalised sentences, shared by the views so that a passage is split once."""
        self.store = store
        self.embedder = embedder if embedder is not None else store.embedder
        self._memo: dict[str, np.ndarray | None] = {}
        self._texts = texts if texts is not None else {}
        # CachedEmbeddings' shipped layers: read-only, so the signal is a property of the installed corpus
        self._layers = [layer for layer in getattr(self.embedder, "layers", ()) if not layer.writable]
        pick = random.Random(len(ids)).sample(ids, min(BACKGROUND_PASSAGES, len(ids)))
        found = [m for m in self.of(store.passages(pick)) if m is not None] if self._layers else []
        self.background = np.concatenate(found) if found else np.zeros((0, 0), dtype=np.float32)

    def of(self, rows: list[StoredPassage]) -> list[np.ndarray | None]:
        todo = [r for r in rows if r.id not in self._memo]
        if todo and self._layers:
            model_id = self.embedder.model_id
            texts = [self.sentence_texts(r) for r in todo]
            keys = [text_key(model_id, t) for ts in texts for t in ts]
            found: dict[int, np.ndarray] = {}
            for layer in self._layers:
                missing = [i for i in range(len(keys)) if i not in found]
                if not missing:
                    break
                for j, vector in layer.lookup([keys[i] for i in missing]).items():
                    found[missing[j]] = vector
            start = 0
            for row, ts in zip(todo, texts):
                span = range(start, start + len(ts))
                start += len(ts)
                self._memo[row.id] = np.stack([found[i] for i in span]) if ts and all(i in found for i in span) \
                    else None
                if self._memo[row.id] is None:  # a passage without shipped vectors (generated, a user's own):
                    self._texts.pop(row.id, None)  # its split is not kept, so the shared memo stays small
        return [self._memo.get(r.id) for r in rows]

    def sentence_texts(self, row: StoredPassage) -> list[str]:
        """The passage's sentences as embedded (normalised), split once per passage."""
        if row.id not in self._texts:
            self._texts[row.id] = [normalise(s) for s in sentences(row.text or "", row.meta.get("lang")) if s.strip()]
        return self._texts[row.id]

    def all_of(self, rows: list[StoredPassage], chunk: int = 8) -> list[np.ndarray] | None:
        """Every row's sentence vectors, or None as soon as one row lacks them.  Rows are looked up a few at a
        time and a row known to lack them ends the search at once: in a store whose passages mostly lack them
        (generated or a user's own files), a pool is not split into sentences only to be left unmixed."""
        if any(r.id in self._memo and self._memo[r.id] is None for r in rows):
            return None
        out: list[np.ndarray] = []
        for start in range(0, len(rows), chunk):
            found = self.of(rows[start:start + chunk])
            if any(m is None for m in found):
                return None
            out.extend(m for m in found if m is not None)
        return out


def mix_sentences(vectors: SentenceVectors, qvec: np.ndarray, rows: Mapping[str, StoredPassage],
                  dense_z: np.ndarray, share: float) -> np.ndarray:
    """The main view's z-scores (``dense_z``, one per row of ``rows``, in order) with ``share`` of each
    given to its best sentence's, or ``dense_z`` itself when a row lacks its sentence vectors.
    ``vectors`` lives on the store's snapshot: one lookup per passage per store version."""
    if share <= 0 or not rows or not vectors.background.size:
        return dense_z
    matrices = vectors.all_of(list(rows.values()))
    if matrices is None or any(m.shape[1] != qvec.shape[0] for m in matrices):
        return dense_z  # one footing for the whole pool (see the module docstring)
    reference = vectors.background @ qvec
    spread = float(reference.std()) + 1e-9
    best = np.array([float((m @ qvec).max()) for m in matrices])
    return (1 - share) * dense_z + share * (best - float(reference.mean())) / spread
