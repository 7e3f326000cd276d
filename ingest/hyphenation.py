"""Words split at a line end ("aggre- gated") joined back, where the joined word is a word.

A typeset PDF hyphenates long words at line ends; the text layer keeps the
hyphen and the break, so "princi-" + "ples" would be stored and a user's search
for "principles" or a copied quote would not match.  But a line may also end
inside a real compound ("non-" + "binding").  No word list ships with this
project, so the document's own vocabulary decides (a long paper uses most of
its words more than once):

1. the joined word occurs elsewhere in the document -> join ("principles");
2. the hyphenated compound occurs elsewhere -> keep the hyphen ("non-binding");
3. neither: keep the hyphen when the first part is a common compound prefix
   or both halves are words of the document ("decision-making"), or either half
   has capitals or digits ("GPT-4o"); otherwise join, as typesetters hyphenate
   inside words ("summa-rized").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_SPLIT_END = re.compile(r"([^\W_]+)-$")
_SPLIT_START = re.compile(r"^([^\W_]+)")
# prefixes that keep their hyphen in English compounds (Oxford style guides)
_COMPOUND_PREFIXES = frozenset("""
    non self cross well co ex anti multi pre post semi quasi inter intra ultra
    counter over under pseudo mid all high low long short full half open
""".split())


class Vocabulary:
    """How often each word (and each hyphenated compound) occurs in a document, lower-cased."""

    def __init__(self, texts: Iterable[str]):
        self.counts: Counter[str] = Counter()
        for text in texts:
            for match in _WORD.finditer(text):
                word = match.group().casefold()
                self.counts[word] += 1
                if "-" in word:
                    self.counts.update(word.split("-"))

    @classmethod
    def from_paragraphs(cls, paragraphs: Iterable[list[str]]) -> Vocabulary:
        """The vocabulary of paragraphs given as lines, leaving out the halves of line-end splits
        (otherwise "summa-" + "rized" would teach it the words "summa" and "rized")."""
        texts: list[str] = []
        for lines in paragraphs:
            split_before = False
            for line in lines:
                text = line.strip()
                if split_before:
                    text = _SPLIT_START.sub("", text, count=1)
                split_before = text.endswith("-")
                texts.append(_SPLIT_END.sub("", text) if split_before else text)
        return cls(texts)

    def knows(self, word: str) -> bool:
        return self.counts[word.casefold()] > 0


def join_split_word(before: str, after: str, vocab: Vocabulary) -> tuple[str, bool] | None:
    """``before`` ends with ``part-`` and ``after`` starts with a word: the joint, and whether to keep the hyphen.

    None when this is no split word (no letters before the hyphen or after it)."""
    end = _SPLIT_END.search(before)
    start = _SPLIT_START.match(after)
    if not end or not start:
        return None
    left, right = end.group(1), start.group(1)
    if not right[:1].isalpha():
        return right, True  # "GPT-" + "4o", "10-" + "12": a compound or a range, never one word
    return right, keeps_hyphen(left, right, vocab)


def keeps_hyphen(left: str, right: str, vocab: Vocabulary) -> bool:
    """The rules of the module docstring, in order."""
    joined, compound = (left + right).casefold(), f"{left}-{right}".casefold()
    if vocab.counts[joined] > 0:
        return False
    if vocab.counts[compound] > 0:
        return True
    if any(ch.isdigit() for ch in left + right) or right[:1].isupper() or (left[1:] and not left[1:].islower()):
        return True
    if left.casefold() in _COMPOUND_PREFIXES:
        return True
    return len(left) >= 3 and len(right) >= 3 and vocab.knows(left) and vocab.knows(right)


def join_lines(lines: list[str], vocab: Vocabulary) -> str:
    """A paragraph's lines as one text: split words joined, other lines joined with a space."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        joint = join_split_word(out, line, vocab) if out.endswith("-") else None
        if joint is None:
            out += " " + line
        elif joint[1]:
            out += line
        else:
            out = out[:-1] + line
    return out
