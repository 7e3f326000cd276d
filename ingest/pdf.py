"""PDF -> statements: one statement per paragraph of the text layer, under its section, cited by page.

The text layer is read with PDFium (pypdfium2, BSD-3/Apache-2.0) and rebuilt
into paragraphs from the characters' boxes (``ingest.pdf_layout``).  Measured
on ``../shared/docs/pasa.pdf`` (15 pages, two-column LaTeX; ``benchmarks/pdf_libraries.py``):

============  ========  ==========  =================  ===================  ==================
library       time      ligatures   hyphen splits      lines wider than a   margin lines kept
                                    left at line ends  column (glued/wide)  (page no., stamp)
============  ========  ==========  =================  ===================  ==================
pypdf 7.1     900 ms    0           164                50                   15
pdfminer.six  2,410 ms  0           160                (sidebar split to    13
                                                       single letters)
pypdfium2     88 ms     0           0 (marked U+FFFE)  160 (joins lines)    15
this module   ~250 ms   0           0                  0                    0
============  ========  ==========  =================  ===================  ==================

PDFium is ten times faster than pypdf and gives every character its box, font
size and weight, which is what columns, headings, tables and margins are read
from; it also marks the hyphens it finds at line ends.  (PyMuPDF is AGPL: not
for an MIT project.)  Scanned PDFs have no text layer; they are reported (they
need OCR), not guessed.

Metadata: title, people and date from the document information and XMP, else
from the first page (the largest type at the top is the title, the name lines
under it the authors).  People go to ``authors``; ``author`` (the organisation)
is the publisher when the PDF names one, else the file's folder.  Pages are
cited by their printed label when the PDF defines page labels, else by sheet;
``extra["page_numbering"]`` says which.  Parser and font warnings are counted
and reported in one line per file.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from pathlib import Path
from typing import Any

from core.model import IngestError, ParseIssue, ParseResult, Statement
from ingest import pdf_layout as layout
from ingest.hyphenation import Vocabulary, join_lines
from ingest.language import detect_lang
from ingest.people import looks_like_organisation, split_people
from ingest.prose import HeadingPath
from ingest.reader import read_bytes
from ingest.record_mapping import normalise_date, statement_from_record

_REAL_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")
MIN_WORDS = 3  # a shorter paragraph is a figure label or a stray fragment, not a statement
_PDF_DATE = re.compile(r"^D?:?(\d{4})(\d{2})?(\d{2})?")
_WRITTEN_DATE = re.compile(
    r"\b(?:\d{1,2}\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4}|[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}"
    r"|(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4}"
    r"|\d{4}年\d{1,2}月(?:\d{1,2}日)?)")
_FRONT_STOP = re.compile(r"^(abstract|summary|introduction|executive summary|contents|摘要|目录)\b", re.IGNORECASE)


def load_pdf(path: Path) -> ParseResult:
    """Load a ``.pdf``: its paragraphs under their headings, cited by page."""
    source = str(path)
    data = read_bytes(path)
    document = _open_pdf(data, source)
    issues: list[ParseIssue] = []
    try:
        pages, heights, widths = _read_pages(document, source, issues)
        meta = _metadata(document, data, pages, heights, path, issues)
        labels = [document.get_page_label(i) for i in range(len(document))]
    finally:
        document.close()
    statements = _statements(pages, heights, widths, labels, meta, source, issues)
    if not statements:  # an error, not a warning: the user must learn the file added nothing
        if any(pages):  # text, but no paragraph long enough to quote: a form, a drawing, a page of labels
            raise IngestError(source, f"no passage to store: the text layer holds only margin lines and fragments "
                                      f"under {MIN_WORDS} words (a form or a drawing?)")
        raise IngestError(source, "no text layer: no extractable text (a scanned PDF? run OCR on it first)")
    return ParseResult(statements, issues)


def _open_pdf(data: bytes, source: str) -> Any:
    """A PdfDocument, or an IngestError for non-PDF, truncated, corrupt or locked files."""
    import pypdfium2 as pdfium

    if b"%PDF-" not in data[:1024]:
        raise IngestError(source, "not a PDF file (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        raise IngestError(source, "truncated or corrupt PDF (no %%EOF marker at the end)")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise IngestError(source, "encrypted PDF: it needs a password") from None
        raise IngestError(source, f"corrupt PDF: {exc}") from None


def _read_pages(document: Any, source: str, issues: list[ParseIssue]
                ) -> tuple[list[list[layout.Segment]], list[float], list[float]]:
    """Every page's segments with its height and width; a broken page is reported, not fatal."""
    pages: list[list[layout.Segment]] = []
    heights: list[float] = []
    widths: list[float] = []
    for index in range(len(document)):
        page = document[index]
        width, height = page.get_size()
        try:
            textpage = page.get_textpage()
            segments = layout.page_segments(textpage, height)
            textpage.close()
        except Exception as exc:  # noqa: BLE001 - PDFium fails in many ways on one broken page
            issues.append(ParseIssue(source, None, f"page {index + 1}: text not extractable ({exc})", "error"))
            segments = []
        page.close()
        pages.append(segments)
        heights.append(height)
        widths.append(width)
    return pages, heights, widths


