"""Statement -> passages small enough to embed and to quote.

Passages are what the assistant quotes, so each must be a verbatim substring of
its statement (``start`` locates it) and should end where a sentence ends.  The
splitting itself is LangChain's RecursiveCharacterTextSplitter; this module only
chooses separators that prefer paragraph breaks, then line breaks, then the ends
of English and Chinese sentences, then clauses, and only then spaces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.model import PassageRecord, Statement

if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

# Zero-width patterns (lookbehind) so the punctuation stays with its sentence;
# keep_separator="end" keeps any following whitespace with the sentence too.
SEPARATORS: tuple[str, ...] = (
    r"\n\s*\n",  # paragraph break
    r"\n",  # line break (list items, verse, table rows)
    # sentence ends: English before whitespace (also after a closing quote or
    # bracket); Chinese right after the mark (or after its closing quote)
    r"(?<=[.?!])\s+|(?<=[.?!][\"'”’)\]])\s+"
    r"|(?<=[。！？；])(?![”’」』）])|(?<=[。！？；][”’」』）])",
    r"(?<=[;:,])\s+|(?<=[，、：])",  # clauses, when a sentence alone is too long
    r"\s+",  # words
    r"",  # characters (only for text without any spaces or punctuation)
)


def split_statement(
    stmt: Statement, max_chars: int = 1200, overlap: int = 150
) -> list[PassageRecord]:
    """Split a statement into passages of at most ``max_chars`` characters.

    A statement that fits is one passage identical to the statement text, so a
    short statement is quoted exactly as the source gives it.
    """
    if overlap >= max_chars:
        raise ValueError(f"overlap ({overlap}) must be smaller than max_chars ({max_chars})")
    text = stmt.text
    if len(text) <= max_chars:
        return [PassageRecord(statement=stmt, text=text, chunk=0, start=0)]
    chunks = _splitter(max_chars, overlap).split_text(text)
    return [
        PassageRecord(statement=stmt, text=chunk, chunk=index, start=start)
        for index, (chunk, start) in enumerate(_locate(text, chunks, overlap))
    ]


def _splitter(max_chars: int, overlap: int) -> RecursiveCharacterTextSplitter:
    """The LangChain splitter, configured for sentence-preserving cuts."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        separators=list(SEPARATORS),
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=max_chars,
        chunk_overlap=overlap,
        strip_whitespace=True,
    )


def _locate(text: str, chunks: list[str], overlap: int) -> list[tuple[str, int]]:
    """Pair each chunk with its offset; chunks come in order and may overlap.

    The splitter carries at most ``overlap`` characters into the next chunk, so
    a chunk starts no earlier than ``overlap`` before the previous one ended:
    searching from there finds the right occurrence even in repetitive text.
    """
    located: list[tuple[str, int]] = []
    search_from = 0
    for chunk in chunks:
        start = text.find(chunk, search_from)
        if start < 0:
            raise ValueError("splitter produced a passage that is not in the statement text")
        located.append((chunk, start))
        search_from = max(start + 1, start + len(chunk) - overlap)
    return located
