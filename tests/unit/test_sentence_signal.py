"""The sentence max-sim signal (assistant/retrieval/sentences.py) over a real on-disk embedding cache.

No model and no Chroma: the vectors are invented unit vectors written with the cache's own
``write_segment``, the store is a stand-in that only hands out rows and its embedder's cache layers
(what ``mix_sentences`` reads); the ranking code itself is the retriever's.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from assistant.index.embedders.cache import EmbeddingCache, normalise, text_key, write_segment
from assistant.index.rows import StoredPassage
from assistant.retrieval.sentences import SentenceVectors, mix_sentences

MODEL = "test/model"
DIM = 8


def _unit(i: int) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[i] = 1.0
    return v


def _row(pid: str, text: str) -> StoredPassage:
    return StoredPassage(pid, text, {"lang": "en"})


def _setup(tmp_path, rows: list[StoredPassage], vectors: dict[str, np.ndarray], *, writable: bool = False):
    write_segment(tmp_path, [text_key(MODEL, normalise(t)) for t in vectors], np.stack(list(vectors.values())),
                  name="sentences")
    by_id = {r.id: r for r in rows}
    embedder = SimpleNamespace(model_id=MODEL, layers=[EmbeddingCache(tmp_path, writable=writable)])
    store = SimpleNamespace(embedder=embedder, passages=lambda ids: [by_id[i] for i in ids if i in by_id])
    return SentenceVectors(store, [r.id for r in rows])  # the store is a stand-in with the two parts used


def test_a_passage_with_one_matching_sentence_is_lifted(tmp_path):
    rows = [_row("a", "Responsibility lies with a human. Other point one. Other point two."),
            _row("b", "A passage about something near. It goes on about it.")]
    sentences = {"Responsibility lies with a human.": _unit(0), "Other point one.": _unit(1),
                 "Other point two.": _unit(2), "A passage about something near.": _unit(3),
                 "It goes on about it.": _unit(4)}
    vectors = _setup(tmp_path, rows, sentences)
    q = _unit(0)
    dense_z = np.array([0.0, 1.0])  # the passage vectors rank b first
    mixed = mix_sentences(vectors, q, {r.id: r for r in rows}, dense_z, 0.5)
    assert mixed[0] > mixed[1]
    assert mix_sentences(vectors, q, {r.id: r for r in rows}, dense_z, 0.0) is dense_z


def test_one_passage_without_its_sentence_vectors_leaves_the_whole_pool_on_its_passage_signal(tmp_path):
    # b's vectors are all there, a lacks one: mixing b alone would put the two on different scales
    rows = [_row("a", "Known sentence here. Unknown sentence here."), _row("b", "Only known one.")]
    vectors = _setup(tmp_path, rows, {"Known sentence here.": _unit(0), "Only known one.": _unit(1)})
    dense_z = np.array([0.3, -0.2])
    assert mix_sentences(vectors, _unit(0), {r.id: r for r in rows}, dense_z, 0.5) is dense_z
    whole = _setup(tmp_path / "whole", rows, {"Known sentence here.": _unit(0), "Unknown sentence here.": _unit(2),
                                              "Only known one.": _unit(1)})
    mixed = mix_sentences(whole, _unit(0), {r.id: r for r in rows}, dense_z, 0.5)
    assert mixed[0] != dense_z[0] and mixed[1] != dense_z[1]


def test_sentence_vectors_in_the_writable_cache_are_not_read(tmp_path):
    # what the offline answer embedded into <store>/embedding-cache must not change later rankings
    rows = [_row("a", "Responsibility lies with a human. Other point one."), _row("b", "A passage near it.")]
    sentences = {"Responsibility lies with a human.": _unit(0), "Other point one.": _unit(1),
                 "A passage near it.": _unit(3)}
    vectors = _setup(tmp_path, rows, sentences, writable=True)
    dense_z = np.array([0.0, 1.0])
    assert vectors.of(rows) == [None, None]
    assert mix_sentences(vectors, _unit(0), {r.id: r for r in rows}, dense_z, 0.5) is dense_z


def test_the_second_view_reads_its_own_models_sentence_vectors(tmp_path):
    # each view's sentence vectors are keyed by its own model: the second view must not read the main one's
    rows = [_row("a", "Responsibility lies with a human. Other point one."), _row("b", "A passage near it.")]
    texts = ["Responsibility lies with a human.", "Other point one.", "A passage near it."]
    main_dir, second_dir = tmp_path / "main", tmp_path / "second"
    write_segment(main_dir, [text_key(MODEL, normalise(t)) for t in texts], np.stack([_unit(i) for i in range(3)]),
                  name="sentences")
    write_segment(second_dir, [text_key("test/second", normalise(t)) for t in texts],
                  np.stack([_unit(i + 4) for i in range(3)]), name="sentences")
    by_id = {r.id: r for r in rows}
    main = SimpleNamespace(model_id=MODEL, layers=[EmbeddingCache(main_dir, writable=False)])
    second = SimpleNamespace(model_id="test/second", layers=[EmbeddingCache(second_dir, writable=False)])
    store = SimpleNamespace(embedder=main, passages=lambda ids: [by_id[i] for i in ids if i in by_id])
    vectors = SentenceVectors(store, [r.id for r in rows], second)
    found = vectors.of(rows)
    assert found[0] is not None and found[1] is not None
    assert np.array_equal(found[0][0], _unit(4)) and np.array_equal(found[1][0], _unit(6))
    dense_z = np.array([0.0, 1.0])
    assert mix_sentences(vectors, _unit(4), by_id, dense_z, 0.5)[0] > dense_z[0]
