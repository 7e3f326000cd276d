"""Blocks of prose -> statements: what Markdown, plain text, HTML and PDF share.

A charter or guideline is a document with headings and paragraphs.  Each
format module cuts its file into ``Block``s (headings and paragraphs with the
line where they start) and document-wide ``Meta``; ``statements_from_blocks``
then makes each paragraph one statement, cited by the document title, the path
of headings above it (``Principles > 3. Safety``) and its line (or PDF page),
so a quote can be found again in the original.  Hard-wrapped lines are joined
back into one paragraph (with no space between CJK characters) so that quotes
read as the author wrote them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.model import ParseIssue, ParseResult, Statement
from core.text import CJK_LETTERS, CJK_PUNCTUATION, is_unspaced_cjk, squash_whitespace
from ingest.record_mapping import normalise_date, statement_from_record

# CJK ideographs, kana, Hangul and full-width punctuation (ranges: core.text)
CJK = CJK_LETTERS + CJK_PUNCTUATION
LIST_ITEM = re.compile(r"^\s*(?:[-*+•·]|\d{1,3}[.)]|[a-zA-Z][.)]|\(\w{1,4}\))\s+")


MIN_WORDS = 3  # HTML and PDF: a paragraph under three words is a tag or a menu entry unless marked a heading


def word_count(text: str) -> int:
    """Words, where three CJK characters count as one (Chinese has no spaces)."""
    cjk = sum(1 for ch in text if is_unspaced_cjk(ch))
    return len(without_cjk_text(text).split()) + cjk // 3


def without_cjk_text(text: str) -> str:
    return "".join(" " if is_unspaced_cjk(ch) else ch for ch in text)


@dataclass
class Block:
    """A heading (level > 0) or a paragraph (level 0) with its start line."""

    text: str
    line: int | None
    level: int = 0


@dataclass
class Meta:
    """Document-wide fields: from front matter, HTML <head> or PDF metadata."""

    fields: dict[str, Any] = field(default_factory=dict)
    title_block: int | None = None  # index of the H1 used as the document title


class HeadingPath:
    """The headings above the current paragraph, deepest last."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str, bool]] = []  # (level, title, shown)

    def push(self, level: int, title: str, shown: bool = True) -> None:
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title, shown))

    def path(self) -> str | None:
        titles = [title for _, title, shown in self._stack if shown]
        return " > ".join(titles) or None


def join_lines(lines: Iterable[str], markdown: bool = False) -> str:
    """Unwrap hard-wrapped lines; list items (and Markdown hard breaks) keep a newline."""
    out = ""
    newline_next = False
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        hard = markdown and (raw.endswith("  ") or line.endswith("\\"))
        if markdown and line.endswith("\\"):
            line = line[:-1].rstrip()
        if out:
            out += "\n" if newline_next or LIST_ITEM.match(line) else gap(out, line)
        out += line
        newline_next = hard
    return out


def gap(before: str, after: str) -> str:
    """What joins two wrapped lines: nothing between CJK characters, else a space."""
    if is_unspaced_cjk(before[-1]) and is_unspaced_cjk(after[0]):
        return ""
    return " "


def squash(text: str) -> str:
    """Collapse whitespace runs (HTML and PDF text), none between CJK characters."""
    return squash_whitespace(text)


def statements_from_blocks(
    blocks: list[Block], meta: Meta, source: str, issues: list[ParseIssue]
) -> ParseResult:
    """Attach document, heading path and front-matter fields to each paragraph."""
    template = dict(meta.fields)
    template["document"] = _document_title(blocks, meta) or Path(source).stem
    headings = HeadingPath()
    statements: list[Statement] = []
    for index, block in enumerate(blocks):
        if block.level:
            headings.push(block.level, block.text, shown=index != meta.title_block)
            continue
        record = {**template, "text": block.text, "section": headings.path()}
        stmt, found = statement_from_record(record, source, block.line)
        issues.extend(found)
        if stmt is not None:
            statements.append(stmt)
    inherit_language(statements)
    if not statements:
        issues.append(ParseIssue(source, None, "no paragraphs of text found"))
    return ParseResult(statements, issues)


def inherit_language(statements: list[Statement]) -> None:
    """A paragraph too short to tell its language takes the document's (its most common one)."""
    counts = Counter(s.lang for s in statements if s.lang)
    if not counts:
        return
    main = counts.most_common(1)[0][0]
    for stmt in statements:
        if stmt.lang is None:
            stmt.lang = main


def _document_title(blocks: list[Block], meta: Meta) -> str | None:
    """The given title, else the first H1; an H1 that is the title is no section.

    An H1 that differs from a front-matter or <title> title stays in the path.
    """
    title = meta.fields.get("document")
    for index, block in enumerate(blocks):
        if block.level == 1:
            if title is None or _same_title(block.text, title):
                meta.title_block = index
                return title or block.text
            break
    return title


def _same_title(heading: str, title: str) -> bool:
    """'Principles' matches '<title>Principles | Example Org</title>'."""
    a, b = heading.casefold().strip(), title.casefold().strip()
    return a == b or b.startswith(a + " ") or b.endswith(" " + a)


def presolve_date(fields: dict[str, Any], source: str, issues: list[ParseIssue]) -> dict[str, Any]:
    """Normalise the document date once, not once per paragraph."""
    if fields.get("date") in (None, ""):
        fields.pop("date", None)
        return fields
    iso, written = normalise_date(fields["date"])
    if iso is None:
        issues.append(ParseIssue(source, 1, f"date {written!r} not understood; kept as text"))
    fields["date"], fields["date_text"] = iso, fields.get("date_text") or written
    return fields
