"""Coverage: which named texts a question asks about that the corpus lacks.

Pure functions over a small invented corpus text; test_retrieval.py checks
over the fixture store that no stored name is ever reported as missing.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assistant.retrieval.corpus_text import CorpusText
from assistant.retrieval.coverage import (
    check_titles,
    fold,
    has_phrase,
    missing_titles,
    named_codes,
    named_titles,
    unknown_bodies,
)

CORPUS = fold(
    "\n".join([
        "Montreal Declaration for a Responsible Development of Artificial Intelligence",
        "OECD, Recommendation of the Council on Artificial Intelligence",
        "Asilomar AI Principles",
        "Developers should document every step of the AI process before deployment.",
        "California bill SB-1047 was debated at length.",
    ])
)
NAMES = [fold(name) for name in (
    "Université de Montréal Montreal Declaration for a Responsible Development of Artificial Intelligence",
    "OECD OECD, Recommendation of the Council on Artificial Intelligence",
    "Future of Life Institute Asilomar AI Principles",
)]


def test_fold_drops_accents_and_case():
    assert fold("Montréal DÉCLARATION") == "montreal declaration"


@pytest.mark.parametrize("question, titles", [
    ("What does the UN Global Digital Compact say about AI?", ["UN Global Digital Compact"]),
    ("Did the Hiroshima AI Process code of conduct ask for watermarks?", ["Hiroshima AI Process"]),
    ("What do China's Interim Measures require for training data?", ["China Interim Measures"]),
    ("What does the OECD say about accountability?", []),
])
def test_named_titles(question, titles):
    assert named_titles(question) == titles


@pytest.mark.parametrize("question, codes", [
    ("What does California's SB 1047 require?", ["SB 1047"]),
    ("Did EO 14110 require red-teaming?", ["EO 14110"]),
    ("What did GDPR 2016 change?", []),  # a year, not a code
    ("What about AI during COVID-19?", []),
    # a kind of text and its number, in any case; a year is no number of a text
    ("how did the pentagon update directive 3000.09 on autonomy?", ["directive 3000.09"]),
    ("What did the UN's resolution 78/265 ask of states?", ["resolution 78/265"]),
    ("What does the Online Safety Act 2023 say?", []),
    # in lower case: a number in parts, or a bill's or an order's prefix; not a range of years, not "covid-19"
    ("what does zorblax sb 24-205 require of deployers?", ["SB 24-205"]),
    ("qix ai 600-1 profile: which risks does it list?", ["AI 600-1"]),
    ("the sb1047 debate", ["SB 1047"]),
    ("covid-19 and gpt-4 between 2019-2020", []),
    ("what are the top 10 rules?", []),
])
def test_named_codes(question, codes):
    assert named_codes(question) == codes


@pytest.mark.parametrize("question, missing", [
    ("What does the Montréal Declaration say about energy use?", []),  # accent in the question only
    ("What does the OECD Recommendation say about risk?", []),
    ("What does the EU AI Act say about fines?", ["EU AI Act"]),
    # "AI process" occurs in the corpus, "Hiroshima" does not: the title is not held
    ("What did the Hiroshima AI Process ask of developers?", ["Hiroshima AI Process"]),
    ("What does SB 1047 require?", []),  # held as "SB-1047"
    ("What does AB 3211 require?", ["AB 3211"]),
    ("how did directive 3000.09 change?", ["directive 3000.09"]),
    ("what does bill 1047 require?", []),  # its number stands in the corpus ("SB-1047")
    ("What does NYC Local Law 144 require?", ["NYC Local Law 144"]),  # reported once, whole
    ("What did Executive Order 14110 require?", ["Executive Order 14110"]),
    # a kind of text beside a place and nothing else: the place says which text, in any of its spellings
    ("What did governments commit to in the Africa Declaration on Artificial Intelligence?",
     ["Africa Declaration on Artificial Intelligence"]),
    ("What does the Canadian Declaration say about equity?", ["Canadian Declaration"]),
])
def test_missing_titles(question, missing):
    assert missing_titles(question, CORPUS, NAMES) == missing


def test_a_number_after_a_stored_series_title_names_that_numbered_text():
    # the store holds one executive order; another one's number makes the question about a text it lacks,
    # reported whole and not half held through the series' name
    corpus = fold(CORPUS + "\nExecutive Order 13960: Promoting the Use of Trustworthy AI in the Federal Government")
    names = [*NAMES, fold("White House Executive Order 13960: Promoting the Use of Trustworthy AI")]
    question = "What does Executive Order 14179 on removing barriers to AI leadership require?"
    assert check_titles(question, corpus, names) == (["Executive Order 14179"], [])
    assert check_titles("What does Executive Order 13960 require?", corpus, names)[0] == []



# ---- names as people write them: spans, codes, Chinese titles, organisation-years -------------------------

NAMES2 = NAMES + [fold(n) for n in (
    "Personal Data Protection Commission (PDPC) Model AI Governance Framework",
    "European Commission (EC) Code of Practice on Disinformation",
    "Cyberspace Administration of China 全球人工智能治理倡议",
)]
CORPUS2 = CORPUS + "\n" + "\n".join(NAMES2)


@pytest.mark.parametrize("question, missing", [
    # a stored title extended by a word that makes it another text
    ("What does Singapore's Model AI Governance Framework for Generative AI say about provenance?",
     ["Singapore Model AI Governance Framework for Generative AI"]),
    ("What does Singapore's Model AI Governance Framework say about accountability?", []),
    ("What does the European Commission's Code of Practice on Disinformation say about ads?", []),
    # the title's last words occur in the corpus ("AI process"), the title as a whole does not
    ("What does Google DeepMind's Frontier Process Framework say?", ["Google DeepMind Frontier Process Framework"]),
    ("Did the Paris AI Action Summit in February 2025 end with a declaration?", ["Paris AI Action Summit"]),
    ("What does the EU Code say about ads?", []),  # "EU": the European Commission's code
    ("What does NIST AI 600-1 list as risks?", ["AI 600-1"]),
    ("What did Bill C-27 say about high-impact systems?", ["Bill C-27"]),  # the code inside the title: once
])
def test_missing_names_in_longer_spans(question, missing):
    assert missing_titles(question, CORPUS2, NAMES2) == missing


def test_chinese_titles_lexical_generic_and_translated():
    # stored under its Chinese name
    assert missing_titles("《全球人工智能治理倡议》说了什么？", CORPUS2, NAMES2) == []
    # a title of generic words only names no text in particular
    assert missing_titles("OpenAI《章程》说了什么？", CORPUS2, NAMES2) == []
    absent = "《互联网信息服务深度合成管理规定》有哪些要求？"
    assert missing_titles(absent, CORPUS2, NAMES2) == ["互联网信息服务深度合成管理规定"]
    # the cross-lingual check decides what the lexical checks cannot
    assert missing_titles(absent, CORPUS2, NAMES2, similar_name=lambda t: True) == []
    assert missing_titles(absent, CORPUS2, NAMES2, similar_name=lambda t: False) == ["互联网信息服务深度合成管理规定"]
    # a version number says which text of a series: generic words and "2.0" are one text, held by a stored name
    # holding that number ("Model AI Governance Framework 2.0"), not by one without it
    assert missing_titles("新加坡《人工智能治理框架2.0》说了什么？", CORPUS2, NAMES2) == ["人工智能治理框架2.0"]
    assert missing_titles("新加坡《人工智能治理框架2.0》说了什么？", CORPUS2,
                          NAMES2 + [fold("PDPC Model AI Governance Framework 2.0")]) == []


def test_one_short_word_of_a_chinese_title_in_a_stored_name_holds_nothing():
    """《为人类治理人工智能》's one telling word, 人类, stands in a stored Chinese name about something else: too
    little to call the title held.  Two telling words, or one of three characters or more (a place's or a
    person's name), still are."""
    names = NAMES2 + [fold("Cabinet Office 以人类为中心的人工智能社会原则"), fold("Some Body 蒙特利尔宣言")]
    corpus = CORPUS2 + "\n" + "\n".join(names)
    assert missing_titles("《为人类治理人工智能》提出了哪些建议？", corpus, names) == ["为人类治理人工智能"]
    assert missing_titles("《以人类为中心的社会原则》说了什么？", corpus, names) == []
    assert missing_titles("《蒙特利尔人工智能宣言》说了什么？", corpus, names) == []



def test_a_generic_chinese_title_pinned_to_a_year_names_one_text():
    """"《人工智能治理框架》（2024年）" with no stored body named is one text: a stored text that uses the phrase in
    passing does not hold it, only a stored name (or one standing out as its translation) does."""
    from assistant.retrieval.coverage import check_titles

    corpus = CORPUS2 + "\n" + fold("各国应制定人工智能治理框架。")
    question = "《人工智能治理框架》（2024年）把风险分为哪几类？"
    assert check_titles(question, corpus, NAMES2)[0] == []
    assert check_titles(question, corpus, NAMES2, pinned=True)[0] == ["人工智能治理框架"]
    assert check_titles(question, corpus, NAMES2, lambda t: True, pinned=True)[0] == []
    assert check_titles("《全球人工智能治理倡议》说了什么？", CORPUS2, NAMES2, pinned=True)[0] == []


def test_unknown_names_are_counted_not_vetoed():
    from assistant.retrieval.coverage import unknown_names

    question = "What did the Global Partnership on AI say in its ministerial declaration, and the OECD?"
    assert missing_titles(question, CORPUS2, NAMES2) == []
    assert unknown_names(question, CORPUS2, NAMES2) == ["Global Partnership on AI"]


def test_a_named_year_no_statement_of_the_named_body_carries():
    from assistant.retrieval.catalog import Catalog, Mentions
    from core.model import Passage

    def passage(i: int, author: str, year: int | None) -> Passage:
        return Passage(id=f"p{i}", statement_id=f"s{i}", text="x", author=author, document=f"D{i}",
                       date=str(year) if year else None)

    catalog = Catalog.from_passages([passage(1, "OECD", 2019), passage(2, "Google", None)])
    oecd = Mentions(authors={"OECD"})
    assert catalog.absent_years({2024}, oecd) == ["OECD in 2024"]
    assert catalog.absent_years({2019}, oecd) == []
    # an undated statement keeps the year open only for a question naming its document outright
    assert catalog.absent_years({2024}, Mentions(authors={"Google"})) == ["Google in 2024"]
    assert catalog.absent_years({2024}, Mentions(authors={"Google"}, documents={"D2"}, titled={"D2"})) == []
    # bodies named only through a place are asked about together (the place's one body here)
    assert catalog.absent_years({2024}, Mentions(authors={"OECD"}, by_place={"OECD"})) == ["OECD in 2024"]
    # beside a body named outright, a place's bodies are the question's context, not its object
    assert catalog.absent_years({2024}, Mentions(authors={"OECD", "Google"}, by_place={"OECD"})) == ["Google in 2024"]
    # a document named outright speaks for its organisation
    assert catalog.absent_years({2024}, Mentions(documents={"D1"})) == ["OECD in 2024"]
    assert catalog.absent_years({2019}, Mentions(documents={"D1"})) == []


def test_a_document_matched_only_through_its_organisations_name_is_not_named_outright():
    from assistant.retrieval.catalog import Catalog
    from core.model import Passage

    catalog = Catalog.from_passages([
        Passage(id="p1", statement_id="s1", text="x", author="Quorx Corporation", document="Quorx Algorithm Ethics"),
        Passage(id="p2", statement_id="s2", text="x", author="Quorx Corporation", document="Quorx AI Ethics",
                date="2018"),
    ])
    # "Quorx" matches both documents' names, but the question asks what the body said in 2020
    asked = catalog.mentions("What was Quorx's position on regulating AI in 2020?")
    assert asked.documents and not asked.titled
    assert catalog.absent_years({2020}, asked) == ["Quorx Corporation in 2020"]
    # its undated text, named by a word of its own, could be of any year
    titled = catalog.mentions("What does Quorx's Algorithm Ethics say in 2020?")
    assert titled.titled == {"Quorx Algorithm Ethics"}
    assert catalog.absent_years({2020}, titled) == []


@pytest.mark.parametrize("question, bodies", [
    # asked what a body the store lacks said: its central object is absent
    ("What did the Ada Lovelace Institute recommend in its report on foundation models?", ["Ada Lovelace Institute"]),
    ("What did the Global Partnership on AI's ministerial declaration commit members to?",
     ["Global Partnership on AI"]),
    ("Summarise the Zed High-level Advisory Body on AI's final report.", ["Zed High-level Advisory Body on AI"]),
    # a stored body (its distinctive words in one stored name) is never reported
    ("What did the Future of Life Institute say about arms races?", []),
    # a body named in passing, not asked what it said, is left to the score
    ("Do any principles mention work with the Ada Lovelace Institute on audits?", []),
    # a name a text is said to be published by is a body whatever its last word, in English and Chinese
    ("What happens in the scenario published by the Zed Futures Project?", ["Zed Futures Project"]),
    ("Zed Media 发布的全球指数中，中国排在第几位？", ["Zed Media"]),
    ("Which principles were released by the Future of Life Institute?", []),
    # not said to publish anything: a name in passing
    ("Is the Zed Futures Project mentioned in any principles?", []),
])
def test_unknown_bodies(question, bodies):
    assert unknown_bodies(question, CORPUS, NAMES) == bodies


_PIECES = st.text(alphabet="ab _-.é1中", max_size=14)


@given(phrase=st.text(alphabet="ab _-.é1中", min_size=1, max_size=3), text=_PIECES)
def test_whole_phrase_search_agrees_with_the_word_boundary_regex(phrase, text):
    """``has_phrase`` walks occurrences with ``str.find`` for speed on the whole corpus; it must find exactly
    what the regex it replaced finds."""
    assert has_phrase(phrase, text) == (re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None)


_UTF8 = "abZ _-é1中文あ😀\u0301\n"  # 1- to 4-byte characters; 中文: CJK pairs, あ: 3 bytes but not CJK


@settings(max_examples=400)
@given(phrase=st.text(alphabet=_UTF8, min_size=1, max_size=6), text=st.text(alphabet=_UTF8, max_size=24))
@example(phrase="a b-", text="Za b-")  # the phrase's first run is part of a longer run of the text
@example(phrase="-a b", text="-a bZ")  # and its last
@example(phrase="あ中", text="_あ中文")  # a 3-byte character that is not CJK, beside one that is
@example(phrase="a b", text="a  b a-b")  # two spaces, or another separator: not a pair
def test_the_corpus_text_as_utf8_bytes_finds_what_the_string_finds(phrase, text):
    """The snapshot keeps the corpus text as UTF-8 bytes (``corpus_text.py``): byte search, the neighbouring
    characters' decoding, and the word and pair lists that rule phrases out before a scan must give the regex's
    answer, for 1- to 4-byte characters."""
    corpus = CorpusText.from_str(text)
    assert (phrase in corpus) == (phrase in text)
    assert corpus.has_phrase(phrase) == (re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None)


class _NoScan(bytes):
    def find(self, *args):  # type: ignore[override]
        raise AssertionError("scanned the whole text")


def test_a_phrase_with_a_word_the_corpus_lacks_is_ruled_out_without_a_scan():
    text = "the oecd recommendation on ai\nsb 1047 (draft)\n人工智能法"
    corpus = CorpusText.from_str(text)
    corpus._data = _NoScan(text.encode("utf-8"))  # any scan now fails the test
    assert not corpus.has_phrase("bletchley declaration") and not corpus.has_phrase("sb 1048")
    assert " bletchley " not in corpus and "recommendation of ai" not in corpus  # "of": a whole word, absent
    assert not corpus.has_phrase("commendation")  # a whole word the corpus lacks, though it holds the letters
    # every word is in the corpus, but not side by side: "recommendation on" is, "ai recommendation" is not
    assert not corpus.has_phrase("ai recommendation") and " on ai recommendation " not in corpus
    assert "人工智能伦理" not in corpus and not corpus.has_phrase("智能人工")  # 能伦, 能人: pairs the corpus lacks
    for needs_a_scan in ("oecd recommendation", "人工智能法"):
        with pytest.raises(AssertionError, match="scanned"):
            corpus.has_phrase(needs_a_scan)
    with pytest.raises(AssertionError, match="scanned"):
        assert "commendation" in corpus  # a part of a word: only a scan can tell


def test_the_corpus_text_is_read_from_its_file_memory_mapped(tmp_path):
    path = tmp_path / "corpus_text.txt"
    path.write_text("oecd recommendation\n人工智能法 (草案)\nsb 1047", encoding="utf-8")
    corpus = CorpusText.open(path)
    assert corpus.has_phrase("人工智能法") and corpus.has_phrase("sb 1047") and "recommend" in corpus
    assert not corpus.has_phrase("recommend") and not corpus.has_phrase("1047x")
    assert not corpus.has_words  # written by hand: no word list, every phrase scanned
    saved = tmp_path / "saved.txt"
    CorpusText.from_str(path.read_text(encoding="utf-8")).save(saved)
    again = CorpusText.open(saved)
    assert again.has_words and again.has_phrase("sb 1047") and not again.has_phrase("sb 1048")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    assert not CorpusText.open(tmp_path / "empty.txt").has_phrase("a")


def test_a_chinese_law_named_before_what_is_asked_of_it():
    """The name runs into the verb ("…标识办法要求…"): the name up to its ending, with or without an asking word."""
    from assistant.retrieval.coverage import named_zh_laws

    assert named_zh_laws("佐布拉克斯生成内容标识办法要求显式标识加在哪些位置？") == ["佐布拉克斯生成内容标识办法"]
    assert named_zh_laws("数据安全管理办法要求什么？") == ["数据安全管理办法"]
    assert named_zh_laws("这个办法要求企业做什么？") == []  # too short to be a name


@pytest.mark.parametrize("question, laws", [
    ("Under the zorblax ai act, what must deployers do?", ["zorblax ai act"]),
    ("qix local law 144 bias audit requirements", ["qix local law"]),
    ("is there a data protection law mentioned?", ["data protection law"]),
    ("can insurers keep algorithms secret if they follow state law?", ["state law"]),  # after the last stop word
    # accords and events, named the same way
    ("what did leaders agree at the zorblax summit?", ["zorblax summit"]),
    ("who signed the qix declaration on ai safety?", ["qix declaration"]),
    ("which countries joined the declaration?", []),
    # reports, conferences, speeches and testimony, a possessive dropped, up to four words before the kind
    ("zorblax foundation models initial report - what did it find?", ["zorblax foundation models initial report"]),
    ("qix security conference - who attended?", ["qix security conference"]),
    ("what did jane zorblax's testimony to the senate say?", ["jane zorblax testimony"]),
    # generic words only, or a question with capitals inside: no lower-case name
    ("what does the ai act say?", []),
    ("What Does The Zorblax AI Act Say", []),
    ("should a zorblax data practitioner act as though they bear the duty?", []),  # "act as": a verb, no act
])
def test_laws_named_in_a_lower_case_question(question, laws):
    from assistant.retrieval.coverage import named_lower_laws

    assert named_lower_laws(question) == laws


def test_a_lower_case_law_is_missing_only_by_a_word_the_corpus_never_uses():
    corpus = CORPUS + "\n" + fold("Firms report on data protection under financial law.")
    assert missing_titles("Under the zorblax ai act, what must deployers do?", corpus, NAMES) == ["zorblax ai act"]
    assert missing_titles("who signed the zorblax declaration?", corpus, NAMES) == ["zorblax declaration"]
    assert missing_titles("what did the montreal declaration say?", corpus, NAMES) == []  # a stored one
    assert missing_titles("what did jane zorblax's testimony say?", corpus, NAMES) == ["jane zorblax testimony"]
    assert missing_titles("what does the oecd report say on data protection?", corpus, NAMES) == []
    # words the corpus uses, in some form ("reporting": "report"), describe rather than name a law
    assert missing_titles("should firms state their policy under financial reporting law?", corpus, NAMES) == []
    assert missing_titles("is there a data protection law mentioned?", corpus, NAMES) == []
    assert missing_titles("can firms keep algorithms secret under state law?", corpus + " state", NAMES) == []


def test_titles_the_stored_texts_cite():
    """A title a stored text cites is found with its count, most cited first; "This Declaration" is none."""
    from assistant.retrieval.coverage import cited_titles

    texts = ["Respect the Universal Declaration of Human Rights and the Zorblax Data Act.",
             "As the Universal Declaration of Human Rights says, and This Declaration repeats.",
             "No title here."]
    assert cited_titles(texts) == ["Universal Declaration of Human Rights", "Zorblax Data Act"]


@pytest.mark.parametrize("question, citing", [
    ("哪些原则提到了《通用数据保护条例》？", True),
    ("Unity 的原则如何引用《世界人权宣言》？", True),
    ("《个人信息保护法》对自动化决策有什么规定？", False),  # asks what the law says, not how texts cite it
])
def test_a_question_about_citing_a_text(question, citing):
    from assistant.retrieval.coverage import asks_about_citing

    assert asks_about_citing(question) is citing


def test_a_year_beside_a_title_is_the_titles():
    from assistant.retrieval.coverage import years_beside

    assert years_beside("框架如何提及1988年《隐私法》？", "隐私法") == {1988}
    assert years_beside("《人工智能安全治理框架》（2024年）有哪些内容", "人工智能安全治理框架") == {2024}
    assert years_beside("2019年，谷歌在《人工智能原则》里说了什么", "人工智能原则") == set()  # the sentence's year
