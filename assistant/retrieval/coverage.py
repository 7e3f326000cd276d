"""Does the corpus cover a question at all?

Two signals, because dense similarity alone cannot tell "about a topic the
corpus discusses" from "about a specific text the corpus lacks": a question on
fines under an act that is not in the store still lands close to statements on
regulation.  So, besides a per-model similarity floor, a question that names a
law, summit, declaration or similar text by a capitalised title, or a bill or
standard by its code ("SB 1047"), is checked for that name in the stored names
and texts.
"""

from __future__ import annotations

import re

from core.text import fold_for_names as fold

# the last word of a title that names a text or an event
TITLE_HEADS = (
    "Act", "Acts", "Law", "Laws", "Bill", "Regulation", "Regulations", "Directive", "Declaration", "Convention",
    "Treaty", "Summit", "Accord", "Pact", "Order", "Charter", "Agreement", "Protocol", "Resolution", "Code",
    "Framework", "Strategy", "Plan", "Principles", "Guidelines", "Recommendation", "Statement", "Initiative",
    "Compact", "Process", "Commitments", "Blueprint", "Roadmap", "Measures", "Provisions", "Rules",
)
_CAP = r"(?:[A-Z][\w\-’'.]*|AI)"
_TITLE = re.compile(rf"((?:{_CAP}\s+)(?:(?:of|on|for|and|the|de|du)\s+)?(?:{_CAP}\s+)*(?:{'|'.join(TITLE_HEADS)}))\b")


_QUESTION_WORDS = frozenset(
    "Did Does Do Is Are Was Were What Which Who Whom Whose How Why When Where Can Could Should Would Will Has Have "
    "Had Under According In On For From Compare Contrast Describe Explain List Tell Show Give "
    "Summarise Summarize".split()
)
_CONNECTORS = frozenset({"the", "of", "on", "for", "and", "de", "du"})
_GENERIC = _CONNECTORS | {"ai"}
_HEADS = frozenset(h.lower() for h in TITLE_HEADS)
# a bill, order or standard by its code: "SB 1047", "EO 14110", "ISO 42001" (not a year: "GDPR 2016")
_CODE = re.compile(r"(?<![\w-])([A-Z]{2,4})[ -]?((?!(?:19|20)\d\d(?!\d))\d{3,5})(?![\w-])")


def named_titles(question: str) -> list[str]:
    """Capitalised titles such as "Paris AI Action Summit" or "AI Basic Act"."""
    cleaned = re.sub(r"[’']s\b", "", question)
    titles = []
    for m in _TITLE.finditer(cleaned):
        words = m.group(1).split()
        while words and (words[0] in _QUESTION_WORDS or words[0] in _CONNECTORS):
            words = words[1:]
        if len(words) >= 2:
            titles.append(" ".join(words))
    return titles


def _has_phrase(phrase: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def named_codes(question: str) -> list[str]:
    """Codes of bills, orders and standards, such as "SB 1047"."""
    return [f"{letters} {number}" for letters, number in _CODE.findall(question)]


def missing_titles(question: str, corpus_text: str, names: list[str]) -> list[str]:
    """Titles and codes the question names that the corpus does not hold.

    ``corpus_text`` (the stored names and texts) and ``names`` (one
    "author document" string per stored statement) come already passed through
    ``core.text.fold_for_names``: the retriever prepares them once per store, not per question.
    A title is held when one stored name holds all its distinctive words (so
    "OECD Recommendation" finds "OECD, Recommendation of the Council"), or
    when its last two words ("Action Summit", "Basic Act": what makes a title
    specific) occur as a phrase in the corpus and so does each of its own
    words: "Hiroshima AI Process" is not held because some text speaks of an
    "AI process".  A code is held when it occurs with or without its space.
    """
    missing = []
    for title in named_titles(question):
        words = fold(title).split()
        distinctive = [w for w in words if w not in _GENERIC]
        if distinctive and any(all(_has_phrase(w, name) for w in distinctive) for name in names):
            continue
        own = [w for w in distinctive if w not in _HEADS]
        if _has_phrase(" ".join(words[-2:]), corpus_text) and all(_has_phrase(w, corpus_text) for w in own):
            continue
        missing.append(title)
    for code in named_codes(question):
        letters, number = fold(code).split()
        if not any(_has_phrase(f"{letters}{sep}{number}", corpus_text) for sep in (" ", "-", "")):
            missing.append(code)
    return missing
