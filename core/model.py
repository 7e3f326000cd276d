"""The one schema every layer speaks: the statement record every loader yields,
the passage the store holds, and the evidence an answer is built from.

A *statement* is one attributed text as its source gives it; a *passage* is the
unit that is embedded and quoted (a short statement is one passage, a long one
is split).  Both carry their full citation so that nothing downstream has to go
back to the file to say where a quote comes from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal


def stable_id(*parts: object) -> str:
    """A short content hash: the same inputs give the same id on every run."""
    h = hashlib.sha256()
    for part in parts:
        h.update(("" if part is None else str(part)).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:20]


@dataclass(kw_only=True)
class Citation:
    """Where a text comes from: the fields every statement and passage carries,
    defined here once.  Keyword-only, so the classes that extend it keep their
    own required fields first (``Statement(text=...)``, ``Passage(id=...)``)."""

    author: str | None = None  # the organisation that issued the text (a publisher, or the file's folder)
    authors: str | None = None  # the people who wrote it, "; "-separated (a paper's byline); never an organisation
    document: str | None = None
    date: str | None = None  # ISO: YYYY-MM-DD, YYYY-MM or YYYY
    date_text: str | None = None  # the date as written in the source
    section: str | None = None
    url: str | None = None
    lang: str | None = None
    source: str = ""  # file name the statement was read from
    line: int | None = None  # 1-based line where the text starts
    page: int | None = None  # for page-based files (PDF)

    @property
    def year(self) -> int | None:
        """The year of ``date``: the one place it is parsed (the store keeps it to filter on)."""
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None

    def citation(self) -> str:
        """Human citation: Organisation, *Document* (date), section, p. N. URL; a document
        written by people leads with them ("He et al. (Org), *Paper*, 2025"), so a
        person is never presented as an organisation, nor an organisation as its authors."""
        who = self.author or "Unknown author"
        if self.authors:
            who = f"{self.people_short()} ({who})" if self.author else self.people_short()
        parts = [who]
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


    def speaker(self) -> str:
        """Who speaks in the text, as an answer groups and heads it: the authors when people wrote it
        ("He et al."), else the organisation.  An organisation stored for a paper may be only the
        publisher or the file's folder, so it never stands in for the paper's authors."""
        return self.people_short() or self.author or "Unknown author"

    def people_short(self) -> str:
        """The authors as a citation names them: "A", "A and B", or "A et al."."""
        people = [p.strip() for p in (self.authors or "").split(";") if p.strip()]
        if len(people) > 2:
            return f"{people[0]} et al."
        return " and ".join(people)


#: the names of the citation fields, in order (for code that copies them generically)
CITATION_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Citation))


@dataclass
class Statement(Citation):
    """One attributed statement, as parsed from a source file."""

    text: str
    extra: dict[str, Any] = field(default_factory=dict)  # unknown input fields, kept
    id: str = ""  # filled by finalize() when the source gives none
    # which statement this is regardless of wording (set when ingesting: the
    # source's own id, else author + document + section + occurrence)
    key: str = ""

    def finalize(self) -> Statement:
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
class AlsoIn:
    """Another place a retrieved text stands, folded into that result: a word-for-word
    copy (``same_text``) or a near-identical version (an interim and a final report)."""

    author: str | None = None
    document: str | None = None
    date: str | None = None
    id: str = ""  # passage id of the copy
    same_text: bool = True


@dataclass
class Passage(Citation):
    """One retrieved passage with its citation and retrieval score."""

    id: str  # passage id in the store: "<statement_id>:<chunk>"
    statement_id: str
    text: str  # verbatim passage text
    chunk: int = 0
    score: float = 0.0  # fused relevance; higher is better
    dense: float | None = None  # cosine similarity of the dense retriever
    also_in: list[AlsoIn] = field(default_factory=list)  # the same text elsewhere

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
    An empty list means "any"; the terms combine with AND.
    """

    authors: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    since: int | None = None  # year, inclusive
    until: int | None = None  # year, inclusive
    lang: str | None = None
    years: list[int] = field(default_factory=list)  # any of these years (a question's named years)

    def is_empty(self) -> bool:
        return not (self.authors or self.documents or self.since or self.until or self.lang or self.years)

    def narrowed(self, *, authors: Iterable[str] = (), documents: Iterable[str] = (),
                 years: Iterable[int] = ()) -> Filters | None:
        """These filters AND the given names or years (each list empty = no change):
        a query inside what the question names, still bounded by the user's filters.
        None when the two cannot both hold (e.g. disjoint author lists)."""
        narrowed = Filters(authors=list(self.authors), documents=list(self.documents), since=self.since,
                           until=self.until, lang=self.lang, years=list(self.years))
        for name, extra in (("authors", list(authors)), ("documents", list(documents)), ("years", list(years))):
            if not extra:
                continue
            own = getattr(narrowed, name)
            both = [v for v in own if v in extra] if own else extra
            if not both:
                return None
            setattr(narrowed, name, both)
        return narrowed


# ---- the store as a listing: what the corpus browser shows ------------------------------


@dataclass
class StatementSummary:
    """One stored statement as a list of the corpus shows it: who said it, in
    which document, when, and how many passages it was split into (the full
    text is fetched only when the statement is opened)."""

    id: str
    author: str
    document: str
    date: str
    section: str
    lang: str
    year: str
    passages: int = 1

    def label(self) -> str:
        bits = [self.author, self.document or "(untitled)", self.date or "n.d."]
        text = " — ".join(bits)
        return text + (f" · {self.section}" if self.section else "")
