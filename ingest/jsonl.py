"""JSON Lines (``.jsonl``, ``.ndjson``) -> statements: one JSON object per line."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from core.model import IngestError, ParseIssue, ParseResult
from ingest.reader import read_text
from ingest.record_mapping import collect_records


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
    return collect_records(_json_records(text, source, issues), source, issues)


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
