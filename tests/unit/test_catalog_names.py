"""Organisations a question names by writing out their stored name, without its short form
(``catalog.full_name``): "the European Commission" names the stored "European Commission (EC)"."""

from __future__ import annotations

import pytest

from assistant.retrieval.catalog import Catalog, full_name
from core.model import Passage

STORED = [("European Commission (EC)", "Code of Practice on Disinformation", "2018"),
          ("European Commission For the Efficiency of Justice (CEPEJ)", "European ethical Charter", "2018"),
          ("Department of Defense (DoD)", "DoD Ethical Principles for Artificial Intelligence", "2020"),
          ("Google", "AI Principles", "2018"),
          ("Japanese Cabinet Office", "Social Principles of Human-Centric AI", "2019"),
          ("Japanese Society for Artificial Intelligence (JSAI)", "Ethical Guidelines", "2017")]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_passages([Passage(id=f"s{i}:0", statement_id=f"s{i}", text="...", author=a, document=d,
                                          date=y) for i, (a, d, y) in enumerate(STORED)])


def test_full_names():
    assert full_name("European Commission (EC)") == "european commission"
    assert full_name("Department of Defense (DoD)") == "department of defense"
    assert full_name("Google") is None and full_name("(EC)") is None  # one word, or none, says too little


@pytest.mark.parametrize("question, authors", [
    ("What did the European Commission propose in 2020?", {"European Commission (EC)"}),
    ("what goals did the department of defense set in 2023", {"Department of Defense (DoD)"}),
    # the longer stored name is named, not the shorter one inside it
    ("What does the European Commission for the Efficiency of Justice say?",
     {"European Commission For the Efficiency of Justice (CEPEJ)"}),
    ("what does the department of defenses think", set()),  # whole words only
])
def test_a_written_out_name_is_a_mention(catalog, question, authors):
    assert catalog.mentions(question).authors == authors


def test_a_year_none_of_its_statements_carries_is_then_absent(catalog):
    question = "What did the European Commission propose in 2020?"
    assert catalog.absent_years({2020}, catalog.mentions(question)) == ["European Commission (EC) in 2020"]
    assert catalog.absent_years({2018}, catalog.mentions(question)) == []


def test_a_generic_document_name_written_out_is_no_mention(catalog):
    """Only organisations: "AI principles" in a question names no one's document in particular."""
    assert not catalog.mentions("What do AI principles say about safety?").documents


def test_a_year_none_of_a_places_bodies_carries_is_absent(catalog):
    """Bodies named only by their place are asked about together: absent only when none carries the year."""
    mentions = catalog.mentions("What did Japan say about AI in 2025?")
    assert mentions.authors == mentions.by_place == {"Japanese Cabinet Office",
                                                     "Japanese Society for Artificial Intelligence (JSAI)"}
    assert catalog.absent_years({2025}, mentions) == [
        "Japanese Cabinet Office / Japanese Society for Artificial Intelligence (JSAI) in 2025"]
    assert catalog.absent_years({2017}, mentions) == []  # one of them carries it
    assert catalog.absent_years({2019, 2025}, mentions) == []
    # a body named outright decides alone, its place's other bodies aside
    assert catalog.absent_years({2019}, catalog.mentions("What did the JSAI say about AI in 2019?")) == [
        "Japanese Society for Artificial Intelligence (JSAI) in 2019"]


def test_a_places_many_bodies_are_named_in_part():
    bodies = [f"German Body {letter}" for letter in "ABCDEF"]
    catalog = Catalog.from_passages([Passage(id=f"g{i}:0", statement_id=f"g{i}", text="...", author=body,
                                             document=f"Paper {i}", date="2019") for i, body in enumerate(bodies)])
    mentions = catalog.mentions("What did Germany say about AI in 2030?")
    assert mentions.by_place == set(bodies)
    assert catalog.absent_years({2030}, mentions) == [
        "German Body A / German Body B / German Body C / 3 more organisations in 2030"]


def test_a_places_short_form_in_capitals_names_only_in_its_case():
    """"the UN" names a body of the United Nations; the Spanish "un" inside a document's name does not."""
    catalog = Catalog.from_passages([
        Passage(id="t0:0", statement_id="t0", text="...", author="Telefonica S.A.", date="2018",
                document="Telefonica's Approach (Enfoque de Telefonica para un uso responsable de la IA)"),
        Passage(id="u0:0", statement_id="u0", text="...", author="UN Global Pulse", document="UN Privacy Note",
                date="2018")])
    mentions = catalog.mentions("What did the United Nations recommend on AI?")
    assert not any("Telefonica" in d for d in mentions.documents), mentions.documents
    assert "UN Global Pulse" in mentions.authors


def test_a_company_written_in_lower_case_without_its_legal_form():
    catalog = Catalog.from_passages([
        Passage(id=f"c{i}:0", statement_id=f"c{i}", text="...", author=a, document="Principles", date="2018")
        for i, a in enumerate(("Zentrix Corporation", "Sage Group plc"))])
    assert catalog.mentions("what did zentrix publish in 2025?").authors == {"Zentrix Corporation"}
    # too short to tell from a word once its legal form is gone
    assert catalog.mentions("what is sage advice on ai?").authors == set()


def test_a_stored_organisation_named_by_its_usual_chinese_name():
    """西班牙电信 is the stored "Telefónica S.A" (``aliases.stored_body_mentions``): named outright, so a year none of
    its statements carries is absent; 德国电信公司 is Deutsche Telekom alone, not also a body of Spain's; a body
    the store does not hold is no mention, whatever the table says."""
    from assistant.retrieval.aliases import stored_body_mentions

    assert stored_body_mentions("德国电信公司的数字伦理准则") == {"Deutsche Telekom AG"}
    catalog = Catalog.from_passages([
        Passage(id="t:0", statement_id="t", text="...", author="Telefónica S.A", document="Approach", date="2018"),
        Passage(id="g:0", statement_id="g", text="...", author="Google", document="AI Principles", date="2018")])
    mentions = catalog.mentions("西班牙电信在2024年发布了什么人工智能原则？")
    assert mentions.authors == {"Telefónica S.A"}
    assert catalog.absent_years({2024}, mentions)
    assert catalog.mentions("德国电信怎么看人工智能？").authors == set()  # not stored here


def test_the_shipped_chinese_names_of_organisations_are_well_formed():
    """Three Chinese characters or more (two-character names such as 谷歌 live in ``aliases.BODIES``), none shared
    by several organisations: one name, one body."""
    import json
    from importlib import resources

    text = resources.files("assistant.retrieval").joinpath("data/author_names_zh.json").read_text(encoding="utf-8")
    table = json.loads(text)
    names = [name for spelled in table.values() for name in spelled]
    assert len(table) >= 100 and len(names) == len(set(names))
    assert all(len(name) >= 3 and all("\u4e00" <= c <= "\u9fff" or c in "·0123456789" for c in name)
               for name in names)
