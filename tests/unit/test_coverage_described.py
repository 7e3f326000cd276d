"""Coverage: texts a question describes rather than titles (issue 11, third round).

An organisation's text in the possessive ("Nimbus Labs's framework for synthetic media"), a quoted title, a name
before a lower-case kind of text ("the Zorblax toolkit"), a Chinese title of a law, a year no statement of a named
body carries.  Invented names only.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from assistant.retrieval.coverage import (
    check_titles,
    fold,
    missing_titles,
    named_described,
    named_quoted,
    named_titles,
    owned_texts,
)
from assistant.retrieval.names import is_law_title

NAMES = [fold(n) for n in (
    "Nimbus Labs Limited (NimbusLab) Responsible bots: guidelines for developers of conversational agents",
    "Quill Society Machine learning: the promise of computers that learn",
    "Pontifical Academy of Zed Rome Call for AI Ethics",
    "Norwegian Data Authority Artificial intelligence and privacy",
    "Council of Europe Artificial Intelligence and Data Protection",
    "Acme Corporation Acme AI Principles",
)]
CORPUS = "\n".join(NAMES + [fold("Developers should test every agent before deployment.")])


@pytest.mark.parametrize("question, missing", [
    # the describing words stand in a stored name of that owner: held
    ("In Nimbus Labs's guidelines for chatbot developers, who is accountable?", []),
    ("What do Acme's principles say about safety?", []),  # nothing describes which text: held
    ("What did Acme's report say about safety?", []),  # any of its texts may be called a report
    ("What did Acme's letter demand?", ["Acme’s letter"]),  # a letter is called one, and none of its texts is
    # words after the kind of text running into the question's verb: a stored text of that kind is the one meant
    ("What did Nimbus Labs's 2019 guidelines on customer service expect firms to do?", []),
    # a kind of text after a preposition is the topic, not the owner's text
    ("What is Acme's position on facial recognition laws?", []),
    # they do not: the owner's text is absent
    ("What did Nimbus Labs's framework for responsible practices for synthetic media say?",
     ["Nimbus Labs’s framework for responsible practices for synthetic media"]),
    ("What did the Council of Europe's regulatory methodology ask?",
     ["Council of Europe’s regulatory methodology"]),
    # a place is no owner: its bodies' texts are many
    ("What does Norway's framework say about privacy?", []),
    # an owner the store lacks: a name before a kind of text that nothing stored holds
    ("What does Zorblax's framework for agents say?", ["Zorblax"]),
])
def test_owned_texts(question, missing):
    assert missing_titles(question, CORPUS, NAMES) == missing


def test_a_word_of_the_owners_own_name_does_not_describe_its_text():
    """"Quill Weavers Guild's report on weavers": the word stands in the owner's name, not in its document's; with
    the organisation names at hand it no longer makes the report held."""
    names = [fold("Quill Weavers Guild Machine learning: the promise of computers that learn")]
    question = "What did Quill's report on weavers say?"
    assert check_titles(question, CORPUS, names)[0] == []  # without the names: "Weavers" seems to describe it
    authors = [fold("Quill Weavers Guild")]
    assert check_titles(question, CORPUS, names, authors=authors)[0] == ["Quill’s report on weavers"]
    learning = "What did Quill's report on machine learning say?"  # a word of the document's part still holds it
    assert check_titles(learning, CORPUS, names, authors=authors)[0] == []


@pytest.mark.parametrize("question, missing", [
    # a question in lower case names the owner by its stored name, which no capital marks
    ("council of europe framework convention on artificial intelligence — who signed it?",
     ["council of europe framework convention on artificial intelligence"]),
    ("what does the council of europe's report on data protection say?", []),  # its stored text
    ("what did the council of europe say about ai?", []),  # no text named
    ("what does the norwegian data authority guidance on privacy say?", []),
    ("what does the norwegian data authority code of conduct on sandboxes require?",
     ["norwegian data authority code of conduct on sandboxes"]),
    ("norwegian data authority view on privacy laws and regulation", []),  # the laws are its topic
])
def test_texts_of_stored_organisations_named_in_lower_case(question, missing):
    authors = [fold(a) for a in ("Council of Europe", "Norwegian Data Authority", "Acme Corporation")]
    assert check_titles(question, CORPUS, NAMES, authors=authors)[0] == missing
    # without the organisation names nothing is found, when the corpus uses every word of the text's name
    assert check_titles(question, CORPUS + "\nframework code sandboxes", NAMES)[0] == []


def test_an_organisation_named_in_lower_case_by_its_short_form():
    """"nimbuslab's frontier safety framework": the stored name's bracketed short form names the owner; every word
    before the kind of text must stand in one of its document names (its "Responsible bots" guidelines do not hold
    "frontier safety framework", although the corpus uses each word)."""
    authors = [fold("Nimbus Labs Limited (NimbusLab)")]
    corpus = CORPUS + "\nfrontier safety framework"
    question = "what capability levels are in nimbuslab's frontier safety framework"
    assert check_titles(question, corpus, NAMES, authors=authors)[0] == ["nimbuslab frontier safety framework"]
    assert check_titles("what do nimbuslab's responsible bots guidelines say?", corpus, NAMES, authors=authors)[0] == []


def test_a_stored_title_inside_an_absent_edition_is_not_held_beside_it():
    missing, held = check_titles("What did Acme's 2023 Acme AI Principles progress update report?", CORPUS, NAMES)
    assert missing == ["Acme’s 2023 Acme AI Principles progress update report"]
    assert held == []


def test_owned_text_words():
    [owned] = owned_texts("How did DeepOne's 2024 paper on evaluating frontier models test persuasion?")
    assert (owned.owner, owned.before, owned.kind) == ("DeepOne", [], "paper")
    assert owned.after == ["evaluating", "frontier", "models"]
    assert owned_texts("What does the House of Zed's report say?")[0].owner == "House of Zed"
    assert owned_texts("What did the House of Lords' report say?")[0].owner == "House of Lords"
    assert owned_texts("What did Acme say about safety?") == []  # no kind of text named


def test_titles_join_on_the():
    assert named_titles("What does Zed's Recommendation on the Ethics of Neurotech say?") == [
        "Zed Recommendation on the Ethics of Neurotech"]


def test_quoted_titles():
    assert named_quoted("What did the follow-up report 'Proceed with Great Caution' say?") == [
        "Proceed with Great Caution"]
    assert named_quoted("What did the House of Lords' report say about 'risk'?") == []  # one word, no apostrophe
    # a quotation beside a kind of text is a title whatever its case; a quoted phrase of a statement is not
    assert named_quoted("What does the white paper 'A pro-innovation approach to AI regulation' say?") == [
        "A pro-innovation approach to AI regulation"]
    assert named_quoted('Which text says "AI must be fair by design" about bias?') == []
    assert missing_titles("What did 'Proceed with Great Caution' conclude?", CORPUS, NAMES) == [
        "Proceed with Great Caution"]
    assert missing_titles("What does 'Machine learning: the promise of computers' say?", CORPUS, NAMES) == []


def test_a_name_before_a_kind_of_text():
    assert named_described("What does Freedonia's Zorblax Verify toolkit test?") == ["Freedonia Zorblax Verify"]
    assert missing_titles("What does the Zorblax Verify toolkit test?", CORPUS, NAMES) == ["Zorblax Verify"]
    # a stored body's name before the kind of text is held, though its document's name lacks "report"
    assert missing_titles("What did the Quill Society report say about schools?", CORPUS, NAMES) == []
    assert named_described("Corporate guidelines: what do they say?") == []  # a sentence's first word


def test_a_hyphenated_modifier_is_no_part_of_a_title():
    assert missing_titles("According to the Vatican-backed Rome Call, who answers?", CORPUS, NAMES) == []


def test_chinese_titles_of_laws():
    assert is_law_title("人工智能法") and is_law_title("科技伦理审查办法（试行）")
    assert not is_law_title("人工智能伦理原则")
    # generic words only: principles name no text in particular, a law names one
    assert missing_titles("《人工智能伦理原则》说了什么？", CORPUS, NAMES) == []
    assert missing_titles("《人工智能法》规定了哪些义务？", CORPUS, NAMES) == ["人工智能法"]
    assert missing_titles("《人工智能法》规定了哪些义务？", CORPUS, NAMES, similar_name=lambda t: True) == []


@pytest.mark.parametrize("question, laws", [
    ("泽德数据合成管理规定里，对标识是怎么规定的？", ["泽德数据合成管理规定"]),
    ("2025年出台的泽德人脸识别应用安全管理办法，对公共场所有什么限制？", ["泽德人脸识别应用安全管理办法"]),
    ("泽德经济特区人工智能产业促进条例对高风险应用是怎么管理的", ["泽德经济特区人工智能产业促进条例"]),
    # 法 as a word of its own or a word's last character ends a law's name, before the verb that follows it
    ("2020年泽德国家人工智能倡议法设立了哪些协调机构", ["泽德国家人工智能倡议法"]),
    ("泽德国个人数据保护法规定了什么", ["泽德国个人数据保护法"]),
    # the name, then what the question asks of it, in one run between particles
    ("泽德数据出境安全评估办法规定哪些情形必须申报", ["泽德数据出境安全评估办法"]),
    ("泽德网络暴力信息治理规定要求平台怎么识别", ["泽德网络暴力信息治理规定"]),
    # words ending in 法 that name no law: 算法, 合法, 依法
    ("这种人工智能推荐算法是不是合法", []),
    ("各国应当依法治理人工智能系统的风险吗", []),
    # asked whether something must comply with a kind of law: 是否 is one word, 需要/符合/遵守 no part of a name
    ("泽德系统所用的数据，从收集到销毁的整个过程，是否都要符合国际法？", []),
    ("泽德公司的数据处理需要符合国际人道法吗？", []),
    ("泽德平台上线前必须遵守个人数据保护法吗", []),
    # 规定 as the verb, a law inside 《》 (a title already), a short or asking run: no name
    ("《泽德算法推荐管理规定》对算法推荐服务提供者规定了哪些义务？", []),
    ("泽德的法律对自动化决策有什么规定？", []),
    ("哪些原则提到了数据保护条例？", []),
])
def test_names_of_laws_written_without_title_marks(question, laws):
    from assistant.retrieval.coverage import named_zh_laws

    assert named_zh_laws(question) == laws
    assert missing_titles(question, CORPUS, NAMES)[:len(laws)] == laws  # no stored law of that name


def test_a_company_name_shared_by_several_stored_bodies_names_them_all():
    from assistant.retrieval.catalog import Catalog
    from core.model import Passage

    catalog = Catalog.from_passages([
        Passage(id="p1", statement_id="s1", text="x", author="Quorx LLC", document="AI at Quorx: our principles",
                date="2018"),
        Passage(id="p2", statement_id="s2", text="x", author="Quorx AI", document="Responsible practices"),
        Passage(id="p3", statement_id="s3", text="x", author="Quorx Research", document="Quorx notes",
                date="2019"),
        Passage(id="p4", statement_id="s4", text="x", author="Quorx University Hospital", document="Care", date="2020"),
        Passage(id="p5", statement_id="s5", text="x", author="Quorx Foundation", document="Giving", date="2021"),
    ])
    mentions = catalog.mentions("What did Quorx publish in 2025?")
    # its family of bodies (the name followed only by generic words), not a text whose name holds the word
    assert mentions.authors == {"Quorx LLC", "Quorx AI", "Quorx Research", "Quorx Foundation"}  # not the hospital
    assert mentions.documents == set()
    assert catalog.absent_years({2025}, mentions) == [
        "Quorx AI / Quorx Foundation / Quorx LLC / Quorx Research in 2025"]
    assert catalog.absent_years({2018}, catalog.mentions("What did Quorx publish in 2018?")) == []


def test_short_forms_and_legal_suffixes_name_an_organisation():
    from assistant.retrieval.catalog import Catalog
    from core.model import Passage

    catalog = Catalog.from_passages([
        Passage(id="p1", statement_id="s1", text="x", author="Zeta Minds Technologies Limited (ZetaMind)",
                document="Safety notes", date="2021"),
        Passage(id="p2", statement_id="s2", text="x", author="Quorx Group Plc", document="Quorx Framework",
                date="2019"),
    ])
    assert catalog.mentions("What did ZetaMind publish in 2024?").authors == {
        "Zeta Minds Technologies Limited (ZetaMind)"}
    assert catalog.mentions("What did Quorx say in 2023?").authors == {"Quorx Group Plc"}
    assert catalog.mentions("What did zetamind publish?").authors == set()  # a short form keeps its case
    # Latin names glued to Chinese, first word or not (Python counts Han as word characters)
    assert catalog.mentions("ZetaMind在2024年发布了什么？").authors == {"Zeta Minds Technologies Limited (ZetaMind)"}
    assert catalog.mentions("2019年Quorx说了什么？").authors == {"Quorx Group Plc"}


def test_a_short_form_with_digits_names_its_body():
    """"G20", "W7": a short form in brackets with digits is named as an all-capital one is."""
    from assistant.retrieval.catalog import Catalog
    from core.model import Passage

    catalog = Catalog.from_passages([
        Passage(id="p1", statement_id="s1", text="x", author="Group of Nine (G9)", document="Notes", date="2019"),
        Passage(id="p2", statement_id="s2", text="x", author="Gamma Council", document="Charter", date="2019"),
    ])
    assert catalog.mentions("What did the G9 say about AI in 2020?").authors == {"Group of Nine (G9)"}
    assert catalog.mentions("G9在2020年说了什么？").authors == {"Group of Nine (G9)"}
    assert catalog.mentions("What did the G8 say?").authors == set()
    assert catalog.absent_years({2020}, catalog.mentions("What did the G9 say in 2020?"))


def test_a_place_names_the_bodies_whose_statements_come_from_it():
    """A body's name need not hold its country ("Agenzia Zeta"): its statements' country says where it is from,
    so "Italy ... in 2025" asks about a year none of Italy's stored bodies carries."""
    from assistant.retrieval.catalog import Catalog
    from core.model import Passage

    passages = [Passage(id="p1", statement_id="s1", text="x", author="Agenzia Zeta", document="Libro", date="2018"),
                Passage(id="p2", statement_id="s2", text="x", author="Quorx Group", document="Notes", date="2025")]
    catalog = Catalog.from_passages(passages, countries={"s1": ["Italy"], "s2": ["United States of America"]})
    assert catalog.authors_by_country == {"Italy": ["Agenzia Zeta"], "United States of America": ["Quorx Group"]}
    italy = catalog.mentions("What penalties does Italy's 2025 AI law set?")
    assert italy.by_country == {"Agenzia Zeta"} and italy.authors == set()  # not named, so not ranked as named
    assert catalog.absent_years({2025}, italy) == ["Agenzia Zeta in 2025"]
    assert catalog.absent_years({2018}, catalog.mentions("What did Italy say in 2018?")) == []
    assert catalog.absent_years({2025}, catalog.mentions("What did the US say in 2025?")) == []  # its spellings
    assert Catalog.from_dict(catalog.to_dict()).authors_by_country == catalog.authors_by_country
    plain = Catalog.from_passages(passages)  # without countries: nobody named
    assert plain.absent_years({2025}, plain.mentions("What penalties does Italy's 2025 AI law set?")) == []


