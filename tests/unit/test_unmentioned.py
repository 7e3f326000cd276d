"""Names a question uses that no stored text mentions (assistant/retrieval/unmentioned.py)."""

from __future__ import annotations

import pytest

from assistant.retrieval.abstain import absent_reason
from assistant.retrieval.corpus_text import CorpusText
from assistant.retrieval.unmentioned import name_words, unmentioned
from core.text import fold_for_names

CORPUS = ("oecd recommendation of the council on artificial intelligence\n"
          "asilomar ai principles: an arms race in lethal autonomous weapons should be avoided.\n"
          "the vatican and fao signed the rome call. g20 ministers met in osaka.\n"
          "idais 威尼斯 ai safety is a global public good.")
NAME_WORDS = frozenset("oecd recommendation council artificial intelligence asilomar ai principles".split())


@pytest.mark.parametrize("question, expected", [
    ("What did the IMF say about jobs exposed to AI?", ["IMF"]),  # an acronym
    ("which risks did openai list in the card released with gpt-4?", ["gpt-4"]),  # digits, lower case
    ("What did the executive order President Biden signed require?", ["President", "Biden"]),
    ("Summarise the BRICS leaders' 2025 statement.", ["BRICS"]),  # a possessive, a year
    ("Biden's order: what did it require?", []),  # a word opening a sentence may be capitalised only for that
    ("What did the G7 say in January 2024 about AI?", ["G7"]),  # months are no names
    ("In the 1990s, what did the 2nd report say?", []),  # decades and ordinals neither
    ("二十国集团妇女会议（W20）建议什么？", []),  # an abbreviation alone in brackets glosses its name
    ("tech accord on elections (Munich Security Conference)", ["Munich", "Security", "Conference"]),
    ("What Does The Commission Say About Hiring Algorithms", []),  # title case: capitals say nothing
    ("is there a rule on what I'd need to change to get another outcome?", []),  # "I" contracted is no name
    ("What Does The NIST Say About Hiring Algorithms", ["NIST"]),  # ... but an acronym still does
    ("What are the recommendations in the World Economic Forum's Presidio Recommendations?",
     ["World", "Economic", "Forum", "Presidio", "Recommendations"]),  # a long title is no title-case question
])
def test_name_words(question, expected):
    assert name_words(question) == expected


@pytest.mark.parametrize("text", [CORPUS, CorpusText.from_str(CORPUS)])
@pytest.mark.parametrize("question, expected", [
    ("What did the IMF say about an arms race?", ["IMF"]),
    ("What do the Asilomar AI Principles say about an arms race?", []),
    ("What does the OECD Recommendation say, compared with BRICS?", ["BRICS"]),
    ("What does the Asilomer statement say about weapons?", []),  # a typo of a stored name's word
    ("Does the Vatican-backed Rome Call name the FAO?", []),  # "Vatican-backed": its name part is stored
    ("What did the G20 ministers agree in Osaka?", []),
    ("What did the G7 ministers agree in Hiroshima?", ["G7", "Hiroshima"]),
])
def test_unmentioned(text, question, expected):
    assert unmentioned(question, text, NAME_WORDS) == expected


def test_a_person_named_in_lower_case_as_a_works_author():
    """No capital marks "yoshua bengio"; "the essay by" does.  A body after "by" is not taken for one, nor a
    name whose words the corpus uses."""
    from assistant.retrieval.unmentioned import lower_case_persons

    question = "which scenarios are in the 2023 essay by jane zorblax?"
    assert lower_case_persons(question) == ["jane zorblax"]
    assert unmentioned(question, CORPUS, NAME_WORDS) == ["jane zorblax"]
    assert unmentioned(question, CORPUS + "\njane zorblax", NAME_WORDS) == []
    assert lower_case_persons("what does the report by the oecd say?") == []
    assert lower_case_persons("a speech given by qix marlow, in 2024") == ["qix marlow"]


def test_a_translation_of_a_chinese_name_is_mentioned():
    """"Venice" cannot be found lexically in "IDAIS 威尼斯": a word the store names only in Chinese is told by
    ``translated`` (names.ChineseNameWords), asked only of words the names and texts lack."""
    asked = []

    def translated(word: str) -> bool:
        asked.append(word)
        return word == "Venice"

    assert unmentioned("What did the Venice statement of IDAIS warn about?", CORPUS, NAME_WORDS, translated) == []
    assert asked == ["Venice"]  # "IDAIS" stands in the text
    assert unmentioned("What did the IMF say about it?", CORPUS, NAME_WORDS, translated) == ["IMF"]


