"""The consensus map: which organisations (or documents) speak to which themes, each filled cell a quote.

Input is a set of passages (what a topic retrieves, or the whole store) and a function that embeds sentences.
Every passage is cut into whole sentences (``core.text``); the sentences are embedded *alone*, without the
metadata header the store embeds above a passage, and a passage's vector is the mean of its sentences'.  So the
map reads the text and who wrote it, never the ``section`` field: a label a corpus may carry (the WAIE
statements carry their principle there) cannot leak into the map, and a map of an unlabelled corpus works the
same way (tests/integration/test_map.py checks the map is identical with ``section`` removed).

With a second embedding view (the store's USE model), every sentence is embedded by both and the two views
are joined side by side (``fit.joined``): the map then reads the mean of two models' cosines, which places more
statements under their own principle (benchmarks/MAP_RESULTS.md).

Themes are discovered (``discover_themes`` on the centred passage vectors) or given by a framework (its
names, embedded as queries and refined on the passages: ``fit.refine``).  A passage speaks to its nearest
theme, to any other within ``MARGIN`` of it, and, for a framework, to the themes each of its own sentences is
nearest to (within ``SENTENCE_MARGIN``): a statement that makes two points, one per sentence, counts for both.
Every theme a passage speaks to is above ``THRESHOLD`` (centred cosine), and, for a framework, every one but
the nearest has its name within ``NAME_MARGIN`` of the passage's nearest name (the nearest, within
``NEAREST_NAME_MARGIN``); a passage too far from every theme counts for none.  A
cell's quote is the whole sentence of that row's passages nearest to the theme.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.themes.assign import assign, assign_scores
from assistant.themes.consensus import UNKNOWN, By, Cell, ConsensusMap, MapTheme
from assistant.themes.discover import Method, discover_themes
from assistant.themes.fit import NAME_BONUS, centred, joined, name_mentions, refine
from assistant.themes.frameworks import Framework
from assistant.themes.keyphrases import keyphrases
from core.model import Passage
from core.text import cjk_count, fold_for_names, sentences

Embed = Callable[[list[str]], np.ndarray]  # texts -> unit rows

MIN_SENTENCE_CHARS = 25  # shorter pieces (headings, list labels) are not quoted unless a passage has nothing else
MIN_CJK_CHARS = 8
THRESHOLD = 0.05  # centred cosine under which a passage speaks to no theme (benchmarks/theme_map.py)
MARGIN = 0.04  # a second theme counts when within this of the passage's nearest one
SENTENCE_MARGIN = 0.04  # ... or when one of the passage's sentences is this near to it (framework maps)
NAME_MARGIN = 0.08  # ... and when its name is within this (plain cosine) of the passage's nearest name
NEAREST_NAME_MARGIN = 0.1  # the nearest theme's name: within this (keeps it for 99% of the WAIE statements)
MAX_THEMES = 8


@dataclass
class _Unit:
    passage: Passage
    sentences: list[str]
    start: int  # first row of its sentences in the sentence matrix


def build_map(passages: Sequence[Passage], embed: Embed, *, topic: str | None = None,
              framework: Framework | None = None, embed_query: Embed | None = None, by: By = "author",
              max_themes: int = MAX_THEMES, min_size: int = 2, seed: int = 0, method: Method = "kmeans",
              threshold: float = THRESHOLD, margin: float = MARGIN, name_margin: float = NAME_MARGIN,
              sentence_margin: float = SENTENCE_MARGIN,
              second: tuple[Embed, Embed] | None = None) -> ConsensusMap:
    """The map of ``passages``; with ``framework``, its themes (embedded by ``embed_query``), else discovered.
    ``second``: a second view's (passage, query) embedders, joined to the first."""
    started = time.perf_counter()
    units = _units(passages)
    if not units:
        return ConsensusMap(topic, framework.name if framework else None, by, (), (), (), seconds=0.0)
    views = [embed_units(units, embed)] + ([embed_units(units, second[0])] if second is not None else [])
    vectors, sentence_vectors, raw = (joined(*[v[k] for v in views]) for k in range(3))
    texts = [u.passage.text for u in units]

    if framework is not None:
        if embed_query is None:
            raise ValueError("a framework map needs embed_query to embed the theme names")
        theme_texts = [t.text for t in framework.themes]
        queries = [embed_query] + ([second[1]] if second is not None else [])
        per_view = [_unit_rows(np.asarray(q(theme_texts), dtype=np.float32)) for q in queries]
        names = joined(*per_view)  # plain: what the name gate reads
        labels = [t.name for t in framework.themes]
        bonus = NAME_BONUS * name_mentions(texts, labels)
        theme_vectors = refine(vectors, joined(*[centred(v) for v in per_view]) if len(names) > 2 else names,
                               bonus=bonus)
        descriptions = [t.description for t in framework.themes]
        scores = vectors @ theme_vectors.T + bonus
        per_unit = assign_scores(scores, threshold, margin=margin)
        sentence_bonus = NAME_BONUS * name_mentions([s for u in units for s in u.sentences], labels)
        sentence_scores = sentence_vectors @ theme_vectors.T + sentence_bonus
        for i, unit in enumerate(units):  # the themes the passage's own sentences are nearest to
            for k in _quotable(unit.sentences):
                row = sentence_scores[unit.start + k]
                for near_j in np.flatnonzero(row >= max(float(row.max()) - sentence_margin, threshold)):
                    if int(near_j) not in per_unit[i] and scores[i, near_j] >= threshold:
                        per_unit[i].append(int(near_j))
            own = scores[i]
            per_unit[i].sort(key=lambda t: (-float(own[t]), t))
        phrases: list[tuple[str, ...]] | None = None  # extracted from the statements each theme received
        # a further theme whose name is much further from the passage than its nearest name is not spoken to:
        # the refined vectors put many themes near a passage, the names say which of them are near at all.
        # The nearest theme has a wider margin (the refined vectors know the corpus better than the bare names)
        plain = _unit_rows(raw) @ names.T
        near = plain >= plain.max(axis=1, keepdims=True) - name_margin
        nearest_ok = plain >= plain.max(axis=1, keepdims=True) - NEAREST_NAME_MARGIN
        per_unit = [[j for k, j in enumerate(js) if near[i, j] or (k == 0 and nearest_ok[i, j])]
                    for i, js in enumerate(per_unit)]
    else:
        found = discover_themes(texts, vectors, max_themes=max_themes, min_size=min_size, seed=seed, method=method)
        theme_vectors = np.stack([t.centroid for t in found]) if found else np.zeros((0, vectors.shape[1]))
        labels = [t.label for t in found]
        descriptions = ["" for _ in found]
        phrases = [t.keyphrases for t in found]
        per_unit = assign(vectors, theme_vectors, threshold, margin=margin)
        for j, theme in enumerate(found):  # a cluster's members speak to it whatever the threshold says
            for i in theme.members:
                if j not in per_unit[i]:
                    per_unit[i].append(j)

    return _assemble(units, per_unit, vectors, sentence_vectors, theme_vectors, labels, descriptions, texts,
                     topic=topic, framework=framework, by=by, started=started, phrases=phrases)