def test_statement_countries_come_from_the_sources_country_field():
    import json

    from assistant.index.rows import StoredPassage, statement_countries

    def row(sid: str, extra: dict | None) -> StoredPassage:
        meta = {"statement_id": sid, **({"extra": json.dumps(extra)} if extra is not None else {})}
        return StoredPassage(id=f"{sid}:0", text="x", meta=meta)

    rows = [row("a", {"country": "Japan; United Kingdom"}), row("b", {"country": "Unspecified"}), row("c", None),
            row("d", {"source": "x"})]
    assert statement_countries(rows) == {"a": ["Japan", "United Kingdom"]}


def _decide(missing: list[str], held: list[str]):
    from assistant.retrieval.abstain import Floors, decide
    from assistant.retrieval.signals import Signals
    from assistant.settings import Settings
    from core.model import Passage

    snapshot = cast(Any, SimpleNamespace(corpus_text=CORPUS, statement_names=NAMES))
    passages = [Passage(id="p1", statement_id="s1", text="x")]
    return decide("What did the Rome Call ask in 2024?", passages, snapshot, Signals(0.9, 0.5), Floors(0.8, 0.2),
                  Settings().retrieval, None, missing, held)


def test_a_year_absence_is_not_a_partly_covered_question():
    verdict = _decide(["Pontifical Academy of Zed in 2024"], ["Rome Call"])
    assert verdict.abstain and "Pontifical Academy of Zed in 2024" in (verdict.reason or "")
    partly = _decide(["Zorblax Act"], ["Rome Call"])
    assert not partly.abstain and (partly.reason or "").startswith("Partly covered")
    # two bodies and a year: the year may be one part's, so the held part is still answered
    two = _decide(["Zorblax Labs / Pontifical Academy of Zed in 2024"], ["Rome Call"])
    assert not two.abstain and (two.reason or "").startswith("Partly covered")


