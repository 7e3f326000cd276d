"""The contract every embedding model of Charter fulfils.

A model implements one method, ``_embed(texts, is_query)``; the base class
makes it a LangChain ``Embeddings`` (so it plugs into LangChain code), returns
float32 unit vectors (cosine == dot product everywhere downstream) and
serialises calls per model class, because the UI answers several sessions in
threads and native engines are not all re-entrant.

Each model also carries two facts the rest of Charter needs: a ``model_id``
written into the collection's metadata (vectors of different models must never
be mixed) and a ``relevance_threshold``, because cosine scores are not
comparable across models.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from typing import Self

    from assistant.settings import Settings


class CharterEmbeddings(Embeddings):
    """Base: subclasses implement ``_embed(texts, is_query)``; vectors come out unit-length."""

    model_id: str = ""
    #: dense cosine similarity under which a question is taken as not covered
    relevance_threshold: float = 0.0
    _lock: ClassVar[threading.Lock]

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The model for these settings; models that need no configuration ignore them.

        Nothing is loaded here: weights are read on the first ``embed_*`` call."""
        return cls()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts, is_query=False).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text], is_query=True)[0].tolist()

    def embed_array(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        """``(len(texts), dim)`` float32 unit vectors; ``(0, 0)`` for no texts."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._lock:
            vectors = self._embed(list(texts), is_query)
        return _normalise(np.asarray(vectors, dtype=np.float32))

    def embed_recurring(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        """As ``embed_array``, for texts that come back in every process (the stored document names a Chinese
        title is matched against, ``assistant/retrieval/names.py``): an embedder behind the embedding cache
        keeps their vectors even as queries; any other embeds them again."""
        return self.embed_array(texts, is_query=is_query)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._lock = threading.Lock()  # one per model class: its native engine is shared

    @abstractmethod
    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        """One vector per text (any scale; the base normalises). ``texts`` is never empty."""


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
