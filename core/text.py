"""Rules about text, each written once: citation markers, CJK script, folds, quote location, sentences.

Every layer reads and writes the same text, so a rule kept in two places drifts (the history's marker pattern
once missed ``;`` and ``—``).  This module imports nothing of the project's.

Sentences come from sentencex (Wikimedia, Rust core, maintained), picked by measurement: 30 hand-made tricky
cases (decimals 4.5% / 31.5 / 3.2.1, i.e., e.g., et al., No., Art., cf., U.S., URLs, DOIs, e-mail, Chinese 。！？
and “”, bullets) and the project's texts (corpus/*.txt, first 300 WAIE texts, pasa.pdf via pypdf: 144 kB).
  segmenter                 bad cases  sentences  suspect splits  time (best run, 144 kB)
  old regex (offline.py)      22/30      1356         174            79 ms
  sentencex 1.0.32 alone       3/30       645           0            13 ms  (one 26 kB "sentence": a leading
                                                                              "•"/"(a)" stops all splits)
  sentencex + this module      1/30      2099           2            36 ms  (lines first, leading mark blanked;
                                                                              both suspects at raw PDF line breaks)
  blingfire 0.1.8 (2021)       0/30       985           0            88 ms  (unmaintained since 2021)
  pysbd 0.3.4 (2021)           3/30      2114           2          1538 ms  (unmaintained; URL split at "?")
  syntok 1.4.4 / nupunkt 0.8   5/30, 4/30 1017/1054     2/2      254/73 ms  (neither splits Chinese)
"suspect" = a split right after i.e./e.g./et al./No./Art./cf./Fig., or between "31." and "5"; the one miss is
"Vol. 4, pp. 12-15" (split after "Vol.").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import sentencex

Span = tuple[int, int]

# ---------------------------------------------------------------- citation markers

MARKER_LIST_SEPARATORS = ",;"  # [1, 3]  [1; 3]
MARKER_RANGE_DASHES = "-–—"  # [1-3]  [1–3]  [1—3]
# [1]  [1, 3]  [1; 3]  [1-2]  [1–3, 5]  [1—3]   (not [^1], not [text](url)); group 1 is the list inside
CITATION_MARKER = re.compile(
    rf"\[(\d{{1,4}}(?:\s*[{MARKER_RANGE_DASHES}{MARKER_LIST_SEPARATORS}]\s*\d{{1,4}})*)\]"
)
_MARKER_ITEM_SPLIT = re.compile(rf"\s*[{MARKER_LIST_SEPARATORS}]\s*")
_MARKER_RANGE_SPLIT = re.compile(rf"\s*[{MARKER_RANGE_DASHES}]\s*")


def marker_items(body: str) -> list[list[int]]:
    """The items of a marker's inside: ``"1, 3-5"`` -> ``[[1], [3, 5]]`` (a range is its two ends)."""
    return [[int(x) for x in _MARKER_RANGE_SPLIT.split(item) if x] for item in _MARKER_ITEM_SPLIT.split(body.strip())]


def strip_markers(text: str, replacement: str = "") -> str:
    """The text with every citation marker replaced (old answers' numbers point to old sources)."""
    return CITATION_MARKER.sub(replacement, text)


# ---------------------------------------------------------------- CJK script

# The one definition of the CJK character ranges.  Hangul is a CJK script but Korean puts spaces between words,
# so it is left out of CJK_UNSPACED (the characters between which a space is layout, not a word break).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d"
HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
CJK_PUNCTUATION = "\u3000-\u303f\uff00-\uffef"  # ideographic space and marks, full-width forms
CJK_LETTERS = HAN + KANA + HANGUL
CJK_UNSPACED = HAN + KANA + CJK_PUNCTUATION

Script = Literal["han", "kana", "hangul"]
# kana before Han: the half-width kana lie inside the full-width block
_SCRIPT_NAMES: tuple[Script, ...] = ("kana", "hangul", "han")
_SCRIPT = re.compile(f"([{KANA}])|([{HANGUL}])|([{HAN}])")
_CJK_LETTER = re.compile(f"[{CJK_LETTERS}]")
CJK_RUN = re.compile(f"[{CJK_LETTERS}]+")
HAN_RUN = re.compile(f"[{HAN}]+")
KANA_RUN = re.compile(f"[{KANA}]+")
_UNSPACED = re.compile(f"[{CJK_UNSPACED}]")
_CJK_GAP = re.compile(f"(?<=[{CJK_UNSPACED}])\\s+(?=[{CJK_UNSPACED}])")


def cjk_script(char: str) -> Script | None:
    """Which CJK script a character is written in (None for anything else)."""
    m = _SCRIPT.match(char)
    return _SCRIPT_NAMES[m.lastindex - 1] if m and m.lastindex else None


def cjk_script_counts(text: str) -> dict[Script, int]:
    """How many characters of each CJK script the text has."""
    counts: dict[Script, int] = {"han": 0, "kana": 0, "hangul": 0}
    for m in _SCRIPT.finditer(text):
        counts[_SCRIPT_NAMES[m.lastindex - 1]] += 1  # type: ignore[operator]
    return counts