def test_the_body_of_an_absent_text_is_not_a_covered_part():
    """"What does the WHO's guidance on LMMs say": the stored WHO is the absent guidance's own body, not a
    second text the question asks about; beside it, a held text of its own is still answered."""
    verdict = _decide(["Zed Council’s guidance on quantum agents"], ["Zed Council"])
    assert verdict.abstain and "Zed Council’s guidance on quantum agents" in (verdict.reason or "")
    partly = _decide(["Zed Council’s guidance on quantum agents"], ["Zed Council", "Rome Call"])
    assert not partly.abstain and (partly.reason or "").endswith("about the Rome Call.")


def test_a_law_title_is_the_translation_only_of_a_law():
    """NameVectors over a stand-in embedder: the title's vector is that of a code of principles, which would
    stand out, but a law's title may only match a law's name."""
    import numpy as np

    from assistant.retrieval.names import NameVectors

    labels = ["Zed Council: Zed Principles on AI", "Zed Parliament: Zed Data Act", "Acme: Acme Charter",
              "Quill: Quill Report"]
    vectors = np.eye(4, dtype=np.float32)
    principles = vectors[0] + 0.2 * vectors[1]

    class Embedder:
        def embed_recurring(self, texts, is_query=False):
            return vectors[[labels.index(t) for t in texts]]

        def embed_array(self, texts, is_query=False):
            return np.array([principles / np.linalg.norm(principles) for _ in texts])

    names = NameVectors(cast(Any, SimpleNamespace(embedder=Embedder(), second=None)),
                        [(label.split(": ")[1], label) for label in labels])
    assert names.standout("泽德人工智能原则")[1] == "Zed Council: Zed Principles on AI"
    assert names.standout("泽德人工智能法")[1] == "Zed Parliament: Zed Data Act"
    assert names.standout("泽德人工智能法", among={"Zed Principles on AI"})[0] == float("-inf")


