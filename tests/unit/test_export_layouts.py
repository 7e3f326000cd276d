"""The site's export in its real layouts, scored statement by statement against expected records.

``fixtures/export/layouts`` holds the layouts the parser was developed on; ``fixtures/export/heldout``
holds pages in the same layouts, written before the parser was checked on them (kept apart so the
score on them says how well the parsing generalises).  A statement is *fully right* when its text,
organisation, document, date and section all match; the target is 95% of them, and no record may come
from a block whose attribution is cut off.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.model import Statement
from ingest.linking_export import looks_like_export, parse_export

EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "export"
FIELDS = ("text", "author", "document", "date", "section")
TARGET = 0.95


def pages(folder: str) -> list[Path]:
    return sorted((EXPORT / folder).glob("*.txt"))


def expected(page: Path) -> list[dict[str, str | None]]:
    lines = page.with_suffix(".expected.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def record(statement: Statement) -> dict[str, str | None]:
    return {name: getattr(statement, name) for name in FIELDS}


def score(folder: str) -> tuple[int, int, list[str]]:
    """(fully right, expected, what went wrong) over every page of ``folder``; extra records count as wrong."""
    right = total = 0
    wrong: list[str] = []
    for page in pages(folder):
        text = page.read_text(encoding="utf-8")
        got = [record(s) for s in parse_export(text, page.name).statements] if looks_like_export(text) else []
        want = expected(page)
        total += max(len(want), len(got))
        for index in range(max(len(want), len(got))):
            a = got[index] if index < len(got) else None
            b = want[index] if index < len(want) else None
            if a == b:
                right += 1
            else:
                wrong.append(f"{page.name}[{index}]: got {a} want {b}")
    return right, total, wrong


# Held-out pages, scored before any rule was changed for them: the first three pages 6 of 7 fully right,
# the next three (written later, before the numbered-label rule) 7 of 8.  Both misses were a heading
# paragraph of sentence length that opens with a numbered label ("Article 7: ...", "第七条 ...") and
# was taken for lost text; with the label rule all 15 are right, so these pages now guard regressions
# and no longer measure generalisation (the next unseen pages will).
HELD_OUT_FLOOR = TARGET


@pytest.mark.parametrize(("folder", "floor"), [("layouts", TARGET), ("heldout", HELD_OUT_FLOOR)])
def test_layouts_are_read_fully_right(folder: str, floor: float) -> None:
    right, total, wrong = score(folder)
    assert total >= 6
    assert right / total >= floor - 1e-9, "\n".join(wrong)


@pytest.mark.parametrize("page", pages("layouts") + pages("heldout"), ids=lambda p: p.name)
def test_every_page_is_routed_to_the_export_parser(page: Path) -> None:
    assert looks_like_export(page.read_text(encoding="utf-8"))


def test_cut_off_attributions_give_no_record_and_name_their_line() -> None:
    page = EXPORT / "layouts" / "zh_listing_cutoff.txt"
    text = page.read_text(encoding="utf-8")
    result = parse_export(text, page.name)
    cut = [i for i in result.issues if "cut off" in i.message]
    lines = text.split("\n")
    assert [lines[i.line - 1].rstrip().endswith("…") for i in cut] == [True, True]
    kept = {s.text for s in result.statements}
    assert not any("最小范围" in t or "talking to a machine" in t for t in kept)


def test_a_lost_paragraph_is_not_taken_for_a_heading() -> None:
    """A first paragraph as long as the text under it is a lost statement, reported, not a section."""
    text = ("This paragraph lost its attribution when the page was copied from the site.\n\n"
            "This paragraph is properly attributed and must not absorb the one above.\n\n"
            "Published by Example Ethics Board in Code of Practice, May 2021\n")
    result = parse_export(text, "lost.txt")
    assert [s.section for s in result.statements] == [None]
    assert [i.line for i in result.issues] == [1]


def test_prose_with_one_publisher_line_is_not_an_export() -> None:
    text = ("Reading list\n\nThe first book is short and clear.\nPublisher: Example Press\n"
            "It explains the basics.\n")
    assert not looks_like_export(text)


def test_a_labelled_heading_paragraph_of_sentence_length_is_the_section() -> None:
    """"Article 7: <a whole sentence>." above a short text is the provision's heading, not lost text."""
    text = ("Article 7: Models used in hiring must be checked for bias at least once a year.\n\n"
            "Audit summaries are published every year.\n\n"
            "Published by Example Labour Board in Hiring Code, Jan 15, 2024\n")
    result = parse_export(text, "labelled.txt")
    assert [(s.section, s.text) for s in result.statements] == [
        ("Article 7: Models used in hiring must be checked for bias at least once a year.",
         "Audit summaries are published every year.")]
    assert result.issues == []
