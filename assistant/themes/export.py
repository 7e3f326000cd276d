"""A consensus map as data a reader takes away: a JSON-ready dict, a Markdown brief, a CSV of its cells."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.themes.consensus import ConsensusMap


def map_to_dict(m: ConsensusMap) -> dict[str, Any]:
    """Everything the map shows; ``themes[].members`` holds each row's quote on the theme, best first."""
    matrix = m.matrix()
    themes = []
    for j, theme in enumerate(m.themes):
        cells = sorted((c for c in m.cells if c.theme == j), key=lambda c: (-c.similarity, c.row))
        themes.append({
            "label": theme.label, "keyphrases": list(theme.keyphrases), "description": theme.description,
            "statements": theme.statements, "rows": theme.rows, "first_year": theme.first_year,
            "members": [{"author": c.author, "document": c.document, "date": c.date, "quote": c.quote,
                         "row": m.rows[c.row], "count": c.count, "statement_id": c.statement_id}
                        for c in cells],
        })
    return {
        "topic": m.topic, "framework": m.framework, "by": m.by, "rows": list(m.rows), "themes": themes,
        "matrix": matrix.tolist(), "row_totals": [int(x) for x in (matrix > 0).sum(axis=1)],
        "theme_totals": [int(x) for x in (matrix > 0).sum(axis=0)],
        "years": {str(y): list(c) for y, c in zip(m.years, m.year_counts)},
        "statements": m.statements, "passages": m.passages, "unassigned": m.unassigned,
    }


def _heading(m: ConsensusMap) -> str:
    what = f"“{m.topic}”" if m.topic else "the whole store"
    how = f"the {m.framework} framework" if m.framework else "themes found in the texts"
    who = "organisations" if m.by == "author" else "documents"
    return (f"# Consensus map: {what}\n\n{m.statements} statements from {len(m.rows)} {who}, sorted under "
            f"{len(m.themes)} {how}; {m.unassigned} statements speak to none.")


def _cell_text(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def map_markdown(m: ConsensusMap, *, max_quotes: int = 3) -> str:
    """A heading, the rows x themes table (statement counts, totals), a by-year table, and quotes per theme."""
    matrix = m.matrix()
    heads = [f"{j + 1}. {_cell_text(t.label)}" for j, t in enumerate(m.themes)]
    who = "Organisation" if m.by == "author" else "Document"
    lines = [_heading(m), "", "## Themes", ""]
    for j, t in enumerate(m.themes):
        extra = f" (key phrases: {', '.join(t.keyphrases)})" if t.keyphrases and m.framework else ""
        since = f", since {t.first_year}" if t.first_year else ""
        lines.append(f"{j + 1}. **{_cell_text(t.label)}**{extra}: {t.rows} {who.lower()}s, "
                     f"{t.statements} statements{since}")
    lines += ["", "## Who speaks to what", "", f"| {who} | " + " | ".join(heads) + " | Themes |",
              "|---|" + "---|" * (len(heads) + 1)]
    for r, name in enumerate(m.rows):
        row = [str(int(c)) if c else "" for c in matrix[r]]
        lines.append(f"| {_cell_text(name)} | " + " | ".join(row) + f" | {int((matrix[r] > 0).sum())} |")
    totals = [str(int(x)) for x in (matrix > 0).sum(axis=0)]
    lines.append(f"| **{who}s** | " + " | ".join(totals) + " | |")
    if m.years:
        lines += ["", "## By year (statements)", "", "| Year | " + " | ".join(heads) + " |",
                  "|---|" + "---|" * len(heads)]
        for y, counts in zip(m.years, m.year_counts):
            lines.append(f"| {y} | " + " | ".join(str(c) if c else "" for c in counts) + " |")
    lines += ["", "## Quotes"]
    for j, t in enumerate(m.themes):
        lines += ["", f"### {j + 1}. {_cell_text(t.label)}", ""]
        cells = sorted((c for c in m.cells if c.theme == j), key=lambda c: (-c.similarity, c.row))
        for c in cells[:max_quotes]:
            lines.append(f"> {' '.join(c.quote.split())}\n>\n> — {c.citation()}\n")
        if len(cells) > max_quotes:
            lines.append(f"… and {len(cells) - max_quotes} more {who.lower()}s (see the CSV).")
    return "\n".join(lines).rstrip() + "\n"


def map_csv(m: ConsensusMap) -> str:
    """One line per filled cell: row, theme, statements, quote and its citation."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["row", "theme", "statements", "quote", "author", "document", "date", "statement_id"])
    for c in sorted(m.cells, key=lambda c: (c.row, c.theme)):
        w.writerow([m.rows[c.row], m.themes[c.theme].label, c.count, c.quote, c.author or "", c.document or "",
                    c.date or "", c.statement_id])
    return out.getvalue()
