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

Among the documents of the bodies a question names (IEEE《合乎伦理的设计》), a
title also names a document whose rendering's main title it is, the part before
a subtitle (合乎伦理的设计：利用自主和智能系统……): people cite the short
title beside its author.  Without a body named, the main title alone is often a
generic phrase (负责任的人工智能) that many texts are called.

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
_SUBTITLE = re.compile(r"[：:]|——")  # what parts a main title from its subtitle
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


def _main_title(rendering: str) -> str:
    """The folded part of ``rendering`` before its subtitle, or "" (no subtitle, or a head of generic words or
    under four characters: 人工智能：澳大利亚伦理框架 is not cited as 《人工智能》)."""
    parts = _SUBTITLE.split(rendering, maxsplit=1)
    head = fold_title(parts[0]) if len(parts) == 2 and not generic_zh_title(parts[0]) else ""
    return head if len(head) >= 4 else ""


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
        # the main titles (before a subtitle) of the renderings, named only beside their body (``best``)
        self.main_titles: list[tuple[str, str]] = [
            (folded, document) for document in dict.fromkeys(documents)
            for folded in dict.fromkeys(_main_title(name) for name in table.get(document, ())) if folded]

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

    def best(self, title: str, among: set[str] | None = None) -> tuple[float, str | None]:
        """The stored document whose rendering is closest to ``title`` and that closeness (0 without any).
        With ``among`` (the documents of the bodies the question names), only those, and a title that is the
        main title of one of their renderings is that document (closeness 1)."""
        folded = fold_title(title)
        scores = [(dice(folded, name), document) for name, document in self.renderings
                  if among is None or document in among]
        if among is not None:
            scores += [(1.0, document) for name, document in self.main_titles if document in among and name == folded]
        if not folded or not scores:
            return 0.0, None
        return max(scores, key=lambda pair: pair[0])

    def document_of(self, title: str, match: float | None, among: set[str] | None = None) -> str | None:
        """The stored document ``title`` is a rendering of (closeness ``match`` or more), among ``among`` when
        given, or None (also when ``match`` is None: the check is off)."""
        if match is None:
            return None
        score, document = self.best(title, among)
        return document if score >= match else None
