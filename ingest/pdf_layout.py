"""A PDF page's characters -> lines in reading order -> paragraphs, headings and tables.

The text layer of a PDF is characters with boxes, not paragraphs.  This module
rebuilds what a reader sees, from geometry only (no rule names a document):

* a *line* breaks where the baseline moves; inside a line, a horizontal gap of
  more than ``CELL_GAP_EM`` font sizes splits it into *segments* (the gutter
  between two columns, or the cells of a table row);
* on a two-column page (``_is_two_column``) segments are read left column, then
  right column, between full-width parts (title, wide figures), so two columns
  are never glued into one sentence even when the content stream interleaves them;
* a physical line split into several segments inside one column, or made mostly
  of numbers, is a *table row*: rows stay one per line in their own block;
* margin furniture goes: vertical text (an arXiv stamp), page numbers, and lines
  repeated in the top or bottom margin of many pages (running headers/footers);
* lines join into a paragraph until a vertical gap, a change of font size, a
  heading, or a short line that ends a sentence.

Words split at a line end are joined later (``ingest.hyphenation``), once the
vocabulary of the whole document is known.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CELL_GAP_EM = 1.5  # word gaps in justified text stay under ~0.8 em; a column gutter or a table gap is wider
MARGIN_SHARE = 0.08  # top/bottom share of the page where running headers, footers and page numbers sit
REPEAT_SHARE = 0.4  # a margin line on this share of pages (at least 3) is a running header/footer
PARAGRAPH_GAP_EM = 0.9  # vertical white space between two lines that starts a new paragraph
SOFT_HYPHEN = "\ufffe"  # PDFium's mark for a hyphen it found at a line end

_PAGE_NUMBER = re.compile(r"^(?:page\s*)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
_NUMBERED_HEADING = re.compile(
    r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3}|[A-Z]|[IVX]{1,4})\.?\s+(?P<title>[A-Z\u4e00-\u9fff].*)$")
_ENDS_SENTENCE = re.compile(r"[.!?:;。！？：；]['\")\]”’]*$")
_NUMERIC_TOKEN = re.compile(r"^[-–—+±]?[\d.,%]+[a-zA-Z%]{0,2}$|^[-–—/]$")


_Char = tuple[str, tuple[float, float, float, float], float, int]  # text, box, font size, index on the page


@dataclass
class Segment:
    """Characters of one line with no wide gap between them."""

    text: str
    x0: float
    y0: float  # bottom (PDF coordinates grow upwards)
    x1: float
    y1: float
    size: float
    bold: bool = False
    line_id: int = 0  # the physical line it came from
    cells: int = 1  # segments of its physical line inside the same column (a table row has several)
    first: int = 0  # index of its first and last visible characters on the page
    last: int = 0


@dataclass
class Paragraph:
    """A paragraph, heading (level > 0) or table of one page."""

    text: str
    page: int  # 0-based sheet index
    level: int = 0
    table: bool = False
    lines: list[str] = field(default_factory=list)


def page_segments(textpage: Any, page_height: float) -> list[Segment]:
    """The page's text as segments, in content-stream order, with their boxes and font size."""
    import pypdfium2.raw as raw

    count = textpage.count_chars()
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    segments: list[Segment] = []
    chars: list[_Char] = []
    line_id = 0

    def close() -> None:
        nonlocal chars
        for seg in _split_line(chars, line_id):
            # bold when its first and last characters are: a run-in bold heading followed by text is not
            seg.bold = all(raw.FPDFText_GetFontWeight(textpage.raw, i) >= 600 for i in (seg.first, seg.last))
            segments.append(seg)
        chars = []

    for index in range(min(count, len(text))):
        char = text[index]
        if char in "\r\n":
            if chars:
                close()
                line_id += 1
            continue
        if char != " " and abs(math.sin(raw.FPDFText_GetCharAngle(textpage.raw, index))) > 0.1:
            continue  # rotated text: a stamp or a label along the margin, not the page's text
        box = textpage.get_charbox(index)
        size = float(raw.FPDFText_GetFontSize(textpage.raw, index)) or (box[3] - box[1])
        if chars and char != " " and box[2] > box[0] and _new_line(chars, box, size):
            close()
            line_id += 1
        chars.append(("-" if char == SOFT_HYPHEN else char, box, size, index))
    if chars:
        close()
    return segments


def _new_line(chars: list[_Char],
              box: tuple[float, float, float, float], size: float) -> bool:
    """The baseline moved by more than half a font size since the last visible character."""
    last = next((c for c in reversed(chars) if c[0] != " " and c[1][2] > c[1][0]), None)
    if last is None:
        return False
    return abs(box[1] - last[1][1]) > 0.5 * max(size, last[2], 1.0) or box[2] < last[1][0] - 2 * size


