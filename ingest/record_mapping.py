"""One record (a JSON object, a CSV row, a document's paragraph) -> one Statement.

Tabular files are how curated corpora arrive (the WAIE benchmark set is JSON
Lines), so a record keeps everything it carries: the known fields become
Statement fields, a given ``id`` is kept so re-ingesting a corrected statement
replaces the old one, and unknown fields survive in ``Statement.extra``.  A bad
record is reported with its line and skipped; the rest of the file still loads.
The prose formats (Markdown front matter, HTML, PDF) build their statements
through the same mapping.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from core.model import ParseIssue, ParseResult, Statement

_TEXT_FIELDS = ("author", "authors", "document", "section", "url", "lang", "date_text")
_KNOWN = frozenset({"text", "id", "date", "page", "extra", *_TEXT_FIELDS})


def guess_lang(text: str) -> str | None:
    """Language code of ``text``; ingest.language is imported on first use (py3langid is slow to import)."""
    from ingest.language import detect_lang

    return detect_lang(text)


def normalise_date(raw: Any) -> tuple[str | None, str | None]:
    """``(iso, date_text)`` for a date as written: ISO when it can be read.

    ``date_text`` always keeps what the source wrote, so nothing is lost when
    the date is vague ("Spring 2019") and cannot be normalised.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    from ingest.dates import parse_date  # on first use: dateparser is slow to import

    written = str(raw).strip()
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


def collect_records(
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
