"""The one schema every layer speaks: the statement record every loader yields,
the passage the store holds, and the evidence an answer is built from.

A *statement* is one attributed text as its source gives it; a *passage* is the
unit that is embedded and quoted (a short statement is one passage, a long one
is split).  Both carry their full citation so that nothing downstream has to go
back to the file to say where a quote comes from.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


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


# ---- evidence: what retrieval and answering pass on -------------------------------------

Mode = Literal["ask", "summary", "compare"]


@dataclass
class Passage:
    """One retrieved passage with its metadata and retrieval score."""

    id: str  # passage id in the store: "<statement_id>:<chunk>"
    statement_id: str
    text: str  # verbatim passage text
    author: str | None = None
    document: str | None = None
    date: str | None = None  # ISO (YYYY-MM-DD, YYYY-MM or YYYY) or None
    date_text: str | None = None
    section: str | None = None
    url: str | None = None
    lang: str | None = None
    source: str | None = None
    line: int | None = None
    page: int | None = None
    chunk: int = 0
    score: float = 0.0  # fused relevance; higher is better
    dense: float | None = None  # cosine similarity of the dense retriever
    also_in: list[dict[str, Any]] = field(default_factory=list)  # same text elsewhere: author/document/date

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None

    def citation(self) -> str:
        """Human citation: Author, *Document* (date), section, p. N. URL"""
        parts = [self.author or "Unknown author"]
        if self.document:
            parts.append(f"*{self.document}*")
        if self.date or self.date_text:
            parts.append(self.date or self.date_text or "")
        if self.section:
            parts.append(f"section “{self.section}”")
        if self.page:
            parts.append(f"p. {self.page}")
        text = ", ".join(p for p in parts if p)
        if self.url:
            text += f". {self.url}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Quote:
    """A span the answer presents as a quotation of source ``n``."""

    n: int
    text: str
    verified: bool


@dataclass
class Source:
    """A numbered source of an answer: ``[n]`` in the text points here."""

    n: int
    passage: Passage
    quotes: list[Quote] = field(default_factory=list)
    cited: bool = True  # False when given to the LLM but not cited in its answer


@dataclass
class Verification:
    """What the verifier found in one answer."""

    citations_given: int = 0  # [n] markers in the answer
    citations_valid: int = 0  # markers that point to a passage that was given
    quotes_total: int = 0
    quotes_verified: int = 0  # found verbatim in the cited passage
    invalid_markers: list[int] = field(default_factory=list)
    unverified_quotes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.citations_given == self.citations_valid and self.quotes_total == self.quotes_verified


@dataclass
class Answer:
    """An answer (possibly partial while streaming) with its numbered sources."""

    question: str
    text: str  # Markdown with [n] markers
    sources: list[Source] = field(default_factory=list)
    mode: Mode = "ask"
    backend: str = "offline quotes"  # e.g. "offline quotes" or "LLM: gpt-4o-mini"
    standalone_query: str | None = None  # the follow-up rewritten into a full question
    abstained: bool = False  # the corpus does not cover the question
    notice: str | None = None  # one-line reason when the LLM failed and we fell back
    verification: Verification = field(default_factory=Verification)
    done: bool = True  # False on partial updates while streaming

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Filters:
    """Metadata filters, applied inside the store query (not after it).

    ``authors`` and ``documents`` are exact stored names (the retriever resolves
    partial names such as "Japan" to the stored ones before building the query).
    """

    authors: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    since: int | None = None  # year, inclusive
    until: int | None = None  # year, inclusive
    lang: str | None = None

    def is_empty(self) -> bool:
        return not (self.authors or self.documents or self.since or self.until or self.lang)
