"""Sorting statements under a framework's named themes, by similarity alone (no labels are read).

A theme's name embedded as a query is a weak prototype: "Transparency" sits near "Accountability" and every
short name sits near every other one.  Two corrections, both unsupervised, make it a usable one:

1. **Centring.**  Sentence vectors of one corpus share a large common direction (the corpus is "about AI
   governance"), and so do the names of one framework; subtracting each side's mean leaves what tells the
   statements, and the themes, apart.
2. **Prototype refinement** (a seeded k-means: Basu et al., 2002).  Each statement goes to its nearest theme;
   each theme's vector then becomes its name's vector mixed with the mean of the statements it received, and
   the statements are assigned again.  The name keeps the theme where the framework put it (``NAME_WEIGHT``),
   the statements teach it how this corpus speaks of it.
3. **The name in the text.**  A statement that uses a theme's own words ("transparent", "privacy") gets a
   small bonus for that theme (``NAME_BONUS``), so a statement that says what it is about is believed.

benchmarks/theme_map.py measures each step on the WAIE statements (their principle labels are the answer key,
never an input); the figures are in benchmarks/MAP_RESULTS.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from core.text import fold_for_names, has_cjk

ROUNDS = 1  # refinement rounds: more let large themes swallow small ones (benchmarks/theme_map.py)
NAME_WEIGHT = 0.5  # share of the name's vector in a refined theme vector
NAME_BONUS = 0.15  # added to a theme's score for a text that names it (all the name's words, as prefixes)
_WORD = re.compile(r"[a-z]+")
_SKIP = frozenset({"and", "the", "for", "of", "to", "in", "on"})


def centred(vectors: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Unit rows of ``vectors - mean`` (the rows' own mean when none is given)."""
    v = np.asarray(vectors, dtype=np.float32)
    if len(v) == 0:
        return v
    m = v.mean(axis=0) if mean is None else mean
    out = v - m
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def refine(vectors: np.ndarray, names: np.ndarray, *, rounds: int = ROUNDS,
           name_weight: float = NAME_WEIGHT) -> np.ndarray:
    """Theme vectors (unit rows) refined on ``vectors`` (both centred unit rows), starting from ``names``."""
    themes = np.asarray(names, dtype=np.float32).copy()
    if len(vectors) == 0 or len(themes) == 0:
        return themes
    for _ in range(rounds):
        nearest = np.argmax(vectors @ themes.T, axis=1)
        new = np.empty_like(themes)
        for j in range(len(themes)):
            got = vectors[nearest == j]
            mean = got.mean(axis=0) if len(got) else np.zeros(themes.shape[1], dtype=np.float32)
            norm = float(np.linalg.norm(mean))
            mixed = name_weight * names[j] + (1 - name_weight) * (mean / norm if norm > 0 else mean)
            new[j] = mixed / max(float(np.linalg.norm(mixed)), 1e-12)
        if np.allclose(new, themes, atol=1e-6):
            break
        themes = new
    return themes


def name_mentions(texts: Sequence[str], names: Sequence[str]) -> np.ndarray:
    """(texts, names) 1.0 where the text holds every word of the name (English words by their first six letters,
    so "transparent" names "Transparency"; a Chinese name as written), else 0.0."""
    keys = []
    for name in names:
        folded = fold_for_names(name)
        keys.append([folded] if has_cjk(name) else
                    [w[:6] for w in _WORD.findall(folded) if len(w) > 2 and w not in _SKIP])
    out = np.zeros((len(texts), len(names)), dtype=np.float32)
    for i, text in enumerate(texts):
        folded = fold_for_names(text)
        for j, words in enumerate(keys):
            if words and all(w in folded for w in words):
                out[i, j] = 1.0
    return out
