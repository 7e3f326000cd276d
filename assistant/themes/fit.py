"""Sorting statements under a framework's named themes, by similarity alone (no labels are read).

A theme's name embedded as a query is a weak prototype: "Transparency" sits near "Accountability" and every
short name sits near every other one.  Two corrections, both unsupervised, make it a usable one:

1. **Centring.**  Sentence vectors of one corpus share a large common direction (the corpus is "about AI
   governance"), and so do the names of one framework; subtracting each side's mean leaves what tells the
   statements, and the themes, apart.
2. **Prototype refinement** (a seeded k-means: Basu et al., 2002).  Each statement goes to its nearest theme;
   each theme's vector then becomes its name's vector mixed with the mean of the *more confident half* of the
   statements it received (those whose lead over their second theme is largest: ``CONFIDENT``), and the
   statements are assigned again (``ROUNDS``).  The name keeps the theme where the framework put it
   (``NAME_WEIGHT``), the confident statements teach it how this corpus speaks of it; the less confident ones
   (a statement between two themes) would pull neighbouring themes together.
3. **The name in the text.**  A statement that uses a theme's own words ("transparent", "privacy") at the start
   of a word gets a small bonus for that theme (``NAME_BONUS``), in the refinement and in the final scores, so a
   statement that says what it is about is believed.

The vectors may join two embedding views (e5 and USE side by side, each centred and unit-length, divided by
sqrt 2: the cosine is then the mean of the two views' cosines); two models' errors differ, and together they
place 0.57 of the held-out statements under their own principle, against 0.51 for e5 alone.

benchmarks/theme_map.py measures each step on the WAIE statements (their principle labels are the answer key,
never an input); the figures are in benchmarks/MAP_RESULTS.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from core.text import fold_for_names, has_cjk

ROUNDS = 2  # refinement rounds (benchmarks/theme_map.py: more let large themes swallow small ones)
NAME_WEIGHT = 0.3  # share of the name's vector in a refined theme vector
CONFIDENT = 0.5  # share of a theme's statements, most confident first, that its refined vector is the mean of
NAME_BONUS = 0.15  # added to a theme's score for a text that names it (all the name's words, as word prefixes)
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


def refine(vectors: np.ndarray, names: np.ndarray, *, rounds: int = ROUNDS, name_weight: float = NAME_WEIGHT,
           confident: float = CONFIDENT, bonus: np.ndarray | None = None) -> np.ndarray:
    """Theme vectors (unit rows) refined on ``vectors`` (both centred unit rows), starting from ``names``.

    ``bonus`` (texts, themes) is added to the similarities when statements are assigned (the name in the text);
    a theme that receives no statement keeps its vector."""
    themes = np.asarray(names, dtype=np.float32).copy()
    if len(vectors) == 0 or len(themes) == 0:
        return themes
    for _ in range(rounds):
        scores = vectors @ themes.T
        if bonus is not None:
            scores = scores + bonus
        nearest = np.argmax(scores, axis=1)
        ranked = np.sort(scores, axis=1)
        lead = ranked[:, -1] - (ranked[:, -2] if scores.shape[1] > 1 else 0.0)
        new = themes.copy()
        for j in range(len(themes)):
            got = np.flatnonzero(nearest == j)
            if not len(got):
                continue
            keep = got[np.argsort(-lead[got], kind="stable")[:max(1, int(np.ceil(confident * len(got))))]]
            mean = vectors[keep].mean(axis=0)
            norm = float(np.linalg.norm(mean))
            mixed = name_weight * names[j] + (1 - name_weight) * (mean / norm if norm > 0 else mean)
            new[j] = mixed / max(float(np.linalg.norm(mixed)), 1e-12)
        if np.allclose(new, themes, atol=1e-6):
            break
        themes = new
    return themes


def joined(*views: np.ndarray) -> np.ndarray:
    """Unit rows of several views side by side (each already unit rows): the cosine of two joined rows is the
    mean of the views' cosines."""
    if len(views) == 1:
        return np.asarray(views[0], dtype=np.float32)
    return (np.hstack([np.asarray(v, dtype=np.float32) for v in views]) / np.sqrt(len(views))).astype(np.float32)


def name_mentions(texts: Sequence[str], names: Sequence[str]) -> np.ndarray:
    """(texts, names) 1.0 where the text holds every word of the name (English words by their first six letters,
    at the start of a word, so "transparent" names "Transparency" and "information" does not name "Human
    Formation"; a Chinese name as written), else 0.0."""
    keys = []
    for name in names:
        folded = fold_for_names(name)
        keys.append([folded] if has_cjk(name) else
                    [w[:6] for w in _WORD.findall(folded) if len(w) > 2 and w not in _SKIP])
    out = np.zeros((len(texts), len(names)), dtype=np.float32)
    for i, text in enumerate(texts):
        folded = fold_for_names(text)
        starts = " " + " ".join(_WORD.findall(folded))
        for j, words in enumerate(keys):
            if not words:
                continue
            if has_cjk(names[j]):
                found = words[0] in folded
            else:
                found = all(f" {w}" in starts for w in words)
            if found:
                out[i, j] = 1.0
    return out
