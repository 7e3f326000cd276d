"""CSV and TSV (``.csv``, ``.tsv``) -> statements: a header row names the fields, one row per statement."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.model import IngestError, ParseIssue, ParseResult
from ingest.reader import read_text
from ingest.record_mapping import collect_records

_CSV_FIELD_LIMIT = 50_000_000


def load_csv(path: Path) -> ParseResult:
    """Load a ``.csv`` / ``.tsv`` file with a header row naming the fields."""
    text, _ = read_text(path)
    return parse_csv(text, str(path), tab=path.suffix.lower() == ".tsv")


def parse_csv(text: str, source: str, tab: bool = False) -> ParseResult:
    """Parse delimited text; a row without text is an error, the rest load."""
    delimiter = "\t" if tab else _sniff_delimiter(text)
    issues: list[ParseIssue] = []
    with _large_fields():
        rows = list(_csv_rows(text, delimiter, source, issues))
    if not rows:
        raise IngestError(source, "no header row")
    header_line, header = rows[0]
    header = _check_header(header, source, header_line, issues)
    records = _row_records(rows[1:], header, source, issues)
    return collect_records(records, source, issues)


def _sniff_delimiter(text: str) -> str:
    """Comma, unless the header clearly uses ';' or tabs (spreadsheet exports)."""
    first = text.lstrip("\n").split("\n", 1)[0]
    if "," in first:
        return ","
    for candidate in ("\t", ";"):
        if candidate in first:
            return candidate
    return ","


@contextmanager
def _large_fields() -> Iterator[None]:
    """Allow long statements in one cell without leaving the global limit raised."""
    old = csv.field_size_limit()
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_rows(
    text: str, delimiter: str, source: str, issues: list[ParseIssue]
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(start line, cells)`` for non-blank rows (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            issues.append(ParseIssue(source, start, f"malformed CSV: {exc}; rest skipped",
                                     "error"))
            return
        if any(cell.strip() for cell in row):
            yield start, row
        start = reader.line_num + 1


def _check_header(
    header: list[str], source: str, line: int, issues: list[ParseIssue]
) -> list[str]:
    """Field names, trimmed; the file is unusable without a ``text`` column."""
    names = [name.strip() for name in header]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0][1:]
    lowered = [name.lower() for name in names]
    if "text" not in lowered:
        raise IngestError(source, f"no 'text' column in the header (columns: {', '.join(names)})",
                          line)
    for name in sorted({n for n in lowered if lowered.count(n) > 1}):
        issues.append(ParseIssue(source, line, f"column {name!r} appears twice; first kept"))
    return names


def _row_records(
    rows: list[tuple[int, list[str]]], header: list[str], source: str,
    issues: list[ParseIssue],
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Pair cells with the header; surplus cells are reported, missing ones empty."""
    for line, cells in rows:
        if len(cells) > len(header):
            issues.append(ParseIssue(
                source, line, f"{len(cells) - len(header)} more values than columns; ignored"
            ))
        record: dict[str, Any] = {}
        for name, cell in zip(header, cells):
            record.setdefault(name, cell)
        yield line, record
