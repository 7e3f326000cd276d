"""The verifier: run on every generated answer before anyone sees it as final.

An LLM can invent a citation number or "quote" a sentence that no source
contains.  This module checks both against the passages the model was given
and rewrites the answer so that nothing unchecked looks checked:

* **Citation markers.**  ``[n]``, ``[1, 3]``, ``[1][2]`` and ``[1-2]`` are
  recognised.  Every marker is rewritten in the one-number form ``[1][3]`` so
  the UI only has to link ``[n]``.  Numbers outside 1..N are dropped from
  their marker; a marker left with no valid number is replaced by the visible
  flag ``[?]`` (:data:`INVALID_FLAG`) rather than deleted, so the reader sees
  that the claim had a citation that points nowhere.  Dropped numbers are
  listed in ``Verification.invalid_markers``.

* **Quotations.**  Spans in "straight", “curly”, 「corner」, 『double corner』,
  «guillemet» or „low-high“ quotes count as quotations when they are long
  enough to be a claim of quotation (:data:`MIN_QUOTE_WORDS` words or
  :data:`MIN_QUOTE_CJK` CJK characters); shorter ones are scare quotes and left
  alone.  A quotation must occur verbatim in a passage it is cited with: the
  markers that follow it in the same sentence (any of an adjacent group such as
  ``[1][2]``).  With no valid marker there, any given passage will do, and the
  marker of the passage it was found in is appended so every shown quote
  carries its source.  A quote that does not match is never shown as a quote:
  its quotation marks are removed and it is rendered as
  ``*⚠ unverified quote: span*``.

Matching is verbatim after normalising only what copying can innocently
change: Unicode compatibility forms (NFKC), whitespace runs, quote marks,
dashes, ellipses and the case of the first letter (a quote may start
mid-sentence).  Otherwise it is case-sensitive.  An ellipsis (``...``, ``…``,
``[...]``) inside a quote splits it into pieces that must appear in order.
The marker syntax, the CJK ranges and the quote locator are ``core.text``'s,
shared with the UI, which highlights the very spans verified here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.model import Passage, Quote, Source, Verification
from core.text import CITATION_MARKER, CJK_RUN, cjk_count, marker_items, quote_spans, strip_markers

INVALID_FLAG = "[?]"
MIN_QUOTE_WORDS = 4
MIN_QUOTE_CJK = 8
MAX_RANGE = 50  # a range marker wider than this is nonsense, not a citation
UNVERIFIED_LABEL = "⚠ unverified quote:"


def _body(name: str, closers: str) -> str:
    """A quote body: may wrap onto the next line, never crosses a blank line."""
    return rf"(?P<{name}>(?:[^{closers}\n]|\n(?![ \t]*\n))+?)"


_QUOTE = re.compile(
    '"' + _body("straight", '"') + '"'
    + "|“" + _body("curly", "“”") + "”"
    + "|„" + _body("low", "„“”") + "[“”]"
    + "|「" + _body("corner", "「」") + "」"
    + "|『" + _body("dcorner", "『』") + "』"
    + r"|«\s?" + _body("guillemet", "«»") + r"\s?»"
)
_OPENERS = re.compile('["“„「『«]')
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
# A sentence boundary between a quote and a marker: a new line, a table cell,
# CJK terminal punctuation followed by more text, or . ! ? followed by a
# capitalised word ("Art. 14" and "e.g. the" are not boundaries).
_HARD_BREAK = re.compile(r"[\n|]|[。！？][”’」)]*\s*[^\s\[]")
_LATIN_BREAK = re.compile(r"[.!?][\"'”’」)\]]*\s+(\S)")
_ADJACENT = re.compile(r"[\s,;]*")


@dataclass
class _Marker:
    start: int
    end: int
    numbers: list[int]  # valid ones, ranges expanded, in written order
    invalid: list[int]


@dataclass
class _QuoteSpan:
    start: int  # of the opening quote mark
    end: int  # after the closing quote mark
    text: str  # inside the quote marks


# ---------------------------------------------------------------- markers


def _parse_numbers(body: str) -> tuple[list[int], list[int]]:
    """Expand ``1, 3-5`` into numbers; returns (numbers, unexpandable range ends)."""
    numbers: list[int] = []
    bad: list[int] = []
    for ends in marker_items(body):
        if len(ends) == 1:
            numbers.append(ends[0])
        elif len(ends) == 2 and 0 <= ends[1] - ends[0] <= MAX_RANGE:
            numbers.extend(range(ends[0], ends[1] + 1))
        else:
            bad.extend(ends)
    return numbers, bad


def _find_markers(text: str, n_passages: int) -> list[_Marker]:
    markers = []
    for m in CITATION_MARKER.finditer(text):
        numbers, bad = _parse_numbers(m.group(1))
        invalid = bad + [n for n in numbers if not 1 <= n <= n_passages]
        valid = [n for n in numbers if 1 <= n <= n_passages]
        markers.append(_Marker(m.start(), m.end(), valid, invalid))
    return markers


def _render_marker(numbers: list[int]) -> str:
    """``[1][3]``: one number per bracket, duplicates dropped, order kept."""
    if not numbers:
        return INVALID_FLAG
    return "".join(f"[{n}]" for n in dict.fromkeys(numbers))


def _rewrite_markers(text: str, n_passages: int) -> str:
    """Normalise every marker and flag the ones that point to no passage."""
    out: list[str] = []
    pos = 0
    for marker in _find_markers(text, n_passages):
        out.append(text[pos : marker.start])
        out.append(_render_marker(marker.numbers))
        pos = marker.end
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------- quotes


def _find_quotes(text: str) -> list[_QuoteSpan]:
    spans = []
    for m in _QUOTE.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        spans.append(_QuoteSpan(m.start(), m.end(), inner))
    return spans


def is_claimed_quote(span: str) -> bool:
    """Long enough to claim to be a quotation rather than a scare quote."""
    span = strip_markers(span, " ")
    cjk = cjk_count(span)
    if cjk >= MIN_QUOTE_CJK:
        return True
    words = len(_WORD.findall(CJK_RUN.sub(" ", span)))
    return words >= MIN_QUOTE_WORDS


def _crosses_sentence(between: str) -> bool:
    if _HARD_BREAK.search(between):
        return True
    return any(m.group(1)[0].isupper() for m in _LATIN_BREAK.finditer(between))


def _following_markers(text: str, end: int, markers: list[_Marker]) -> list[_Marker]:
    """The group of adjacent markers that follows a quote in the same sentence."""
    after = [m for m in markers if m.start >= end]
    if not after:
        return []
    first = after[0]
    if _crosses_sentence(text[end : first.start]):
        return []
    group = [first]
    for m in after[1:]:
        if not _ADJACENT.fullmatch(text[group[-1].end : m.start]):
            break
        group.append(m)
    return group


# ---------------------------------------------------------------- matching


def quote_in_passage(quote: str, passage_text: str) -> bool:
    """True when every ellipsis-separated piece occurs in order in the passage (``core.text.quote_spans``)."""
    return bool(quote_spans(passage_text, quote))


def _locate(quote: str, candidates: list[int], passages: list[Passage]) -> int | None:
    for n in candidates:
        if quote_in_passage(quote, passages[n - 1].text):
            return n
    return None


def _flag_unverified(span: str) -> str:
    """Italic, labelled, no quotation marks: it must not read as a quotation."""
    clean = re.sub(r"\s+", " ", span).strip()
    clean = re.sub(r"([*_])", r"\\\1", clean)
    return f"*{UNVERIFIED_LABEL} {clean}*"


# ---------------------------------------------------------------- main


@dataclass
class _QuoteResult:
    span: _QuoteSpan
    n: int | None  # passage it was verified in
    appended: bool  # marker appended because the model gave none
    cited: tuple[int, ...] = ()  # the valid numbers the answer gave it


def _check_quotes(text: str, passages: list[Passage], markers: list[_Marker]) -> list[_QuoteResult]:
    results = []
    all_numbers = list(range(1, len(passages) + 1))
    for span in _find_quotes(text):
        if not is_claimed_quote(span.text):
            continue
        inner = [m for m in markers if span.start < m.start and m.end < span.end]
        cited = [n for m in inner + _following_markers(text, span.end, markers) for n in m.numbers]
        candidates = list(dict.fromkeys(cited)) or all_numbers
        n = _locate(span.text, candidates, passages)
        results.append(_QuoteResult(span, n, appended=n is not None and not cited, cited=tuple(dict.fromkeys(cited))))
    return results


def _apply_quote_edits(text: str, results: list[_QuoteResult]) -> str:
    out: list[str] = []
    pos = 0
    for r in results:
        if r.n is not None and not r.appended:
            continue
        out.append(text[pos : r.span.start])
        original = text[r.span.start : r.span.end]
        out.append(f"{original} [{r.n}]" if r.n is not None else _flag_unverified(r.span.text))
        pos = r.span.end
    out.append(text[pos:])
    return "".join(out)


def _sources(text: str, passages: list[Passage], results: list[_QuoteResult]) -> list[Source]:
    cited = {n for m in _find_markers(text, len(passages)) for n in m.numbers}
    sources = {n: Source(n=n, passage=passages[n - 1], cited=True) for n in sorted(cited)}
    for r in results:
        quote = r.span.text.strip()
        if r.n is not None and all(q.text != quote for q in sources[r.n].quotes):
            sources[r.n].quotes.append(Quote(n=r.n, text=quote, verified=True))
        elif r.n is None:
            # the source it claimed to quote carries it, flagged, so a card can show the mismatch
            for n in r.cited:
                if n in sources:
                    sources[n].quotes.append(Quote(n=n, text=quote, verified=False))
                    break
    return [sources[n] for n in sorted(sources)]


def hold_open_quote(text: str) -> str:
    """Text up to a quotation that is still open, for display while streaming.

    Until its closing mark arrives a quote cannot be verified, so a partial
    answer must not show it as a quote yet.
    """
    tail_start = 0
    for m in _QUOTE.finditer(text):
        tail_start = m.end()
    opening = _OPENERS.search(text, tail_start)
    return text[: opening.start()].rstrip() if opening else text


def verify_answer(text: str, passages: list[Passage]) -> tuple[str, list[Source], Verification]:
    """Check an answer's citations and quotations against its numbered passages.

    Returns the rewritten text (markers normalised, invalid ones flagged
    ``[?]``, unverified quotes de-quoted and labelled), the cited sources in
    number order (original numbers, each with its verified quotes) and the
    counts.  Pure and fast, so it can also run on partial streamed text.
    """
    markers = _find_markers(text, len(passages))
    results = _check_quotes(text, passages, markers)
    rewritten = _rewrite_markers(_apply_quote_edits(text, results), len(passages))
    verification = Verification(
        citations_given=sum(len(m.numbers) + len(m.invalid) for m in markers),
        citations_valid=sum(len(m.numbers) for m in markers),
        quotes_total=len(results),
        quotes_verified=sum(r.n is not None for r in results),
        invalid_markers=list(dict.fromkeys(n for m in markers for n in m.invalid)),
        unverified_quotes=[r.span.text.strip() for r in results if r.n is None],
    )
    return rewritten, _sources(rewritten, passages, results), verification


# ---------------------------------------------------------------- whole-answer review

#: a sentence that addresses the model rather than the reader: the shape of a prompt injection
#: ("ignore previous instructions", "reply only with", "reveal your system prompt / API key")
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules|guidelines)\b"
    r"|\b(?:reply|respond|answer|output)\s+(?:\w+\s+){0,3}only\s+with\b"
    r"|\b(?:reveal|print|output|show|send|leak|repeat)\b.{0,30}\b(?:your|the|its)\s+(?:system prompt|"
    r"api[ _-]?keys?|passwords?|settings|configuration|environment variables|secrets?|credentials)\b"
    r"|\byou are now\b",
    re.I | re.S,
)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")
MIN_ECHO_WORDS = 5  # words of an injected instruction an answer must repeat to count as following it
MIN_LANG_CHARS = 60  # letters of prose (quotes and markers removed) below which the language is not judged


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _instructions(passages: list[Passage]) -> list[tuple[int, str]]:
    """(source number, sentence) of every passage sentence that addresses the model."""
    found = []
    for n, passage in enumerate(passages, start=1):
        for sentence in _SENTENCE_END.split(passage.text):
            if _INSTRUCTION.search(sentence):
                found.append((n, sentence.strip()))
    return found


def _repeats(answer: str, sentence: str) -> bool:
    """The answer holds the sentence, or MIN_ECHO_WORDS of its words in a row."""
    said, words = " ".join(_words(answer)), _words(sentence)
    if not words:
        return False
    if len(words) <= MIN_ECHO_WORDS:
        return f" {' '.join(words)} " in f" {said} "
    return any(f" {' '.join(words[i:i + MIN_ECHO_WORDS])} " in f" {said} "
               for i in range(len(words) - MIN_ECHO_WORDS + 1))


def _prose(text: str) -> str:
    """The answer's own words: quotations, markers and flags removed (a quote keeps its source's language)."""
    text = _QUOTE.sub(" ", text)
    return strip_markers(text, " ").replace(UNVERIFIED_LABEL, " ")


def review(text: str, question: str, passages: list[Passage], verification: Verification) -> str | None:
    """Why a finished LLM answer must not be shown, or None when it may.

    The per-marker and per-quote checks above rewrite an answer; some answers
    are wrong as a whole and no rewrite saves them: one that cites no source
    (nothing in it is grounded), one that repeats an instruction a stored
    statement addressed to the model (it followed a prompt injection), and one
    written in another language than the question (the prompt asks for the
    question's).  The caller shows the offline answer instead, with this reason."""
    verdict = (f"verifier: citations valid {verification.citations_valid}/{verification.citations_given}, "
               f"quotes verified {verification.quotes_verified}/{verification.quotes_total}")
    for n, sentence in _instructions(passages):
        if _repeats(text, sentence):
            return f"it repeats an instruction that source [{n}] addresses to the model; {verdict}"
    if verification.citations_valid == 0:
        return f"it cites none of the sources; {verdict}"
    from ingest.language import detect_lang  # on first use: it loads the language model

    prose = _prose(text)
    if sum(ch.isalpha() for ch in prose) >= MIN_LANG_CHARS:
        asked, answered = detect_lang(question), detect_lang(prose)
        if asked and answered and asked != answered:
            return f"it is written in '{answered}' but the question is in '{asked}'; {verdict}"
    return None
