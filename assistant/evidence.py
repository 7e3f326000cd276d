"""Evidence objects: a retrieved passage that carries its own citation, and the
answer built from them.  Every layer after the store speaks these types, so a
quote can never lose track of where it came from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

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
