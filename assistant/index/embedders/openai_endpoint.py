"""Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, Ollama, vLLM ...)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.index.embedders.base import CharterEmbeddings
from assistant.index.embedders.registry import register_embedder

if TYPE_CHECKING:
    from assistant.settings import Settings


class EndpointEmbeddings(CharterEmbeddings):
    """Vectors from a remote model; its name goes into ``model_id`` so stores never mix models."""

    relevance_threshold = 0.30
    batch_size = 64

    def __init__(self, model: str, base_url: str | None, api_key: str | None, timeout: float = 60.0) -> None:
        self.model = model
        self.model_id = f"openai-compatible/{model}"
        self._base_url, self._api_key, self._timeout = base_url, api_key, timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> EndpointEmbeddings:
        """The endpoint the settings name (its own base URL, else the LLM's)."""
        if not settings.embedding.endpoint_model:
            raise ValueError("CHARTER_EMBEDDING=openai needs CHARTER_EMBEDDING_MODEL (e.g. nomic-embed-text)")
        key = settings.llm.api_key.get_secret_value() if settings.llm.api_key else None
        base_url = settings.embedding.base_url or settings.llm.base_url
        return cls(settings.embedding.endpoint_model, base_url, key, settings.llm.timeout)

    @cached_property
    def _client(self) -> Any:
        from openai import OpenAI

        return OpenAI(base_url=self._base_url, api_key=self._api_key or "unused", timeout=self._timeout)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            reply = self._client.embeddings.create(model=self.model, input=texts[start : start + self.batch_size])
            vectors.extend(item.embedding for item in sorted(reply.data, key=lambda d: d.index))
        return np.array(vectors)


register_embedder("openai", EndpointEmbeddings.from_settings)
