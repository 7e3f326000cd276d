"""Plain text (``.txt`` that is not the linking export) -> statements.

Plain text has no markup, so headings are guessed from short, title-like lines
and the numbering of sections (``3.1 Data``, ``第一章 总则``).
"""

from __future__ import annotations

import re
from pathlib import Path

from core.model import ParseIssue, ParseResult
from ingest.front_matter import read_front_matter
from ingest.markdown import line_blocks
from ingest.prose import CJK, LIST_ITEM, Block, statements_from_blocks
from ingest.reader import read_text

_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S")
_ROMAN = re.compile(r"^[IVXLC]+\.\s+\S")
_CN_PART = re.compile(r"^第[一二三四五六七八九十百零〇\d]+[编章部]")
_CN_SECTION = re.compile(r"^第[一二三四五六七八九十百零〇\d]+节")
_SENTENCE_END = tuple(".,;:!?。，；：！？、")


def load_plain_text(path: Path) -> ParseResult:
    """Load a ``.txt`` file that is not the linking export format."""
    text, _ = read_text(path)
    return parse_plain_text(text, str(path))


def parse_plain_text(text: str, source: str) -> ParseResult:
    """Paragraphs of plain text; short title-like lines are taken as headings."""
    issues: list[ParseIssue] = []
    lines = text.split("\n")
    meta, start = read_front_matter(lines, source, issues)
    blocks = _guess_headings(line_blocks(lines, start, markdown=False))
    return statements_from_blocks(blocks, meta, source, issues)


def _guess_headings(blocks: list[Block]) -> list[Block]:
    """Promote one-line, unpunctuated paragraphs with text under them to headings.

    Plain text has no markup, but charters still have titles and numbered
    sections; without them every citation would lack its section.  The first
    block, if title-like, is the document title.  A run of short lines at the
    same level is a list, not headings, so it stays text: a wrong guess may cost
    a section name but never loses a paragraph.
    """
    levels = [_candidate_level(b, i) for i, b in enumerate(blocks)]
    out: list[Block] = []
    for i, block in enumerate(blocks):
        level = levels[i]
        after = (blocks[i + 1].level or levels[i + 1]) if i + 1 < len(blocks) else None
        before = levels[i - 1] if i > 0 else 0
        is_heading = level and after is not None and not (after and after <= level) \
            and before != level
        out.append(Block(block.text, block.line, level) if is_heading else block)
    return out


def _candidate_level(block: Block, index: int) -> int:
    """The heading level a paragraph would have if it is a heading, else 0."""
    if block.level or not _title_like(block.text):
        return 0
    level = _heading_level(block.text)
    return 1 if index == 0 and level == 2 else level  # '第一章 总则' is no title


def _title_like(text: str) -> bool:
    """A single short line that does not end like a sentence."""
    if "\n" in text or len(text) > 80 or text.endswith(_SENTENCE_END):
        return False
    if _NUMBERED.match(text) or _ROMAN.match(text) or _CN_PART.match(text) \
            or _CN_SECTION.match(text):
        return True
    if LIST_ITEM.match(text):
        return False
    return text[0].isupper() or bool(re.match(f"[{CJK}]", text[0]))


def _heading_level(text: str) -> int:
    """Depth from the numbering: 'Annex' 2, '3. Safety' 3, '3.1 Data' 4."""
    numbered = _NUMBERED.match(text)
    if numbered:
        return 2 + numbered.group(1).count(".") + 1
    if _ROMAN.match(text) or _CN_PART.match(text):
        return 3
    if _CN_SECTION.match(text):
        return 4
    return 2
