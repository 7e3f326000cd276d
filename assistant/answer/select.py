"""Which sentences an offline answer quotes: relevance plus novelty, across all retrieved passages.

Every sentence of every retrieved passage is scored for the question:

* its embedding's similarity to the question;
* its share of the question's words, each word weighted by how rare it is among the candidate sentences
  (BM25's idea at the sentence level: "oversight" tells more than "systems", which most sentences hold), words
  compared on their first letters so that "investigating" meets "investigated";
* a little for standing in a passage the retriever ranked high;
* less when it is itself a question: a source that asks "who takes the blame?" does not answer it.

Maximal marginal relevance (Carbonell and Goldstein, 1998) then picks them one by one, each time the sentence
with the best ``relevance - REDUNDANCY * similarity to what is already picked``, so a sentence that says again
what a picked one says gives way to one that adds something.  The answer is budgeted in characters (a long
sentence costs more reading than a short one) as well as in sentences; sentences scoring more than DROP below
the best are never quoted.

Tuned on the odd-numbered dev questions and the ``tune`` halves of benchmarks/questions and
benchmarks/data/answer_questions.jsonl (``python benchmarks/answer_quality.py``; the even dev questions and the
``held`` halves were only measured).  gold_quoted on the 48 tuning questions, from 0.87 before: 0.913 with
rarity-weighted words and the long-sentence window (sentences.py), 0.934 with 1200 characters and up to 10
sentences instead of 6 sentences, 0.955 with the question penalty (steps measured with every picked organisation
quoted; the final settings, with offline.SEE_ALSO_GAP, also give 0.955).  Measured and left out, for they
changed nothing or lowered it: the neighbours' similarity as context (0.05-0.2), the best sentence of each of
the first 2-5 passages taken first, a short sentence bringing its next one along, other weights for words
(0.25-0.5), rank (0-0.15), redundancy (0.5) and DROP (0.25-0.4).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.sentences import Unit
from core.text import fold_for_names, fold_for_quotes

# sentences -> (question vector, sentence vectors), all unit length
Embed = Callable[[list[str]], tuple[np.ndarray, np.ndarray]]

REDUNDANCY = 0.3  # weight of the similarity to picked sentences (MMR's 1 - lambda over lambda)
LEXICAL = 0.15  # weight of the (rarity-weighted) share of the question's content words the sentence holds
RANK = 0.2  # bonus of the top-ranked passage's sentences, falling off as 1 / (rank + 1)
ZH_BONUS = 0.08  # a Chinese question prefers a statement's Chinese sentences
QUESTION = 0.15  # a sentence that is itself a question scores this much less
DROP = 0.3  # sentences scoring this far below the best are not quoted
NEAR_COPY = 0.92  # similarity above which a sentence is a repeat of a picked one, whatever MMR says
CHARS = 1200  # characters of quotation per answer (about a screen of the chat); 0: count sentences only
STEM = 6  # words compare on their first STEM letters ("investigating" ~ "investigated"); 0: whole words

_WORD = re.compile(r"[^\W\d_]{3,}|\d{2,}", re.UNICODE)
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")
_STOP = frozenset("""the and for are but not you all any can had her was one our out has his how its may new now
who why what when where which whom with this that these those from they them their there been have into such
than then also about does did should would could shall will must more most some other over only very just
said says say tell told give given make made like between under upon whether each every same own both being
were your yours anyone anything someone something according""".split())


@dataclass(frozen=True)
class Pick:
    """A chosen sentence and how well it answers."""

    unit: Unit
    relevance: float
    fit: float = 0.0  # the relevance without the passage's rank bonus: how well the sentence itself answers


def content_words(text: str) -> set[str]:
    """The words that carry meaning (folded, 3+ letters or 2+ digits, no function words, cut to their first
    STEM letters); Chinese as character pairs, since it is written without spaces."""
    folded = fold_for_names(text)
    words = {w[:STEM] if STEM else w for w in _WORD.findall(folded) if w not in _STOP and not _is_cjk(w)}
    for run in _CJK_RUN.findall(folded):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words


def _is_cjk(word: str) -> bool:
    return bool(_CJK_RUN.match(word))


def lexical(question: str, units: Sequence[Unit]) -> np.ndarray:
    """Each sentence's share of the question's words, a word weighing its inverse frequency among the
    sentences (a word none of them holds weighs as much as the rarest)."""
    words = content_words(question)
    if not words or not units:
        return np.zeros(len(units))
    held = [content_words(u.text) & words for u in units]
    n = len(units)
    df = {w: sum(w in h for h in held) for w in words}
    idf = {w: math.log((n + 1) / (df[w] + 0.5)) for w in words}
    total = sum(idf.values()) or 1.0
    return np.array([sum(idf[w] for w in h) / total for h in held])


def rank_bonus(unit: Unit) -> float:
    """What a sentence gains from its passage's place in the retriever's ranking."""
    return RANK / (unit.passage + 1)


def relevance(question: str, units: Sequence[Unit], sims: np.ndarray, zh: bool) -> np.ndarray:
    """Embedding similarity, plus rarity-weighted word overlap and the passage's rank; less for a question,
    more for a Chinese sentence when the question is Chinese."""
    scores = np.asarray(sims, dtype=float) + LEXICAL * lexical(question, units)
    for i, unit in enumerate(units):
        scores[i] += rank_bonus(unit)
        if zh and unit.zh:
            scores[i] += ZH_BONUS
        if QUESTION and unit.text.rstrip(" \"'”’)").endswith(("?", "？")):
            scores[i] -= QUESTION
    return scores


def mmr(units: Sequence[Unit], scores: np.ndarray, vectors: np.ndarray, budget: int) -> list[Pick]:
    """Maximal marginal relevance over the sentences, until ``budget`` sentences or CHARS characters (a
    sentence that would overflow is passed over for a shorter one), none below ``best - DROP``."""
    if not len(units):
        return []
    best = float(scores.max())
    sims = vectors @ vectors.T if vectors.size else np.zeros((len(units), len(units)))
    folded: dict[int, str] = {}  # folded only when compared: folding is the costliest step here

    def fold(i: int) -> str:
        if i not in folded:
            folded[i] = fold_for_quotes(units[i].text)
        return folded[i]

    left = {i for i in range(len(units)) if scores[i] >= best - DROP}  # close enough to the best to quote
    chosen: list[int] = []
    used = 0
    while left and len(chosen) < budget and not (CHARS and used >= CHARS):
        def value(i: int) -> float:
            redundancy = max((float(sims[i, j]) for j in chosen), default=0.0)
            return float(scores[i]) - REDUNDANCY * max(redundancy, 0.0)
        i = max(left, key=value)
        left.discard(i)
        if any(sims[i, j] >= NEAR_COPY or fold(i) in fold(j) or fold(j) in fold(i) for j in chosen):
            continue  # says again what is picked: shown once (the composer adds this one's source to it)
        if CHARS and chosen and used + len(units[i].text) > CHARS:
            continue
        chosen.append(i)
        used += len(units[i].text)
    return [Pick(units[i], float(scores[i]), float(scores[i]) - rank_bonus(units[i])) for i in chosen]
