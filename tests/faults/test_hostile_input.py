"""Hostile input: property-based fuzzing of every parser (hypothesis), and files built to hurt.

Every parser must either return statements or raise IngestError (a message naming the file): anything
else is a crash.  Examples are kept small and few in the default run (max_examples, a deadline per
example); the 10 MB pathological inputs per format are measured by benchmarks/hostile_input.py, whose
short form runs at the end here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, clean_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.index.sync import IngestReport, parse_files
from core.model import IngestError, ParseResult
from ingest.csv_files import parse_csv
from ingest.dates import parse_date
from ingest.html import parse_html
from ingest.jsonl import parse_jsonl
from ingest.linking_export import parse_export
from ingest.loaders import SUPPORTED_SUFFIXES, load_path
from ingest.markdown import parse_markdown
from ingest.plain_text import parse_plain_text

FUZZ = settings(max_examples=40, deadline=3000, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])
PARSERS = {"csv": parse_csv, "html": parse_html, "jsonl": parse_jsonl, "export": parse_export,
           "markdown": parse_markdown, "plain": parse_plain_text}
# text made of the characters parsers split on, so the examples hit their edge cases
SHAPED = st.text(alphabet=st.sampled_from(list('\n\r\t ",;{}[]<>/#*-|:=\'\\\x00') + ["a", "文", "é", "I"]),
                 max_size=400)


def parses_or_refuses(parse, text: str) -> None:
    try:
        result = parse(text, "/in/fuzz")
    except IngestError:
        return
    assert isinstance(result, ParseResult)
    for statement in result.statements:
        assert statement.text.strip(), "no empty statement"


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(text=st.one_of(st.text(max_size=400), SHAPED))
def test_text_parsers_never_crash(name, text):
    parses_or_refuses(PARSERS[name], text)


@FUZZ
@given(text=st.text(max_size=80))
def test_dates_never_crash(text):
    iso, _ = parse_date(text)
    assert iso is None or iso[:4].isdigit()


@FUZZ
@given(data=st.binary(max_size=600), suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)))
def test_every_loader_takes_any_bytes(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    path.write_bytes(data)
    try:
        result = load_path(path)
    except IngestError:
        return
    assert all(s.text.strip() for s in result.statements)


def loaded(path: Path) -> tuple[list[str], list[str]]:
    report = IngestReport()
    parsed = parse_files([path], report)
    return [s.text for _, sts in parsed for s in sts], report.errors


def test_bombs_and_deep_nesting(tmp_path):
    bomb = tmp_path / "bomb.html"
    entities = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">' for i in range(1, 10))
    bomb.write_text(f'<?xml version="1.0"?><!DOCTYPE h [<!ENTITY l0 "lol">{entities}]><html><body><p>&l9;</p>'
                    "<p>AI systems must be tested before they are released to the public.</p></body></html>")
    texts, errors = loaded(bomb)
    assert not any("lol" * 100 in t for t in texts), "entities are not expanded"
    zipped = tmp_path / "bomb.txt"
    zipped.write_bytes(b"PK\x03\x04" + b"\0" * 4096)
    texts, errors = loaded(zipped)
    assert texts == [] and "ZIP archive" in errors[0]
    nul = tmp_path / "nul.md"
    nul.write_bytes(b"# Title\n\nAI must be safe.\x00\x00 More text.\n")
    texts, errors = loaded(nul)
    assert texts == [] and "NUL bytes" in errors[0]


def test_deeply_nested_html_gives_a_clear_error_or_its_text(tmp_path):
    """Found by this suite: the fallback walker recursed (RecursionError at 1,000 levels) and bs4's
    ``decomposed`` look-up searched each subtree (50,000 levels ran for minutes); now ~3 s."""
    deep = tmp_path / "deep.html"
    for depth in (1000, 50000):
        deep.write_text("<html><body>" + "<div>" * depth + "AI systems must be tested before release."
                        + "</div>" * depth + "</body></html>")
        texts, errors = loaded(deep)
        assert texts == ["AI systems must be tested before release."], (depth, errors)


def test_pdfs_with_no_text_layer_or_a_broken_xref(tmp_path):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    doc.new_page(595, 842)
    blank = tmp_path / "scan.pdf"
    doc.save(str(blank))
    texts, errors = loaded(blank)
    assert texts == [] and errors and "text" in errors[0].lower(), errors
    broken = tmp_path / "broken.pdf"
    data = blank.read_bytes()
    broken.write_bytes(data[: data.rfind(b"xref")] + b"xref\n0 9999\ngarbage\ntrailer\n<<>>\n%%EOF")
    texts, errors = loaded(broken)
    assert texts == [] and errors, "a clear error, not a crash"


def test_a_1_gb_sparse_file_is_refused_by_size_before_it_is_read(tmp_path):
    big = tmp_path / "huge.jsonl"
    with big.open("wb") as handle:
        handle.truncate(1 << 30)
    # the child reports its own peak (VmHWM: this process image's; ru_maxrss would carry the test worker's peak
    # over fork and exec, and RUSAGE_CHILDREN every earlier child's)
    own_peak = ("import runpy, sys\n"
                "sys.argv = ['charter', 'ingest', '-q', sys.argv[1]]\n"
                "try:\n    runpy.run_module('ui.cli', run_name='__main__')\n"
                "finally:\n"
                "    print(open('/proc/self/status').read(), file=sys.stderr)\n")
    run = subprocess.run([sys.executable, "-c", own_peak, str(big)], cwd=REPO,
                         env=clean_env(CHARTER_STORE=str(tmp_path / "store")), capture_output=True, text=True,
                         timeout=120)
    peak_mb = int(re.findall(r"VmHWM:\s+(\d+) kB", run.stderr)[-1]) / 1024
    assert "1.07e+03 MB is over the 100 MB limit per file (setting ingest_max_file_mb); not read" in run.stderr, \
        run.stderr[-2000:]
    assert peak_mb < 900, f"the process grew to {peak_mb:.0f} MB: the file was read"
    dry = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", "--dry-run", "--json", str(big)], cwd=REPO,
                         env=clean_env(CHARTER_STORE=str(tmp_path / "store")), capture_output=True, text=True,
                         timeout=120)
    assert "is over the 100 MB limit per file" in dry.stderr and dry.stdout == "", "a dry run keeps the limit too"


def test_symlinks_leading_outside_the_folder_are_not_followed_unless_asked(tmp_path):
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "private.jsonl").write_text(json.dumps({"text": "A private note that must stay out.", "author": "Me"})
                                           + "\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.jsonl").write_text(json.dumps({"text": "AI must be safe.", "author": "Org"}) + "\n")
    (corpus / "link.jsonl").symlink_to(outside / "private.jsonl")
    (corpus / "dir").symlink_to(outside)
    report = IngestReport()
    texts = [s.text for _, sts in parse_files([corpus], report) for s in sts]
    assert texts == ["AI must be safe."]
    assert sum("a symlink leading outside" in w for w in report.warnings) == 2, report.warnings
    followed = [s.text for _, sts in parse_files([corpus], IngestReport(), follow_symlinks=True) for s in sts]
    assert "A private note that must stay out." in followed
