"""Each stored row's author, document, year and language, as codes in arrays: filters answered in memory.

Why: a Chroma query with a metadata ``where`` reads the metadata table first, and at 150,000 passages
that costs 80-120 ms per filter (600 ms for two common years), where the unfiltered nearest-neighbour
search costs 3 ms.  The retriever filters on every question that names an organisation, a document or
a year (its focus candidates), so the filter is answered here, as a mask over the snapshot's row
positions, and the store is asked for the nearest rows among those ids (``Store.query(within=)``).

The mask must let through exactly the rows ``index.store.where_clause`` would: a conformance test
(tests/integration/test_store.py) compares both on random filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from core.model import Filters

NONE = -1  # the code of a row without the field (an undated statement has no year)
_FIELDS = ("author", "document", "year", "lang")


class RowFacets:
    """``codes[i]`` = (author, document, year, lang) of row ``i``: names as indices into ``names``, years as
    themselves, ``NONE`` where the row lacks the field."""

    def __init__(self, codes: np.ndarray, names: Mapping[str, list[str]]):
        self.codes = codes
        # each field's codes contiguous in memory (4 bytes a row each): a column of the row-major codes is read
        # with a stride, which made a comparison over 150,000 rows ~0.3 ms instead of ~0.05
        self._columns = {f: np.ascontiguousarray(codes[:, i]) for i, f in enumerate(_FIELDS)}
        self.names = {f: list(names.get(f, [])) for f in ("author", "document", "lang")}
        self._index = {f: {n: i for i, n in enumerate(v)} for f, v in self.names.items()}

    @classmethod
    def from_metas(cls, metas: Iterable[Mapping[str, Any]]) -> RowFacets:
        names: dict[str, dict[str, int]] = {"author": {}, "document": {}, "lang": {}}
        rows = []
        for meta in metas:
            row = []
            for f in _FIELDS:
                value = meta.get(f)
                if f == "year":
                    row.append(int(value) if isinstance(value, int) and not isinstance(value, bool) else NONE)
                elif isinstance(value, str) and value:
                    row.append(names[f].setdefault(value, len(names[f])))
                else:
                    row.append(NONE)
            rows.append(row)
        codes = np.array(rows, dtype=np.int32).reshape(len(rows), len(_FIELDS))
        return cls(codes, {f: list(v) for f, v in names.items()})

    def save(self, path: Path) -> dict[str, list[str]]:
        """Write the codes (``path``, .npy); the names go into the snapshot's meta.json (returned)."""
        np.save(path, self.codes)
        return self.names

    @classmethod
    def load(cls, path: Path, names: Mapping[str, list[str]]) -> RowFacets:
        return cls(np.load(path, mmap_mode="r"), names)

    def mask(self, filters: Filters | None) -> np.ndarray:
        """Rows ``filters`` let through, as a boolean mask over positions (all of them when there are none)."""
        mask = np.ones(len(self.codes), dtype=bool)
        if not filters or filters.is_empty():
            return mask
        for f, wanted in (("author", filters.authors), ("document", filters.documents)):
            if wanted:
                mask &= _any_of(self._columns[f], self._codes(f, wanted))
        years = self._columns["year"]
        if filters.years:
            mask &= _any_of(years, [int(y) for y in filters.years])
        if filters.since is not None:
            mask &= (years != NONE) & (years >= int(filters.since))
        if filters.until is not None:
            mask &= (years != NONE) & (years <= int(filters.until))
        if filters.lang:
            mask &= self._columns["lang"] == self._index["lang"].get(filters.lang, -2)
        return mask

    def _codes(self, field: str, wanted: Iterable[str]) -> list[int]:
        index = self._index[field]
        return [index[n] for n in wanted if n in index] or [-2]  # -2: no row has it


def _any_of(column: np.ndarray, values: list[int]) -> np.ndarray:
    """``np.isin(column, values)``; for the few values a question names, one comparison each (isin sorts: ~1 ms
    a filter at 150,000 rows, where three comparisons take ~0.1 ms)."""
    if len(values) > 8:
        return np.isin(column, values)
    out = np.zeros(len(column), dtype=bool)
    for value in values:
        out |= column == value
    return out
