"""Coverage: which named texts a question asks about that the corpus lacks.

Pure functions over a small invented corpus text; test_retrieval.py checks
over the fixture store that no stored name is ever reported as missing.
"""

from __future__ import annotations

import pytest

from assistant.retrieval.coverage import fold, missing_titles, named_codes, named_titles

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
])
def test_missing_titles(question, missing):
    assert missing_titles(question, CORPUS, NAMES) == missing

