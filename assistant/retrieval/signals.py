"""The evidence a coverage decision weighs, measured once per search (fusion has most of it at hand)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Signals:
    """What the coverage score is computed from (None where a view is absent)."""

    best_dense: float | None
    best_second: float | None
    dense_z: float = 0.0  # best similarity above the question's mean similarity to the store, in its spreads
    second_z: float = 0.0
    bm25_z: float = 0.0
    names_held: float = 0.0  # 1 when the question names a stored organisation or document outright
    unknown_names: float = 0.0  # proper names in the question that nothing stored holds (coverage.unknown_names)
    # the best stored passage above the best off-topic background questions, in spreads (off_domain.py)
    domain_margin: float | None = None

    def features(self) -> tuple[float, ...]:
        return (self.best_dense or 0.0, self.best_second or 0.0, self.dense_z, self.second_z,
                min(self.bm25_z, 10.0), self.names_held, min(self.unknown_names, 2.0))


def background_z(best: float, reference: np.ndarray) -> float:
    """``best`` above the mean of ``reference``, in units of its spread."""
    if reference.size < 2:
        return 0.0
    return float((best - reference.mean()) / (reference.std() + 1e-9))
