"""Does the corpus cover a question at all?

Two signals, because dense similarity alone cannot tell "about a topic the
corpus discusses" from "about a specific text the corpus lacks": a question on
fines under an act that is not in the store still lands close to statements on
regulation.  So, besides a per-model similarity floor, a question that names a
law, summit, declaration or similar text by a capitalised title is checked for
that title in the stored names and texts.
"""

from __future__ import annotations

import re

# the last word of a title that names a text or an event
TITLE_HEADS = (
    "Act", "Acts", "Law", "Laws", "Bill", "Regulation", "Regulations", "Directive", "Declaration", "Convention",
    "Treaty", "Summit", "Accord", "Pact", "Order", "Charter", "Agreement", "Protocol", "Resolution", "Code",
    "Framework", "Strategy", "Plan", "Principles", "Guidelines", "Recommendation", "Statement", "Initiative",
)
_CAP = r"(?:[A-Z][\w\-’'.]*|AI)"
_TITLE = re.compile(rf"((?:{_CAP}\s+)(?:(?:of|on|for|and|the|de|du)\s+)?(?:{_CAP}\s+)*(?:{'|'.join(TITLE_HEADS)}))\b")


_QUESTION_WORDS = frozenset(
    "Did Does Do Is Are Was Were What Which Who Whom Whose How Why When Where Can Could Should Would Will Has Have "
    "Had Under According In On For From Compare Contrast Describe Explain List Tell Show Give Summarise Summarize".split()
)
_GENERIC = frozenset({"ai", "the", "of", "on", "for", "and", "de", "du"})


def named_titles(question: str) -> list[str]:
    """Capitalised titles such as "Paris AI Action Summit" or "AI Basic Act"."""
    cleaned = re.sub(r"[’']s\b", "", question)
    titles = []
    for m in _TITLE.finditer(cleaned):
        words = m.group(1).split()
        while words and words[0] in _QUESTION_WORDS:
            words = words[1:]
        if len(words) >= 2:
            titles.append(" ".join(words))
    return titles


def _has_phrase(phrase: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def missing_titles(question: str, corpus_text: str, names: list[str]) -> list[str]:
    """Titles the question names that the corpus does not hold.

    A title is held when its last two words ("Action Summit", "Basic Act":
    what makes a title specific) occur as a phrase in the lower-cased
    ``corpus_text``, or when one stored name holds all its distinctive words
    (so "OECD Recommendation" finds "OECD, Recommendation of the Council").
    """
    lowered = [n.lower() for n in names]
    missing = []
    for title in named_titles(question):
        words = title.lower().split()
        if _has_phrase(" ".join(words[-2:]), corpus_text):
            continue
        distinctive = [w for w in words if w not in _GENERIC]
        if distinctive and any(all(_has_phrase(w, name) for w in distinctive) for name in lowered):
            continue
        missing.append(title)
    return missing
