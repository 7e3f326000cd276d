"""A ``---`` YAML block at the top of a Markdown or text file -> document fields.

``title`` becomes the document, ``date`` is normalised once for the whole
document, and any other JSON-safe key is kept on every statement (``extra``).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from core.model import ParseIssue
from ingest.prose import Meta, presolve_date
from ingest.record_mapping import json_safe

_FM_DROP = frozenset({"text", "id", "section", "page", "line", "extra"})


def read_front_matter(lines: list[str], source: str, issues: list[ParseIssue]) -> tuple[Meta, int]:
    """Read a ``---`` YAML block at the top; return the meta and the body start."""
    if not lines or lines[0].strip() != "---":
        return Meta(), 0
    end = next((i for i in range(1, min(len(lines), 200))
                if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return Meta(), 0
    parsed = _parse_yaml("\n".join(lines[1:end]), source, issues)
    if parsed is None:
        return Meta(), 0
    return Meta(_meta_fields(parsed, source, issues)), end + 1


def _parse_yaml(block: str, source: str, issues: list[ParseIssue]) -> dict[str, Any] | None:
    """PyYAML when installed (it usually is, via langchain-core), else key: value."""
    try:
        import yaml
    except ModuleNotFoundError:
        return _parse_simple_yaml(block)
    try:
        value = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        issues.append(ParseIssue(source, line, "front matter is not valid YAML; ignored"))
        return {}
    return value if isinstance(value, dict) else None


def _parse_simple_yaml(block: str) -> dict[str, Any] | None:
    """Flat ``key: value`` pairs, quotes removed: enough for title/author/date."""
    out: dict[str, Any] = {}
    for line in block.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip() or key.startswith((" ", "\t", "-")):
            continue
        out[key.strip()] = value.strip().strip("'\"") or None
    return out or None


def _meta_fields(parsed: dict[str, Any], source: str, issues: list[ParseIssue]) -> dict[str, Any]:
    """Map front-matter keys to record fields; ``title`` is the document."""
    fields: dict[str, Any] = {}
    for key, value in parsed.items():
        name = str(key).strip().lower()
        value = _plain(value)
        if name in _FM_DROP:
            issues.append(ParseIssue(source, 1, f"front-matter key {key!r} ignored"))
        elif name == "title":
            fields["document"] = value
        elif name == "date":
            fields["date"] = value
        elif json_safe(value):
            fields[str(key)] = value
        else:
            issues.append(ParseIssue(source, 1, f"front-matter key {key!r} is not JSON-safe"))
    return presolve_date(fields, source, issues)


def _plain(value: Any) -> Any:
    """YAML dates -> ISO strings, recursively, so they are JSON-safe."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
