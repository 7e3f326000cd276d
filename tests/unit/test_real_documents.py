"""Real documents nobody here wrote (../shared/docs, skipped when absent) and the rules behind them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.model import ParseResult
from ingest.html import parse_html
from ingest.hyphenation import Vocabulary, join_lines
from ingest.language import detect_lang
from ingest.markdown import parse_markdown
from ingest.people import looks_like_organisation, split_people

LIGATURES = re.compile("[\ufb00-\ufb06]")
SPLIT_WORD = re.compile(r"\b[a-z]{2,}- [a-z]{2,}\b")


@pytest.fixture(scope="module")
def pasa(shared_dir: Path) -> ParseResult:
    from ingest.pdf import load_pdf

    path = shared_dir / "docs" / "pasa.pdf"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return load_pdf(path)


@pytest.fixture(scope="module")
def flag_day(shared_dir: Path) -> ParseResult:
    from ingest.html import load_html

    path = shared_dir / "docs" / "flag_day.html"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return load_html(path)


# ---------------------------------------------------------------- the two-column paper


def test_pdf_text_reads_like_the_paper(pasa: ParseResult) -> None:
    text = "\n".join(s.text for s in pasa.statements)
    assert not LIGATURES.search(text)
    assert SPLIT_WORD.findall(text) == []
    assert "summarized as follows" in text and "comprehensive" in text
    assert "arXiv:2501" not in text  # the rotated stamp in the margin
    assert not any(re.fullmatch(r"\d{1,3}", s.text) for s in pasa.statements)  # page numbers


def test_pdf_columns_are_not_glued(pasa: ParseResult) -> None:
    """The abstract (left column) and the introduction (right column) are separate statements,
    and no statement mixes the first sentence of one with the other."""
    abstract = next(s for s in pasa.statements if s.text.startswith("We introduce PaSa"))
    assert abstract.section == "Abstract"
    assert "Academic paper search lies at the core" not in abstract.text
    assert any(s.section == "1 Introduction" and s.text.startswith("Academic paper search") for s in pasa.statements)


def test_pdf_metadata_people_are_authors_not_the_organisation(pasa: ParseResult) -> None:
    first = pasa.statements[0]
    assert first.document == "PaSa: An LLM Agent for Comprehensive Academic Paper Search"
    assert first.authors and first.authors.split("; ")[:2] == ["Yichen He", "Guanhua Huang"]
    assert first.author == "docs"  # no publisher in the PDF: the folder it was filed in
    assert (first.date, first.lang) == ("2025-01-20", "en")
    assert {s.extra["page_numbering"] for s in pasa.statements} == {"sheet"}  # no /PageLabels in this PDF


def test_pdf_tables_stay_tables(pasa: ParseResult) -> None:
    table = next(s for s in pasa.statements if "ICLR 2023" in s.text and "|" in s.text)
    assert "\n" in table.text  # one row per line, not glued into a sentence
    # a header row laid out as its own block stays with the table's rows; a lone "row" is a formula's pieces
    assert any(s.text.startswith("Name | Value\n") for s in pasa.statements)
    assert all(s.text.count("\n") >= 1 for s in pasa.statements if " | " in s.text and "arXiv" not in s.text)


def test_pdf_warnings_are_one_line(pasa: ParseResult) -> None:
    assert len(pasa.issues) <= 2
    assert all("\n" not in str(i) for i in pasa.issues)


# ---------------------------------------------------------------- the saved web page


def test_web_page_main_content_only(flag_day: ParseResult) -> None:
    texts = [s.text for s in flag_day.statements]
    joined = "\n".join(texts)
    assert any(t.startswith("National Flag of Canada Day (French:") for t in texts)
    assert "Retrieved" not in joined  # the reference list
    assert "Español" not in joined and "Jump to content" not in joined  # language menu, navigation
    assert "function(" not in joined and "RLQ" not in joined  # scripts
    assert all(len(t.split()) >= 3 for t in texts)


def test_web_page_keeps_every_word_of_its_paragraphs(flag_day: ParseResult, shared_dir: Path) -> None:
    """No sentence of the article's paragraphs is lost: the text after a footnote mark ("1965.[1] The day
    is marked ...") once went with the removed mark."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring((shared_dir / "docs" / "flag_day.html").read_text(encoding="utf-8"))
    for mark in tree.xpath("//sup[contains(@class, 'reference')]"):
        mark.drop_tree()
    stored = " ".join(" ".join(s.text.split()) for s in flag_day.statements)
    paragraphs = [" ".join(p.text_content().split()) for p in tree.xpath("//div[@id='mw-content-text']//p")]
    paragraphs = [p for p in paragraphs if len(p.split()) >= 5]
    assert len(paragraphs) >= 4
    missing = [p for p in paragraphs if p not in stored]
    assert not missing, missing


