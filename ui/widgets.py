"""Page parts that follow the store: the status line, every choice list and
example built from the catalog (refreshed together on load, on each timer
tick until the store is ready, and after an upload), and the corpus
browser's handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from ui.browse import ALL, filter_statements, overview_html, start_examples, statement_html
from ui.cards import esc
from ui.runtime import Runtime, Status
from ui.session import Conversation
from ui.settings_view import settings_html

# ---------------------------------------------------------------- status line


def status_html(status: Status) -> str:
    """The status line: phase, message and, while ingesting, a progress bar."""
    css = {"ready": "is-ready", "error": "is-error"}.get(status.phase, "is-busy")
    bar = ""
    if status.phase == "ingesting" and status.total:
        bar = f'<progress value="{status.done}" max="{status.total}"></progress>'
    return (f'<div class="charter-statusline {css}" data-phase="{esc(status.phase)}" role="status">'
            f"{esc(status.message)}{bar}</div>")


def backend_html(label: str) -> str:
    return f'<div class="charter-backend" id="charter-backend-line">Answers by: <b>{esc(label)}</b></div>'


# ---------------------------------------------------------------- catalog-driven widgets


@dataclass
class CatalogWidgets:
    """Everything whose content comes from the store, refreshed together."""

    status: gr.HTML
    backend: gr.HTML
    settings: gr.HTML
    authors: gr.Dropdown
    documents: gr.Dropdown
    since: gr.Dropdown
    until: gr.Dropdown
    lang: gr.Dropdown
    targets: gr.Dropdown
    examples: gr.State
    overview: gr.HTML
    b_author: gr.Dropdown
    b_year: gr.Dropdown
    b_document: gr.Dropdown
    b_statement: gr.Dropdown
    timer: gr.Timer
    buttons: list[gr.Button] = field(default_factory=list)

    def outputs(self) -> list[Any]:
        return [self.status, self.backend, self.settings, self.authors, self.documents, self.since, self.until,
                self.lang, self.targets, self.examples, self.overview, self.b_author, self.b_year, self.b_document,
                self.b_statement, self.timer, *self.buttons]


def _with_counts(counter) -> list[tuple[str, str]]:
    return [(f"{name} ({n})", name) for name, n in counter.most_common()]


def _years(catalog) -> list[str]:
    return sorted((y for y in catalog.years if y.isdigit()), reverse=True)


def refresh(runtime: Runtime, w: CatalogWidgets) -> dict[Any, Any]:
    """Updates keyed by component: only the status line until the store is ready,
    then every choice list, the examples and the browser (and the timer stops)."""
    if not runtime.ready.is_set() or runtime.filling:  # filling: the rest of the default corpus is going in
        return {w.status: status_html(runtime.status)}
    if runtime.status.phase != "ready":
        return {w.status: status_html(runtime.status), w.timer: gr.Timer(active=False)}
    charter = runtime.charter
    catalog = charter.catalog()
    backend = charter.backend_label
    years = [("any", "")] + [(y, y) for y in _years(catalog)]
    examples = start_examples(catalog)
    runtime.status.message = f"Ready: {catalog.statements} statements, {catalog.passages} passages."
    updates: dict[Any, Any] = {
        w.status: status_html(runtime.status),
        w.backend: backend_html(backend),
        w.settings: settings_html(charter.settings, backend),
        w.authors: gr.update(choices=_with_counts(catalog.authors)),
        w.documents: gr.update(choices=_with_counts(catalog.documents)),
        w.since: gr.update(choices=years),
        w.until: gr.update(choices=years),
        w.lang: gr.update(choices=[("any", "")]
                          + [(f"{code} ({n})", code) for code, n in catalog.languages.most_common()]),
        w.targets: gr.update(choices=_with_counts(catalog.authors) + _with_counts(catalog.documents)),
        w.examples: examples,
        w.overview: overview_html(catalog),
        w.b_author: gr.update(choices=[ALL] + sorted(catalog.authors)),
        w.b_year: gr.update(choices=[ALL] + _years(catalog) + (["n.d."] if "n.d." in catalog.years else [])),
        w.b_document: gr.update(choices=[ALL] + sorted(catalog.documents)),
        w.b_statement: gr.update(choices=[(s.label(), s.id) for s in charter.statements()]),
        w.timer: gr.Timer(active=False),
    }
    for i, button in enumerate(w.buttons):
        shown = i < len(examples)
        updates[button] = gr.update(value=examples[i].label, visible=True) if shown else gr.update(visible=False)
    return updates


# ---------------------------------------------------------------- corpus browser handlers


def browse_pick(runtime: Runtime, author: str | None, year: str | None, document: str | None) -> tuple:
    """Narrow the statement list (and the documents) to the chosen organisation and year."""
    if not runtime.is_ready:
        return gr.skip(), gr.skip()
    statements = runtime.charter.statements()
    by_author_year = filter_statements(statements, author, year, None)
    documents = sorted({s.document for s in by_author_year if s.document})
    if document and document != ALL and document not in documents:
        document = ALL
    chosen = filter_statements(by_author_year, None, None, document)
    return (gr.update(choices=[ALL] + documents, value=document or ALL),
            gr.update(choices=[(s.label(), s.id) for s in chosen], value=None))


def open_statement(runtime: Runtime, statement_id: str | None) -> str:
    """Full text and citation of one statement."""
    if not statement_id or not runtime.is_ready:
        return '<div class="charter-empty">Pick a statement to read its full text.</div>'
    statement = runtime.charter.statement(statement_id)
    passages = next((s.passages for s in runtime.charter.statements() if s.id == statement_id), 1)
    return statement_html(statement, passages)


def cited_statements(conversation: Conversation) -> Any:
    """Choices for 'open a cited statement': the last answer's sources."""
    if not conversation or not conversation.turns:
        return gr.update(choices=[], value=None)
    answer = conversation.turns[-1].answer
    seen: dict[str, str] = {}
    for s in answer.sources:
        p = s.passage
        seen.setdefault(p.statement_id, f"[{s.n}] {p.author or 'Unknown'} — {p.document or ''} ({p.date or 'n.d.'})")
    return gr.update(choices=[(label, sid) for sid, label in seen.items()], value=None)
