"""One contract every registered embedder passes: what the store and the
retriever rely on, whichever model the settings name.

The offline models run for real; ``openai`` runs against the local
OpenAI-compatible stub server (``tests/openai_stub.py``), which serves
``/v1/embeddings`` with deterministic bag-of-words vectors.  A model
registered later (a plug-in) is picked up here automatically.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from assistant.index.embedders import CharterEmbeddings, available, make_embedder
from assistant.settings import Settings

try:
    from openai_stub import STUB_KEY, OpenAIStub
except ImportError:  # tests/ imported as a package
    from tests.openai_stub import STUB_KEY, OpenAIStub

QUESTION = "Who must oversee high-risk AI systems?"
RELATED = "High-risk AI systems must be overseen by natural persons while they are in use."
UNRELATED = "Bake the bread for forty minutes until the crust turns golden brown."
CHINESE = "发展人工智能应坚持以人为本理念，以增进人类共同福祉为目标。"
OTHER_CHINESE = "今天下午的天气很好，我们去公园散步吧。"
TEXTS = [RELATED, UNRELATED, CHINESE, "A short one.", OTHER_CHINESE]


@pytest.fixture(scope="module")
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(api_key=STUB_KEY) as server:
        yield server


@pytest.fixture(scope="module", params=available())
def embedder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CharterEmbeddings:
    """The registered model, built through the settings like Charter builds it."""
    name = request.param
    values: dict = {"embedding": name, "store": tmp_path_factory.mktemp("store"), "llm_backend": "none"}
    if name == "openai":
        server = request.getfixturevalue("stub")
        values.update(embedding_model="stub-embed", embedding_base_url=server.base_url, openai_api_key=STUB_KEY)
    return make_embedder(Settings(**values))


def _unit(vectors: np.ndarray) -> bool:
    return bool(np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5))


def test_identifies_itself(embedder):
    assert embedder.model_id and isinstance(embedder.model_id, str)
    assert 0.0 < embedder.relevance_threshold < 1.0


def test_documents_are_unit_float32_vectors_of_one_shape(embedder):
    vectors = embedder.embed_array(TEXTS, is_query=False)
    assert vectors.dtype == np.float32
    assert vectors.ndim == 2 and vectors.shape[0] == len(TEXTS) and vectors.shape[1] > 0
    assert np.isfinite(vectors).all() and _unit(vectors)
    single = embedder.embed_array([UNRELATED], is_query=False)
    assert single.shape == (1, vectors.shape[1])


def test_the_langchain_methods_give_the_same_vectors(embedder):
    documents = embedder.embed_documents(TEXTS[:2])
    query = embedder.embed_query(QUESTION)
    assert isinstance(documents, list) and all(isinstance(v, list) for v in documents)
    assert np.allclose(documents, embedder.embed_array(TEXTS[:2], is_query=False), atol=1e-6)
    assert np.allclose(query, embedder.embed_array([QUESTION], is_query=True)[0], atol=1e-6)
    assert len(query) == len(documents[0])


def test_a_query_is_closer_to_the_passage_that_answers_it(embedder):
    query = embedder.embed_array([QUESTION], is_query=True)
    docs = embedder.embed_array([RELATED, UNRELATED], is_query=False)
    assert query.shape[1] == docs.shape[1] and _unit(query)
    related, unrelated = docs @ query[0]
    assert related > unrelated


def test_is_deterministic(embedder):
    first = embedder.embed_array(TEXTS, is_query=False)
    again = embedder.embed_array(TEXTS, is_query=False)
    assert np.allclose(first, again, atol=1e-6)
    assert np.allclose(embedder.embed_array([QUESTION], is_query=True),
                       embedder.embed_array([QUESTION], is_query=True), atol=1e-6)


def test_no_texts_give_no_vectors(embedder):
    assert embedder.embed_array([], is_query=False).shape[0] == 0
    assert embedder.embed_array([], is_query=True).shape[0] == 0
    assert embedder.embed_documents([]) == []


def test_chinese_text_gets_its_own_vector(embedder):
    vectors = embedder.embed_array([CHINESE, OTHER_CHINESE], is_query=False)
    assert np.isfinite(vectors).all() and _unit(vectors)
    assert not np.allclose(vectors[0], vectors[1], atol=1e-3)
    assert _unit(embedder.embed_array([CHINESE], is_query=True))


def test_a_batch_equals_one_text_at_a_time(embedder):
    batch = embedder.embed_array(TEXTS, is_query=False)
    one_by_one = np.vstack([embedder.embed_array([text], is_query=False) for text in TEXTS])
    assert np.allclose(batch, one_by_one, atol=1e-4)
