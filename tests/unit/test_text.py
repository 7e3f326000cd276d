"""core.text: the one definition of each text rule (markers, CJK, folds, quote location, sentences)."""

from __future__ import annotations

import pytest

from core.text import (
    CITATION_MARKER,
    cjk_count,
    cjk_script,
    cjk_script_counts,
    cjk_share,
    fold_for_copies,
    fold_for_names,
    fold_for_quotes,
    has_cjk,
    is_cjk_char,
    is_unspaced_cjk,
    join_cjk_gaps,
    marker_items,
    quote_spans,
    sentence_spans,
    sentences,
    squash_whitespace,
    strip_markers,
    without_cjk,
)

# ---------------------------------------------------------------- markers


@pytest.mark.parametrize("marker,body", [
    ("[1]", "1"), ("[1, 2]", "1, 2"), ("[1; 3]", "1; 3"), ("[1-3]", "1-3"), ("[1–3]", "1–3"), ("[1—3]", "1—3"),
    ("[2 — 4; 7]", "2 — 4; 7"),
])
def test_every_marker_form_is_a_marker(marker, body):
    m = CITATION_MARKER.fullmatch(marker)
    assert m and m.group(1) == body


@pytest.mark.parametrize("text", ["[^1]", "[text](http://x.org)", "[a]", "[12345]", "[1,]", "[]"])
def test_other_brackets_are_not_markers(text):
    assert CITATION_MARKER.search(text) is None


def test_marker_items_split_lists_and_ranges():
    assert marker_items("1, 3-5; 7—9 ;2–2") == [[1], [3, 5], [7, 9], [2, 2]]


def test_strip_markers_removes_semicolon_and_em_dash_forms():
    # the history cleaner's old copy missed these two forms
    assert strip_markers("A [1; 2] b [3—4] c [5].") == "A  b  c ."
    assert strip_markers("keep [^1] and [x]") == "keep [^1] and [x]"


# ---------------------------------------------------------------- CJK


@pytest.mark.parametrize("char,script", [
    ("中", "han"), ("㐀", "han"), ("豈", "han"), ("𠀀", "han"), ("か", "kana"), ("カ", "kana"), ("ｶ", "kana"),
    ("한", "hangul"), ("ᄀ", "hangul"), ("a", None), ("。", None), ("1", None), ("é", None),
])
def test_cjk_script_of_a_character(char, script):
    assert cjk_script(char) == script
    assert is_cjk_char(char) is (script is not None)


def test_cjk_counts_and_share():
    text = "AI 人工智能 カナ 한국"
    assert cjk_script_counts(text) == {"han": 4, "kana": 2, "hangul": 2}
    assert cjk_count(text) == 8 and has_cjk(text) and not has_cjk("plain English, Montréal")
    assert cjk_share(text) == pytest.approx(8 / 10)
    assert cjk_share("   ") == 0.0
    assert without_cjk("AI人工智能", "_") == "AI____"


def test_cjk_gaps_go_but_korean_word_spaces_stay():
    assert join_cjk_gaps("人工 智能\n安全 。") == "人工智能安全。"
    assert join_cjk_gaps("AI 安全 and 한국 정부") == "AI 安全 and 한국 정부"
    assert is_unspaced_cjk("中") and is_unspaced_cjk("。") and not is_unspaced_cjk("한") and not is_unspaced_cjk("a")


# ---------------------------------------------------------------- folds


def test_fold_for_names_drops_accents_and_case():
    assert fold_for_names("Montréal DÉCLARATION Ñandú") == "montreal declaration nandu"


def test_fold_for_copies_squashes_spacing_and_case_only():
    assert fold_for_copies("  AI   must be\nSAFE. ") == "ai must be safe."
    assert fold_for_copies("Montréal") != fold_for_copies("Montreal")  # accents are a difference of text


def test_squash_whitespace_for_html_and_pdf_text():
    assert squash_whitespace("  A \n\t b  人工\n智能  ") == "A b 人工智能"


def test_fold_for_quotes_forgives_what_copying_changes():
    assert fold_for_quotes("“Safe”  —  secure ﬁne &lt;x&gt; ‹y› **bold** soft\u00adhyphen") == \
        '"Safe"-secure fine <x> <y> bold softhyphen'
    assert fold_for_quotes("Case Stays") == "Case Stays"


# ---------------------------------------------------------------- quote location

