"""The row every store holds, and its conversion to and from the model, in one place.

A row is a passage id, its verbatim text and flat metadata: the citation fields
of ``core.model.Citation`` (copied by name, so a field added there is stored
and read back without touching this file) plus what the store itself needs to
plan an ingest (statement id, chunk, offset, year, hashes, key).  Metadata
holds scalars only and leaves absent values out (Chroma refuses None), so
``extra`` travels as JSON.

Passages are embedded together with a short metadata header (author, document,
section): on our question set that alone lifted recall@5 of the default
retriever from 0.62 to 0.82, because questions name organisations and topics
that the statement text itself rarely repeats.  The stored *document* is the
verbatim passage, so quotes come from the store unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.model import CITATION_FIELDS, Passage, PassageRecord, Statement, StatementSummary, stable_id
from core.text import fold_for_copies


@dataclass
class StoredPassage:
    """One stored row as a store returns it."""

    id: str
    text: str
    meta: dict[str, Any]

    def passage(self, *, score: float = 0.0, dense: float | None = None) -> Passage:
        return to_passage(self.id, self.text, self.meta, score=score, dense=dense)


def embedding_header(author: str | None, document: str | None, section: str | None) -> str:
    """The metadata line embedded above each passage (and matched by queries)."""
    return " | ".join(part for part in (author, document, section) if part)


def text_for_embedding(meta: dict[str, Any], text: str) -> str:
    header = embedding_header(meta.get("author"), meta.get("document"), meta.get("section"))
    return f"{header}\n{text}" if header else text


def record_embedding_text(record: PassageRecord) -> str:
    """What is embedded for a passage about to be stored (the same as for its row)."""
    st = record.statement
    return text_for_embedding({"author": st.author, "document": st.document, "section": st.section}, record.text)


def normalised_text_hash(text: str) -> str:
    """Same hash for texts that differ only in spacing/case: finds copies across documents."""
    return stable_id(fold_for_copies(text))


def _public_extra(st: Statement) -> dict[str, Any]:
    """The source's own extra fields (names starting with "_" are internal and never stored)."""
    return {k: v for k, v in (st.extra or {}).items() if not k.startswith("_")}


#: the citation fields the first stores fingerprinted, in that order (kept so their fingerprints stay valid)
_FIRST_FINGERPRINTED = ("author", "document", "date", "date_text", "section", "url", "lang", "page")
#: where a statement was read: a statement that only moved is not a changed one
_LOCATION_FIELDS = frozenset({"source", "line"})


def content_fingerprint(st: Statement) -> str:
    """Hash of everything stored about a statement except where it was read (file,
    line, key): a re-run compares it to tell an unchanged statement from one whose
    text or metadata changed under the same id (sources may give their own ids).

    A citation field added to the schema later (``authors``) is hashed too, as
    ``name=value`` after the first ones and only when set, so statements stored
    before it existed keep their fingerprints and are not embedded again."""
    later = [
        f"{name}={getattr(st, name)}" for name in CITATION_FIELDS
        if name not in _FIRST_FINGERPRINTED and name not in _LOCATION_FIELDS and getattr(st, name) not in (None, "")
    ]
    return stable_id(
        st.text, *(getattr(st, name) for name in _FIRST_FINGERPRINTED),
        json.dumps(_public_extra(st), ensure_ascii=False, sort_keys=True, default=str), *later,
    )


def scalar_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """Metadata as stored: absent values (None, "") are left out, not stored empty."""
    return {k: v for k, v in meta.items() if v is not None and v != ""}


def passage_metadata(record: PassageRecord) -> dict[str, Any]:
    """The stored metadata of one passage."""
    st = record.statement
    meta: dict[str, Any] = {
        "statement_id": st.id,
        "chunk": record.chunk,
        "start": record.start,
        **{name: getattr(st, name) for name in CITATION_FIELDS},
        "year": st.year,  # stored so that filters on years apply inside the store
        "text_hash": normalised_text_hash(record.text),
        "fingerprint": content_fingerprint(st),
        "key": st.key,
    }
    extra = _public_extra(st)
    if extra:
        meta["extra"] = json.dumps(extra, ensure_ascii=False, default=str)
    return scalar_metadata(meta)


