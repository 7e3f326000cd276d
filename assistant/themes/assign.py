"""Which themes each text speaks to: cosine similarity to each theme's vector above a threshold.

A text may speak to several themes or to none, so this is not an argmax: every theme at or above
``threshold`` counts, best first.  ``margin`` (optional) keeps only the themes within that distance of the
text's best one, so a text clearly about one theme is not also counted for its neighbours.
"""

from __future__ import annotations

import numpy as np


def similarities(vectors: np.ndarray, theme_vectors: np.ndarray) -> np.ndarray:
    """(texts, themes) cosine similarities of unit rows."""
    a = np.asarray(vectors, dtype=np.float32)
    b = np.asarray(theme_vectors, dtype=np.float32)
    if a.size == 0 or b.size == 0:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    return a @ b.T


def assign(vectors: np.ndarray, theme_vectors: np.ndarray, threshold: float, *,
           margin: float | None = None) -> list[list[int]]:
    """Per text, the indices of the themes it speaks to (similarity >= ``threshold``), most similar first."""
    return assign_scores(similarities(vectors, theme_vectors), threshold, margin=margin)


def assign_scores(scores: np.ndarray, threshold: float, *, margin: float | None = None) -> list[list[int]]:
    """``assign`` on a ready (texts, themes) score matrix (similarities plus any other evidence)."""
    out: list[list[int]] = []
    for row in np.asarray(scores, dtype=np.float32):
        floor = threshold
        if margin is not None and row.size:
            floor = max(floor, float(row.max()) - margin)
        picked = [int(j) for j in np.flatnonzero(row >= floor)]
        out.append(sorted(picked, key=lambda j: (-float(row[j]), j)))
    return out
