"""JSON Lines and CSV loaders: fields mapped, extras kept, bad records isolated."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.model import IngestError
from ingest.csv_files import load_csv
from ingest.jsonl import load_jsonl


def _shared_waie() -> Path:
    base = os.environ.get("CHARTER_SHARED")
    root = Path(base) if base else Path(__file__).resolve().parents[3] / "shared"
    return root / "data" / "waie_statements.jsonl"


def _jsonl(tmp_path: Path, lines: list[str], name: str = "s.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _record(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


# ---------------------------------------------------------------- JSON Lines


def test_jsonl_fields_and_extras(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [
        _record(id=17, text="  AI must be safe.  ", author="Org", document="Charter",
                date="2018", section="Safety", url="https://x.org", lang="en", page="4",
                country="Brazil", tags=["a", "b"]),
    ])
    result = load_jsonl(path)
    assert result.issues == []
    (stmt,) = result.statements
    assert stmt.id == "17"
    assert stmt.text == "AI must be safe."
    assert (stmt.author, stmt.document, stmt.section) == ("Org", "Charter", "Safety")
    assert (stmt.date, stmt.date_text, stmt.url, stmt.lang) == ("2018", "2018", "https://x.org", "en")
    assert stmt.page == 4
    assert stmt.extra == {"country": "Brazil", "tags": ["a", "b"]}
    assert stmt.source == str(path)
    assert stmt.line == 1


def test_jsonl_without_id_gets_a_stable_one(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [_record(text="AI must be fair.", lang="en")])
    first = load_jsonl(path).statements[0].id
    second = load_jsonl(path).statements[0].id
    assert first and first == second


def test_jsonl_bad_lines_reported_good_lines_load(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [
        _record(id="a", text="First statement."),
        '{"id": "b", "text": "broken',
        "",
        _record(id="c", author="nobody"),
        "[1, 2]",
        _record(id="d", text="Last statement."),
    ])
    result = load_jsonl(path)
    assert [s.id for s in result.statements] == ["a", "d"]
    assert [s.line for s in result.statements] == [1, 6]
    errors = {issue.line: issue for issue in result.issues if issue.severity == "error"}
    assert set(errors) == {2, 4, 5}
    assert "malformed JSON" in errors[2].message
    assert "text" in errors[4].message
    assert all(issue.source == str(path) for issue in errors.values())
    assert str(errors[2]).startswith(f"{path}:2: error")


def test_jsonl_duplicate_id_keeps_first(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [
        _record(id="x", text="Original."),
        _record(id="x", text="Second with same id."),
    ])
    result = load_jsonl(path)
    assert [s.text for s in result.statements] == ["Original."]
    (warning,) = result.issues
    assert warning.severity == "warning" and warning.line == 2 and "duplicate id" in warning.message


def test_jsonl_non_json_safe_extra_dropped(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, ['{"text": "AI.", "score": NaN, "ok": 1.5}'])
    result = load_jsonl(path)
    assert result.statements[0].extra == {"ok": 1.5}
    assert any("score" in issue.message for issue in result.issues)


def test_jsonl_array_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "array.jsonl"
    path.write_text('[\n  {"text": "a"}\n]\n', encoding="utf-8")
    with pytest.raises(IngestError, match="array.jsonl.*JSON array"):
        load_jsonl(path)


def test_jsonl_written_date_normalised(tmp_path: Path) -> None:
    pytest.importorskip("ingest.dates")
    path = _jsonl(tmp_path, [_record(text="AI.", date="Dec 27, 2018")])
    stmt = load_jsonl(path).statements[0]
    assert (stmt.date, stmt.date_text) == ("2018-12-27", "Dec 27, 2018")


def test_jsonl_lang_detected_when_missing(tmp_path: Path) -> None:
    pytest.importorskip("ingest.language")
    path = _jsonl(tmp_path, [
        _record(text="人工智能系统应当安全、可靠、可控，尊重人的尊严。"),
        _record(text="Artificial intelligence systems must respect human dignity and rights."),
        _record(text="Anything at all.", lang="fr"),
    ])
    assert [s.lang for s in load_jsonl(path).statements] == ["zh", "en", "fr"]


# ----------------------------------------------------------------------- CSV


def test_csv_fields_extras_and_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "id,Text,author,date,country\n"
        'w1,"First line\nsecond line",Org A,2019,Chile\n'
        "w2,Another statement.,Org B,,\n",
        encoding="utf-8",
    )
    result = load_csv(path)
    assert result.issues == []
    first, second = result.statements
    assert (first.id, first.text, first.author, first.date) == ("w1", "First line\nsecond line", "Org A", "2019")
    assert first.extra == {"country": "Chile"}
    assert (first.line, second.line) == (2, 4)
    assert second.date is None and second.extra == {}


def test_csv_row_without_text_is_error_with_line(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("text,author\nGood one.,A\n,B\n\nGood two.,C\n", encoding="utf-8")
    result = load_csv(path)
    assert [s.text for s in result.statements] == ["Good one.", "Good two."]
    assert [s.line for s in result.statements] == [2, 5]
    (error,) = result.issues
    assert (error.severity, error.line, error.source) == ("error", 3, str(path))


def test_tsv(tmp_path: Path) -> None:
    path = tmp_path / "s.tsv"
    path.write_text("text\tsection\nAI must be safe, always.\tSafety\n", encoding="utf-8")
    (stmt,) = load_csv(path).statements
    assert (stmt.text, stmt.section) == ("AI must be safe, always.", "Safety")


def test_csv_without_text_column(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("statement,author\nx,y\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"s\.csv:1: no 'text' column"):
        load_csv(path)


def test_csv_gbk_encoded(tmp_path: Path) -> None:
    path = tmp_path / "zh.csv"
    path.write_bytes("text,author\n人工智能应当以人为本，安全可控。,国家机构\n".encode("gbk"))
    (stmt,) = load_csv(path).statements
    assert (stmt.text, stmt.author) == ("人工智能应当以人为本，安全可控。", "国家机构")


# -------------------------------------------------------------- shared data


def test_waie_loads_completely() -> None:
    path = _shared_waie()
    if not path.is_file():
        pytest.skip(f"shared data set not present at {path}")
    result = load_jsonl(path)
    assert [i for i in result.issues if i.severity == "error"] == []
    assert len(result.statements) == 1455
    by_id = {s.id: s for s in result.statements}
    assert len(by_id) == 1455
    first = by_id["waie-000-diversity"]
    assert first.section == "Diversity"
    assert first.date == "2021"
    assert first.extra["country"] == "Brazil"
    assert "Worldwide AI Ethics" in first.extra["source"]
    assert first.source == str(path)
    assert all(s.line == n for n, s in enumerate(result.statements, start=1))
