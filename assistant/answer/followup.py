"""Turning a follow-up ("and what about China?") into a question that can be
searched on its own, without an LLM.

The rule: an elliptical follow-up keeps the topic of the previous question but
not its named subjects, which the follow-up replaces.  "What do the IDAIS
statements ask governments to do?" then "And China?" becomes "And China? —
What do the statements ask governments to do?"; a further "那中国呢？" continues
the same standalone question.
"""

from __future__ import annotations

import re

from assistant.retrieval.aliases import PLACES
from core.text import has_cjk

_ELLIPTIC_START = re.compile(
    r"^\s*(and|also|what about|how about|and what about|and how about|same for|what of|but|or|then|so|"
    r"那|那么|还有|另外|同样|而|再看|对于)\b", re.IGNORECASE
)
_PRONOUN = re.compile(r"\b(they|them|their|it|its|this|that|these|those|he|she|his|her)\b"
                      r"|他们|它们|其|该|这些|那些", re.IGNORECASE)
_PROPER = re.compile(r"\b(?:[A-Z][\w\-’'.]*[A-Z][\w]*|[A-Z][a-z]+)(?:\s+(?:of|for|on|and|the)?\s*[A-Z][\w\-’']*)*")


def needs_context(question: str) -> bool:
    words = question.split()
    short = len(words) <= 6 if not has_cjk(question) else len(question) <= 12
    return bool(_ELLIPTIC_START.search(question) or _PRONOUN.search(question) or short)


def _topic(previous: str) -> str:
    """The previous question without its named subjects (organisations, places)."""
    topic = previous
    for canonical, others in PLACES.items():
        for name in (canonical, *others):
            topic = topic.replace(name, " ")
    # drop capitalised names after the first word (the first is a capitalised question word)
    head, _, rest = topic.strip().partition(" ")
    rest = _PROPER.sub(" ", rest)
    return re.sub(r"\s+", " ", f"{head} {rest}").strip()


def last_standalone(questions: list[str]) -> str | None:
    """The latest question that stands on its own: a follow-up of a follow-up ("And China?" then
    "那中国呢？") continues the topic of the question the first follow-up continued, not "And China?"."""
    for question in reversed(questions):
        if not needs_context(question):
            return question
    return questions[0] if questions else None


def rewrite(history: list[dict] | None, question: str) -> str:
    """A standalone query: the question itself, or the question plus the topic it continues."""
    previous = [str(m["content"]) for m in (history or [])
                if m.get("role") == "user" and str(m.get("content", "")).strip()]
    base = last_standalone(previous)
    if base is None or not needs_context(question):
        return question
    return f"{question.strip()} — {_topic(base)}"