# ---------------------------------------------------------------- paragraphs -> statements


def _statements(pages: list[list[layout.Segment]], heights: list[float], widths: list[float],
                labels: list[str], meta: dict[str, Any], source: str, issues: list[ParseIssue]) -> list[Statement]:
    running = layout.running_lines(pages, heights)
    body = layout.body_font_size(pages)
    paragraphs: list[layout.Paragraph] = []
    dropped = 0
    for index, (segments, height, width) in enumerate(zip(pages, heights, widths)):
        kept = [s for s in segments if not layout.is_furniture(s, height, running)]
        if index == 0:
            kept = kept[_front_matter_end(kept):]
        dropped += len(segments) - len(kept)
        for para in layout.page_paragraphs(layout.reading_order(kept, width), index, body):
            if paragraphs and (_continues(paragraphs[-1], para) or _same_table(paragraphs[-1], para)):
                paragraphs[-1].lines.extend(para.lines)  # a sentence running on, or a table's next rows
            else:
                paragraphs.append(para)
    vocab = Vocabulary.from_paragraphs(p.lines for p in paragraphs)
    headings = HeadingPath()
    statements: list[Statement] = []
    fragments = 0
    title = (meta.get("document") or "").casefold()
    fields = {k: v for k, v in meta.items() if not k.startswith("_")}
    # one language for the document: a paragraph is too short for a detector to be sure of it
    fields["lang"] = detect_lang(" ".join(" ".join(p.lines) for p in paragraphs)[:20000])
    for para in paragraphs:
        if para.level:
            text = layout.fold(para.text)
            headings.push(para.level, text, shown=text.casefold() != title)
            continue
        table = para.table and len(para.lines) > 1  # one row alone is a formula's pieces or a stray label
        lines = para.lines if table or not para.table else [line.replace(" | ", " ") for line in para.lines]
        text = layout.fold("\n".join(lines) if table else join_lines(lines, vocab))
        if not table and _word_count(text) < MIN_WORDS:
            fragments += 1
            continue
        record = {**fields, "text": text, "section": headings.path(), **_page_fields(para.page, labels)}
        stmt, found = statement_from_record(record, source, None)
        issues.extend(found)
        if stmt is not None:
            statements.append(stmt)
    for stmt in statements:  # the document's date, read once (not once per paragraph)
        stmt.date, stmt.date_text = meta.get("_date"), meta.get("_date_text")
        stmt.id = ""
        stmt.finalize()
    left_out = ([f"{dropped} margin line(s) (page numbers, running headers, stamps)"] if dropped else []) + (
        [f"{fragments} fragment(s) under {MIN_WORDS} words (figure labels)"] if fragments else [])
    if left_out and statements:  # with no statement at all, load_pdf's error says so
        issues.append(ParseIssue(source, None, "left out " + " and ".join(left_out)))
    return statements


def _front_matter_end(segments: list[layout.Segment]) -> int:
    """Where the first page's title block (title, bylines, affiliations, e-mails) ends: at the abstract
    or introduction heading near the top of the stream; 0 when there is none (a report's first page)."""
    for index, seg in enumerate(segments[:60]):
        if _FRONT_STOP.match(seg.text.strip()) and len(seg.text.split()) <= 4:
            return index
    return 0