def test_a_title_pinned_to_named_bodies_is_compared_with_their_documents_own_names():
    """``NameVectors.translation`` over stand-in embedders: the sum of both views' cosines with each candidate
    document's name, the best candidate returned; a law's title only a law's name; nothing without a second view."""
    import numpy as np

    from assistant.retrieval.names import NameVectors

    documents = ["Zed Principles on AI", "Zed Data Act", "Quill Report"]
    vectors = np.eye(3, dtype=np.float32)

    class Embedder:
        def __init__(self, title_vector):
            self.title_vector = title_vector / np.linalg.norm(title_vector)

        def embed_recurring(self, texts, is_query=False):
            return vectors[[documents.index(t) for t in texts]]

        def embed_array(self, texts, is_query=False):
            return np.array([self.title_vector for _ in texts])

    near_principles = vectors[0] + 0.5 * vectors[1]
    store = SimpleNamespace(embedder=Embedder(near_principles), second=Embedder(vectors[0]))
    names = NameVectors(cast(Any, store), [])
    score, document = names.translation("泽德人工智能原则", documents)
    assert document == "Zed Principles on AI" and score == pytest.approx(1 / np.sqrt(1.25) + 1.0, rel=1e-5)
    assert names.translation("泽德人工智能法", documents)[1] == "Zed Data Act"  # a law's title: a law's name
    assert names.translation("泽德人工智能法", ["Quill Report"])[0] == float("-inf")
    store.second = None
    assert names.translation("泽德人工智能原则", documents)[0] == float("-inf")