PASSAGE = "We call on states to act.\n\nThey  must “cooperate” on safety — and share results. Café au lait."


def spans_text(passage: str, quote: str) -> list[str]:
    return [passage[a:b] for a, b in quote_spans(passage, quote)]


def test_quote_located_across_spacing_quotes_dashes_and_ellipsis():
    assert spans_text(PASSAGE, '“they must "cooperate" on safety - and … results.”') == \
        ["They  must “cooperate” on safety — and", "results."]


def test_quote_location_is_case_sensitive_after_the_first_letter():
    assert quote_spans(PASSAGE, "they must") and not quote_spans(PASSAGE, "they Must")


def test_quote_pieces_must_come_in_order_and_all_be_present():
    assert not quote_spans(PASSAGE, "share results ... We call on states")
    assert not quote_spans(PASSAGE, "We call on states ... not in the passage")
    assert quote_spans(PASSAGE, "not there at all") == []
    assert quote_spans(PASSAGE, " ... ") == []


def test_quote_location_maps_back_through_unicode_normalisation():
    passage = "The Cafe\u0301 said “ﬁne” [1]."
    assert spans_text(passage, "Café said \"fine\"") == ["Cafe\u0301 said “ﬁne”"]


def test_chinese_quote_located_despite_line_wrap_spaces():
    passage = "发展人工智能应坚持“以人为本”理念，\n以增进人类共同福祉为目标。"
    assert spans_text(passage, "以人为本”理念，以增进人类共同福祉") == ["以人为本”理念，\n以增进人类共同福祉"]


def test_markers_inside_a_quote_are_ignored():
    assert spans_text(PASSAGE, "We call on states [1] to act") == ["We call on states to act"]


# ---------------------------------------------------------------- sentences


@pytest.mark.parametrize("text,expected", [
    ("Growth reached 4.5% in 2023. Costs fell.", ["Growth reached 4.5% in 2023.", "Costs fell."]),
    ("The score was 31.5 on average. It rose.", ["The score was 31.5 on average.", "It rose."]),
    ("Systems, i.e. high-risk ones, need oversight. Others do not.",
     ["Systems, i.e. high-risk ones, need oversight.", "Others do not."]),
    ("Use audits, e.g. red-teaming, first. Then publish.", ["Use audits, e.g. red-teaming, first.", "Then publish."]),
    ("As Bengio et al. (2024) note, risks grow. We agree.", ["As Bengio et al. (2024) note, risks grow.", "We agree."]),
    ("See No. 5 of the list. It applies.", ["See No. 5 of the list.", "It applies."]),
    ("Under Art. 14 providers must act. Deployers too.", ["Under Art. 14 providers must act.", "Deployers too."]),
    ("Details at https://example.org/ai.act/v1.2?x=1 are online. More later.",
     ["Details at https://example.org/ai.act/v1.2?x=1 are online.", "More later."]),
    ("Cite doi:10.1038/s41586-021-03819-2 or 10.1016/j.patter.2023.100857 here. Done.",
     ["Cite doi:10.1038/s41586-021-03819-2 or 10.1016/j.patter.2023.100857 here.", "Done."]),
    ("人工智能应当安全可控。各国应加强合作！这是否可能？",
     ["人工智能应当安全可控。", "各国应加强合作！", "这是否可能？"]),
    ("他说：“我们必须合作。”随后会议结束。", ["他说：“我们必须合作。”", "随后会议结束。"]),
    ("增长率为4.5%。成本下降。", ["增长率为4.5%。", "成本下降。"]),
    ("• First item. Second one here.", ["• First item.", "Second one here."]),
    ("(a) Providers shall act. They must comply.", ["(a) Providers shall act.", "They must comply."]),
    ("A heading without a stop\nThe body. More body.", ["A heading without a stop", "The body.", "More body."]),
])
def test_sentences(text, expected):
    assert sentences(text) == expected


def test_sentence_spans_are_exact_trimmed_offsets():
    text = "  First one.  Second one!\n\n  第三句。 "
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["First one.", "Second one!", "第三句。"]
    assert sentence_spans("") == [] and sentence_spans(" \n ") == []


def test_sentence_language_rules_apply_when_given():
    text = "Das gilt z. B. für KI. Und bzw. mehr."
    assert sentences(text, "de") == ["Das gilt z. B. für KI.", "Und bzw. mehr."]
