"""The quotable units of retrieved passages: whole sentences, never a piece of one.

A quotation the offline answer shows is always one or more whole sentences of its passage (``core.text``'s
segmenter decides where sentences end).  A sentence too long to show is cut at its last clause boundary
(``;``, ``:``, ``,``, a dash, or their CJK forms) before the limit and the cut is marked with " …", so the reader
sees that the quotation goes on; the verifier reads the "…" as an omission, so the quote still checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace

from core.model import Passage
from core.text import cjk_share, sentence_spans

# A sentence longer than this is cut for display.  The 37 answerable dev questions' gold phrases all lie in
# sentences under 600 characters; 420 keeps a quote to about four lines of the 520 px chat column.
MAX_SENTENCE_CHARS = 420
CUT_MARK = " …"
OPEN_MARK = "… "  # a quotation that starts after the beginning of its sentence says so
# a clause ends after one of these (the punctuation stays with the quote)
_CLAUSE_END = re.compile(r"[;:,，；：、](?=\s|[^\s\d])|\s[—–-]\s")
_MIN_CUT_SHARE = 0.4  # a clause boundary earlier than this share of the limit leaves too little: cut at a word


@dataclass(frozen=True)
class Unit:
    """One sentence of one passage, as it would be quoted."""

    passage: int  # index in the passage list
    index: int  # sentence number in its passage
    start: int
    end: int
    text: str  # the verbatim sentence, or its head plus CUT_MARK
    zh: bool  # written in Chinese

    @property
    def cut(self) -> bool:
        return self.text.endswith(CUT_MARK) or self.text.startswith(OPEN_MARK)


def clip(sentence: str, limit: int = MAX_SENTENCE_CHARS) -> str:
    """The sentence itself, or its head up to the last clause boundary before ``limit`` plus " …"."""
    if len(sentence) <= limit:
        return sentence
    cut = 0
    for m in _CLAUSE_END.finditer(sentence, 0, limit):
        if m.start() >= limit * _MIN_CUT_SHARE:
            cut = m.start() if m.group(0)[0].isspace() else m.end()
    if not cut:  # no clause boundary in reach: the last word boundary
        cut = max(sentence.rfind(" ", 0, limit), 0) or limit
    return sentence[:cut].rstrip(" ,;:，；：、—–-") + CUT_MARK


def _clause_bounds(sentence: str) -> list[int]:
    """Where a clause of the sentence may begin or end: its edges and each clause boundary."""
    cuts = {0, len(sentence)}
    for m in _CLAUSE_END.finditer(sentence):
        cuts.add(m.start() if m.group(0)[0].isspace() else m.end())
    return sorted(cuts)


def window(sentence: str, weight: Callable[[str], float], limit: int = MAX_SENTENCE_CHARS) -> str:
    """A too-long sentence shown by the run of its clauses, at most ``limit`` long, that ``weight`` rates best
    (e.g. that holds most of the question's words), with "…" where the sentence goes on before or after it;
    the sentence itself when it fits, its head (``clip``) when no run of clauses fits."""
    if len(sentence) <= limit:
        return sentence
    bounds = _clause_bounds(sentence)
    best: tuple[float, int, int] | None = None
    for i, a in enumerate(bounds):
        fitting = [b for b in bounds[i + 1 :] if b - a <= limit]
        if fitting:
            b = fitting[-1]
            score = weight(sentence[a:b])
            if best is None or score > best[0]:
                best = (score, a, b)
    if best is None or best[1] == 0:
        return clip(sentence, limit)
    _, a, b = best
    body = sentence[a:b].strip().rstrip(" ,;:，；：、—–-")
    return OPEN_MARK + body + (CUT_MARK if b < len(sentence) else "")


def refocus(passage: Passage, unit: Unit, weight: Callable[[str], float],
            limit: int = MAX_SENTENCE_CHARS) -> Unit:
    """The unit with a cut sentence shown by its best clauses for the question (``window``)."""
    if not unit.cut:
        return unit
    return replace(unit, text=window(passage.text[unit.start : unit.end], weight, limit))


def whole_sentences(passage: Passage, start: int, end: int) -> str:
    """The passage's sentences that the span ``start:end`` touches, as one verbatim slice (the whole passage
    when it has no sentence boundaries)."""
    spans = sentence_spans(passage.text, passage.lang) or [(0, len(passage.text.rstrip()))]
    touched = [(a, b) for a, b in spans if a < end and b > start] or [min(spans, key=lambda s: abs(s[0] - start))]
    return passage.text[touched[0][0] : touched[-1][1]]


def is_zh(text: str) -> bool:
    """A sentence written in Chinese (mostly CJK letters)."""
    return cjk_share(text) >= 0.3


def passage_units(passages: Sequence[Passage], limit: int = MAX_SENTENCE_CHARS) -> list[Unit]:
    """Every sentence of every passage, in passage order, each clipped to ``limit``."""
    units: list[Unit] = []
    for i, p in enumerate(passages):
        spans = sentence_spans(p.text, p.lang) or ([(0, len(p.text.rstrip()))] if p.text.strip() else [])
        for j, (a, b) in enumerate(spans):
            sentence = p.text[a:b]
            units.append(Unit(i, j, a, b, clip(sentence, limit), is_zh(sentence)))
    return units


def join_units(passage: Passage, units: Sequence[Unit], limit: int = MAX_SENTENCE_CHARS,
               alone: Collection[int] = ()) -> list[str]:
    """Quotations for sentences of one passage: neighbours in the passage join into one quotation (a verbatim
    slice from the first one's start to the last one's end) while it stays under ``2 * limit``.  Sentences
    numbered in ``alone`` (another passage holds them too, and is cited beside them) stay on their own."""
    quotes: list[str] = []
    run: list[Unit] = []

    def flush() -> None:
        if run:
            quotes.append(passage.text[run[0].start : run[-1].end] if len(run) > 1 else run[0].text)
            run.clear()

    for unit in sorted(units, key=lambda u: u.index):
        joinable = run and unit.index == run[-1].index + 1 and not run[-1].cut and not unit.cut \
            and unit.index not in alone and run[-1].index not in alone \
            and unit.end - run[0].start <= 2 * limit
        if not joinable:
            flush()
        run.append(unit)
    flush()
    return quotes
