"""Themes discovered in a set of texts: their sentence vectors clustered, each cluster labelled by its own words.

k-means (scikit-learn) on the unit vectors, with the number of themes chosen by the silhouette score
(Rousseeuw, 1987: the split whose texts sit closest to their own theme and furthest from the next) between
the rule of thumb sqrt(n / 2) and ``max_themes``.  Silhouette alone picks 2 on sentence embeddings of a whole
corpus (measured on the WAIE statements: 2 themes, NMI 0.01 with their principles), which no reader wants.
Agglomerative clustering (Ward) is the alternative ``method``; benchmarks/theme_map.py measured both
on the corpus (the figures are in benchmarks/MAP_RESULTS.md).  A cluster smaller than ``min_size`` is not a
theme: its texts are left out, because a theme one text speaks to is not a point several texts make.

Everything is deterministic for the same input and seed: k-means starts from ``seed``, the silhouette samples
with it, and ties are broken by text index.

The clustering runs on one thread (threadpoolctl, which scikit-learn itself depends on): a map clusters at most
a few thousand rows, where OpenMP's threads only wait for each other, and on a loaded machine a thread that spins
waiting for a descheduled one costs more than the whole fit (benchmarks/MAP_RESULTS.md, response time).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from threadpoolctl import threadpool_limits

from assistant.themes.keyphrases import keyphrases
from core.text import fold_for_names, sentences

Method = Literal["kmeans", "agglomerative"]
SILHOUETTE_SAMPLE = 2000  # texts the silhouette is computed on (it is quadratic)
KEYPHRASES = 3


@dataclass(frozen=True)
class Theme:
    """One theme: what its texts have in common, in their own words, and which texts they are."""

    label: str  # key phrases, or the most central sentence: never invented prose
    keyphrases: tuple[str, ...]  # extracted (English and Chinese)
    members: tuple[int, ...]  # indices into the input texts, most central first
    central: int  # index of the most central member
    centroid: np.ndarray = field(compare=False)  # unit-normalised mean of the members' vectors
    coherence: float = 0.0  # mean cosine of the members to the centroid


def discover_themes(texts: Sequence[str], vectors: np.ndarray, *, max_themes: int = 6, min_size: int = 2,
                    seed: int = 0, method: Method = "kmeans", k: int | None = None) -> list[Theme]:
    """Up to ``max_themes`` themes of ``texts`` (``vectors``: one unit row per text), largest first, ties by
    first member; ``k`` fixes the number of clusters instead of choosing it by silhouette."""
    vectors = _unit(np.asarray(vectors, dtype=np.float64))
    n = len(texts)
    if n != len(vectors):
        raise ValueError(f"{n} texts but {len(vectors)} vectors")
    if n < max(min_size, 2) or max_themes < 1:
        return []
    with threadpool_limits(1):
        labels = _cluster(vectors, k, max_themes, min_size, seed, method)
    groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    groups = [g for g in groups if len(g) >= min_size]
    themes = [_theme(texts, vectors, g) for g in groups]
    themes = _labelled(themes, texts)
    return sorted(themes, key=lambda t: (-len(t.members), min(t.members)))


def cluster_labels(vectors: np.ndarray, *, max_themes: int = 6, min_size: int = 2, seed: int = 0,
                   method: Method = "kmeans", k: int | None = None) -> np.ndarray:
    """The cluster of each vector (what ``discover_themes`` groups by), for measuring the clustering."""
    with threadpool_limits(1):
        return _cluster(_unit(np.asarray(vectors, dtype=np.float64)), k, max_themes, min_size, seed, method)


def _cluster(vectors: np.ndarray, k: int | None, max_themes: int, min_size: int, seed: int,
             method: Method) -> np.ndarray:
    n = len(vectors)
    if k is not None:
        return _fit(vectors, max(1, min(k, n)), seed, method)
    top = min(max_themes, n // max(min_size, 1), n - 1)
    if top < 2:
        return np.zeros(n, dtype=int)
    from sklearn.metrics import silhouette_score

    fewest = min(top, max(2, round(math.sqrt(n / 2))))  # the rule of thumb k ~ sqrt(n / 2) as the floor
    best: tuple[float, np.ndarray] | None = None
    for candidate in range(fewest, top + 1):
        labels = _fit(vectors, candidate, seed, method)
        if len(np.unique(labels)) < 2:
            continue
        score = float(silhouette_score(vectors, labels, metric="cosine",
                                       sample_size=min(n, SILHOUETTE_SAMPLE), random_state=seed))
        if best is None or score > best[0] + 1e-9:
            best = (score, labels)
    return best[1] if best is not None else np.zeros(n, dtype=int)


def _fit(vectors: np.ndarray, k: int, seed: int, method: Method) -> np.ndarray:
    if k <= 1:
        return np.zeros(len(vectors), dtype=int)
    if method == "agglomerative":
        from sklearn.cluster import AgglomerativeClustering

        return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(vectors)
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors)


def _theme(texts: Sequence[str], vectors: np.ndarray, group: np.ndarray) -> Theme:
    centroid = _unit(vectors[group].mean(axis=0, keepdims=True))[0]
    sims = vectors[group] @ centroid
    order = sorted(range(len(group)), key=lambda i: (-round(float(sims[i]), 6), int(group[i])))
    members = tuple(int(group[i]) for i in order)
    return Theme(label="", keyphrases=(), members=members, central=members[0], centroid=centroid.astype(np.float32),
                 coherence=float(sims.mean()))


def _labelled(themes: list[Theme], texts: Sequence[str]) -> list[Theme]:
    """Each theme's key phrases, distinctive against all the texts; its central sentence when it has none."""
    out = []
    folded = [fold_for_names(t) for t in texts] if themes else []
    for theme in themes:
        phrases = keyphrases([texts[i] for i in theme.members], KEYPHRASES, folded_background=folded)
        label = " · ".join(phrases) if phrases else _first_sentence(texts[theme.central])
        out.append(Theme(label=label, keyphrases=phrases, members=theme.members, central=theme.central,
                         centroid=theme.centroid, coherence=theme.coherence))
    return out


def _first_sentence(text: str) -> str:
    found = sentences(text)
    return found[0] if found else text.strip()


def _unit(vectors: np.ndarray) -> np.ndarray:
    if vectors.size == 0:
        return vectors.reshape(len(vectors), -1)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
