"""Markdown (``.md``, ``.markdown``) -> statements: paragraphs under their headings.

The line rules here (ATX/setext headings, fences, quotes, thematic breaks) are
also how plain text is cut into blocks, minus the inline markup.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.model import ParseIssue, ParseResult
from ingest.front_matter import read_front_matter
from ingest.prose import Block, join_lines, statements_from_blocks
from ingest.reader import read_text

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_THEMATIC = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_HTML_ONLY = re.compile(r"^\s*(?:<[/!]?[A-Za-z][^<>]*>\s*)+$")  # a line of nothing but HTML tags
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


def load_markdown(path: Path) -> ParseResult:
    """Load a ``.md`` / ``.markdown`` file."""
    text, _ = read_text(path)
    return parse_markdown(text, str(path))


def parse_markdown(text: str, source: str) -> ParseResult:
    """Paragraphs of Markdown text under their heading path."""
    issues: list[ParseIssue] = []
    lines = text.split("\n")
    meta, start = read_front_matter(lines, source, issues)
    blocks = line_blocks(lines, start, markdown=True)
    return statements_from_blocks(blocks, meta, source, issues)


def line_blocks(lines: list[str], start: int, markdown: bool) -> list[Block]:
    """Split lines into headings and paragraphs (Markdown or plain text rules)."""
    blocks: list[Block] = []
    para: list[tuple[int, str]] = []
    fence: tuple[str, int, list[str]] | None = None

    def flush() -> None:
        if para:
            text = join_lines((_QUOTE.sub("", ln) if markdown else ln for _, ln in para),
                               markdown)
            blocks.append(Block(_inline(text) if markdown else text, para[0][0]))
            para.clear()

    for index in range(start, len(lines)):
        line, number = lines[index], index + 1
        if fence is not None:
            if line.strip().startswith(fence[0]) and not line.strip().strip(fence[0][0]):
                _add_code(blocks, fence)
                fence = None
            else:
                fence[2].append(line)
            continue
        if markdown and (match := _FENCE.match(line)):
            flush()
            fence = (match.group(1), number + 1, [])
        elif not line.strip() or (markdown and (_COMMENT.match(line) or _HTML_ONLY.match(line))):
            flush()  # raw HTML lines (<div align="center">, <img ...>) are layout, not text
        elif heading := _atx_heading(line, number, markdown):
            flush()
            blocks.append(heading)
        elif para and _SETEXT.match(line):
            level = 1 if line.strip().startswith("=") else 2
            text = join_lines((ln for _, ln in para), markdown)
            blocks.append(Block(_inline(text) if markdown else text, para[0][0], level))
            para.clear()
        elif _THEMATIC.match(line):
            flush()
        else:
            para.append((number, line))
    flush()
    if fence is not None:
        _add_code(blocks, fence)
    return blocks


def _atx_heading(line: str, number: int, markdown: bool) -> Block | None:
    """``## Title`` -> a heading block (also honoured in plain text files)."""
    match = _ATX.match(line)
    if not match or not (match.group(2) or "").strip():
        return None
    text = match.group(2).strip()
    return Block(_inline(text) if markdown else text, number, len(match.group(1)))


def _add_code(blocks: list[Block], fence: tuple[str, int, list[str]]) -> None:
    """A fenced block is kept verbatim as one paragraph (if it has any text)."""
    text = "\n".join(fence[2]).strip("\n")
    if text.strip():
        blocks.append(Block(text, fence[1]))


_INLINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links: their text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links
    (re.compile(r"<(https?://[^>]+)>"), r"\1"),  # autolinks
    (re.compile(r"`([^`]+)`"), r"\1"),  # inline code
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *italic*
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),  # _italic_
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # strikethrough
    (_HTML_TAG, ""),  # inline HTML tags (<b>, <a href=...>, <br/>): their text stays
)


def _inline(text: str) -> str:
    """Markdown inline markup -> the text a reader sees (quotes must match it)."""
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    return text
