"""Wires the pieces together once per process: settings -> embedder -> store ->
retriever -> answerer.  The CLI and the UI both start from here, so they can
never disagree about which store or model they use."""

from __future__ import annotations

from functools import cached_property

from assistant.settings import Settings


class Charter:
    """Lazily built components for one set of settings."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()

    @cached_property
    def embedder(self):
        from assistant.index.embedders import make_embedder

        return make_embedder(self.settings)

    @cached_property
    def store(self):
        from assistant.index.embedders import make_second_embedder
        from assistant.index.store import Store

        return Store(self.settings, self.embedder, make_second_embedder(self.settings))

    @cached_property
    def retriever(self):
        from assistant.retrieval.retriever import Retriever

        return Retriever(self.store, self.settings)

    @cached_property
    def answerer(self):
        from assistant.answer.answerer import Answerer

        return Answerer(self.retriever, self.settings)

    def ingest(self, paths, **kwargs):
        """Ingest with the settings' chunking; see assistant.index.sync.ingest."""
        from assistant.index.sync import ingest

        kwargs.setdefault("chunk_chars", self.settings.chunk_chars)
        kwargs.setdefault("chunk_overlap", self.settings.chunk_overlap)
        kwargs.setdefault("batch_size", self.settings.embedding_batch)
        return ingest(self.store, list(paths), **kwargs)
