"""Compare mode without an LLM: themes as rows, targets as columns, each cell a whole sentence of that target.

The rows are the themes (``assistant.themes``) of the sentences that answer the topic, across all targets'
passages; so a row is a point some target makes, not a rank (row 1 of one organisation beside row 1 of another
lined up unrelated texts).  A cell holds the target's most central sentence among the theme's own; a target
with none there gets its sentence closest to the theme's centroid when that is at least CELL_THRESHOLD close,
and otherwise "not addressed in the corpus".  Rows every target speaks to come first
("common ground"), then the rows where they differ.  A sentence fills one cell at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.quotable import bare, quotable_units
from assistant.answer.select import Embed
from assistant.answer.sentences import Unit, passage_units
from core.model import Answer, Passage, Quote, Source, Verification
from core.text import cjk_count, cjk_share, fold_for_quotes, quote_spans

# cosine similarity (sentence vector . theme centroid, the answerer's sentence embedder) that a target's closest
# sentence needs when none of its sentences is in the theme.  Chosen on the tune half of
# benchmarks/data/compare_questions.jsonl by benchmarks/compare_threshold.py: right keep / leave decisions 0.612
# at 0.44 (best of 0.20-0.95; 0.531 keeping every cell); on the held half 0.509 (0.491 keeping every cell).  The
# closeness separates on- from off-theme sentences only weakly on 16 questions; the main embedder (e5) did no
# better in an earlier variant (tune 0.537, held 0.597, against 0.512 / 0.516 keeping all).
CELL_THRESHOLD = 0.44
MAX_THEMES = 5
THEME_POOL = 40  # most relevant sentences the themes are built from
DROP = 0.3  # ... none further below the best one than this (Ask mode's rule in select.py: off the topic)
NOT_ADDRESSED = "not addressed in the corpus"
NOT_ADDRESSED_ZH = "语料库中未涉及"


@dataclass(frozen=True)
class Row:
    """One theme of the comparison and, per target, the unit quoted (or None)."""

    label: str
    cells: tuple[int | None, ...]  # index into the units, per target
    size: int

    @property
    def common(self) -> bool:
        return all(c is not None for c in self.cells)


@dataclass(frozen=True)
class Table:
    """The comparison before it is written out: rows, units and each unit's target (tests read it)."""

    targets: tuple[str, ...]
    rows: tuple[Row, ...]
    units: tuple[Unit, ...]
    similarity: tuple[tuple[float | None, ...], ...]  # per row, per target: the best candidate's closeness
    member: tuple[tuple[bool, ...], ...] = ()  # per row, per target: the cell's sentence is one of the theme's


def _zh(text: str) -> bool:
    return cjk_count(text) >= 2 and cjk_share(text) >= 0.2


