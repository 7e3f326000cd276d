"""Markdown, plain text, HTML and PDF loaders, and dispatch by extension."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from core.model import IngestError, ParseResult
from ingest.html import load_html
from ingest.loaders import SUPPORTED_SUFFIXES, iter_files, load_path
from ingest.markdown import load_markdown, parse_markdown
from ingest.pdf import load_pdf
from ingest.plain_text import load_plain_text, parse_plain_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "docs"


# ------------------------------------------------------------------ PDF maker


def make_pdf(pages: list[list[str]], title: str | None = None, author: str | None = None) -> bytes:
    """A minimal valid PDF: each page shows its lines in Helvetica, top to bottom.

    Written by hand (catalog, page tree, font, one content stream per page,
    xref table) so the tests need no PDF-writing dependency.
    """
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        shown = [
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*"
            for line in lines
        ]
        stream = "\n".join(["BT", "/F1 12 Tf", "14 TL", "72 720 Td", *shown, "ET"]).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    info = ""
    if title or author:
        entries = (f"/Title ({title})" if title else "") + (f" /Author ({author})" if author else "")
        objects.append(f"<< {entries} >>".encode("latin-1"))
        info = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


PAGES = [
    ["Principles", "AI systems must be safe and", "robust in operation."],
    ["Second page: accountability matters."],
    ["Third page: humans stay in control."],
]


@pytest.fixture
def pdf_path(tmp_path: Path) -> Path:
    path = tmp_path / "charter.pdf"
    path.write_bytes(make_pdf(PAGES, title="Test Charter", author="Test Org"))
    return path


# ----------------------------------------------------------------- Markdown


def test_markdown_heading_paths_and_lines() -> None:
    result = load_markdown(FIXTURES / "charter.md")
    assert result.issues == []
    intro, fairness = result.statements[:2]
    assert intro.section is None
    assert intro.text == ("This charter sets out how the Example Institute builds "
                          "and deploys artificial intelligence.")
    assert intro.line == 10
    assert fairness.section == "Principles > 1. Fairness"
    assert fairness.line == 17
    assert "**" not in fairness.text and "](" not in fairness.text
    assert "treat people equally" in fairness.text
    safety = [s for s in result.statements if s.section == "Principles > 3. Safety"]
    assert [s.line for s in safety] == [22, 24]
    assert all(s.document == "Example AI Charter" for s in result.statements)


def test_markdown_front_matter() -> None:
    result = load_markdown(FIXTURES / "charter.md")
    stmt = result.statements[0]
    assert stmt.author == "Example Institute"
    assert stmt.url == "https://example.org/charter"
    assert stmt.date_text == "Dec 27, 2018"
    assert stmt.extra == {"licence": "CC BY 4.0"}
    assert stmt.source == str(FIXTURES / "charter.md")


def test_markdown_front_matter_date_normalised() -> None:
    pytest.importorskip("ingest.dates")
    stmt = load_markdown(FIXTURES / "charter.md").statements[0]
    assert stmt.date == "2018-12-27"


def test_markdown_chinese_lines_joined_without_space() -> None:
    result = load_markdown(FIXTURES / "charter.md")
    (zh,) = [s for s in result.statements if s.section == "附则"]
    assert zh.text == "人工智能系统应当安全、可靠、可控。本章程自发布之日起施行。"
    assert zh.line == 28


def test_markdown_without_h1_uses_file_stem_and_no_author() -> None:
    result = parse_markdown("## Scope\n\nApplies to all.\n", "corpus/my-policy.md")
    (stmt,) = result.statements
    assert (stmt.document, stmt.section, stmt.author, stmt.line) == ("my-policy", "Scope", None, 3)


def test_markdown_code_fence_is_not_a_heading() -> None:
    text = "# T\n\n## A\n\n```\n# not a heading\n```\n\nAfter.\n"
    result = parse_markdown(text, "x.md")
    assert [(s.section, s.text) for s in result.statements] == [
        ("A", "# not a heading"), ("A", "After."),
    ]


def test_markdown_setext_headings() -> None:
    result = parse_markdown("Title\n=====\n\nPart\n----\n\nBody text.\n", "x.md")
    (stmt,) = result.statements
    assert (stmt.document, stmt.section, stmt.line) == ("Title", "Part", 7)


# --------------------------------------------------------------- plain text


def test_plain_text_paragraphs_and_guessed_headings() -> None:
    result = load_plain_text(FIXTURES / "plain.txt")
    got = [(s.section, s.text, s.line) for s in result.statements]
    assert got == [
        (None, "These principles apply to all members of the consortium.", 3),
        ("Principles > 3. Safety", "AI systems must be robust and safe.", 10),
        ("Principles > 3. Safety > 3.1 Testing", "Systems must be tested before release.", 14),
    ]
    assert {s.document for s in result.statements} == {"Principles for Trustworthy AI"}
    assert {s.author for s in result.statements} == {None}


def test_plain_text_short_list_lines_are_not_lost() -> None:
    text = "Intro paragraph that is long enough.\n\nApples\n\nPears\n\nPlums\n"
    result = parse_plain_text(text, "fruit.txt")
    assert [s.text for s in result.statements] == [
        "Intro paragraph that is long enough.", "Apples", "Pears", "Plums",
    ]


def test_plain_text_numbered_first_line_is_a_section_not_the_title() -> None:
    text = "第一章 总则\n\n第一条 为了规范发展，制定本办法。\n\n第二章 安全\n\n应当安全可控。\n"
    result = parse_plain_text(text, "corpus/办法.txt")
    assert [(s.section, s.document) for s in result.statements] == [
        ("第一章 总则", "办法"), ("第二章 安全", "办法"),
    ]


# --------------------------------------------------------------------- HTML


def test_html_main_text_headings_and_chrome_ignored() -> None:
    result = load_html(FIXTURES / "charter.html")
    texts = [s.text for s in result.statements]
    joined = " ".join(texts)
    for unwanted in ("SCRIPT TEXT", "ANOTHER SCRIPT", "color: red", "Home", "FOOTER"):
        assert unwanted not in joined
    assert texts == [
        "We commit to the following principles for every AI system we build.",
        "People must know when they are interacting with an AI system.",
        "Decisions must be explainable to those affected.",
        "Explanations must be given in plain language.",
    ]
    assert [s.section for s in result.statements] == [
        None, "Transparency", "Transparency > Explainability", "Transparency > Explainability",
    ]
    assert {s.document for s in result.statements} == {"Example AI Principles"}
    assert {s.author for s in result.statements} == {"Example Lab"}
    assert result.statements[0].line == 14


def test_html_without_title_uses_h1_then_stem(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text("<h1>Heading One</h1><p>The body of the page.</p>", encoding="utf-8")
    assert load_html(path).statements[0].document == "Heading One"
    path.write_text("<p>The body alone, no heading.</p>", encoding="utf-8")
    assert load_html(path).statements[0].document == "page"


# ---------------------------------------------------------------------- PDF


def test_pdf_pages_metadata_and_unwrapping(pdf_path: Path) -> None:
    result = load_pdf(pdf_path)
    assert [s.page for s in result.statements] == [1, 2, 3]
    first = result.statements[0]
    assert first.text == "Principles AI systems must be safe and robust in operation."
    assert result.statements[1].text == "Second page: accountability matters."
    assert {s.document for s in result.statements} == {"Test Charter"}
    assert {s.author for s in result.statements} == {"Test Org"}  # an institution: the organisation
    assert {s.authors for s in result.statements} == {None}
    assert {s.extra["page_numbering"] for s in result.statements} == {"sheet"}
    assert {s.source for s in result.statements} == {str(pdf_path)}
    assert len({s.id for s in result.statements}) == 3


def test_pdf_without_metadata_uses_stem(tmp_path: Path) -> None:
    path = tmp_path / "untitled-guidance.pdf"
    path.write_bytes(make_pdf([["The only page of this guidance."]]))
    (stmt,) = load_pdf(path).statements
    # no publisher named: the organisation is the folder the file was filed in
    assert (stmt.document, stmt.author, stmt.authors, stmt.page) == ("untitled-guidance", tmp_path.name, None, 1)


@pytest.mark.parametrize("folder", ["3f9c2a81be44d0a7c6e15f0b9d8e2a4c71f3b6d2", "tmpc7ehxgvq", "20250120"])
def test_pdf_in_a_folder_no_one_named_has_no_organisation(tmp_path: Path, folder: str) -> None:
    """Gradio files each upload under a hash of its content; a temporary folder names no organisation either."""
    path = tmp_path / folder / "guidance.pdf"
    path.parent.mkdir()
    path.write_bytes(make_pdf([["The only page of this guidance."]]))
    (stmt,) = load_pdf(path).statements
    assert stmt.author is None


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_pdf_is_an_error(pdf_path: Path, keep: float) -> None:
    data = pdf_path.read_bytes()
    cut = pdf_path.with_name("cut.pdf")
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(IngestError, match=r"cut\.pdf.*truncated"):
        load_pdf(cut)


def test_corrupt_pdf_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"not really a pdf " * 20 + b"\n%%EOF\n")
    with pytest.raises(IngestError, match=r"junk\.pdf.*corrupt"):
        load_pdf(path)


def test_pdf_without_text_says_so(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([[]]))
    with pytest.raises(IngestError, match=r"scan\.pdf.*no text layer"):
        load_pdf(path)


def test_pdf_of_fragments_only_says_it_has_text_but_nothing_to_quote(tmp_path: Path) -> None:
    """A form or a drawing has a text layer of labels ("Name", "Submit"): not a scanned PDF."""
    path = tmp_path / "form.pdf"
    path.write_bytes(make_pdf([["Name"], ["Check here"], ["Submit"]]))
    with pytest.raises(IngestError, match=r"form\.pdf.*no passage to store.*fragments under 3 words"):
        load_pdf(path)


def test_pdf_report_of_what_was_left_out_names_only_what_was(tmp_path: Path) -> None:
    path = tmp_path / "labels.pdf"
    path.write_bytes(make_pdf([["Figure 1"], ["AI systems must be safe and robust in operation."]]))
    result = load_pdf(path)
    assert [s.text for s in result.statements] == ["AI systems must be safe and robust in operation."]
    notes = [str(i) for i in result.issues if "left out" in str(i)]
    assert len(notes) == 1 and "1 fragment(s) under 3 words" in notes[0] and "margin" not in notes[0], notes


def test_encrypted_pdf_is_an_error(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Secret."]]))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "locked.pdf"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(IngestError, match=r"locked\.pdf.*password"):
        load_pdf(path)


# ----------------------------------------------------------------- dispatch


def test_load_path_dispatches_by_extension(tmp_path: Path, pdf_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "j1", "text": "From JSONL."}\n', encoding="utf-8")
    (tmp_path / "b.TSV").write_text("text\nFrom TSV.\n", encoding="utf-8")
    assert load_path(tmp_path / "a.jsonl").statements[0].id == "j1"
    assert load_path(tmp_path / "b.TSV").statements[0].text == "From TSV."
    assert load_path(FIXTURES / "charter.md").statements[0].document == "Example AI Charter"
    assert load_path(FIXTURES / "charter.html").statements[0].author == "Example Lab"
    assert load_path(pdf_path).statements[0].page == 1


def test_load_path_plain_txt_is_not_export() -> None:
    export = pytest.importorskip("ingest.linking_export")
    text = (FIXTURES / "plain.txt").read_text(encoding="utf-8")
    assert not export.looks_like_export(text)
    result = load_path(FIXTURES / "plain.txt")
    assert result.statements[0].text == "These principles apply to all members of the consortium."


def test_load_path_txt_sniffs_export_format() -> None:
    """Each .txt goes to the export parser exactly when it looks like an export."""
    export = pytest.importorskip("ingest.linking_export")
    samples = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "export").glob("*.txt"))
    readable = [p for p in samples if p.stat().st_size and p.read_text("utf-8").strip()]
    kinds = {export.looks_like_export(p.read_text("utf-8")) for p in readable}
    if kinds != {True, False}:
        pytest.skip("needs export fixtures of both kinds")
    for path in readable:
        text = path.read_text("utf-8").replace("\r\n", "\n")
        parse = export.parse_export if export.looks_like_export(text) else parse_plain_text
        expected = _outcome(partial(parse, text, str(path)))
        assert _outcome(partial(load_path, path)) == expected, path.name


def _outcome(load: Callable[[], ParseResult]) -> list[str] | str:
    """Statement ids, or the error message: what a dispatch test compares."""
    try:
        return [s.id for s in load().statements]
    except IngestError as exc:
        return str(exc)


def test_load_path_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError, match=r"notes\.docx.*unsupported"):
        load_path(path)


def test_iter_files_expands_folders_and_skips(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / ".git").mkdir()
    for name in ["b.md", "a.txt", "sub/c.pdf", "image.png", ".hidden.md", ".git/x.md", "sub/d.JSONL"]:
        (corpus / name).write_text("x", encoding="utf-8")
    single = tmp_path / "single.csv"
    single.write_text("text\nx\n", encoding="utf-8")
    files = iter_files([corpus, single, corpus / "a.txt"])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "corpus/a.txt", "corpus/b.md", "corpus/sub/c.pdf", "corpus/sub/d.JSONL", "single.csv",
    ]


def test_iter_files_explicit_errors(tmp_path: Path) -> None:
    explicit = tmp_path / "image.png"
    explicit.write_bytes(b"\x89PNG")
    with pytest.raises(IngestError, match=r"image\.png.*unsupported"):
        iter_files([explicit])
    with pytest.raises(IngestError, match=r"missing\.md.*no such"):
        iter_files([tmp_path / "missing.md"])


def test_supported_suffixes() -> None:
    assert {".txt", ".md", ".markdown", ".jsonl", ".ndjson", ".csv", ".tsv",
            ".html", ".htm", ".pdf"} == set(SUPPORTED_SUFFIXES)
