"""Is a question about what the corpus is about at all?

A question on boiling eggs, on tomorrow's weather or on fine-tuning a transformer still has a nearest stored
statement, and with e5 that statement is not far: every text sits at cosine 0.78-0.85 from every other, so
the relevance floors let such questions through (on the tuning questions, 7 of 21 off-topic ones).  What the
floors lack is a comparison: near the corpus, or nearer to something else?

So a background of questions about other things (``data/off_domain.txt``: 626 everyday, school, computing and
machine-learning-engineering questions and chat requests, English and Chinese, none on AI governance, ethics,
policy or law) is embedded in both views, and a question's margin is how far its best stored passage stands
above its best background questions (the mean of the three best: one odd neighbour moves nothing), per view in
units of that view's spread (``dense_spread``, ``second_spread``), both views added.  On the tuning questions an
answerable question's margin was -1.7 or more and an off-topic one's -2.5 or less;
``settings.retrieval.off_domain_margin`` sits between them.  A question naming a stored organisation or
document outright is never judged by it (``decide``).

The background is written for Charter's subject: a store of machine-learning papers would find its questions
near the background's engineering ones (the real PDF in ../shared/docs, a paper search agent, keeps margins of
1.1-4.6 on its questions, above the bar); ``off_domain_margin = None`` turns the check off for such a store.

The background's vectors for the default models ship beside it (``data/off_domain.<model>.npz``, made by
``python -m assistant.retrieval.off_domain``, keyed by a hash of the texts, and checked against the models by
``tests/integration/test_off_domain_vectors.py``): embedding the first 420 texts took 13 s with e5 and 2 s with
USE on this 2-core machine, on each store's first question.

The last 206 lines (the twelfth round) add games, errands (passports, licences), travel, health, home, hobbies,
study and more computing.  Questions on jobs and careers, economics and everyday law were written for it too and
left out: the corpus speaks of work, the economy and rights, and with them a Chinese question on the right to
disconnect sat 1.5 lower, below the Chinese bar.  Other models embed them on first use, through the embedding
cache (``embed_recurring``), so only a store's first process pays.
"""

from __future__ import annotations

import hashlib
import io
import sys
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.index.base import Store
from assistant.index.embedders.base import CharterEmbeddings
from assistant.retrieval.query import QueryVectors

TOP = 3  # the background's best three, averaged


def background_texts() -> list[str]:
    """The background questions, one per line of the packaged file."""
    text = resources.files("assistant.retrieval").joinpath("data/off_domain.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def texts_key(texts: list[str]) -> str:
    """What shipped vectors are valid for: these texts, in this order."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]


def shipped_name(model_id: str) -> str:
    return f"off_domain.{model_id.replace('/', '--')}.npz"


def shipped_vectors(model_id: str, texts: list[str]) -> np.ndarray | None:
    """The shipped vectors of ``texts`` for this model, if they were made for exactly these texts."""
    path = resources.files("assistant.retrieval").joinpath(f"data/{shipped_name(model_id)}")
    if not path.is_file():
        return None
    with np.load(io.BytesIO(path.read_bytes())) as data:
        if str(data["key"]) != texts_key(texts) or len(data["vectors"]) != len(texts):
            return None
        return np.asarray(data["vectors"], dtype=np.float32)


class Background:
    """The background questions in both views of a store, embedded on first use."""

    def __init__(self, store: Store, texts: list[str] | None = None):
        self.store = store
        self.texts = texts if texts is not None else background_texts()
        self._dense: np.ndarray | None = None
        self._second: np.ndarray | None = None

    def _vectors(self) -> tuple[np.ndarray, np.ndarray | None]:
        if self._dense is None:
            self._dense = _embedded(self.store.embedder, self.texts)
            if self.store.second is not None:
                self._second = _embedded(self.store.second, self.texts)
        return self._dense, self._second

    def margin(self, vectors: QueryVectors, best_dense: float | None, best_second: float | None,
               dense_spread: float, second_spread: float) -> float | None:
        """How far the question's best stored passage (its similarity in each view) stands above its best
        background questions, in spreads, both views added; None without a background or a best passage."""
        if not self.texts or best_dense is None:
            return None
        dense, second = self._vectors()
        out = (best_dense - _top(dense @ vectors.dense)) / dense_spread
        if second is not None and vectors.second is not None and best_second is not None:
            out += (best_second - _top(second @ vectors.second)) / second_spread
        return float(out)


def _embedded(model: CharterEmbeddings, texts: list[str]) -> np.ndarray:
    """Shipped vectors when there are some for this model and these texts, else the model's (cached)."""
    shipped = shipped_vectors(getattr(model, "model_id", ""), texts)
    return shipped if shipped is not None else model.embed_recurring(texts, is_query=True)


def _top(similarities: np.ndarray) -> float:
    """The mean of the ``TOP`` best."""
    n = min(TOP, similarities.size)
    return float(np.partition(similarities, similarities.size - n)[-n:].mean())


def write_shipped(folder: Path | None = None) -> None:
    """Embed the background with the default models and write their ``.npz`` beside it (run after editing
    ``data/off_domain.txt``): ``python -m assistant.retrieval.off_domain``."""
    from assistant.index.embedders import make_embedder, make_second_embedder
    from assistant.settings import Settings

    settings = Settings()
    texts = background_texts()
    out = folder if folder is not None else Path(__file__).with_name("data")
    for model in (make_embedder(settings), make_second_embedder(settings)):
        if model is None:
            continue
        vectors = np.asarray(model.embed_array(texts, is_query=True), dtype=np.float32)
        np.savez(out / shipped_name(model.model_id), key=np.array(texts_key(texts)), vectors=vectors)
        print(f"wrote {shipped_name(model.model_id)}: {vectors.shape}", file=sys.stderr)


if __name__ == "__main__":
    write_shipped()
