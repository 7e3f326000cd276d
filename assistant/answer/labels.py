"""The metadata labels an answer's leads and headings show: short organisation names, dates and year spans.

One place for them, so the Ask answer, the summary draft and the compare table name an organisation and
date a statement the same way."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.model import Passage

OFFLINE_BACKEND = "offline quotes"  # Answer.backend of every answer composed without an LLM (Ask, Summary, Compare)


def short_name(author: str) -> str:
    """"IDAIS (International Dialogues on AI Safety)" -> "IDAIS": a name with its expansion in brackets."""
    head, sep, _ = author.partition(" (")
    return head if sep and head.strip() else author


def date_label(p: Passage) -> str:
    """The date the statement carries, as ISO or as written; "n.d." only when none is known."""
    return p.date or p.date_text or "n.d."


def passage_year(p: Passage) -> int | None:
    """The ISO date's year, else a year written in the date as the source gives it."""
    found = re.search(r"\b(1[89]|20)\d\d\b", p.date_text or "")
    return p.year or (int(found.group(0)) if found else None)


def years_label(passages: Sequence[Passage]) -> str:
    """"2023", "2018–2024", or "n.d." when no passage carries a year."""
    years = sorted({y for y in map(passage_year, passages) if y})
    if not years:
        return "n.d."
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