def test_absent_reason_says_which_names_the_store_never_mentions():
    assert absent_reason([], ["BRICS"]) == "The stored texts never mention BRICS."
    assert absent_reason(["EU AI Act"], ["BRICS", "IMF"]) == (
        "The corpus holds no text of the EU AI Act. The stored texts never mention BRICS, IMF.")
    assert absent_reason(["Zentrix Corporation in 2025"]) == "The corpus holds no text of Zentrix Corporation in 2025."


def test_a_place_is_mentioned_in_any_of_its_spellings():
    assert unmentioned("What do the Japanese say about security?", "cabinet office, government of japan", set()) == []
    assert unmentioned("What do the Kenyans say about security?", "cabinet office, government of japan", set()) == [
        "Kenyans"]


@pytest.mark.parametrize("text", [CORPUS, CorpusText.from_str(CORPUS)])
@pytest.mark.parametrize("question, expected", [
    # a body named in Chinese whose English spellings the corpus holds is mentioned ("经合组织": "OECD")
    ("经合组织在人工智能问责上建议什么？", []),
    ("二十国集团部长们说了什么？", []),
    # one it never mentions in any spelling is not; the longest name only (国家网信办, not also 网信办)
    ("国家网信办发布了哪些人工智能规定？", ["国家网信办 (CAC)"]),
    ("国际货币基金组织怎么看人工智能对就业的影响？", ["国际货币基金组织 (International Monetary Fund)"]),
    # China's central bodies and courts too, named in Chinese with a text of theirs described without 《》
    ("最高人民法院关于人工智能司法应用的意见有哪些原则？", ["最高人民法院 (Supreme People's Court)"]),
])
def test_bodies_named_in_chinese(text, question, expected):
    assert unmentioned(question, text, NAME_WORDS) == expected


def test_a_body_named_in_chinese_is_a_mention_of_its_stored_organisation():
    from assistant.retrieval.aliases import body_mentions
    from assistant.retrieval.catalog import Catalog
    from core.model import Passage

    assert list(body_mentions("国家互联网信息办公室和网信办")) == ["国家互联网信息办公室", "网信办"]
    assert list(body_mentions("国家网信办说")) == ["国家网信办"]
    catalog = Catalog.from_passages([
        Passage(id="p1", statement_id="s1", text="x", author="World Health Organization (WHO)", document="D1",
                date="2021"),
        Passage(id="p2", statement_id="s2", text="x", author="Who Cares Trust", document="D2", date="2020"),
    ])
    assert catalog.mentions("世卫组织2021年说了什么？").authors == {"World Health Organization (WHO)"}
    assert catalog.absent_years({2023}, catalog.mentions("世卫组织2023年说了什么？"))
    # named outright, though its English name holds a place (联合国: the United Nations)
    unesco = "United Nations Educational, Scientific and Cultural Organization (UNESCO)"
    catalog = Catalog.from_passages([Passage(id="p3", statement_id="s3", text="x", author=unesco, document="D3")])
    found = catalog.mentions("联合国教科文组织说了什么？")
    assert found.authors == {unesco} and found.by_place == set()


def test_a_word_in_capitals_is_mentioned_only_as_the_corpus_writes_it_in_capitals():
    """The corpus text is case-folded: "a wide rand of cultures" (a typo in a stored text) does not mention RAND."""
    corpus = CORPUS + "\na wide rand of cultures."
    question = "What did RAND's 2024 red-team study find?"
    assert unmentioned(question, corpus, NAME_WORDS) == []  # without the words in capitals: "rand" is there
    assert unmentioned(question, corpus, NAME_WORDS, capitals={"OECD", "G20"}) == ["RAND"]
    assert unmentioned("What did the OECD and the G20 say?", corpus, NAME_WORDS, capitals={"OECD", "G20"}) == []
    # a place's acronym is still mentioned by the place's name (not by "us" the pronoun)
    assert unmentioned("What did the UAE say?", corpus + "\nthe united arab emirates", NAME_WORDS, capitals=set()) == []
    assert unmentioned("What did the US say?", corpus + "\nlet us", NAME_WORDS, capitals=set()) == ["US"]


