"""Tell which language a statement is written in (ISO 639-1 code).

Two steps, because statistical detectors are weakest exactly where this
corpus is special:

1. *Script first.*  Han, kana and Hangul are counted directly: a text whose
   CJK part dominates is ``zh`` (``ja`` when it has kana, ``ko`` for Hangul)
   without asking a model.  A Chinese paragraph followed by its English
   translation is common in these sources; one Han character carries roughly
   as much meaning as three Latin letters, so CJK characters are weighted by
   ``CJK_WEIGHT`` when deciding which language dominates.
2. *Model for the rest.*  Other texts go to py3langid (a naive-Bayes model
   whose data ships inside the wheel: offline and deterministic), with the CJK
   characters removed so that they do not pull the guess.  Below
   ``MIN_CONFIDENCE`` (single words such as "Privacy") the answer is None:
   no language is better than a wrong one.
"""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from core.text import cjk_script_counts, without_cjk

CJK_WEIGHT = 3
MIN_CONFIDENCE = 0.3
# Below these, a text is too short to tell (callers inherit the document's language): "Privacy",
# "Home | About" or "A.I." gave "?" and "pt" in `charter stats` (issue 12).
MIN_LETTERS = 12
MIN_CJK_CHARS = 2
# Kana share of the CJK characters above which a text is Japanese (Chinese
# text never has kana; Japanese prose has far more than this).
KANA_SHARE_FOR_JA = 0.1


def detect_lang(text: str | None) -> str | None:
    """ISO 639-1 code of the dominant language of ``text``, or None if unsure."""
    if not text or not text.strip():
        return None
    counts = script_counts(text)
    cjk = counts["han"] + counts["kana"] + counts["hangul"]
    if cjk == 0 and counts["other"] == 0:
        return None
    if cjk * CJK_WEIGHT >= counts["other"]:
        return _cjk_language(counts) if cjk >= MIN_CJK_CHARS else None
    if counts["other"] < MIN_LETTERS:
        return None  # a tag or a two-word fragment: a statistical guess there is as often wrong ("pt") as not
    return _model_language(_without_cjk(text))


def script_counts(text: str) -> dict[str, int]:
    """Letters by script: han, kana, hangul, other (any other letter)."""
    counts: dict[str, int] = dict(cjk_script_counts(text).items())
    counts["other"] = sum(1 for char in without_cjk(text) if char.isalpha())
    return counts


def is_mostly_cjk(text: str) -> bool:
    """True when CJK characters dominate (same weighting as detect_lang)."""
    counts = script_counts(text)
    cjk = counts["han"] + counts["kana"] + counts["hangul"]
    return cjk > 0 and cjk * CJK_WEIGHT >= counts["other"]


def _cjk_language(counts: dict[str, int]) -> str:
    """zh, ja or ko from the CJK character counts."""
    if counts["hangul"] > counts["han"] + counts["kana"]:
        return "ko"
    if counts["kana"] >= KANA_SHARE_FOR_JA * (counts["han"] + counts["kana"]):
        return "ja"
    return "zh"


def _without_cjk(text: str) -> str:
    """The text with CJK characters blanked, for the statistical model."""
    return without_cjk(text, " ")


def _model_language(text: str) -> str | None:
    """py3langid's answer when confident and a two-letter code, else None."""
    lang, confidence = _identifier().classify(text)
    if confidence < MIN_CONFIDENCE or len(lang) != 2:
        return None
    return lang


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """Load the bundled model once (about a second) and reuse it."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