def without_cjk(text: str, replacement: str = "") -> str:
    """The text with every Han, kana and Hangul letter replaced."""
    return _CJK_LETTER.sub(replacement, text)


def is_cjk_char(char: str) -> bool:
    """A Han, kana or Hangul letter (not CJK punctuation)."""
    return bool(_CJK_LETTER.match(char))


def is_unspaced_cjk(char: str) -> bool:
    """A character that takes no space next to its like: Han, kana, CJK punctuation and full-width forms."""
    return bool(_UNSPACED.match(char))


def has_cjk(text: str) -> bool:
    """Any Han, kana or Hangul letter in the text."""
    return _CJK_LETTER.search(text) is not None


def cjk_count(text: str) -> int:
    """How many Han, kana or Hangul letters the text has."""
    return len(_CJK_LETTER.findall(text))


def cjk_share(text: str) -> float:
    """CJK letters as a share of the text's non-space characters (0 for blank text)."""
    visible = len("".join(text.split()))
    return cjk_count(text) / visible if visible else 0.0


def join_cjk_gaps(text: str) -> str:
    """Drop whitespace between CJK characters (line wraps and HTML layout put it there, not the writer)."""
    return _CJK_GAP.sub("", text)


# ---------------------------------------------------------------- folds

_SPACES = re.compile(r"\s+")


def squash_whitespace(text: str) -> str:
    """Whitespace runs as one space, none between CJK characters, ends trimmed: text taken from HTML or PDF."""
    return _SPACES.sub(" ", join_cjk_gaps(text)).strip()


def fold_for_copies(text: str) -> str:
    """Lower case with whitespace runs squashed: two texts that fold alike are copies of one text.

    Stored hashes are made from this fold: changing it changes every stored ``text_hash``.
    """
    return " ".join(text.lower().split())