def build_table(question: str, passages: Sequence[Passage], owner: Sequence[int], targets: Sequence[str],
                embed: Embed, *, threshold: float = CELL_THRESHOLD, max_themes: int = MAX_THEMES) -> Table:
    """The rows of the comparison.  ``owner[i]`` is the index of the target passage ``i`` belongs to."""
    from assistant.themes import discover_themes

    units = quotable_units(passage_units(passages))
    if not units:
        return Table(tuple(targets), (), (), (), ())
    query, vectors = embed([u.text for u in units])
    relevance = vectors @ query
    order = np.argsort(-relevance, kind="stable")
    best = float(relevance[order[0]])
    pool = [int(i) for i in order[:THEME_POOL] if relevance[i] >= best - DROP]
    themes = discover_themes([units[i].text for i in pool], vectors[pool], max_themes=max_themes, min_size=2, seed=0)
    # a theme without key phrases is labelled by its central sentence, which a cell quotes anyway: numbered
    centroids = [(t.label if t.keyphrases else "", t.centroid, [pool[m] for m in t.members]) for t in themes]
    if not centroids:  # too few sentences to group: one row, the question itself
        centroids = [(question, query, pool)]
    used: set[int] = set()
    used_text: set[str] = set()
    rows: list[Row] = []
    sims: list[tuple[float | None, ...]] = []
    members: list[tuple[bool, ...]] = []
    for label, centroid, theme_units in centroids:
        closeness = vectors @ centroid
        cells: list[int | None] = []
        best_sims: list[float | None] = []
        by_member: list[bool] = []
        for t in range(len(targets)):
            def free(i: int, t: int = t) -> bool:
                return owner[units[i].passage] == t and i not in used \
                    and fold_for_quotes(units[i].text) not in used_text

            # a target with a sentence in the theme addresses it: its most central one; else its closest sentence,
            # when close enough
            pick = next((i for i in theme_units if free(i)), None)
            member = pick is not None
            if pick is None:
                pick = max((i for i in range(len(units)) if free(i)),
                           key=lambda i: (float(closeness[i]), float(relevance[i])), default=None)
            best_sims.append(float(closeness[pick]) if pick is not None else None)
            by_member.append(member)
            if pick is not None and (member or closeness[pick] >= threshold):
                cells.append(pick)
                used.add(pick)
                used_text.add(fold_for_quotes(units[pick].text))
            else:
                cells.append(None)
        if any(c is not None for c in cells):
            rows.append(Row(label, tuple(cells), len(theme_units)))
            sims.append(tuple(best_sims))
            members.append(tuple(by_member))
    ranked = sorted(range(len(rows)), key=lambda r: (not rows[r].common, -rows[r].size, r))
    return Table(tuple(targets), tuple(rows[r] for r in ranked), tuple(units), tuple(sims[r] for r in ranked),
                 tuple(members[r] for r in ranked))


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def compose_compare(question: str, by_target: dict[str, list[Passage]], embed: Embed, *, how: str = "",
                    notice: str | None = None, threshold: float = CELL_THRESHOLD) -> Answer:
    """The offline comparison as a Markdown table with numbered sources (``how`` says where the targets came
    from; it leads the answer)."""
    names = list(by_target)
    passages: list[Passage] = []
    owner: list[int] = []
    seen: set[str] = set()
    for t, name in enumerate(names):
        for p in by_target[name]:
            if p.id not in seen:
                seen.add(p.id)
                passages.append(p)
                owner.append(t)
    zh = _zh(question)
    empty = [n for n in names if not by_target[n]]
    table = build_table(question, passages, owner, names, embed, threshold=threshold) if passages else None
    lines = [f"**{how}**" if how else f"**{'比较' if zh else 'Compared'}: {', '.join(names)}.**", ""]
    numbers: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    if table is None or not table.rows:
        lines.append("没有找到可比较的原文。" if zh else "No sentence of these targets speaks to this topic.")
    else:
        missing = NOT_ADDRESSED_ZH if zh else NOT_ADDRESSED
        theme = "主题" if zh else "Theme"
        lines += ["| " + theme + " | " + " | ".join(_cell(n) for n in names) + " |",
                  "|---|" + "---|" * len(names)]
        heading_done = {True: False, False: False}
        for row in table.rows:
            if not heading_done[row.common]:
                heading_done[row.common] = True
                title = ("共识" if row.common else "分歧") if zh else ("Common ground" if row.common else
                                                                   "Where they differ")
                lines.append(f"| **{title}** |" + " |" * len(names))
            cells = []
            for cell in row.cells:
                if cell is None:
                    cells.append(f"*{missing}*")
                    continue
                unit = table.units[cell]
                n = numbers.setdefault(unit.passage, len(numbers) + 1)
                quotes.setdefault(unit.passage, []).append(bare(unit.text))
                cells.append(_cell(f"“{bare(unit.text)}” [{n}]"))
            label = row.label or f"{theme} {table.rows.index(row) + 1}"
            lines.append(f"| {_cell(label)} | " + " | ".join(cells) + " |")
    if empty:
        lines += ["", ("这些对象没有相关原文：" if zh else "No passage on this topic from: ") + ", ".join(empty)]
    sources = [Source(n=numbers[i], passage=passages[i],
                      quotes=[Quote(n=numbers[i], text=q, verified=bool(quote_spans(passages[i].text, q)))
                              for q in quotes[i]]) for i in sorted(numbers, key=numbers.__getitem__)]
    all_quotes = [q for s in sources for q in s.quotes]
    verification = Verification(citations_given=len(sources), citations_valid=len(sources),
                                quotes_total=len(all_quotes), quotes_verified=sum(q.verified for q in all_quotes))
    from assistant.answer.labels import OFFLINE_BACKEND

    return Answer(question=question, text="\n".join(lines).rstrip(), sources=sources, mode="compare",
                  backend=OFFLINE_BACKEND, notice=notice, verification=verification)
