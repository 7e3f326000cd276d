"""The consensus map as data: rows (organisations or documents) x themes, a quote per filled cell.

Its own module so that building it (``map.py``) and showing it (``export.py`` tables and JSON, ``plot.py``
heatmaps) each import the data and not one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

By = Literal["author", "document"]
UNKNOWN = "Unknown author"


@dataclass(frozen=True)
class MapTheme:
    label: str  # a framework's name, or extracted key phrases
    keyphrases: tuple[str, ...]
    description: str = ""
    statements: int = 0  # statements that speak to it
    rows: int = 0  # organisations (or documents) that speak to it
    first_year: int | None = None


@dataclass(frozen=True)
class Cell:
    """A filled cell: a row's best whole-sentence quote on a theme, with its citation."""

    row: int
    theme: int
    count: int  # statements of this row on this theme
    quote: str
    author: str | None
    document: str | None
    date: str | None
    statement_id: str
    passage_id: str
    similarity: float

    def citation(self) -> str:
        parts = [self.author or UNKNOWN]
        if self.document:
            parts.append(f"*{self.document}*")
        if self.date:
            parts.append(self.date)
        return ", ".join(parts)


@dataclass(frozen=True)
class ConsensusMap:
    """Rows x themes: counts, one quote per filled cell, totals, and counts by year."""

    topic: str | None
    framework: str | None  # the framework's name, None for discovered themes
    by: By
    rows: tuple[str, ...]
    themes: tuple[MapTheme, ...]
    cells: tuple[Cell, ...]
    years: tuple[int, ...] = ()
    year_counts: tuple[tuple[int, ...], ...] = ()  # per year, statements per theme
    statements: int = 0
    passages: int = 0
    unassigned: int = 0  # statements that speak to no theme
    # statement -> the themes it speaks to, nearest first
    assignments: tuple[tuple[str, tuple[int, ...]], ...] = field(default=(), repr=False)
    seconds: float = field(default=0.0, compare=False)

    def matrix(self) -> np.ndarray:
        """(rows, themes) statement counts."""
        out = np.zeros((len(self.rows), len(self.themes)), dtype=int)
        for c in self.cells:
            out[c.row, c.theme] = c.count
        return out

    def cell(self, row: int, theme: int) -> Cell | None:
        for c in self.cells:
            if c.row == row and c.theme == theme:
                return c
        return None