def _assemble(units: list[_Unit], per_unit: list[list[int]], vectors: np.ndarray, sentence_vectors: np.ndarray,
              theme_vectors: np.ndarray, labels: list[str], descriptions: list[str], texts: list[str], *,
              topic: str | None, framework: Framework | None, by: By, started: float,
              phrases: list[tuple[str, ...]] | None) -> ConsensusMap:
    row_names = sorted({_row_name(u.passage, by) for u in units}, key=str.casefold)
    row_of = {name: i for i, name in enumerate(row_names)}
    n_themes = len(labels)
    # statements per (row, theme), and the best sentence for each
    statements: dict[tuple[int, int], set[str]] = {}
    best: dict[tuple[int, int], tuple[float, int, int]] = {}  # -> (similarity, unit, sentence)
    by_statement: dict[str, dict[int, float]] = {}  # statement -> theme -> best similarity
    for i, unit in enumerate(units):
        sid = unit.passage.statement_id or unit.passage.id
        spoken = by_statement.setdefault(sid, {})
        for j in per_unit[i]:
            spoken[j] = max(spoken.get(j, -2.0), float(vectors[i] @ theme_vectors[j]))
        row = row_of[_row_name(unit.passage, by)]
        quotable = _quotable(unit.sentences)
        for j in per_unit[i]:
            statements.setdefault((row, j), set()).add(sid)
            sims = sentence_vectors[unit.start:unit.start + len(unit.sentences)] @ theme_vectors[j]
            s = max(quotable, key=lambda k: (float(sims[k]), -k))
            candidate = (float(sims[s]), i, s)
            if (row, j) not in best or candidate[0] > best[(row, j)][0] + 1e-9:
                best[(row, j)] = candidate
    cells = []
    for (row, j), (sim, i, s) in sorted(best.items()):
        p = units[i].passage
        cells.append(Cell(row=row, theme=j, count=len(statements[(row, j)]), quote=units[i].sentences[s],
                          author=p.author, document=p.document, date=p.date, statement_id=p.statement_id or p.id,
                          passage_id=p.id, similarity=round(sim, 4)))
    years, year_counts, first = _by_year(units, per_unit, n_themes)
    themes = []
    folded = [fold_for_names(t) for t in texts] if n_themes and phrases is None else []
    for j in range(n_themes):
        members = [i for i in range(len(units)) if j in per_unit[i]]
        members.sort(key=lambda i: -float(vectors[i] @ theme_vectors[j]))
        if phrases is not None:
            found = phrases[j]
        else:
            found = keyphrases([texts[i] for i in members], 3, folded_background=folded) if members else ()
        themes.append(MapTheme(label=labels[j], keyphrases=found, description=descriptions[j],
                               statements=len({units[i].passage.statement_id or units[i].passage.id
                                               for i in members}),
                               rows=sum(1 for (_r, jj) in statements if jj == j), first_year=first.get(j)))
    assignments = tuple(sorted((sid, tuple(sorted(js, key=lambda j: (-js[j], j)))) for sid, js in by_statement.items()))
    return ConsensusMap(topic=topic, framework=framework.name if framework else None, by=by, rows=tuple(row_names),
                        themes=tuple(themes), cells=tuple(cells), years=years, year_counts=year_counts,
                        statements=len(by_statement), passages=len(units),
                        unassigned=sum(1 for js in by_statement.values() if not js), assignments=assignments,
                        seconds=time.perf_counter() - started)


