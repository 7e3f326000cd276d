"""The verifier: invented citations and altered quotes never pass as checked."""

from __future__ import annotations

import pytest

from assistant.answer.verify import (
    INVALID_FLAG,
    UNVERIFIED_LABEL,
    hold_open_quote,
    is_claimed_quote,
    quote_in_passage,
    verify_answer,
)
from core.model import Passage

EU = Passage(
    id="eu:0",
    statement_id="eu",
    author="European Union",
    document="AI Act",
    date="2024-06-13",
    text=(
        "High-risk AI systems shall be designed and developed in such a way that they can be "
        "effectively overseen by natural persons during the period in which they are in use. "
        "Providers shall ensure that their systems   are transparent — including to deployers."
    ),
)
US = Passage(
    id="us:0",
    statement_id="us",
    author="United States",
    document="Executive Order 14110",
    date="2023-10-30",
    text="Artificial intelligence must be safe and secure. Meeting this goal requires robust, reliable, repeatable, "
    "and standardized evaluations of AI systems.",
)
CN = Passage(
    id="cn:0",
    statement_id="cn",
    author="China",
    document="全球人工智能治理倡议",
    date="2023-10-18",
    lang="zh",
    text="发展人工智能应坚持“以人为本”理念，以增进人类共同福祉为目标，以保障社会安全、尊重人类权益为前提，确保人工智能始终朝着有利于人类文明进步的方向发展。",
)
PASSAGES = [EU, US, CN]


def test_clean_answer_verifies_and_lists_only_cited_sources():
    text = 'The EU requires human oversight: systems "can be effectively overseen by natural persons" [1].'
    out, sources, v = verify_answer(text, PASSAGES)
    assert out == text
    assert [s.n for s in sources] == [1]
    assert sources[0].cited and sources[0].passage is EU
    assert [q.text for q in sources[0].quotes] == ["can be effectively overseen by natural persons"]
    assert sources[0].quotes[0].verified
    assert (v.citations_given, v.citations_valid, v.quotes_total, v.quotes_verified) == (1, 1, 1, 1)
    assert v.ok


def test_invented_citation_is_flagged_and_listed():
    text = "The US wants safe AI [2]. Japan agrees [7]. Both say so [2, 9]."
    out, sources, v = verify_answer(text, PASSAGES)
    assert "[7]" not in out and "[9]" not in out
    assert f"Japan agrees {INVALID_FLAG}." in out
    assert "Both say so [2]." in out  # the valid number of a mixed marker survives
    assert v.invalid_markers == [7, 9]
    assert (v.citations_given, v.citations_valid) == (4, 2)
    assert [s.n for s in sources] == [2]
    assert not v.ok


def test_marker_forms_are_normalised():
    out, sources, v = verify_answer("A [1, 3]. B [1][2]. C [1-2]. D [2–3].", PASSAGES)
    assert out == "A [1][3]. B [1][2]. C [1][2]. D [2][3]."
    assert [s.n for s in sources] == [1, 2, 3]
    assert v.citations_given == v.citations_valid == 8


def test_altered_quote_is_dequoted_and_flagged():
    text = 'The EU says systems "must always be overseen by natural persons at all times" [1].'
    out, sources, v = verify_answer(text, PASSAGES)
    assert '"must always' not in out
    assert f"*{UNVERIFIED_LABEL} must always be overseen by natural persons at all times*" in out
    assert v.unverified_quotes == ["must always be overseen by natural persons at all times"]
    assert (v.quotes_total, v.quotes_verified) == (1, 0)
    # the claimed source carries the quote, flagged, so a source card can show the mismatch
    assert [(q.text, q.verified) for q in sources[0].quotes] == \
        [("must always be overseen by natural persons at all times", False)]
    assert not v.ok


def test_quote_cited_to_the_wrong_source_is_not_verified():
    text = 'The US says "effectively overseen by natural persons during the period" [2].'
    _, _, v = verify_answer(text, PASSAGES)
    assert v.quotes_verified == 0


def test_curly_quotes_apostrophes_dashes_and_whitespace_are_normalised():
    text = ("Providers must act: “Providers shall ensure that their\n systems are transparent - "
            "including to deployers.” [1]")
    out, sources, v = verify_answer(text, PASSAGES)
    assert v.quotes_verified == 1, v
    assert "“Providers shall ensure" in out  # a verified quote keeps its marks


def test_first_letter_case_is_forgiven_but_not_the_rest():
    assert quote_in_passage("Artificial intelligence must be safe and secure", US.text)
    assert quote_in_passage("artificial intelligence must be safe and secure", US.text)
    assert not quote_in_passage("artificial Intelligence must be safe and secure", US.text)


def test_ellipsis_matches_pieces_in_order():
    good = 'It calls for "robust, reliable ... and standardized evaluations of AI systems" [2].'
    _, _, v = verify_answer(good, PASSAGES)
    assert v.quotes_verified == 1
    unicode_ellipsis = "It calls for “Artificial intelligence must be safe…standardized evaluations” [2]."
    assert verify_answer(unicode_ellipsis, PASSAGES)[2].quotes_verified == 1
    wrong_order = 'It calls for "standardized evaluations of AI systems ... Artificial intelligence must be safe" [2].'
    assert verify_answer(wrong_order, PASSAGES)[2].quotes_verified == 0


