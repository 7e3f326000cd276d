"""The offline answer's text rules, without models: whole-sentence quotes, a cut marked with "…", the quality
metrics of ``charter eval`` (gold quoted, cut and repeated quotes), the answer's layout (metadata lead,
headings with dates, a shared sentence shown once with both sources, "See also"), and a follow-up of a
follow-up."""

from __future__ import annotations

import re

import numpy as np
import pytest

from assistant.answer.followup import rewrite
from assistant.answer.offline import compose
from assistant.answer.quality import cut_quotes, gold_quoted, is_cut, quotations, repeated_quotes
from assistant.answer.sentences import CUT_MARK, clip, passage_units
from core.model import Answer, Passage, Quote, Source
from core.text import quote_spans

SURVEY = ("The review covered 200 documents. Of these, only 4.5% propose stricter regulation, i.e. outright bans. "
          "The authors were 66% male, 34% female. Most came from North America and Europe.")
WEATHER = "Rain is expected tomorrow. The authors were 66% male, 34% female."
BANANA = "Bananas are yellow and grow in warm places."
_QUOTE_LINE = re.compile(r"^> “(.*)” ((?:\[\d+\])+)$")


def passage(pid: str, text: str, author: str, **kw) -> Passage:
    return Passage(id=f"{pid}:0", statement_id=pid, text=text, author=author, **kw)


def answer_with(quotes: list[str], text: str = SURVEY) -> Answer:
    p = passage("a", text, "Org")
    body = "\n".join(f"> “{q}” [1]" for q in quotes)
    return Answer(question="q", text=body, sources=[Source(1, p, [Quote(1, q, True) for q in quotes])])


