"""The statement record every loader yields, and the passage the store holds.

A *statement* is one attributed text as its source gives it; a *passage* is the
unit that is embedded and quoted (a short statement is one passage, a long one
is split).  Both carry their full citation so that nothing downstream has to go
back to the file to say where a quote comes from.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


def stable_id(*parts: object) -> str:
    """A short content hash: the same inputs give the same id on every run."""
    h = hashlib.sha256()
    for part in parts:
        h.update(("" if part is None else str(part)).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:20]


@dataclass
class Statement:
    """One attributed statement, as parsed from a source file."""

    text: str
    author: str | None = None
    document: str | None = None
    date: str | None = None  # ISO: YYYY-MM-DD, YYYY-MM or YYYY
    date_text: str | None = None  # the date as written in the source
    section: str | None = None
    url: str | None = None
    lang: str | None = None
    source: str = ""  # file name the statement was read from
    line: int | None = None  # 1-based line where the text starts
    page: int | None = None  # for page-based files (PDF)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown input fields, kept
    id: str = ""  # filled by finalize() when the source gives none

    def finalize(self) -> "Statement":
        """Fill the derived id from content and source name (not its folder)."""
        if not self.id:
            self.id = self.derived_id()
        return self

    def derived_id(self) -> str:
        """The content id; differs from ``id`` only when the source gave its own id."""
        return stable_id(
            _basename(self.source), self.author, self.document, self.date_text,
            self.section, self.page, self.text,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _basename(source: str) -> str:
    return source.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass
class ParseIssue:
    """A warning or error found while reading a file: always names file and line."""

    source: str
    line: int | None
    message: str
    severity: str = "warning"  # "warning" keeps the file; "error" skips it

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.severity}: {self.message}"


class IngestError(Exception):
    """A file that cannot be read at all; the message names the file and line."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source, self.line, self.detail = source, line, message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass
class ParseResult:
    """What a loader returns for one file."""

    statements: list[Statement]
    issues: list[ParseIssue] = field(default_factory=list)


@dataclass
class PassageRecord:
    """A piece of a statement small enough to embed and quote.

    ``id`` is ``<statement id>:<chunk>``; ``start`` is the character offset of
    the passage inside the statement text, so a quote can be located again.
    """

    statement: Statement
    text: str
    chunk: int = 0
    start: int = 0

    @property
    def id(self) -> str:
        return f"{self.statement.id}:{self.chunk}"
