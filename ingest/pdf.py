"""PDF -> statements: one statement per page of extractable text, cited by page.

Scanned PDFs have no text layer; they are reported (they need OCR), not guessed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from core.model import IngestError, ParseIssue, ParseResult, Statement
from ingest.prose import gap
from ingest.reader import read_bytes
from ingest.record_mapping import statement_from_record


def load_pdf(path: Path) -> ParseResult:
    """Load a ``.pdf``: one statement per page of extractable text."""
    source = str(path)
    data = read_bytes(path)
    reader = _open_pdf(data, source)
    meta = _pdf_meta(reader, Path(source).stem)
    issues: list[ParseIssue] = []
    statements: list[Statement] = []
    for number, page in enumerate(reader.pages, start=1):
        text = _page_text(page, number, source, issues)
        if not text:
            continue
        record = {**meta, "text": text, "page": number}
        stmt, found = statement_from_record(record, source, None)
        issues.extend(found)
        if stmt is not None:
            statements.append(stmt)
    if not statements:
        issues.append(ParseIssue(source, None, "no extractable text (scanned? it needs OCR)"))
    return ParseResult(statements, issues)


def _open_pdf(data: bytes, source: str) -> Any:
    """A PdfReader, or an IngestError for non-PDF, truncated, corrupt or locked files."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    if b"%PDF-" not in data[:1024]:
        raise IngestError(source, "not a PDF file (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        raise IngestError(source, "truncated or corrupt PDF (no %%EOF marker at the end)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(source, "encrypted PDF: it needs a password")
        len(reader.pages)  # forces the page tree to be read now
    except IngestError:
        raise
    except DependencyError as exc:
        raise IngestError(source, f"encrypted PDF that pypdf cannot open here: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many unrelated types for broken files
        raise IngestError(source, f"corrupt PDF: {exc}") from None
    return reader


def _pdf_meta(reader: Any, stem: str) -> dict[str, Any]:
    """Title (or the file stem) and author from the PDF's document information."""
    try:
        info = reader.metadata
    except Exception:  # noqa: BLE001 - whatever a broken info dictionary raises, the text is kept
        info = None
    title = (info.title or "").strip() if info else ""
    author = (info.author or "").strip() if info else ""
    return {"document": title or stem, "author": author or None}


def _page_text(page: Any, number: int, source: str, issues: list[ParseIssue]) -> str:
    """Extracted text of one page, unwrapped; a broken page is reported, not fatal."""
    try:
        raw = page.extract_text() or ""
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types; one broken page is reported, not fatal
        issues.append(ParseIssue(source, None, f"page {number}: text not extractable ({exc})",
                                 "error"))
        return ""
    return _unwrap_pdf(raw)


def _unwrap_pdf(raw: str) -> str:
    """Join a PDF's layout lines where a sentence obviously continues.

    A line is joined to the next when it does not end a sentence and the next
    starts in lower case (or both sides are CJK); headings and list items,
    which start with a capital or a number, keep their own line.
    """
    lines = [line.strip() for line in raw.replace("\r", "\n").split("\n")]
    out = ""
    for line in lines:
        if not line:
            if out and not out.endswith("\n\n"):
                out += "\n\n"
            continue
        if not out or out.endswith("\n"):
            out += line
        elif _continues(out, line):
            out += gap(out, line) + line
        else:
            out += "\n" + line
    return _SPACES_IN_LINE.sub(" ", out).strip()


_SPACES_IN_LINE = re.compile(r"[ \t]+")
_ENDS_SENTENCE = tuple(".!?:;。！？；：")


def _continues(before: str, after: str) -> bool:
    """True when ``after`` carries on the sentence that ``before`` ended with."""
    if before.endswith(_ENDS_SENTENCE):
        return False
    if gap(before, after) == "":
        return True
    return after[0].islower() or before.endswith((",", "-", "–", "，", "、"))