def embed_units(units: Sequence[_Unit], embed: Embed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(passage vectors, sentence vectors), both centred on the passages' mean, and the passage vectors
    uncentred: a passage is the mean of its sentences, each embedded alone (no metadata header)."""
    raw = np.asarray(embed([s for u in units for s in u.sentences]), dtype=np.float32)
    passage_vectors = np.stack([_unit_mean(raw[u.start:u.start + len(u.sentences)]) for u in units])
    mean = passage_vectors.mean(axis=0)
    return centred(passage_vectors, mean), centred(raw, mean), passage_vectors


def map_units(passages: Sequence[Passage]) -> list[_Unit]:
    """The passages with text, each with its whole sentences (what a map embeds and quotes)."""
    return _units(passages)


def _units(passages: Sequence[Passage]) -> list[_Unit]:
    units: list[_Unit] = []
    start = 0
    for p in passages:
        found = [s for s in sentences(p.text or "", p.lang) if s.strip()]
        if not found and (p.text or "").strip():
            found = [p.text.strip()]
        if not found:
            continue
        units.append(_Unit(p, found, start))
        start += len(found)
    return units


def _quotable(found: list[str]) -> list[int]:
    """Indices of the sentences long enough to quote (all of them when none is)."""
    long = [k for k, s in enumerate(found) if len(s) >= MIN_SENTENCE_CHARS or cjk_count(s) >= MIN_CJK_CHARS]
    return long or list(range(len(found)))


def _row_name(p: Passage, by: By) -> str:
    if by == "document":
        return p.document or p.source or UNKNOWN
    return p.author or UNKNOWN


def _unit_rows(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def _unit_mean(rows: np.ndarray) -> np.ndarray:
    m = rows.mean(axis=0)
    return m / max(float(np.linalg.norm(m)), 1e-12)


def _by_year(units: list[_Unit], per_unit: list[list[int]],
             n_themes: int) -> tuple[tuple[int, ...], tuple[tuple[int, ...], ...], dict[int, int]]:
    seen: dict[int, list[set[str]]] = {}
    for i, unit in enumerate(units):
        year = unit.passage.year
        if year is None:
            continue
        slots = seen.setdefault(year, [set() for _ in range(n_themes)])
        for j in per_unit[i]:
            slots[j].add(unit.passage.statement_id or unit.passage.id)
    years = tuple(sorted(seen))
    counts = tuple(tuple(len(s) for s in seen[y]) for y in years)
    first: dict[int, int] = {}
    for y, row in zip(years, counts):
        for j, c in enumerate(row):
            if c and j not in first:
                first[j] = y
    return years, counts, first