def location_metadata(meta: dict[str, Any], st: Statement) -> dict[str, Any]:
    """``meta`` with where ``st`` was read now (source, line, key): a moved statement keeps its vectors."""
    return scalar_metadata({**meta, "source": st.source, "line": st.line, "key": st.key})


def to_passage(pid: str, text: str, meta: dict[str, Any], *, score: float = 0.0, dense: float | None = None) -> Passage:
    """The model's passage for a stored row (absent citation fields take the model's defaults)."""
    citation = {name: meta[name] for name in CITATION_FIELDS if name in meta}
    return Passage(
        id=pid,
        statement_id=str(meta.get("statement_id", pid.rsplit(":", 1)[0])),
        text=text,
        chunk=int(meta.get("chunk", 0)),
        score=score,
        dense=dense,
        **citation,
    )


def stitch(rows: Sequence[StoredPassage]) -> str:
    """A statement's text from its overlapping passages, each placed at its offset."""
    text = ""
    for row in sorted(rows, key=lambda r: r.meta.get("chunk", 0)):
        start = row.meta.get("start")
        if not text:
            text = row.text
        elif isinstance(start, int) and start <= len(text):
            text = text[:start] + row.text
        else:
            text += ("\n\n" if isinstance(start, int) and start - len(text) >= 2 else " ") + row.text
    return text


def _stored_extra(meta: dict[str, Any]) -> dict[str, Any]:
    """The source's unknown fields, which the store keeps as one JSON string."""
    raw = meta.get("extra")
    if not raw:
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def statement_countries(rows: Iterable[StoredPassage]) -> dict[str, list[str]]:
    """Statement id -> the countries its source gives ("country": "Japan; United Kingdom"), for statements that
    give any: a body's statements rarely name its own country, and a question asks for a country's texts."""
    found: dict[str, list[str]] = {}
    for row in rows:
        if "country" not in str(row.meta.get("extra") or ""):  # most rows: no JSON to parse
            continue
        names = [c.strip() for c in str(_stored_extra(row.meta).get("country") or "").split(";")]
        kept = list(dict.fromkeys(c for c in names if c and c.casefold() not in ("unspecified", "none", "n/a")))
        if kept:
            found[str(row.meta.get("statement_id", row.id))] = kept
    return found


def statement_from_passages(rows: Sequence[StoredPassage]) -> Statement | None:
    """The whole statement back from its stored passages (None for no passages)."""
    if not rows:
        return None
    meta = min(rows, key=lambda r: r.meta.get("chunk", 0)).meta
    citation = {name: meta[name] for name in CITATION_FIELDS if name in meta}  # absent ones take the defaults
    return Statement(text=stitch(rows), extra=_stored_extra(meta), id=str(meta.get("statement_id", "")),
                     key=str(meta.get("key") or ""), **citation)


def statement_summaries(metadatas: Iterable[dict[str, Any]]) -> list[StatementSummary]:
    """Every statement once (from its first passage's metadata), with its passage count, in reading order."""
    seen: dict[str, StatementSummary] = {}
    for meta in metadatas:
        sid = str(meta.get("statement_id", ""))
        if not sid:
            continue
        if sid in seen:
            seen[sid].passages += 1
            continue
        seen[sid] = StatementSummary(
            id=sid, author=str(meta.get("author") or "Unknown"), document=str(meta.get("document") or ""),
            date=str(meta.get("date") or meta.get("date_text") or ""), section=str(meta.get("section") or ""),
            lang=str(meta.get("lang") or ""), year=str(meta.get("year", "n.d.")),
        )
    return sorted(seen.values(), key=lambda s: (s.author.casefold(), s.date, s.document, s.section))
