"""A question's vectors, embedded once per view and handed to every step that compares with them.

An answer compares the question with stored vectors several times: the dense pool and the z-score
background (main view), the re-ranking and the coverage signals (second view), and the offline answer's
sentence choice (the second view, or the main one when there is none).  Each step used to embed the question
itself, so one answer embedded it up to three times; now the retriever embeds it once per view, the
``SearchResult`` carries the vectors, and the answerer scores its sentences against the very vector the
retriever used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.index.base import Store


@dataclass(frozen=True)
class QueryVectors:
    """``text`` embedded as a query by the store's main model (``dense``) and by its second view
    (``second``; None when the store has no second model).  Unit-length float32 rows."""

    text: str
    dense: np.ndarray
    second: np.ndarray | None = None

    @classmethod
    def embed(cls, store: Store, text: str) -> QueryVectors:
        """One call per model.  The second view is embedded whenever the store has a second model, even if
        its collection is not filled yet: the answerer's sentence choice uses that model all the same."""
        dense = store.embedder.embed_array([text], is_query=True)[0]
        second = store.second.embed_array([text], is_query=True)[0] if store.second is not None else None
        return cls(text, dense, second)

    def for_sentences(self) -> np.ndarray:
        """The vector the offline answer scores sentences against: the second view's (USE is the faster
        model for a few dozen sentences), the main view's when there is no second model."""
        return self.second if self.second is not None else self.dense
