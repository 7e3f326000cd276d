"""``charter eval --mode summary|compare``: what a reader gets from a draft summary and from a comparison.

Summary (on any gold question file, the offline draft of each answerable question):
* ``organisations_covered``: organisations quoted in the draft / organisations among the passages the summary
  retrieved, averaged over questions (a draft that quotes one body when five speak covers a fifth);
* ``repeated_quotes`` and ``cut_quotes``: as ``assistant.answer.quality`` counts them for Ask (both should be 0);
* ``non_claim_quotes``: quotations that are a question, a reference line or a fragment (``quotable.py``).

Compare (on a compare question file, ``benchmarks/data/compare_questions.jsonl``): each line has ``question``,
``targets`` (the picker's, or null when the question names them), ``themes`` (the points a reader expects, each
with lower-case ``keywords``) and ``split``.  A row of the table is matched to the labelled theme whose keywords
its label and quotes hold most often; a filled cell is *on theme* when its quote holds a keyword of that theme
(a row matching no labelled theme has every cell off theme).  ``on_theme`` is the share of filled cells on theme.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.quality import cut_quotes, quotations, repeated_quotes
from assistant.answer.quotable import is_quotable
from core.model import Answer
from core.text import fold_for_names

if TYPE_CHECKING:
    from assistant.evaluated import Evaluated

_CELL = re.compile(r"^“(.*)” \[(\d+)\]$", re.S)


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


# ---------------------------------------------------------------- summary


def summary_figures(answer: Answer, retrieved_authors: set[str]) -> dict[str, float]:
    """The figures of one draft summary."""
    quoted = quotations(answer)
    covered = {s.passage.author or "?" for s in answer.sources if s.quotes}
    return {"covered": len(covered & retrieved_authors) / len(retrieved_authors) if retrieved_authors else 1.0,
            "repeated": repeated_quotes(answer, quoted), "cut": cut_quotes(quoted),
            "non_claim": sum(not is_quotable(q.text) for q in quoted)}


def evaluate_summary(charter: Evaluated, questions: list[dict[str, Any]]) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    k = charter.answerer.settings.k_for("summary")
    for q in questions:
        if not q.get("gold"):
            continue
        retrieved = charter.retriever.search(q["question"], k=k).passages
        answer = charter.answerer.answer(q["question"], mode="summary", offline=True)
        rows.append({**summary_figures(answer, {p.author or "?" for p in retrieved}), "split": q.get("split")})
    return _summary_report(rows) | {"by_split": {s: _summary_report([r for r in rows if r["split"] == s])
                                                 for s in sorted({r["split"] for r in rows if r["split"]})}}


def _summary_report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"n": len(rows), "organisations_covered": _mean([r["covered"] for r in rows]),
            "repeated_quotes": sum(r["repeated"] for r in rows), "cut_quotes": sum(r["cut"] for r in rows),
            "non_claim_quotes": sum(r["non_claim"] for r in rows)}


# ---------------------------------------------------------------- compare


def load_compare_questions(path: Path) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        q = json.loads(line)
        if not isinstance(q, dict) or "question" not in q or not isinstance(q.get("themes"), list):
            raise ValueError(f"{path}:{n}: a compare question needs 'question' and 'themes'")
        out.append(q)
    return out


def table_rows(text: str) -> list[tuple[str, list[str | None]]]:
    """The body rows of the answer's Markdown table: (theme label, per target the quote or None)."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    rows: list[tuple[str, list[str | None]]] = []
    for line in lines[2:]:
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) < 2 or (cells[0].startswith("**") and not any(cells[1:])):
            continue  # a "Common ground" / "Where they differ" heading row
        quotes: list[str | None] = []
        for cell in cells[1:]:
            m = _CELL.match(cell)
            quotes.append(m.group(1) if m else None)
        rows.append((cells[0], quotes))
    return rows


def _holds(text: str, keywords: list[str]) -> bool:
    folded = fold_for_names(text)
    return any(fold_for_names(k) in folded for k in keywords)


