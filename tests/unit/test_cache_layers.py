"""The content-addressed embedding cache, over a small deterministic embedder
(no model): keys, layers, misses only embedded, segments on disk."""

from __future__ import annotations

import hashlib
import unicodedata

import numpy as np
import pytest

from assistant.index.embedders import CharterEmbeddings
from assistant.index.embedders.cache import (
    CachedEmbeddings,
    EmbeddingCache,
    model_folder,
    text_key,
    with_cache,
    write_segment,
)
from assistant.settings import Settings


class HashEmbedder(CharterEmbeddings):
    """Vectors derived from the text's bytes; records every text it is asked to embed."""

    model_id = "test/hash-embedder"
    relevance_threshold = 0.5

    def __init__(self) -> None:
        self.seen: list[str] = []

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        self.seen.extend(texts)
        out = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(f"{is_query}|{text}".encode()).digest()[:8], "little")
            out.append(np.random.default_rng(seed).normal(size=8))
        return np.array(out)


def test_keys_depend_on_model_kind_and_text_only():
    key = text_key("m", "AI must be safe.")
    assert len(key) == 32 and key == text_key("m", "AI must be safe.")
    assert len({key, text_key("m2", "AI must be safe."), text_key("m", "AI must be safe!"),
                text_key("m", "AI must be safe.", is_query=True)}) == 4


def test_misses_are_embedded_once_then_served_from_disk(tmp_path):
    inner = HashEmbedder()
    folder = model_folder(tmp_path, inner.model_id)
    cached = CachedEmbeddings(inner, [], EmbeddingCache(folder, writable=True))
    texts = ["alpha", "beta", "alpha", "gamma"]
    first = cached.embed_array(texts, is_query=False)
    assert inner.seen == ["alpha", "beta", "gamma"]  # a text twice in one call is embedded once
    np.testing.assert_array_equal(first, HashEmbedder().embed_array(texts, is_query=False))
    cached.flush()
    assert len(list(folder.glob("*.keys.npy"))) == 1 and len(list(folder.glob("*.f32.npy"))) == 1

    fresh_inner = HashEmbedder()  # another process: only the files are shared
    again = CachedEmbeddings(fresh_inner, [], EmbeddingCache(folder, writable=True))
    second = again.embed_array(["gamma", "alpha", "delta"], is_query=False)
    assert fresh_inner.seen == ["delta"]
    np.testing.assert_array_equal(second[:2], first[[3, 0]])
    assert (again.hits, again.misses) == (2, 1)


def test_a_changed_text_misses_and_queries_bypass_the_cache(tmp_path):
    inner = HashEmbedder()
    cached = CachedEmbeddings(inner, [], EmbeddingCache(tmp_path / "c", writable=True))
    cached.embed_array(["Org | Doc\nAI must be safe."], is_query=False)
    cached.embed_array(["Org | Doc\nAI must be safe!"], is_query=False)
    assert inner.seen == ["Org | Doc\nAI must be safe.", "Org | Doc\nAI must be safe!"]
    cached.embed_array(["Org | Doc\nAI must be safe."], is_query=True)
    cached.embed_array(["Org | Doc\nAI must be safe."], is_query=True)
    assert inner.seen[2:] == ["Org | Doc\nAI must be safe."] * 2


def test_unicode_spellings_share_a_vector_and_the_normalised_text_is_embedded(tmp_path):
    inner = HashEmbedder()
    cached = CachedEmbeddings(inner, [], EmbeddingCache(tmp_path / "c", writable=True))
    composed, decomposed = "Corrêa", unicodedata.normalize("NFD", "Corrêa")
    assert composed != decomposed
    a, b = cached.embed_array([composed, decomposed], is_query=False)
    np.testing.assert_array_equal(a, b)
    assert inner.seen == [composed]


def test_read_only_layers_come_first_and_are_never_written(tmp_path):
    inner = HashEmbedder()
    shipped_dir = model_folder(tmp_path / "shipped", inner.model_id)
    marker = np.full((1, 8), 1 / np.sqrt(8), dtype=np.float32)
    write_segment(shipped_dir, [text_key(inner.model_id, "shipped text")], marker, name="corpus")
    shipped = EmbeddingCache(shipped_dir)
    local = EmbeddingCache(tmp_path / "local", writable=True)
    cached = CachedEmbeddings(inner, [shipped], local)
    out = cached.embed_array(["shipped text", "new text"], is_query=False)
    np.testing.assert_allclose(out[0], marker[0], rtol=0, atol=1e-7)
    assert inner.seen == ["new text"]
    cached.flush()
    assert sorted(p.name for p in shipped_dir.iterdir()) == ["corpus.f32.npy", "corpus.keys.npy"]
    assert len(EmbeddingCache(tmp_path / "local")) == 1
    with pytest.raises(PermissionError):
        shipped.add([b"0" * 32], marker)


def test_many_segments_are_compacted_and_damaged_ones_skipped(tmp_path):
    folder = tmp_path / "c"
    cache = EmbeddingCache(folder, writable=True)
    keys = [text_key("m", f"text {i}") for i in range(40)]
    vectors = np.eye(40, dtype=np.float32)
    for i in range(40):
        cache.add([keys[i]], vectors[i : i + 1])
        cache.flush()
    assert len(list(folder.glob("*.keys.npy"))) == 40
    (folder / "broken.keys.npy").write_bytes(b"not numpy")
    reopened = EmbeddingCache(folder, writable=True)  # more than COMPACT_ABOVE segments: merged into one
    assert len(list(folder.glob("*.keys.npy"))) == 2  # the merged segment and the broken file
    found = reopened.lookup(keys[::-1])
    assert len(found) == 40
    for i, key in enumerate(keys[::-1]):
        np.testing.assert_array_equal(found[i], vectors[keys.index(key)])


def test_settings_switch_the_cache_and_name_its_folders(tmp_path):
    inner = HashEmbedder()
    off = with_cache(inner, Settings(store=tmp_path / "store", embedding_cache=False))
    assert off is inner
    on = with_cache(inner, Settings(store=tmp_path / "store", corpus=tmp_path / "corpus"))
    assert isinstance(on, CachedEmbeddings) and on.model_id == inner.model_id
    folder = tmp_path / "store" / "embedding-cache" / "test--hash-embedder"
    assert on.writable is not None and on.writable.folder == folder
    on.embed_array(["x"], is_query=False)
    on.flush()
    assert list(folder.glob("*.keys.npy"))
