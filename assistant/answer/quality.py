"""What a reader gets from an answer's quotations, measured (``charter eval`` reports it per answer).

* ``gold_quoted``: the share of a question's gold substrings that stand inside the answer's quotations (the
  answer itself, not only its sources: a retrieved passage whose key sentence is not quoted does not count);
* ``cut_quotes``: quotations that begin or end inside a sentence of their passage ("…while only 4." where the
  source says "4.5% propose"), unless the cut is marked with an ellipsis;
* ``repeated_quotes``: quotations shown twice, or contained in another quotation of the same answer.

The quotations are the ``Quote``s of the answer's sources, one per distinct text (the offline answer shows a
sentence that two sources share once, with both markers, and gives it to both sources).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Any

from core.model import Answer
from core.text import ELLIPSIS, fold_for_quotes, quote_spans, sentence_spans

# what may stand between a sentence boundary and a quotation's edge without the quotation being cut:
# blanks, punctuation and quote marks the quoter left out or the segmenter kept
_EDGE = set(" \t\n\r\"'“”‘’«»「」『』()[]（）【】.,;:!?。，、；：！？*•-–—")


@dataclass(frozen=True)
class QuotedText:
    """One quotation as the reader sees it, with the passages it is cited from."""

    text: str
    passages: tuple[str, ...]  # the texts of the cited passages


def quotations(answer: Answer) -> list[QuotedText]:
    """The answer's distinct quotations in order of first appearance, each with all its sources' passages."""
    order: dict[str, list[str]] = {}
    for source in answer.sources:
        for quote in source.quotes:
            order.setdefault(quote.text, []).append(source.passage.text)
    return [QuotedText(text, tuple(passages)) for text, passages in order.items()]


def gold_quoted(gold: list[str], quoted: list[QuotedText]) -> float:
    """Share of the gold substrings found inside one quotation (folded as the verifier folds quotes)."""
    if not gold:
        return 0.0
    folded = [fold_for_quotes(q.text) for q in quoted]
    return sum(any(fold_for_quotes(g) in q for q in folded) for g in gold) / len(gold)


def _at_start(text: str, pos: int, starts: list[int]) -> bool:
    return any(s <= pos and all(ch in _EDGE for ch in text[s:pos]) for s in starts)


def _at_end(text: str, pos: int, ends: list[int]) -> bool:
    return any(e >= pos and all(ch in _EDGE for ch in text[pos:e]) for e in ends)


def is_cut(quote: str, passage: str, lang: str | None = None) -> bool:
    """The quotation begins or ends inside a sentence of the passage without an ellipsis saying so.

    Each ellipsis-separated piece is located in the passage; a piece's start must be a sentence start (or
    follow an ellipsis) and its end a sentence end (or precede one).  A quote not found at all is the
    verifier's business, not a cut.
    """
    spans = quote_spans(passage, quote)
    if not spans:
        return False
    sentences = sentence_spans(passage, lang) or [(0, len(passage))]
    starts = [0] + [a for a, _ in sentences]
    ends = [len(passage)] + [b for _, b in sentences]
    body = quote.strip()
    opens_marked = bool(ELLIPSIS.match(body))
    closes_marked = any(m.end() == len(body) for m in ELLIPSIS.finditer(body))
    for i, (a, b) in enumerate(spans):
        start_ok = (i > 0) or opens_marked or _at_start(passage, a, starts)
        end_ok = (i < len(spans) - 1) or closes_marked or _at_end(passage, b, ends)
        if not (start_ok and end_ok):
            return True
    return False


def _inside_token(text: str, pos: int) -> bool:
    """``pos`` falls inside a word, a number or an abbreviation of ``text`` ("4.|5%", "i.|e.", "regu|lation")."""
    if pos <= 0 or pos >= len(text) or not text[pos].isalnum():
        return False
    before = text[pos - 1]
    return before.isalnum() or (before in ".,'’" and pos >= 2 and text[pos - 2].isalnum())


def splits_token(quote: str, passage: str) -> bool:
    """The quotation begins or ends inside a word, a number or an abbreviation of its passage: "only 4." of
    "only 4.5% propose", "e. outright bans" of "i.e. outright bans".  Such a quote verifies and still misleads
    (the number asked about is gone), whatever an LLM or a reader meant by it; a phrase that begins and ends
    between words is a different matter (an LLM's short quotation of the key wording)."""
    spans = quote_spans(passage, quote)
    return bool(spans) and (_inside_token(passage, spans[0][0]) or _inside_token(passage, spans[-1][1]))


def cut_quotes(quoted: list[QuotedText]) -> int:
    """Quotations cut inside a sentence of any passage they are cited from."""
    return sum(any(is_cut(q.text, p) for p in q.passages) for q in quoted)


def repeated_quotes(answer: Answer, quoted: list[QuotedText]) -> int:
    """Quotations shown more than once, or contained in another quotation of the same answer."""
    folded = [fold_for_quotes(q.text) for q in quoted]
    repeated = 0
    for i, (q, f) in enumerate(zip(quoted, folded)):
        shown = answer.text.count(q.text)
        inside = any(i != j and f and f in other for j, other in enumerate(folded))
        repeated += int(shown > 1 or inside)
    return repeated


class AnswerQuality:
    """The figures over many answers: gold_quoted averaged over answerable questions, cut and repeated quotes
    summed, the median answer time; ``gold_missed`` lists the questions whose gold is not fully quoted."""

    def __init__(self) -> None:
        self.gold: list[float] = []
        self.cut = 0
        self.repeated = 0
        self.ms: list[float] = []
        self.missed: list[str] = []

    def add(self, question: dict, answer: Answer, seconds: float) -> None:
        quoted = quotations(answer)
        share = gold_quoted(question["gold"], quoted)
        self.gold.append(share)
        if share < 1.0:
            self.missed.append(str(question.get("id", question["question"][:40])))
        self.cut += cut_quotes(quoted)
        self.repeated += repeated_quotes(answer, quoted)
        self.ms.append(seconds * 1000)

    def report(self) -> dict[str, Any]:
        return {
            "gold_quoted": round(sum(self.gold) / len(self.gold), 4) if self.gold else 0.0,
            "cut_quotes": self.cut,
            "repeated_quotes": self.repeated,
            "answer_p50_ms": round(median(self.ms), 1) if self.ms else 0.0,
            "gold_missed": self.missed,
        }