def _continues(before: layout.Paragraph, after: layout.Paragraph) -> bool:
    """``after`` carries on ``before``'s sentence across a column or page break."""
    if before.level or after.level or before.table or after.table or not before.lines or not after.lines:
        return False
    last, first = before.lines[-1].rstrip(), after.lines[0].lstrip()
    return bool(first) and not layout._ENDS_SENTENCE.search(last) and (first[0].islower() or last.endswith("-"))


def _same_table(before: layout.Paragraph, after: layout.Paragraph) -> bool:
    """``after`` holds more rows of the table ``before`` (a header row, then the body rows, are often
    laid out as separate blocks): two tables in a row on one page, with no caption or text between."""
    return before.table and after.table and before.page == after.page


def _word_count(text: str) -> int:
    """Words of two letters or more (formula pieces and single letters do not count); a CJK character
    counts as a third of a word."""
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return len(_REAL_WORD.findall(text)) + cjk // 3


def _page_fields(sheet: int, labels: list[str]) -> dict[str, Any]:
    """The printed page label when the PDF defines one that is a number, else the sheet (1-based)."""
    label = labels[sheet].strip() if sheet < len(labels) else ""
    if label.isdigit() and int(label) > 0:
        return {"page": int(label), "page_numbering": "printed label"}
    fields: dict[str, Any] = {"page": sheet + 1, "page_numbering": "sheet"}
    if label:
        fields["page_label"] = label
    return fields


# ---------------------------------------------------------------- metadata


def _metadata(document: Any, data: bytes, pages: list[list[layout.Segment]], heights: list[float],
              path: Path, issues: list[ParseIssue]) -> dict[str, Any]:
    """Document title, people, organisation and date: metadata first, the first page failing that."""
    info = {k: (v or "").strip() for k, v in document.get_metadata_dict(skip_empty=False).items()}
    xmp = _xmp(data, str(path), issues) if not (info.get("Title") and info.get("Author")) else {}
    title = info.get("Title") or xmp.get("title") or ""
    people_text = info.get("Author") or xmp.get("creator") or ""
    publisher = xmp.get("publisher") or ""
    first = pages[0] if pages else []
    height = heights[0] if heights else 0.0
    if not _plausible_title(title):
        title = _first_page_title(first, height) or ""
    people = split_people(people_text) if people_text else []
    if people_text and (not people or looks_like_organisation(people_text)):
        publisher, people = publisher or people_text, []  # the metadata's "author" is an institution
    if not people:
        people = _first_page_people(first, height, title)
    date = _pdf_date(info.get("CreationDate") or "") or xmp.get("date") or _first_page_date(first)
    fields: dict[str, Any] = {
        "document": title or path.stem,
        "authors": "; ".join(people) or None,
        "author": publisher or _folder_name(path),
    }
    iso, written = normalise_date(date) if date else (None, None)
    fields["_date"], fields["_date_text"] = iso, written if iso else None
    return fields


def _plausible_title(title: str) -> bool:
    """Not empty and not a file name or a word-processor default ("Microsoft Word - x.docx")."""
    t = title.strip()
    return len(t) >= 4 and not re.search(r"\.(docx?|tex|pdf|dvi|indd)$|^untitled$|^microsoft word", t, re.IGNORECASE)


# a folder no one named: a content hash (Gradio keeps each upload under ``<hash>/<name>``), a temporary folder
_UNNAMED_FOLDER = re.compile(r"[0-9a-f]{16,}|[0-9a-f-]{32,}|tmp\w*|temp|\d+", re.IGNORECASE)


def _folder_name(path: Path) -> str | None:
    """The folder a file was filed in, as its organisation, unless it is a folder no one named."""
    folder = path.resolve().parent.name
    return folder if folder and not _UNNAMED_FOLDER.fullmatch(folder) else None


def _pdf_date(value: str) -> str | None:
    """``D:20250120013254Z`` -> ``2025-01-20``."""
    match = _PDF_DATE.match(value.strip())
    if not match or not 1900 < int(match.group(1)) < 2200:
        return None
    return "-".join(g for g in match.groups() if g)