def test_a_document_matched_by_meaning_must_fit_the_bodies_and_years_named_beside_it():
    from assistant.retrieval.catalog import Catalog, Mentions
    from core.model import Passage

    catalog = Catalog.from_passages([
        Passage(id="p1", statement_id="s1", text="x", author="Zed Council", document="Zed Strategy", date="2019"),
        Passage(id="p2", statement_id="s2", text="x", author="Quill Board", document="Quill Notes", date=None),
    ])
    assert catalog.fits("Zed Strategy", Mentions(), set())
    assert catalog.fits("Zed Strategy", Mentions(authors={"Zed Council"}), {2019})
    assert not catalog.fits("Zed Strategy", Mentions(authors={"Quill Board"}), set())  # another body's text
    assert not catalog.fits("Zed Strategy", Mentions(), {2021})  # of a year its body never wrote in
    assert catalog.fits("Quill Notes", Mentions(), {2021})  # undated: could be of any year


def test_a_company_named_in_lower_case_without_its_legal_form():
    """"zentrix" is the stored "Zentrix Corporation" (``catalog.without_legal_form``); when the owner is a verb's
    subject ("zentrix rewrote its ... guidelines"), its text's words are those after the pronoun."""
    names = [fold("Zentrix Corporation Responsible bots: guidelines for developers")]
    authors = [fold("Zentrix Corporation")]
    corpus = "\n".join([CORPUS, *names, "transparency report"])
    question = "zentrix transparency report 2024 - what did it say about red teaming"
    assert check_titles(question, corpus, names, authors=authors)[0] == ["zentrix transparency report"]
    rewrote = "what changed when zentrix rewrote its responsible bots guidelines?"
    assert check_titles(rewrote, corpus, names, authors=authors)[0] == []