@pytest.mark.parametrize("question, expected", [
    # a country named in Chinese is looked up by its English names (pycountry's translations)
    ("中国和赞比亚在人工智能能力建设上合作了什么？", ["中国 (China)", "赞比亚 (Zambia)"]),
    ("梵蒂冈和粮农组织签署了什么？", []),  # Vatican: "the vatican ... signed the rome call"
    # a country's name inside a longer word names no country (马里兰州, Maryland: not 马里, Mali); 中非 is as
    # often China-Africa as the Central African Republic
    ("马里兰州对人工智能有什么规定？", []),
    ("中非合作论坛上谈了人工智能吗？", []),
    # a foreign person's name written in Chinese is mentioned only as a stored text writes it
    ("图灵奖得主杰弗里·辛顿说了什么？", ["杰弗里·辛顿"]),
])
def test_countries_and_people_named_in_chinese(question, expected):
    assert unmentioned(question, CorpusText.from_str(CORPUS), NAME_WORDS) == expected
    assert unmentioned(question, CORPUS + "\n杰弗里·辛顿 warned.\nzambia\nchina", NAME_WORDS) == []


def test_chinese_country_names_come_from_pycountry_with_the_places_spellings():
    from assistant.retrieval.aliases import countries_in_chinese

    table = countries_in_chinese()
    assert len(table) > 200
    assert table["赞比亚"][-1] == "Zambia" and table["俄罗斯"][-1] == "Russia" and table["韩国"][-1] == "Korea"
    assert "Russian Federation" in table["俄罗斯"] and "Republic of Korea" in table["韩国"]
    assert "中非" not in table


@pytest.mark.parametrize("question, expected", [
    # a person named in Chinese without an interpunct, asked what they said or wrote
    ("李开复在《AI·未来》里预测哪些工作最容易被取代？", ["李开复"]),
    ("吴恩达说担心人工智能失控就像担心什么？", ["吴恩达"]),
    ("杨立昆（Yann LeCun）对人工智能的风险持什么看法？", ["杨立昆"]),
    ("泰格马克的《生命3.0》描绘了哪些情景？", ["泰格马克"]),  # the tagger's two halves joined
    # a date before what they did, a work of theirs, where they spoke; a first character cut off at the start
    ("李飞飞在2023年出版的回忆录里提出了什么建议？", ["李飞飞"]),
    ("古特雷斯2023年7月在安理会会议上都讲了些什么？", ["古特雷斯"]),
    # a two-character name jieba's dictionary lacks, before a speech or a work of theirs; not before 说 alone,
    # nor a word the dictionary holds, nor the second half of a name written with an interpunct (found whole)
    ("辛顿在2024年诺贝尔奖颁奖晚宴上的致辞中说了什么？", ["辛顿"]),
    ("辛顿说人工智能有风险吗？", []),
    ("上海在2024年大会上的讲话提到了什么？", []),
    ("杰弗里·辛顿在颁奖晚宴上的讲话里说了什么？", []),
    # not asked what a person said: a place in a stored title, a body, a person in brackets beside a body
    ("IDAIS 威尼斯共识声明认为先进人工智能可能带来什么后果？", []),
    ("欧盟委员会认为人工智能有哪些风险？", []),
    ("清华大学战略与安全研究中心（傅莹）提出的六项原则是什么？", []),
])
def test_persons_named_in_chinese_without_an_interpunct(question, expected):
    from assistant.retrieval.aliases import chinese_person_names

    assert chinese_person_names(question) == expected
    assert [n for n in unmentioned(question, CORPUS, NAME_WORDS) if n in expected] == expected
    # mentioned as soon as a stored text writes the name
    assert not [n for n in unmentioned(question, CORPUS + "\n" + "\n".join(expected), NAME_WORDS) if n in expected]


def test_a_title_right_after_an_unmentioned_person_is_that_persons_text():
    from assistant.retrieval.abstain import written_by

    assert written_by("凯特·克劳福德在她的书《AI地图集》里怎么说？", "AI地图集", ["凯特·克劳福德"])
    assert written_by("李开复在《AI·未来》里预测什么？", "AI·未来", ["李开复"])
    # a title far from the name, an acronym, a country: not the person's text
    assert not written_by("李开复认为中国在人工智能方面如何？另外《北京共识》怎么说？", "北京共识", ["李开复"])
    assert not written_by("MAS FEAT principles: can customers challenge decisions?", "FEAT principles", ["MAS"])
    assert not written_by("赞比亚《人工智能战略》", "人工智能战略", ["赞比亚 (Zambia)"])


def test_a_chinese_name_glossed_by_a_stored_spelling_is_mentioned():
    """毛利人（te ao Māori）: the bracketed Latin spelling is what the stored texts write."""
    text = CorpusText.from_str(fold_for_names("New Zealand principles that reflect te ao Māori perspectives"))
    question = "新西兰的原则如何体现毛利人（te ao Māori）视角？"
    assert unmentioned(question, text, NAME_WORDS) == []
    assert unmentioned("新西兰的原则如何体现毛利人（Zorblaxi）视角？", text, NAME_WORDS) == ["毛利人"]