def fold_for_names(text: str) -> str:
    """Lower case without accents, so "Montréal" in a question finds "Montreal" in a name."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


# ---------------------------------------------------------------- quote location

# "...", "…", "[...]", "[…]", "(...)": an omission inside a quotation
ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:\.\s*){3}\]|\[\s*…\s*\]|\(\s*(?:\.\s*){3}\)|(?:\.\s*){3}|…)\s*")
_QUOTE_MARKS = re.compile("[\"'‘’‚‛“”„‟«»‹›「」『』＂＇`´]")
_DASHES = re.compile(r"\s*[-‐‑‒–—―−﹘﹣－]+\s*")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff*]")  # and Markdown emphasis: not a change of words
_ENTITY_LT = re.compile(r"&lt;|‹", re.I)  # prompts.py neutralises <> as ‹›
_ENTITY_GT = re.compile(r"&gt;|›", re.I)
_EDGE_PUNCT = " .,;:!?。，、；：！？\"'"


@dataclass(frozen=True)
class _Mapped:
    """Folded text plus, for each of its characters, the span of original text it came from."""

    text: str
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> _Mapped:
        return cls(text, list(range(len(text))), list(range(1, len(text) + 1)))

    def sub(self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> _Mapped:
        """``pattern.sub`` that keeps the map: a replacement stands for the whole span it replaced."""
        text, starts, ends = [], [], []
        pos = 0
        for m in pattern.finditer(self.text):
            if m.end() == m.start():
                continue
            text.append(self.text[pos : m.start()])
            starts += self.starts[pos : m.start()]
            ends += self.ends[pos : m.start()]
            new = repl if isinstance(repl, str) else repl(m)
            text.append(new)
            starts += [self.starts[m.start()]] * len(new)
            ends += [self.ends[m.end() - 1]] * len(new)
            pos = m.end()
        if pos == 0:
            return self
        text.append(self.text[pos:])
        starts += self.starts[pos:]
        ends += self.ends[pos:]
        return _Mapped("".join(text), starts, ends)


def _nfkc(mapped: _Mapped) -> _Mapped:
    """NFKC per base character with its combining marks, so each result maps back to its source."""
    text = mapped.text
    if unicodedata.is_normalized("NFKC", text):
        return mapped
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        new = unicodedata.normalize("NFKC", text[i:j])
        out.append(new)
        starts += [mapped.starts[i]] * len(new)
        ends += [mapped.ends[j - 1]] * len(new)
        i = j
    return _Mapped("".join(out), starts, ends)


def _fold_mapped(text: str) -> _Mapped:
    """Fold what copying a quotation can innocently change, keeping the way back to the original.

    Unicode compatibility forms (NFKC), ``&lt;``/``&gt;`` and ``‹›`` (as ``<>``), invisible characters and
    Markdown ``*``, quote marks (all as ``"``), dashes with their spacing (as ``-``), whitespace runs (as one
    space, none between CJK characters).  Case and everything else are kept.
    """
    mapped = _nfkc(_Mapped.of(text).sub(_CJK_GAP, ""))  # before NFKC turns "，" into ","
    mapped = mapped.sub(_ENTITY_LT, "<").sub(_ENTITY_GT, ">").sub(_INVISIBLE, "").sub(_QUOTE_MARKS, '"')
    mapped = mapped.sub(_DASHES, "-").sub(_SPACES, " ").sub(_CJK_GAP, "")
    head = len(mapped.text) - len(mapped.text.lstrip())
    tail = len(mapped.text.rstrip())
    return _Mapped(mapped.text[head:tail], mapped.starts[head:tail], mapped.ends[head:tail])


def fold_for_quotes(text: str) -> str:
    """The fold under which a quotation must equal its source (see :func:`quote_spans`)."""
    return _fold_mapped(text).text


@lru_cache(maxsize=512)
def _folded_passage(passage: str) -> _Mapped:
    """Passages are re-checked on every streamed delta: fold each once."""
    return _fold_mapped(passage)


@dataclass(frozen=True)
class _Piece:
    core: str  # what must occur in the passage
    head: str  # punctuation trimmed before it (highlighted when the passage has it too)
    tail: str  # punctuation trimmed after it


def _pieces(quote: str) -> list[_Piece]:
    parts = ELLIPSIS.split(unicodedata.normalize("NFKC", strip_markers(quote, " ")))
    pieces = []
    for part in parts:
        folded = fold_for_quotes(part)
        core = folded.strip(_EDGE_PUNCT)
        if core:
            left = len(folded) - len(folded.lstrip(_EDGE_PUNCT))
            pieces.append(_Piece(core, folded[:left], folded[left + len(core) :]))
    return pieces


def _piece_pattern(piece: str) -> re.Pattern[str]:
    """Case-sensitive, except the first letter (a quote may start mid-sentence)."""
    first, rest = piece[0], piece[1:]
    if first.lower() == first.upper():
        return re.compile(re.escape(piece))
    head = f"[{re.escape(first.lower())}{re.escape(first.upper())}]"
    return re.compile(head + re.escape(rest))


@lru_cache(maxsize=4096)
def _quote_spans(passage: str, quote: str) -> tuple[Span, ...]:
    pieces = _pieces(quote)
    if not pieces:
        return ()
    hay = _folded_passage(passage)
    spans: list[Span] = []
    pos = 0
    for piece in pieces:
        m = _piece_pattern(piece.core).search(hay.text, pos)
        if not m:
            return ()
        start, end = m.start(), m.end()
        while start - 1 >= pos and m.start() - start < len(piece.head) \
                and hay.text[start - 1] == piece.head[len(piece.head) - 1 - (m.start() - start)]:
            start -= 1
        while end < len(hay.text) and end - m.end() < len(piece.tail) and hay.text[end] == piece.tail[end - m.end()]:
            end += 1
        spans.append((hay.starts[start], hay.ends[end - 1]))
        pos = m.end()
    return tuple(spans)


def quote_spans(passage: str, quote: str) -> list[Span]:
    """Where a quotation stands in a passage: one (start, end) per ellipsis-separated piece, in order.

    Empty when any piece is missing, so ``bool(quote_spans(...))`` says whether the quote is verbatim.  Matching
    is exact under :func:`fold_for_quotes` except for the case of each piece's first letter; punctuation the
    quoter adds at a piece's edges is ignored, and highlighted when the passage has it too.
    """
    return list(_quote_spans(passage, quote))


# ---------------------------------------------------------------- sentences

# sentencex leaves a whole line unsplit when it starts with a bullet or "(a)": blank that marker for it
_LEADING_LIST_MARK = re.compile(r"^[ \t]*(?:[•▪‣◦●○■□·]|\([0-9A-Za-z]{1,4}\))")
_LINE = re.compile(r"[^\n]+")


def _line_sentences(line: str, lang: str) -> Iterator[Span]:
    masked = _LEADING_LIST_MARK.sub(lambda m: " " * len(m.group(0)), line, count=1)
    for b in sentencex.get_sentence_boundaries(lang, masked):
        yield b["start_index"], b["end_index"]


def sentence_spans(text: str, lang: str | None = None) -> list[Span]:
    """(start, end) of each sentence, trimmed of surrounding blanks; a line break always ends a sentence.

    Decimals, abbreviations (i.e., e.g., et al., No., Art.), URLs and DOIs stay inside their sentence; Chinese
    splits after 。！？ (and a closing quote stays with its sentence).  ``lang`` is an ISO 639 code (default en,
    whose rules also split Chinese).  Spans shorter than two characters (stray marks) are left out.
    """
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        for a, b in _line_sentences(line.group(0), lang or "en"):
            start, end = line.start() + a, line.start() + b
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end - start >= 2:
                spans.append((start, end))
    return spans


def sentences(text: str, lang: str | None = None) -> list[str]:
    """The sentences of a text (see :func:`sentence_spans`)."""
    return [text[a:b] for a, b in sentence_spans(text, lang)]