def _split_line(chars: list[_Char],
                line_id: int) -> list[Segment]:
    """One physical line -> segments cut at gaps wider than CELL_GAP_EM font sizes."""
    out: list[Segment] = []
    current: list[_Char] = []
    last_right: float | None = None
    for char, box, size, index in chars:
        visible = char != " " and box[2] > box[0]
        if visible and last_right is not None and box[0] - last_right > CELL_GAP_EM * max(size, 1.0):
            out.extend(_segment(current, line_id))
            current = []
        current.append((char, box, size, index))
        if visible:
            last_right = box[2]
    out.extend(_segment(current, line_id))
    return out


def _segment(chars: list[_Char], line_id: int) -> list[Segment]:
    visible = [c for c in chars if c[0] != " " and c[1][2] > c[1][0]]
    text = "".join(c[0] for c in chars).strip()
    if not visible or not text:
        return []
    boxes = [c[1] for c in visible]
    return [Segment(text, min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                    max(b[3] for b in boxes), statistics.median(c[2] for c in visible), False, line_id,
                    first=visible[0][3], last=visible[-1][3])]


# ---------------------------------------------------------------- furniture


def is_vertical(segment: Segment) -> bool:
    """Rotated text (a margin stamp): much taller than wide."""
    return len(segment.text) >= 4 and (segment.y1 - segment.y0) > 2 * (segment.x1 - segment.x0)


def margin_key(segment: Segment, page_height: float) -> str | None:
    """The digit-free text of a segment in the top or bottom margin (None elsewhere)."""
    top = segment.y0 > page_height * (1 - MARGIN_SHARE)
    bottom = segment.y1 < page_height * MARGIN_SHARE
    if not (top or bottom):
        return None
    return ("T" if top else "B") + re.sub(r"\d+", "#", segment.text.casefold())


def running_lines(pages: list[list[Segment]], heights: list[float]) -> set[str]:
    """Margin texts repeated on REPEAT_SHARE of the pages (at least three): running headers and footers."""
    counts: Counter[str] = Counter()
    for segments, height in zip(pages, heights):
        counts.update({key for s in segments if (key := margin_key(s, height))})
    needed = max(3, REPEAT_SHARE * len(pages))
    return {key for key, n in counts.items() if n >= needed}


def is_furniture(segment: Segment, page_height: float, running: set[str]) -> bool:
    """Page numbers and running headers/footers in the margins, and rotated stamps."""
    if is_vertical(segment):
        return True
    key = margin_key(segment, page_height)
    return key is not None and (key in running or bool(_PAGE_NUMBER.match(segment.text.strip())))


# ---------------------------------------------------------------- reading order


def reading_order(segments: list[Segment], page_width: float) -> list[Segment]:
    """Left column then right column between full-width parts, on a two-column page; else as given."""
    if not _is_two_column(segments, page_width):
        return _with_cells(segments, page_width, two_columns=False)
    mid = page_width / 2
    out: list[Segment] = []
    left: list[Segment] = []
    right: list[Segment] = []
    for seg in segments:
        side = _side(seg, mid, page_width)
        if side == "left":
            left.append(seg)
        elif side == "right":
            right.append(seg)
        else:
            out.extend(left + right + [seg])
            left, right = [], []
    out.extend(left + right)
    return _with_cells(out, page_width, two_columns=True)


def _side(seg: Segment, mid: float, width: float) -> str:
    slack = 0.02 * width
    if seg.x1 <= mid + slack:
        return "left"
    if seg.x0 >= mid - slack:
        return "right"
    return "span"


def _is_two_column(segments: list[Segment], width: float) -> bool:
    """Many wide segments sit inside each half of the page."""
    mid = width / 2
    wide = [s for s in segments if (s.x1 - s.x0) > 0.3 * width]
    left = sum(1 for s in wide if _side(s, mid, width) == "left")
    right = sum(1 for s in wide if _side(s, mid, width) == "right")
    return left >= 5 and right >= 5


def _with_cells(segments: list[Segment], width: float, two_columns: bool) -> list[Segment]:
    """Count, for each segment, the segments of its physical line in the same column."""
    mid = width / 2
    groups: Counter[tuple[int, str]] = Counter()
    for seg in segments:
        groups[(seg.line_id, _side(seg, mid, width) if two_columns else "page")] += 1
    for seg in segments:
        seg.cells = groups[(seg.line_id, _side(seg, mid, width) if two_columns else "page")]
    return segments


# ---------------------------------------------------------------- paragraphs


