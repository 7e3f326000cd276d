"""split_statement: passages are verbatim, located, and cut at sentence ends."""

from __future__ import annotations

import pytest

from core.model import Statement
from ingest.splitting import split_statement

ENGLISH = " ".join(
    f"Principle {i} requires that AI systems remain safe, fair and accountable{'?' if i % 4 == 0 else '.'}"
    for i in range(40)
)
CHINESE = "".join(f"第{i}条人工智能系统应当安全可靠并且尊重人的尊严与基本权利。" for i in range(60))


def _stmt(text: str) -> Statement:
    return Statement(text=text, source="t.jsonl", line=1).finalize()


def _check_verbatim(text: str, passages: list) -> None:
    for passage in passages:
        assert text[passage.start: passage.start + len(passage.text)] == passage.text


def test_short_statement_is_one_identical_passage() -> None:
    stmt = _stmt("  AI must be safe.\n")
    (passage,) = split_statement(stmt)
    assert (passage.text, passage.chunk, passage.start) == (stmt.text, 0, 0)
    assert passage.statement is stmt
    assert passage.id == f"{stmt.id}:0"


def test_statement_of_exactly_max_chars_stays_whole() -> None:
    stmt = _stmt("a" * 1200)
    assert [p.text for p in split_statement(stmt)] == [stmt.text]


def test_long_english_split_at_sentence_ends() -> None:
    stmt = _stmt(ENGLISH)
    passages = split_statement(stmt, max_chars=300, overlap=80)
    assert len(passages) > 5
    assert [p.chunk for p in passages] == list(range(len(passages)))
    _check_verbatim(ENGLISH, passages)
    for p in passages:
        assert len(p.text) <= 300
        assert p.text.startswith("Principle ")
        assert p.text.endswith((".", "?"))
    starts = [p.start for p in passages]
    assert starts == sorted(starts) and starts[0] == 0
    assert passages[-1].start + len(passages[-1].text) == len(ENGLISH)


def test_overlap_repeats_a_whole_sentence() -> None:
    passages = split_statement(_stmt(ENGLISH), max_chars=300, overlap=120)
    for before, after in zip(passages, passages[1:]):
        assert after.start < before.start + len(before.text)  # they overlap
        assert after.text.startswith("Principle ")


def test_paragraph_breaks_preferred() -> None:
    para = "This paragraph explains a principle in enough words to matter. " * 6
    text = (para.strip() + "\n\n") * 4
    stmt = _stmt(text.strip())
    passages = split_statement(stmt, max_chars=900, overlap=0)
    _check_verbatim(stmt.text, passages)
    assert len(passages) == 2
    for p in passages:  # whole paragraphs: starts after a break, ends at one
        assert p.start == 0 or stmt.text[p.start - 2: p.start] == "\n\n"
        end = p.start + len(p.text)
        assert end == len(stmt.text) or stmt.text[end: end + 2] == "\n\n"


def test_chinese_split_at_full_stop() -> None:
    stmt = _stmt(CHINESE)
    passages = split_statement(stmt, max_chars=100, overlap=30)
    assert len(passages) > 10
    _check_verbatim(CHINESE, passages)
    for p in passages:
        assert len(p.text) <= 100
        assert p.text.endswith("。")
        assert p.text.startswith("第")


def test_repetitive_text_without_separators_has_right_starts() -> None:
    stmt = _stmt("x" * 2500)
    passages = split_statement(stmt, max_chars=1000, overlap=100)
    assert [p.start for p in passages] == [0, 900, 1800]
    _check_verbatim(stmt.text, passages)


def test_overlap_must_be_smaller_than_max() -> None:
    with pytest.raises(ValueError):
        split_statement(_stmt("x" * 50), max_chars=10, overlap=10)
