"""Which sentences can stand alone as a quotation in a summary or a comparison cell.

A summary section or a table cell shows one sentence out of its context, so it must carry a claim: not a
question ("What should governments do?"), not a reference line ("Preprint at arXiv.", "doi:10...."), not a
fragment the segmenter left after a number ("6%) being sixth…"), not a sentence the display had to cut.
Ask mode shows sentences in their passage's order and may keep such lines; these modes may not.
"""

from __future__ import annotations

import re

from assistant.answer.sentences import Unit
from core.text import cjk_count

MIN_WORDS = 6  # fewer words than this rarely make a claim on their own
MIN_CJK = 10  # the same for a Chinese sentence, in characters
_REFERENCE = re.compile(r"\b(arXiv|preprint|doi|ISBN|ISSN|et al\.|pp\.|vol\.|proceedings|retrieved from|https?://|www\.)",
                        re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# a sentence that opens like a claim: a capital, a digit year, a quote mark or bracketed capital, or CJK
_GOOD_START = re.compile(r"^[\"“‘'(\[]?[A-Z\u00c0-\u00de\u3400-\u9fff]")


def is_quotable(text: str) -> bool:
    """The sentence reads as a claim on its own (see the module docstring)."""
    body = text.strip()
    if not body or body.endswith(("?", "？", "…")) or _REFERENCE.search(body):
        return False
    if cjk_count(body) >= MIN_CJK:
        return True
    if not _GOOD_START.match(body):
        return False
    words = _WORD.findall(body)
    letters = sum(len(w) for w in words)
    return len(words) >= MIN_WORDS and letters >= 0.6 * len(body.replace(" ", ""))


def quotable_units(units: list[Unit]) -> list[Unit]:
    """The units fit to quote alone: whole (not cut for display) and claims."""
    return [u for u in units if not u.cut and is_quotable(u.text)]


_MARKS = "\"“”"


def bare(text: str) -> str:
    """The sentence without a quotation mark it opens or closes alone (the passage's own quote of itself),
    so the answer's “…” do not wrap a stray ``"``; the words stay verbatim."""
    body = text.strip()
    if body[:1] in _MARKS and sum(body.count(m) for m in _MARKS) % 2:
        body = body[1:].lstrip()
    if body[-1:] in _MARKS and sum(body.count(m) for m in _MARKS) % 2:
        body = body[:-1].rstrip()
    return body