def test_text_after_a_removed_footnote_mark_is_kept() -> None:
    page = ("<html><head><title>T</title></head><body><article><h1>Rules</h1>"
            "<p>The rule took effect in 1965.<sup class='reference' id='cite_ref-1'><a href='#n1'>[1]</a></sup> "
            "It is marked every year by public ceremonies in many towns and schools.</p>"
            "<p>A second paragraph with enough words to count as the article's main content here.</p>"
            "</article><ol class='references'><li id='n1'>Source, retrieved 2020.</li></ol></body></html>")
    joined = " ".join(s.text for s in parse_html(page, "page.html").statements)
    assert "1965. It is marked every year by public ceremonies" in " ".join(joined.split())
    assert "retrieved" not in joined


def test_web_page_metadata(flag_day: ParseResult) -> None:
    first = flag_day.statements[0]
    assert first.document == "National Flag of Canada Day - Wikipedia"
    assert first.url == "https://en.wikipedia.org/wiki/National_Flag_of_Canada_Day"
    assert first.author and first.date and first.lang == "en"
    assert {s.lang for s in flag_day.statements} == {"en"}


# ---------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("lines", "context", "joined"),
    [
        (["the princi-", "ples apply"], "these principles matter", "the principles apply"),
        (["a non-", "binding text"], "it is a text", "a non-binding text"),
        (["summa-", "rized here"], "nothing else", "summarized here"),
        (["decision-", "making bodies"], "a decision about making it", "decision-making bodies"),
        (["PaSa-", "7b model"], "", "PaSa-7b model"),
        (["end of line", "next line"], "", "end of line next line"),
    ],
)
def test_line_end_hyphens(lines: list[str], context: str, joined: str) -> None:
    vocab = Vocabulary.from_paragraphs([lines, [context]])
    assert join_lines(lines, vocab) == joined


@pytest.mark.parametrize(
    ("byline", "people"),
    [
        ("Yichen He∗1 Guanhua Huang∗1 Peiyuan Feng1 Yuan Lin†1", ["Yichen He", "Guanhua Huang", "Peiyuan Feng",
                                                                    "Yuan Lin"]),
        ("Ada Lovelace, Charles Babbage and Mary Somerville", ["Ada Lovelace", "Charles Babbage", "Mary Somerville"]),
        ("1ByteDance Research 2Peking University", []),
        ("Ministry of Digital Affairs", []),
    ],
)
def test_people_in_bylines(byline: str, people: list[str]) -> None:
    assert split_people(byline) == people


def test_organisations_are_told_from_people() -> None:
    assert looks_like_organisation("Example Standards Institute")
    assert looks_like_organisation("示例数字治理研究院")
    assert not looks_like_organisation("Ada Lovelace")


@pytest.mark.parametrize("text", ["Privacy", "Home | About", "A.I.", "<div>", "Ok go"])
def test_too_short_for_a_language(text: str) -> None:
    assert detect_lang(text) is None


def test_short_paragraph_inherits_the_documents_language() -> None:
    text = ("# Principles\n\nSystems must be safe and secure throughout their lifecycle.\n\n"
            "People must be told when they talk to a machine.\n\n- Yes sure\n")
    result = parse_markdown(text, "p.md")
    assert [s.lang for s in result.statements] == ["en", "en", "en"]


def test_markdown_raw_html_is_not_a_statement() -> None:
    text = ('<div align="center">\n<img src="logo.png" width="80">\n</div>\n\n'
            "# Charter\n\nThe <b>first</b> rule: people decide.\n\n<p align=\"center\">\n</p>\n")
    result = parse_markdown(text, "README.md")
    assert [s.text for s in result.statements] == ["The first rule: people decide."]
