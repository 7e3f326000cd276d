"""What the retriever keeps in memory about the store, rebuilt when the store changes.

The BM25 index, the catalog of names, the folded names and texts the coverage
check looks titles up in, and a sample of stored vectors that each query's
similarities are z-scored against.  Filtering stays with the store: the
snapshot only knows row positions.
"""

from __future__ import annotations

import numpy as np

from assistant.index.base import Store
from assistant.index.rows import StoredPassage, text_for_embedding
from assistant.retrieval.catalog import Catalog
from assistant.retrieval.lexical import LexicalIndex
from assistant.retrieval.names import NameVectors
from core.model import Filters
from core.text import fold_for_names

SAMPLE_SIZE = 1000  # stored vectors per view to z-score against: enough for a mean and a spread


class StoreSnapshot:
    """Everything the retriever keeps in memory, for one store generation."""

    def __init__(self, store: Store):
        self.rows: list[StoredPassage] = store.all_passages()
        self.position = {row.id: i for i, row in enumerate(self.rows)}
        self.lexical = LexicalIndex([text_for_embedding(r.meta, r.text) for r in self.rows])
        passages = [row.passage() for row in self.rows]
        self.catalog = Catalog.from_passages(passages, store.embedder.model_id)
        names = list(self.catalog.authors) + list(self.catalog.documents)
        # author and document together: "OECD Recommendation" names the OECD's Recommendation
        self.statement_names = sorted({fold_for_names(f"{p.author or ''} {p.document or ''}") for p in passages})
        self.corpus_text = fold_for_names("\n".join(names + [r.text for r in self.rows]))
        # "organisation: document" per stored document, for telling a translated title (names.py)
        pairs = sorted({(p.document, f"{p.author}: {p.document}" if p.author else p.document)
                        for p in passages if p.document})
        self.names = NameVectors(store, pairs)
        self.sample = store.sample_vectors(SAMPLE_SIZE)
        self.second_sample = store.sample_vectors(SAMPLE_SIZE, second=True) if store.has_second_view else None

    def allowed(self, store: Store, filters: Filters | None) -> np.ndarray:
        """Which rows the store's filter lets through (all when there is none), as a mask over ``rows``."""
        if not filters or filters.is_empty():
            return np.ones(len(self.rows), dtype=bool)
        ids = store.ids_matching(filters)
        return np.fromiter((row.id in ids for row in self.rows), dtype=bool, count=len(self.rows))
