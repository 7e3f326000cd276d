"""How close a sentence must be to a row's theme to fill a compare cell: measured on the tune half of
benchmarks/data/compare_questions.jsonl, reported on both halves.

Every table is built with no threshold (each target's closest sentence fills every row), each cell is judged
on or off its row's theme by the labelled keywords (``assistant.evaluate_modes.judge_rows``), and each candidate
threshold keeps the cells at least that close.  The chosen threshold maximises the share of right decisions
(an on-theme cell kept, an off-theme cell left "not addressed") on ``tune``; ``held`` shows what it gives unseen.

    .venv/bin/python benchmarks/compare_threshold.py --store /tmp/stores/dev
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, charter_with_corpus, store_arguments  # noqa: E402

QUESTIONS = ROOT / "benchmarks" / "data" / "compare_questions.jsonl"
GRID = [round(0.20 + 0.01 * i, 2) for i in range(76)]


def cells(charter, question: dict) -> list[tuple[float, bool]]:
    """(closeness, on theme) of every cell of the unthresholded table; a cell whose sentence is one of the
    theme's own is always kept (closeness 2.0)."""
    from assistant.answer.compare import build_table
    from assistant.evaluate_modes import judge_rows

    answerer = charter.answerer
    k = charter.settings.k_for("compare")
    chosen, by_target, _, _ = answerer._compare_passages(question["question"], question.get("targets"), k, None)
    if chosen is None:
        return []
    names = list(by_target)
    passages, owner, seen = [], [], set()
    for t, name in enumerate(names):
        for p in by_target[name]:
            if p.id not in seen:
                seen.add(p.id)
                passages.append(p)
                owner.append(t)
    table = build_table(question["question"], passages, owner, names, answerer._embed(question["question"]),
                        threshold=-1.0)
    rows = [(row.label, [table.units[c].text if c is not None else None for c in row.cells]) for row in table.rows]
    judged = judge_rows(rows, question["themes"])
    out = []
    for row, sims, members, verdicts in zip(table.rows, table.similarity, table.member, judged):
        filled = [2.0 if m else s for c, s, m in zip(row.cells, sims, members) if c is not None]
        out += [(float(s), v) for s, v in zip(filled, verdicts) if s is not None]
    return out


def score(data: list[tuple[float, bool]], threshold: float) -> dict[str, float]:
    kept = [v for s, v in data if s >= threshold]
    right = sum((s >= threshold) == v for s, v in data)
    return {"accuracy": round(right / len(data), 3) if data else 0.0,
            "on_theme_kept": round(sum(kept) / len(kept), 3) if kept else 0.0,
            "kept": round(len(kept) / len(data), 3) if data else 0.0}


def main() -> None:
    parser = store_arguments(__doc__ or "")
    parser.add_argument("--embedder", choices=["answerer", "main"], default="answerer",
                        help="main: the store's main (retrieval) model instead of the answerer's sentence embedder")
    args = parser.parse_args()
    charter = charter_with_corpus(args.store)
    if args.embedder == "main":  # measure the alternative without changing the answerer
        model = charter.retriever.store.embedder

        def main_embed(query: str):
            return lambda texts: (model.embed_array([query], is_query=True)[0],
                                  model.embed_array(texts, is_query=False))

        charter.answerer._embed = main_embed
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    split: dict[str, list[tuple[float, bool]]] = {"tune": [], "held": []}
    for q in questions:
        found = cells(charter, q)
        split[q["split"]] += found
        print(f"{q['id']} {q['split']}: {len(found)} cells, on theme {sum(v for _, v in found)}", flush=True)
    best = max(GRID, key=lambda t: (score(split["tune"], t)["accuracy"], -t))
    print(json.dumps({"threshold": best, "no_threshold": {k: score(v, -1.0) for k, v in split.items()},
                      "chosen": {k: score(v, best) for k, v in split.items()},
                      "grid_tune": {t: score(split["tune"], t)["accuracy"] for t in GRID[::5]}}, indent=1))


if __name__ == "__main__":
    main()
