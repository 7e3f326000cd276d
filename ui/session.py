"""What one browser session remembers: its own questions and answers.

A ``Conversation`` lives in a ``gr.State``, which Gradio copies per session,
so two people (or two tabs) never see each other's conversation and nothing
about a conversation is kept in module or app globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.model import Answer, Filters
from ui.cards import answer_message, markdown_text, sources_panel


@dataclass
class Turn:
    """One question, how it was asked, and its final answer."""

    question: str
    answer: Answer
    mode: str = "ask"
    filters: Filters = field(default_factory=Filters)
    targets: list[str] = field(default_factory=list)


@dataclass
class Conversation:
    """The turns of one session, oldest first."""

    turns: list[Turn] = field(default_factory=list)

    def history(self) -> list[dict[str, str]]:
        """Plain-text history for follow-up questions (the answer's own text, not HTML)."""
        out: list[dict[str, str]] = []
        for t in self.turns:
            out.append({"role": "user", "content": t.question})
            out.append({"role": "assistant", "content": t.answer.text})
        return out

    def messages(self) -> list[dict[str, str]]:
        """Chatbot messages: questions and answers, escaped and with linked markers."""
        out: list[dict[str, str]] = []
        for i, t in enumerate(self.turns):
            out.append({"role": "user", "content": user_message(t.question, t.mode, t.targets, t.filters)})
            out.append({"role": "assistant", "content": answer_message(t.answer, i)})
        return out

    def panel(self, pending: tuple[str, Answer] | None = None) -> str:
        """The sources panel, with an answer still being written shown last."""
        turns = [(t.question, t.answer) for t in self.turns]
        if pending:
            turns.append(pending)
        return sources_panel(turns)


def user_message(question: str, mode: str, targets: list[str], filters: Filters | None = None) -> str:
    """The user's bubble: escaped (an example question may quote a stored name),
    with the mode, compared targets and filters that shaped the answer."""
    label = {"summary": "Draft a summary: ", "compare": "Compare: "}.get(mode, "")
    suffix = f" — {'; '.join(targets)}" if mode == "compare" and targets else ""
    text = markdown_text(f"{label}{question}{suffix}")
    line = filters_line(filters, []) if filters else ""
    return text + (f"\n\n<small>{markdown_text(line)}</small>" if line else "")


def filters_line(filters: Filters, targets: list[str]) -> str:
    """One line saying which filters and targets shaped an answer ('' when none)."""
    bits = []
    if targets:
        bits.append("compared: " + "; ".join(targets))
    if filters.authors:
        bits.append("organisations: " + "; ".join(filters.authors))
    if filters.documents:
        bits.append("documents: " + "; ".join(filters.documents))
    if filters.since or filters.until:
        bits.append(f"years: {filters.since or '…'}–{filters.until or '…'}")
    if filters.lang:
        bits.append(f"language: {filters.lang}")
    return "Filters — " + " · ".join(bits) if bits else ""
