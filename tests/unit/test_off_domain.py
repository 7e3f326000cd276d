"""The off-topic background (``retrieval/off_domain.py``): its margin's arithmetic, and the packaged file."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from assistant.retrieval.off_domain import Background, background_texts
from assistant.retrieval.query import QueryVectors


class Fixed:
    """An embedder whose recurring texts get the given vectors."""

    def __init__(self, vectors: list[list[float]]):
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.calls = 0

    def embed_recurring(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        assert is_query and len(texts) == len(self.vectors)
        self.calls += 1
        return self.vectors


def test_the_margin_is_the_best_passage_above_the_three_best_background_questions_in_spreads():
    dense = Fixed([[1, 0], [0.8, 0.6], [0.6, 0.8], [0, 1]])
    second = Fixed([[1, 0], [1, 0], [0, 1], [0, 1]])
    background = Background(SimpleNamespace(embedder=dense, second=second), ["a", "b", "c", "d"])
    q = QueryVectors("q", np.array([1, 0], dtype=np.float32), np.array([0, 1], dtype=np.float32))
    # dense: background similarities 1, .8, .6, 0 -> best three .8; second: 0, 0, 1, 1 -> best three 2/3
    got = background.margin(q, 0.9, 0.5, dense_spread=0.05, second_spread=0.1)
    assert got == pytest.approx((0.9 - 0.8) / 0.05 + (0.5 - 2 / 3) / 0.1, abs=1e-5)
    assert background.margin(q, 0.9, None, 0.05, 0.1) == pytest.approx(2.0, abs=1e-5)  # the second view absent
    assert background.margin(q, None, 0.5, 0.05, 0.1) is None  # no passage: nothing to compare
    background.margin(q, 0.7, 0.2, 0.05, 0.1)
    assert dense.calls == second.calls == 1  # embedded once, on first use


def test_the_packaged_background_is_about_other_things():
    """The background must stay off the corpus's subject, or on-topic questions would be taken for off-topic."""
    texts = background_texts()
    assert len(texts) >= 300 and len(set(texts)) == len(texts)
    assert 0.2 <= sum(bool(re.search(r"[\u4e00-\u9fff]", t)) for t in texts) / len(texts) <= 0.5  # both languages
    subject = re.compile(r"ethic|govern|polic|regulat|\blaws?\b|legal|rights|privacy|bias|fair|accountab|transparen|"
                         r"principle|declaration|伦理|治理|监管|法律|法规|隐私|公平|原则|宣言|政策|权利", re.I)
    assert [t for t in texts if subject.search(t)] == []
