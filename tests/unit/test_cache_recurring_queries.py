"""Query-side texts that recur in every process (the stored document names that a Chinese title is matched
against, assistant/retrieval/names.py) are kept by the embedding cache, keyed as queries; questions are not."""

from __future__ import annotations

import unicodedata

import numpy as np

from assistant.index.embedders.cache import CachedEmbeddings, EmbeddingCache, model_folder

try:
    from test_cache_layers import HashEmbedder
except ImportError:  # tests/ imported as a package
    from tests.unit.test_cache_layers import HashEmbedder


def test_recurring_queries_are_embedded_once_across_processes_as_queries(tmp_path):
    names = ["Org: Principles", "Other Org: Guidelines", "Org: Principles"]
    inner = HashEmbedder()
    folder = model_folder(tmp_path, inner.model_id)
    cached = CachedEmbeddings(inner, [], EmbeddingCache(folder, writable=True))
    first = cached.embed_recurring(names, is_query=True)
    assert inner.seen == ["Org: Principles", "Other Org: Guidelines"]  # each name once
    # exactly what the model gives the names as queries (not as passages: e5 prefixes the two differently)
    np.testing.assert_array_equal(first, HashEmbedder().embed_array(names, is_query=True))
    assert not np.allclose(first, HashEmbedder().embed_array(names, is_query=False))
    cached.flush()

    fresh_inner = HashEmbedder()  # the next process: only the files are shared
    again = CachedEmbeddings(fresh_inner, [], EmbeddingCache(folder, writable=True))
    np.testing.assert_array_equal(again.embed_recurring(names, is_query=True), first)
    assert fresh_inner.seen == []
    again.embed_array(["Org: Principles"], is_query=False)  # the passage of the same text is another key
    again.embed_array(["Org: Principles"], is_query=True)  # and a question is never looked up
    assert fresh_inner.seen == ["Org: Principles", "Org: Principles"]


def test_recurring_queries_are_embedded_as_given_not_normalised(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Comité d'éthique: Avis")
    inner = HashEmbedder()
    cached = CachedEmbeddings(inner, [], EmbeddingCache(tmp_path / "c", writable=True))
    vector = cached.embed_recurring([decomposed], is_query=True)
    assert inner.seen == [decomposed]  # what embed_array(..., is_query=True) embeds, so a hit equals it
    np.testing.assert_array_equal(vector, HashEmbedder().embed_array([decomposed], is_query=True))
