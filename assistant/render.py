"""Answers as Markdown with a numbered bibliography: for the CLI, for export
from the UI, and for anyone pasting a cited draft into a brief."""

from __future__ import annotations

from assistant.answer.summary import BIBLIOGRAPHY
from core.model import AlsoIn, Answer, Passage, Source

WAIE_ATTRIBUTION = (
    "Worldwide AI Ethics dataset: N. K. Corrêa et al., “Worldwide AI ethics: A review of 200 guidelines and "
    "recommendations for AI governance”, Patterns 4(10), 2023, CC BY-NC 4.0."
)


def also_in_groups(passage: Passage) -> list[tuple[str, list[AlsoIn]]]:
    """Where else the passage's text stands: word for word, or in a near-identical version."""
    same = [o for o in passage.also_in if o.same_text]
    near = [o for o in passage.also_in if not o.same_text]
    groups = (("Same text also in", same), ("A near-identical version in", near))
    return [(label, group) for label, group in groups if group]


def source_line(source: Source) -> str:
    p = source.passage
    line = f"[{source.n}] {p.citation()}"
    for label, group in also_in_groups(p):
        others = "; ".join(f"{o.author}, {o.document} ({o.date or 'n.d.'})" for o in group)
        line += f" ({label.lower()}: {others})"
    if any(not q.verified for q in source.quotes):
        line += " ⚠ contains an unverified quote"
    return line


def is_waie(passage: Passage) -> bool:
    """A passage from the Worldwide AI Ethics dataset (its licence asks for attribution)."""
    return "Worldwide AI Ethics" in (passage.source or "") or "waie" in (passage.source or "").lower() \
        or (passage.statement_id or "").startswith("waie-")


def needs_waie_attribution(answer: Answer) -> bool:
    return any(is_waie(s.passage) for s in answer.sources)


def bibliography(answer: Answer) -> str:
    lines = [source_line(s) for s in answer.sources]
    if needs_waie_attribution(answer):
        lines.append(f"\nSome statements come from the {WAIE_ATTRIBUTION}")
    return "\n".join(lines)


def answer_markdown(answer: Answer, *, include_text: bool = True, heading: str | None = None) -> str:
    """The answer, its notice and report, and its numbered sources."""
    parts: list[str] = []
    if heading:
        parts.append(f"## {heading}")
    if answer.notice:
        parts.append(f"> ⚠ {answer.notice}")
    if include_text:
        parts.append(answer.text)
    if answer.sources and not (include_text and BIBLIOGRAPHY in answer.text):  # a draft summary ends with its own
        parts.append("**Sources**\n\n" + bibliography(answer))
    elif needs_waie_attribution(answer):
        parts.append(f"Some statements come from the {WAIE_ATTRIBUTION}")
    v = answer.verification
    parts.append(f"_{answer.backend} · citations valid {v.citations_valid}/{v.citations_given} · "
                 f"quotes verified {v.quotes_verified}/{v.quotes_total}_")
    return "\n\n".join(parts)