def judge_rows(rows: list[tuple[str, list[str | None]]], themes: list[dict[str, Any]]) -> list[list[bool]]:
    """Per row, per filled cell: whether its quote is on the row's (matched, labelled) theme."""
    judged: list[list[bool]] = []
    for label, quotes in rows:
        texts = [label] + [q for q in quotes if q]
        scores = [sum(_holds(t, th["keywords"]) for t in texts) for th in themes]
        best = max(range(len(themes)), key=lambda i: (scores[i], -i)) if themes else -1
        keywords = themes[best]["keywords"] if best >= 0 and scores[best] > 0 else []
        judged.append([bool(keywords) and _holds(q, keywords) for q in quotes if q])
    return judged


def compare_figures(answer: Answer, question: dict[str, Any]) -> dict[str, Any]:
    rows = table_rows(answer.text)
    judged = judge_rows(rows, question["themes"])
    cells = [c for row in judged for c in row]
    width = max((len(q) for _, q in rows), default=0)
    return {"rows": len(rows), "cells": width * len(rows), "filled": len(cells), "on_theme": sum(cells),
            "common_rows": sum(all(q is not None for q in quotes) for _, quotes in rows),
            "targets": width, "from_question": any(how in answer.text.split("\n", 1)[0]
                                                    for how in ("named in the question", "问题中点名的"))}


def evaluate_compare(charter: Evaluated, path: Path) -> dict[str, Any]:
    """The compare figures over a compare question file, overall and per split."""
    rows = []
    for q in load_compare_questions(path):
        answer = charter.answerer.answer(q["question"], mode="compare", targets=q.get("targets"), offline=True)
        rows.append({**compare_figures(answer, q), "id": q.get("id"), "split": q.get("split"),
                     "named": q.get("targets") is None})
    return {"mode": "compare", **_compare_report(rows),
            "by_split": {s: _compare_report([r for r in rows if r["split"] == s])
                         for s in sorted({r["split"] for r in rows if r["split"]})},
            "questions": rows}


def _compare_report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    filled = sum(r["filled"] for r in rows)
    named = [r for r in rows if r["named"]]
    return {"n": len(rows), "on_theme": round(sum(r["on_theme"] for r in rows) / filled, 4) if filled else 0.0,
            "cells": sum(r["cells"] for r in rows), "filled": filled,
            "rows_per_table": _mean([r["rows"] for r in rows]),
            "common_ground_rows": sum(r["common_rows"] for r in rows),
            "targets_from_question": _mean([float(r["from_question"] and r["targets"] >= 2) for r in named])}


def format_modes(report: dict[str, Any]) -> list[str]:
    """Lines of ``format_report`` for the summary / compare figures."""
    lines: list[str] = []
    if "summary" in report:
        s = report["summary"]
        lines += ["", f"summary drafts (n={s['n']}): organisations covered {s['organisations_covered']:.3f}   "
                      f"repeated quotes {s['repeated_quotes']}   cut quotes {s['cut_quotes']}   "
                      f"non-claim quotes {s['non_claim_quotes']}"]
        lines += [f"  split {name:<6} n={e['n']:<3} organisations covered {e['organisations_covered']:.3f}   "
                  f"repeated {e['repeated_quotes']}   cut {e['cut_quotes']}" for name, e in s["by_split"].items()]
    if report.get("mode") == "compare":
        lines += [f"compare questions: {report['n']}   cells on their row's theme: {report['on_theme']:.3f} "
                  f"({report['filled']} filled of {report['cells']})   rows per table {report['rows_per_table']:.1f}   "
                  f"common-ground rows {report['common_ground_rows']}   "
                  f"targets taken from the question {report['targets_from_question']:.3f}"]
        lines += [f"  split {name:<6} n={e['n']:<3} on theme {e['on_theme']:.3f} ({e['filled']} of {e['cells']} "
                  f"cells filled)" for name, e in report["by_split"].items()]
    return lines