def _is_table_row(line: list[Segment]) -> bool:
    """Several cells on one line of a column, or a line made mostly of numbers."""
    if len(line) >= 3 or (len(line) == 2 and all(len(s.text.split()) <= 4 for s in line)):
        return True
    tokens = " ".join(s.text for s in line).split()
    numeric = sum(1 for t in tokens if _NUMERIC_TOKEN.match(t))
    return len(tokens) >= 3 and numeric * 2 >= len(tokens)


def _lines(segments: list[Segment]) -> list[list[Segment]]:
    """Consecutive segments of one physical line (and column) together."""
    out: list[list[Segment]] = []
    for seg in segments:
        if out and out[-1][-1].line_id == seg.line_id and abs(out[-1][-1].y0 - seg.y0) < 0.5 * max(seg.size, 1):
            out[-1].append(seg)
        else:
            out.append([seg])
    return out


def heading_level(text: str, size: float, bold: bool, body_size: float) -> int:
    """A short line that reads as a section heading: numbered, larger than the body, or bold; else 0."""
    words = text.split()
    if not words or len(words) > 12 or len(text) > 100 or _ENDS_SENTENCE.search(text) or text.endswith(","):
        return 0
    if size < body_size * 0.97:  # figure labels and footnotes are set smaller than the body
        return 0
    numbered = _NUMBERED_HEADING.match(text)
    larger = size >= body_size * 1.15
    if numbered and (bold or larger) and not _NUMERIC_TOKEN.match(numbered.group("title").split()[0]):
        return min(numbered.group("num").count(".") + 1, 4)
    if (bold or larger) and text[:1].isupper() and len(words) <= 8:
        return 1
    return 0


def page_paragraphs(segments: list[Segment], page: int, body_size: float) -> list[Paragraph]:
    """Segments in reading order -> the page's paragraphs, headings and tables."""
    out: list[Paragraph] = []
    current: Paragraph | None = None
    prev: list[Segment] | None = None
    column_right = max((s.x1 for s in segments), default=0.0)
    for line in _lines(segments):
        table = _is_table_row(line)
        text = " | ".join(s.text for s in line) if table else " ".join(s.text for s in line)
        size = max(s.size for s in line)
        bold = all(s.bold for s in line)
        level = 0 if table else heading_level(text, size, bold, body_size)
        if level:
            out.append(Paragraph(text, page, level))
            current, prev = None, None
            continue
        if current is None or prev is None or current.table != table or _breaks(prev, line, column_right):
            current = Paragraph("", page, table=table)
            out.append(current)
        current.lines.append(text)
        prev = line
    return [p for p in out if p.level or p.lines]


def _breaks(prev: list[Segment], line: list[Segment], column_right: float) -> bool:
    """Does ``line`` start a new paragraph after ``prev``?  White space between them, a change of
    type size, or a short last line that ends a sentence; a jump up to the next column carries on
    the paragraph only when the sentence does."""
    size = max(s.size for s in line) or 1.0
    prev_size = max(s.size for s in prev) or 1.0
    if abs(size - prev_size) > 0.15 * max(size, prev_size):
        return True
    gap = min(s.y0 for s in prev) - max(s.y1 for s in line)
    ends_sentence = bool(_ENDS_SENTENCE.search(prev[-1].text))
    if gap > PARAGRAPH_GAP_EM * size:
        return True
    if gap < -3 * size:  # the next column (or a figure above): continue only a sentence left open
        return ends_sentence or not line[0].text[:1].islower()
    width = max(s.x1 for s in prev) - min(s.x0 for s in prev)
    short = max(s.x1 for s in prev) < column_right - 0.15 * max(width, 1.0)
    return ends_sentence and short


def body_font_size(pages: list[list[Segment]]) -> float:
    """The most common font size, weighted by characters: the size of the running text."""
    sizes: Counter[float] = Counter()
    for segments in pages:
        for seg in segments:
            sizes[round(seg.size, 1)] += len(seg.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def fold(text: str) -> str:
    """Ligatures and other presentation forms -> plain letters (NFKC), private-use glyphs dropped.

    NFKC is applied to the presentation forms only (U+FB00-FB4F, U+FE30-FE4F...):
    folding everything would also turn CJK full-width punctuation into ASCII."""
    out = []
    for char in text:
        code = ord(char)
        if 0xE000 <= code <= 0xF8FF or char in "\x00\x02\ufeff":
            continue
        if 0xFB00 <= code <= 0xFB4F or char in "\u00a0\u2002\u2003\u2009\u202f":
            out.append(unicodedata.normalize("NFKC", char))
        else:
            out.append(char)
    return "".join(out)