def _xmp(data: bytes, source: str, issues: list[ParseIssue]) -> dict[str, str]:
    """Title, creators, publisher and date from the XMP packet (pypdf reads it); its warnings counted."""
    from pypdf import PdfReader

    found: dict[str, str] = {}
    with _caught_warnings(source, issues):
        try:
            xmp = PdfReader(io.BytesIO(data), strict=False).xmp_metadata
        except Exception:  # noqa: BLE001 - a broken XMP packet only costs its metadata
            xmp = None
        if xmp is None:
            return found
        title = (xmp.dc_title or {}).get("x-default") if isinstance(xmp.dc_title, dict) else None
        creators = [c for c in (xmp.dc_creator or []) if isinstance(c, str)]
        publishers = [c for c in (xmp.dc_publisher or []) if isinstance(c, str)]
        dates = [d for d in (xmp.dc_date or []) if d]
        if title:
            found["title"] = str(title).strip()
        if creators:
            found["creator"] = "; ".join(creators)
        if publishers:
            found["publisher"] = publishers[0].strip()
        if dates:
            found["date"] = str(dates[0])[:10]
    return found


class _caught_warnings:  # noqa: N801 - used as a context manager
    """Collect pypdf's log and warnings into one ParseIssue instead of flooding the terminal."""

    def __init__(self, source: str, issues: list[ParseIssue]):
        self.source, self.issues, self.messages = source, issues, []  # type: ignore[var-annotated]
        self._handler = _ListHandler(self.messages)
        self._warnings: Any = None

    def __enter__(self) -> _caught_warnings:
        logger = logging.getLogger("pypdf")
        self._propagate = logger.propagate
        logger.addHandler(self._handler)
        logger.propagate = False
        self._warnings = warnings.catch_warnings(record=True)
        self._recorded = self._warnings.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc: object) -> None:
        logger = logging.getLogger("pypdf")
        logger.removeHandler(self._handler)
        logger.propagate = self._propagate
        self.messages.extend(str(w.message) for w in self._recorded)
        self._warnings.__exit__(*exc)
        if self.messages:
            self.issues.append(ParseIssue(self.source, None, f"{len(self.messages)} PDF parser warning(s), "
                                                             f"first: {self.messages[0][:120]}"))


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


def _first_page_title(segments: list[layout.Segment], height: float) -> str | None:
    """The topmost line in large type (two words or more) on the first page, with the lines of that size
    right under it: a logo or a figure in larger type further down is no title."""
    body = layout.body_font_size([segments])
    large = [s for s in segments if s.size >= body * 1.2 and len(s.text.split()) >= 2 and s.y0 > height * 0.4]
    if not large:
        return None
    top = max(large, key=lambda s: s.y1)
    lines = [s for s in large if abs(s.size - top.size) < 0.5 and top.y1 - s.y1 < 4 * top.size]
    title = layout.fold(" ".join(s.text for s in sorted(lines, key=lambda s: -s.y1)[:3])).strip()
    return title if 4 <= len(title) <= 250 else None


def _first_page_people(segments: list[layout.Segment], height: float, title: str) -> list[str]:
    """Names in the lines under the title, before the abstract, an e-mail or an affiliation line."""
    if not segments:
        return []
    largest = max(s.size for s in segments)
    people: list[str] = []
    started = False
    for seg in segments:
        text = layout.fold(seg.text).strip()
        if seg.size >= largest * 0.95 or (title and text in title):
            started = True
            continue
        if not started:
            continue
        if _FRONT_STOP.match(text) or seg.y0 < height * 0.5:
            break
        if "@" in text or "http" in text or looks_like_organisation(text):
            continue
        people.extend(p for p in split_people(text) if p not in people)
    return people[:30]


def _first_page_date(segments: list[layout.Segment]) -> str | None:
    """A written date anywhere on the first page (a byline date, a stamp in the margin)."""
    for seg in segments:
        match = _WRITTEN_DATE.search(seg.text)
        if match:
            return match.group()
    return None
