"""JSON Lines and CSV/TSV loaders: one record (line or row) -> one statement.

Tabular files are how curated corpora arrive (the WAIE benchmark set is JSON
Lines), so a record keeps everything it carries: the known fields become
Statement fields, a given ``id`` is kept so re-ingesting a corrected statement
replaces the old one, and unknown fields survive in ``Statement.extra``.  A bad
record is reported with its line and skipped; the rest of the file still loads.

The record -> Statement helpers here are also used for Markdown front matter.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

from ingest.reader import read_text
from core.model import IngestError, ParseIssue, ParseResult, Statement

_TEXT_FIELDS = ("author", "document", "section", "url", "lang", "date_text")
_KNOWN = frozenset({"text", "id", "date", "page", "extra", *_TEXT_FIELDS})
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_CSV_FIELD_LIMIT = 50_000_000


# ---------------------------------------------------------------- shared helpers


def guess_lang(text: str) -> str | None:
    """Language code of ``text`` via ingest.language, or None if it isn't there yet."""
    try:
        from ingest.language import detect_lang
    except ModuleNotFoundError as exc:
        if exc.name != "ingest.language":
            raise
        return None
    return detect_lang(text)


def normalise_date(raw: Any) -> tuple[str | None, str | None]:
    """``(iso, date_text)`` for a date as written: ISO when it can be read.

    ``date_text`` always keeps what the source wrote, so nothing is lost when
    the date is vague ("Spring 2019") and cannot be normalised.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    written = str(raw).strip()
    try:
        from ingest.dates import parse_date
    except ModuleNotFoundError as exc:
        if exc.name != "ingest.dates":
            raise
        return (written if _ISO_DATE.match(written) else None), written
    iso, date_text = parse_date(written)
    return iso, (date_text or written)


def json_safe(value: Any) -> bool:
    """True for values that survive a JSON round trip unchanged (no NaN/inf)."""
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_safe(v) for k, v in value.items())
    return False


def statement_from_record(
    record: Mapping[str, Any], source: str, line: int | None
) -> tuple[Statement | None, list[ParseIssue]]:
    """Map one record to a finalized Statement; None (with an error) if unusable."""
    issues: list[ParseIssue] = []
    fields = _lower_keys(record)
    text = _text_of(fields.get("text"))
    if text is None:
        issues.append(ParseIssue(source, line, "record has no 'text'; skipped", "error"))
        return None, issues
    stmt = Statement(text=text, source=source, line=line)
    for name in _TEXT_FIELDS:
        setattr(stmt, name, _string_field(fields.get(name), name, source, line, issues))
    stmt.id = _string_field(fields.get("id"), "id", source, line, issues) or ""
    stmt.page = _page_field(fields.get("page"), source, line, issues)
    _apply_date(stmt, fields.get("date"), source, line, issues)
    stmt.extra = _extra_fields(record, source, line, issues)
    if stmt.lang is None:
        stmt.lang = guess_lang(text)
    return stmt.finalize(), issues


def _lower_keys(record: Mapping[str, Any]) -> dict[str, Any]:
    """Known field names match case-insensitively ('Text', ' author ')."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        out.setdefault(str(key).strip().lower(), value)
    return out


def _text_of(value: Any) -> str | None:
    """The statement text, trimmed; None when missing, empty or not a string."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _string_field(
    value: Any, name: str, source: str, line: int | None, issues: list[ParseIssue]
) -> str | None:
    """A metadata string; numbers are accepted, lists of strings are joined."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "; ".join(v.strip() for v in value if v.strip())
    if isinstance(value, str):
        return value.strip() or None
    issues.append(ParseIssue(source, line, f"field '{name}' is not a string; ignored"))
    return None


def _page_field(
    value: Any, source: str, line: int | None, issues: list[ParseIssue]
) -> int | None:
    """A 1-based page number; anything else is reported and dropped."""
    if value is None or value == "":
        return None
    try:
        page = int(str(value).strip())
    except ValueError:
        page = 0
    if page < 1:
        issues.append(ParseIssue(source, line, f"page {value!r} is not a page number; ignored"))
        return None
    return page


def _apply_date(
    stmt: Statement, raw: Any, source: str, line: int | None, issues: list[ParseIssue]
) -> None:
    """Set ``date`` (ISO) and, unless the record gave one, ``date_text``."""
    iso, written = normalise_date(raw)
    stmt.date = iso
    stmt.date_text = stmt.date_text or written
    if written and not iso:
        issues.append(ParseIssue(source, line, f"date {written!r} not understood; kept as text"))


def _extra_fields(
    record: Mapping[str, Any], source: str, line: int | None, issues: list[ParseIssue]
) -> dict[str, Any]:
    """Unknown fields, kept when JSON-safe; an ``extra`` object is merged in."""
    extra: dict[str, Any] = {}
    nested = record.get("extra")
    items = list(nested.items()) if isinstance(nested, dict) else [("extra", nested)]
    items += [(k, v) for k, v in record.items() if str(k).strip().lower() not in _KNOWN]
    for key, value in items:
        if value is None or value == "":
            continue
        if not json_safe(value):
            issues.append(ParseIssue(source, line, f"field '{key}' is not JSON-safe; dropped"))
            continue
        extra[str(key)] = value
    return extra


def _collect(
    records: Iterator[tuple[int, Mapping[str, Any]]], source: str,
    issues: list[ParseIssue],
) -> ParseResult:
    """Turn records into statements; a repeated id keeps the first occurrence."""
    statements: list[Statement] = []
    first_line: dict[str, int] = {}
    for line, record in records:
        stmt, found = statement_from_record(record, source, line)
        issues.extend(found)
        if stmt is None:
            continue
        if stmt.id in first_line:
            issues.append(ParseIssue(source, line, _duplicate_message(record, stmt,
                                                                      first_line[stmt.id])))
            continue
        first_line[stmt.id] = line
        statements.append(stmt)
    return ParseResult(statements, issues)


def _duplicate_message(record: Mapping[str, Any], stmt: Statement, first: int) -> str:
    """Say whether the source repeated an id or repeated a whole statement."""
    if _lower_keys(record).get("id") not in (None, ""):
        return f"duplicate id {stmt.id!r} (first at line {first}); skipped"
    return f"same statement as line {first}; skipped"


# ------------------------------------------------------------------- JSON Lines


def load_jsonl(path: Path) -> ParseResult:
    """Load a ``.jsonl`` / ``.ndjson`` file: one JSON object per line."""
    text, _ = read_text(path)
    return parse_jsonl(text, str(path))


def parse_jsonl(text: str, source: str) -> ParseResult:
    """Parse JSON Lines text; bad lines become error issues, the rest load."""
    if text.lstrip().startswith("["):
        raise IngestError(
            source, "looks like a JSON array, not JSON Lines (one object per line)", 1
        )
    issues: list[ParseIssue] = []
    return _collect(_json_records(text, source, issues), source, issues)


def _json_records(
    text: str, source: str, issues: list[ParseIssue]
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Yield ``(line, object)``; other lines are reported as errors."""
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            issues.append(ParseIssue(source, number, f"malformed JSON: {exc.msg} "
                                     f"(column {exc.colno}); line skipped", "error"))
            continue
        if not isinstance(value, dict):
            issues.append(ParseIssue(source, number, "line is not a JSON object; skipped",
                                     "error"))
        else:
            yield number, value


# ------------------------------------------------------------------------ CSV


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
    return _collect(records, source, issues)


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
