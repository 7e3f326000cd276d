"""Chinese names of stored English documents, as Chinese readers write them.

A Chinese question names an English document by a Chinese title of its own
(《反虚假信息行为准则》 for "Code of Practice on Disinformation").  The
cross-lingual check (``names.py``) compares the title with the English names
by meaning, and across languages the scores of a translation and of an absent
text's title overlap.  Within one language they do not: two renderings of one
title share most of their characters.  So the documents of the default corpus
carry a few usual Chinese renderings each (``data/document_names_zh.json``,
written from the titles alone, never from a question), and a question's title
is compared with them by character pairs: a rendering "matches" when the pairs
of the two strings mostly coincide (Dice coefficient,
``settings.retrieval.rendered_title_match``), after folding
what renderings vary in (人工智能 / AI, 的, 关于, punctuation).

A rendering of six characters or more, not of generic words only, also names its
document when a question writes it out without 《》 (``written_in``).

Documents the file does not list (a user's own) keep the cross-lingual check
alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cached_property, lru_cache
from importlib import resources

from assistant.retrieval.coverage import generic_zh_title

_AI = re.compile(r"(?i)(?<![a-z])ai(?![a-z])")  # "AI原则" and "人工智能原则" alike, not the "ai" of "OpenAI"
_FOLD = re.compile(r"[\s\u3000：:、，,。·•\-—–_\"“”'‘’《》〈〉()（）\[\]【】!！?？/]|的|关于")


def fold_title(title: str) -> str:
    """What two renderings of one title may differ in, taken out: "关于人工智能的伦理准则" -> "人工智能伦理准则"."""
    return _FOLD.sub("", _AI.sub("人工智能", title)).casefold()


def _pairs(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def dice(a: str, b: str) -> float:
    """Shared character pairs of two folded titles, as a share of both (1.0: the same pairs)."""
    pa, pb = _pairs(a), _pairs(b)
    return 2 * len(pa & pb) / (len(pa) + len(pb)) if pa and pb else 0.0


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, ...]]:
    text = resources.files("assistant.retrieval").joinpath("data/document_names_zh.json").read_text(encoding="utf-8")
    return {english: tuple(names) for english, names in json.loads(text).items()}


class DocumentNames:
    """The Chinese renderings of the stored documents that have some (folded), each with its document."""

    def __init__(self, documents: Iterable[str], table: dict[str, tuple[str, ...]] | None = None):
        table = _table() if table is None else table
        self.renderings: list[tuple[str, str]] = [
            (folded, document) for document in dict.fromkeys(documents)
            for folded in dict.fromkeys(fold_title(name) for name in table.get(document, ())) if folded]

    def written_in(self, text: str) -> set[str]:
        """The stored documents one of whose renderings ``text`` writes out whole (six characters or more folded,
        none of generic words only: 人工智能伦理 is many texts' name)."""
        folded = fold_title(text)
        return {document for name, document in self.telling if name in folded}

    @cached_property
    def telling(self) -> list[tuple[str, str]]:
        """The renderings a question may write out without 《》 and still mean one text (``written_in``)."""
        return [(name, document) for name, document in self.renderings
                if len(name) >= 6 and not generic_zh_title(name)]

    def best(self, title: str) -> tuple[float, str | None]:
        """The stored document whose rendering is closest to ``title`` and that closeness (0 without any)."""
        folded = fold_title(title)
        if not folded or not self.renderings:
            return 0.0, None
        score, document = max(((dice(folded, name), document) for name, document in self.renderings),
                              key=lambda pair: pair[0])
        return score, document

    def document_of(self, title: str, match: float | None) -> str | None:
        """The stored document ``title`` is a rendering of (closeness ``match`` or more), or None (also when
        ``match`` is None: the check is off)."""
        if match is None:
            return None
        score, document = self.best(title)
        return document if score >= match else None