def test_chinese_quote_in_corner_brackets():
    text = "中国主张「以增进人类共同福祉为目标，以保障社会安全」[3]。"
    out, sources, v = verify_answer(text, PASSAGES)
    assert v.quotes_verified == 1 and v.quotes_total == 1
    assert sources[0].n == 3 and sources[0].quotes[0].text == "以增进人类共同福祉为目标，以保障社会安全"


def test_chinese_quote_altered_is_flagged():
    text = "中国主张“以增进全人类共同福祉为唯一目标”[3]。"
    out, _, v = verify_answer(text, PASSAGES)
    assert v.unverified_quotes == ["以增进全人类共同福祉为唯一目标"]
    assert UNVERIFIED_LABEL in out and "“以增进" not in out


def test_short_scare_quotes_are_not_claims():
    assert not is_claimed_quote("human-centric")
    assert not is_claimed_quote("以人为本")
    text = 'China\'s "people-centred" approach [3].'
    out, _, v = verify_answer(text, PASSAGES)
    assert out == text and v.quotes_total == 0


def test_quote_without_marker_is_checked_against_all_and_gets_its_source():
    text = 'One statement says "Artificial intelligence must be safe and secure".'
    out, sources, v = verify_answer(text, PASSAGES)
    assert v.quotes_verified == 1
    assert out == 'One statement says "Artificial intelligence must be safe and secure" [2].'
    assert [s.n for s in sources] == [2]
    assert v.citations_given == 0  # counts what the model wrote


def test_marker_in_the_next_sentence_does_not_cover_a_quote():
    text = 'Someone said "this text appears in no passage at all". The US wants safety [2].'
    _, _, v = verify_answer(text, PASSAGES)
    assert v.quotes_verified == 0


def test_quote_with_adjacent_markers_may_come_from_either():
    text = 'Both stress "effectively overseen by natural persons" [2][1].'
    _, sources, v = verify_answer(text, PASSAGES)
    assert v.quotes_verified == 1
    assert [len(s.quotes) for s in sources] == [1, 0]  # attached to [1], where it was found


def test_markdown_table_cells_are_checked_cell_by_cell():
    text = (
        "| Point | EU | US |\n|---|---|---|\n"
        '| Oversight | "effectively overseen by natural persons" [1] '
        '| "robust, reliable, repeatable, and standardized" [2] |\n'
        '| Safety | Not covered in the sources | "AI must be safe and secure at all costs" [2] |\n'
    )
    out, sources, v = verify_answer(text, PASSAGES)
    assert (v.quotes_total, v.quotes_verified) == (3, 2)
    assert v.unverified_quotes == ["AI must be safe and secure at all costs"]
    assert out.count("\n") == text.count("\n")


def test_angle_brackets_neutralised_in_the_prompt_still_verify():
    p = Passage(id="x:0", statement_id="x",
                text="Models trained with more than 10^25 FLOPs <systemic risk> are covered by the rules.")
    text = "It says “Models trained with more than 10^25 FLOPs ‹systemic risk› are covered” [1]."
    assert verify_answer(text, [p])[2].quotes_verified == 1


def test_open_quote_is_held_back_while_streaming():
    assert hold_open_quote('Done "a quote" [1]. Next “half a quo') == 'Done "a quote" [1]. Next'
    assert hold_open_quote("中国主张「以增进人类") == "中国主张"
    assert hold_open_quote('All closed "yes" here.') == 'All closed "yes" here.'


@pytest.mark.parametrize("text", ["", "No citations, no quotes.", "Unclosed “quote that goes on and on"])
def test_degenerate_inputs(text):
    out, sources, v = verify_answer(text, PASSAGES)
    assert out == text and sources == [] and v.citations_given == 0 and v.quotes_total == 0


def test_abbreviations_do_not_end_the_sentence_but_capitals_do():
    text = 'It says "effectively overseen by natural persons" (AI Act, Art. 14) [1].'
    out, _, v = verify_answer(text, PASSAGES)
    assert out == text and v.quotes_verified == 1
    other = 'It says "effectively overseen by natural persons during the period". The US disagrees [2].'
    out, sources, v = verify_answer(other, PASSAGES)
    assert v.quotes_verified == 1 and 'period" [1]. The US' in out  # found in [1] by the any-passage rule


def test_markdown_emphasis_inside_a_quote_and_repeated_quotes():
    text = ('It says "can be **effectively overseen** by natural persons" [1] '
            'and again "can be effectively overseen by natural persons" [1].')
    _, sources, v = verify_answer(text, PASSAGES)
    assert v.quotes_verified == 2 and len(sources[0].quotes) == 2
    twice = ('A "can be effectively overseen by natural persons" [1]; '
             'B "can be effectively overseen by natural persons" [1].')
    assert len(verify_answer(twice, PASSAGES)[1][0].quotes) == 1
