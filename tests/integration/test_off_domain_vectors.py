"""The off-topic background's vectors shipped with the package (``retrieval/off_domain.py``) are exactly what the
default models compute for its texts now (up to their variation between CPUs), and a stale file is not used."""

from __future__ import annotations

import random

import pytest

from assistant.index.embedders import make_embedder, make_second_embedder
from assistant.index.embedders.cache import same_vectors
from assistant.retrieval.off_domain import background_texts, shipped_vectors
from assistant.settings import Settings

SAMPLE = 24


@pytest.fixture(scope="module")
def models():
    settings = Settings()
    return [m for m in (make_embedder(settings), make_second_embedder(settings)) if m is not None]


def test_shipped_background_vectors_are_what_the_models_compute(models):
    texts = background_texts()
    rng = random.Random()  # a new sample each run: over time every vector gets checked
    picks = [0, len(texts) - 1, *rng.sample(range(1, len(texts) - 1), SAMPLE - 2)]
    for model in models:
        shipped = shipped_vectors(model.model_id, texts)
        assert shipped is not None, f"{model.model_id}: no vectors for the current background; run " \
                                    "python -m assistant.retrieval.off_domain"
        fresh = model.embed_array([texts[i] for i in picks], is_query=True)
        # equal up to the model's own variation between CPUs (cache.SAME_VECTOR_COSINE says how far)
        assert same_vectors(shipped[picks], fresh).all(), f"{model.model_id}: shipped background vectors are stale"


def test_vectors_made_for_other_texts_are_not_used(models):
    texts = background_texts()
    for model in models:
        assert shipped_vectors(model.model_id, [*texts[:-1], texts[-1] + " (edited)"]) is None
        assert shipped_vectors(model.model_id, texts[:-1]) is None
    assert shipped_vectors("some/other-model", texts) is None