def keyword_embed(words: list[str]):
    """A stand-in embedder: one dimension per keyword, so a test decides what is relevant."""
    def vec(text: str) -> np.ndarray:
        v = np.array([float(w in text.lower()) for w in words] + [0.05])
        return v / np.linalg.norm(v)

    def embed(sentences: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return vec(" ".join(words[:1])), np.stack([vec(s) for s in sentences])

    return embed


# ---------------------------------------------------------------------------- cut quotes


@pytest.mark.parametrize("quote, cut", [
    ("Of these, only 4.5% propose stricter regulation, i.e. outright bans.", False),  # one whole sentence
    ("The review covered 200 documents. Of these, only 4.5% propose stricter regulation, i.e. outright bans.", False),
    ("Of these, only 4.", True),  # inside a number
    ("only 4.5% propose stricter regulation", True),  # starts and ends inside the sentence
    ("e. outright bans.", True),  # inside an abbreviation
    ("Of these, only 4.5% propose stricter regulation …", False),  # a cut, marked
    ("The authors were 66% male, 34% female", False),  # the full stop left out is no cut
])
def test_a_quote_cut_inside_a_sentence_is_counted_unless_marked(quote, cut):
    assert quote_spans(SURVEY, quote), "precondition: the quote is verbatim"
    assert is_cut(quote, SURVEY) is cut


def test_repeated_and_gold_quoted_are_counted_on_the_answers_quotations():
    whole = "The authors were 66% male, 34% female."
    answer = answer_with([whole, "The review covered 200 documents. " + "Of these, only 4.5% propose stricter "
                          "regulation, i.e. outright bans. " + whole])
    quoted = quotations(answer)
    assert repeated_quotes(answer, quoted) == 1  # the first is inside the second
    assert gold_quoted(["66% male", "North America"], quoted) == 0.5
    assert cut_quotes(quoted) == 0
    assert repeated_quotes(answer_with([whole]), quotations(answer_with([whole]))) == 0


def test_a_too_long_sentence_is_cut_at_a_clause_and_marked():
    sentence = ("The Parliament draws attention to the forecast that by 2020 Europe might lack 825 000 ICT "
                "professionals; welcomes the initiative of proposing a roadmap for digital skills, "
                "and calls upon the Commission to provide support for " + "all age groups " * 20 + "alike.")
    shown = clip(sentence, 200)
    assert shown.endswith(CUT_MARK) and len(shown) <= 200 + len(CUT_MARK)
    assert shown[: -len(CUT_MARK)].rstrip(",;") in sentence  # its head, verbatim
    assert re.search(r"(professionals|roadmap for digital skills) …$", shown)  # at a clause boundary
    assert not is_cut(shown, sentence)  # marked, so not a silent cut
    assert clip("Short.", 200) == "Short."


def test_units_are_whole_sentences_decimals_and_abbreviations_kept():
    units = passage_units([passage("a", SURVEY, "Org")])
    assert [u.text for u in units][1] == "Of these, only 4.5% propose stricter regulation, i.e. outright bans."
    assert all(not is_cut(u.text, SURVEY) for u in units)


# ---------------------------------------------------------------------------- the answer's layout


def quote_lines(answer: Answer) -> list[tuple[str, list[int]]]:
    out = []
    for line in answer.text.splitlines():
        m = _QUOTE_LINE.match(line)
        if m:
            out.append((m.group(1), [int(n) for n in re.findall(r"\d+", m.group(2))]))
    return out


def test_the_answer_leads_with_metadata_and_shows_a_shared_sentence_once_with_both_sources():
    ps = [passage("a", SURVEY, "Survey Office (SO)", document="The Review", date="2023-05-02"),
          passage("b", WEATHER, "Weather Board", document="Outlook", date_text="March 2021"),
          passage("c", BANANA, "Fruit Council", document="Fruits", date="2019")]
    answer = compose("What was the gender distribution of the authors (male, female)?", ps,
                     embed=keyword_embed(["male", "female"]))
    lead = answer.text.splitlines()[0]
    assert lead.startswith("**") and "Survey Office (2023)" in lead and "address" in lead
    assert "Weather Board (2021)" in lead  # a year from a date as written
    lines = quote_lines(answer)
    shared = [(q, ns) for q, ns in lines if "66% male" in q]
    assert len(shared) == 1 and len(shared[0][1]) == 2, answer.text  # once, cited to both passages
    for quote, numbers in lines:  # every quotation verbatim in every passage it is cited to
        for n in numbers:
            assert quote_spans(answer.sources[n - 1].passage.text, quote)
    assert "(2023-05-02)" in answer.text and "n.d." not in answer.text  # headings carry the statement's date
    weather = compose("Who were the authors?", ps[1:2], embed=keyword_embed(["authors"]))
    assert "*Outlook* (March 2021)" in weather.text  # the date as written when no ISO date is known
    undated = compose("Who were the authors?", [passage("u", WEATHER, "Weather Board")])
    assert "(n.d.)" in undated.text
    assert "Bananas" not in " ".join(q for q, _ in lines)  # unrelated: not quoted
    quoted = quotations(answer)
    assert cut_quotes(quoted) == 0 and repeated_quotes(answer, quoted) == 0


def test_a_paper_by_people_is_led_and_headed_by_its_authors_not_its_folder():
    """A PDF's organisation may be only its folder ("docs"): the answer names the paper's authors."""
    ps = [passage("a", SURVEY, "docs", authors="Ada Lovelace; Alan Turing; Grace Hopper", document="The Review",
                  date="2023-05-02"),
          passage("b", "Female reviewers led twelve of the thirty panels that year.", "docs",
                  authors="Ada Lovelace; Alan Turing; Grace Hopper", document="The Review", date="2023-05-02")]
    answer = compose("What was the gender distribution of the authors (male, female)?", ps,
                     embed=keyword_embed(["male", "female"]))
    lead = answer.text.splitlines()[0]
    assert lead.startswith("**1 source addresses this: Ada Lovelace et al. (2023"), lead
    assert "**Ada Lovelace et al.** · *The Review*" in answer.text
    assert "**docs**" not in answer.text and "organisation" not in lead


def test_a_weakly_related_organisation_goes_to_see_also():
    ps = [passage("a", SURVEY, "Survey Office", date="2023"), passage("c", BANANA, "Fruit Council", date="2019")]
    answer = compose("What was the gender distribution of the authors?", ps, embed=keyword_embed(["male"]))
    see_also = [line for line in answer.text.splitlines() if line.startswith("See also:")]
    assert see_also == ["See also: Fruit Council (2019) [2]"], answer.text
    assert answer.sources[1].quotes == [] and answer.sources[1].passage.author == "Fruit Council"


def test_a_chinese_question_prefers_the_chinese_sentence_of_a_bilingual_statement():
    text = ("人工智能系统的设计和使用应当始终把人的安全与尊严放在首位，不得以效率为由牺牲基本权利。\n"
            "AI systems must be designed and used with human safety and dignity first, and efficiency is never "
            "a reason to give up basic rights.")
    ps = [passage("z", text, "示例数字治理研究院", date="2023")]
    zh = compose("人工智能系统应当把什么放在首位？", ps, embed=keyword_embed(["安全", "safety"]), budget=1)
    assert quote_lines(zh)[0][0].startswith("人工智能系统的设计"), zh.text
    assert "英文" not in zh.text.splitlines()[0]
    en_only = compose("人工智能系统应当把什么放在首位？", [passage("e", BANANA, "Fruit Council", date="2019")])
    assert "英文原文" in en_only.text.splitlines()[0]  # says plainly that the quotes are in English


def test_a_follow_up_of_a_follow_up_continues_the_last_standalone_question():
    history = [{"role": "user", "content": "What do the IDAIS statements ask governments to do?"},
               {"role": "assistant", "content": "…"},
               {"role": "user", "content": "And China?"},
               {"role": "assistant", "content": "…"}]
    query = rewrite(history, "那中国呢？")
    assert query.startswith("那中国呢？") and "ask governments to do" in query and "And China" not in query
    assert rewrite(history, "What does the OECD say about transparency in AI systems?") == \
        "What does the OECD say about transparency in AI systems?"


# ---------------------------------------------------------------------------- choosing sentences

LONG = ("Organisations that build assistants shall put safeguards in place for the people they serve, shall tell "
        "them plainly what is recorded, shall keep records no longer than needed, shall let people see and correct "
        "them, shall train their staff on these duties, shall report breaches without delay, and shall, to the "
        "greatest extent possible, securely store such data, in an encrypted format, only locally on the device, "
        "so that the person keeps control.")


def test_a_long_sentence_is_shown_by_the_clauses_that_hold_the_question_words():
    from assistant.answer.select import content_words
    from assistant.answer.sentences import OPEN_MARK, window

    words = content_words("Should assistants store data locally on the device, encrypted?")
    shown = window(LONG, lambda t: len(content_words(t) & words), limit=160)
    assert shown.startswith(OPEN_MARK) and "only locally on the device" in shown and len(shown) <= 170, shown
    assert quote_spans(LONG, shown) and not is_cut(shown, LONG)  # verbatim, and the cut is marked
    head = window(LONG, lambda t: 0.0, limit=160)  # nothing to prefer: the head, as clip() gives it
    assert head == clip(LONG, 160) and head.endswith(CUT_MARK)
    answer = compose("Should assistants store the data locally on the device, encrypted?",
                     [passage("l", LONG, "Device Board")], embed=keyword_embed(["device"]))
    assert "only locally on the device" in quote_lines(answer)[0][0], answer.text


def test_rare_question_words_weigh_more_and_a_question_in_the_source_is_no_answer():
    from assistant.answer.select import lexical, relevance

    units = passage_units([passage("w", "AI systems need oversight. AI systems need funding. AI systems grow.", "O")])
    share = lexical("Which AI systems need oversight?", units)
    assert share[0] > share[1] > share[2] > 0  # "oversight" is rarer among the sentences than "systems"
    text = "Who takes the blame when it fails? The operator takes the blame when it fails."
    asked = passage_units([passage("q", text, "Safety Board")])
    scores = relevance("Who takes the blame when it fails?", asked, np.array([0.5, 0.5]), zh=False)
    assert scores[1] > scores[0]  # same words, same similarity: the statement answers, the question does not


def test_an_answer_is_budgeted_in_characters():
    from assistant.answer import select

    sentences = [f"Rule {i} says that the board shall publish audit number {i} for every system it runs." for i in
                 range(30)]
    ps = [passage(f"b{i}", " ".join(sentences[i * 3 : i * 3 + 3]), f"Board {i}") for i in range(10)]
    answer = compose("What do the boards say about audits?", ps, embed=keyword_embed(["audit"]), budget=30)
    shown = sum(len(q.text) for q in quotations(answer))
    assert 0 < shown <= select.CHARS and len(quotations(answer)) < 30, answer.text


@pytest.mark.parametrize("quote, splits", [
    ("Of these, only 4.", True),  # inside a number
    ("e. outright bans.", True),  # inside an abbreviation
    ("The review covered 200 docu", True),  # inside a word
    ("only 4.5% propose stricter regulation", False),  # a phrase between words: not a split token
    ("The authors were 66% male, 34% female.", False),
])
def test_a_quote_that_splits_a_number_word_or_abbreviation_is_told_apart(quote, splits):
    from assistant.answer.quality import splits_token
    from assistant.answer.sentences import whole_sentences

    assert splits_token(quote, SURVEY) is splits
    spans = quote_spans(SURVEY, quote)
    whole = whole_sentences(passage("s", SURVEY, "Org"), spans[0][0], spans[-1][1])
    assert quote_spans(SURVEY, whole) and not is_cut(whole, SURVEY) and not splits_token(whole, SURVEY)


def test_an_organisation_the_question_names_is_the_one_quoted():
    """Named outright ("What does the Survey Office say …"), an organisation's sentences are the answer's quotes,
    though another's fit the question better; the other is named under "See also".  Not when nothing of the named
    one was retrieved, and not for an answer that abstains."""
    forecast = "Rain is expected tomorrow. The authors of the forecast were all meteorologists."
    ps = [passage("w", forecast, "Weather Board"), passage("s", SURVEY, "Survey Office")]
    embed = keyword_embed(["authors", "male"])
    question = "What does the Survey Office say about the authors?"
    plain = compose(question, ps, embed=embed)
    assert "**Weather Board**" in plain.text
    named = compose(question, ps, embed=embed, named=["Survey Office"])
    assert "**Survey Office**" in named.text and "**Weather Board**" not in named.text
    assert "See also: Weather Board" in named.text
    assert {s.passage.author for s in named.sources if s.quotes} == {"Survey Office"}
    assert "**Weather Board**" in compose(question, ps, embed=embed, named=["Treaty Office"]).text
    assert "**Weather Board**" in compose(question, ps, embed=embed, named=["Survey Office"],
                                          abstain_reason="No statement is close enough.").text
