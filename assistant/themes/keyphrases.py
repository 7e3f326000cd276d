"""Key phrases of a group of texts, extracted, never written: YAKE for English, jieba's TF-IDF for Chinese.

YAKE (Campos et al., 2020) scores a text's own n-grams by position, frequency and spread, with no model and no
download; jieba.analyse ranks Chinese words by TF-IDF against the IDF table jieba ships.  Both find what a
group talks about most, and in a corpus on AI governance that is "AI systems" for every group, so a phrase is
kept only when it is *distinctive*: the share of the group's texts holding it must exceed its share in the
``background`` texts (all the texts being grouped) by ``MIN_LIFT``.  With no background every candidate stays.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.text import cjk_share, fold_for_names

MAX_WORDS = 3  # longest English phrase
CANDIDATES = 20  # phrases each method proposes before the distinctiveness filter
MIN_LIFT = 1.6  # in-group share / background share a phrase needs (1.3 let "artificial intelligence" label themes)
MAX_TEXTS = 20  # texts read per group (the first ones: discover_themes passes the most central first)
ZH_SHARE = 0.3  # a text this much CJK is Chinese
# words YAKE's English stop list keeps that say nothing about a theme of these texts
_WEAK = frozenset("""ensure ensuring including include shall should must may also use used using well way ways
within among across order related based need needs make made take taken provide provided given""".split())


def keyphrases(texts: Sequence[str], k: int = 3, *, background: Sequence[str] = (),
               folded_background: Sequence[str] | None = None) -> tuple[str, ...]:
    """Up to ``k`` key phrases of ``texts`` (English and Chinese, the texts' majority language first),
    each distinctive against ``background`` when one is given (``folded_background``: the same texts already
    through ``fold_for_names``, when several groups share one background); deterministic for the same input."""
    texts = [t for t in texts[:MAX_TEXTS] if t and t.strip()]
    if not texts or k <= 0:
        return ()
    zh = [t for t in texts if cjk_share(t) >= ZH_SHARE]
    en = [t for t in texts if cjk_share(t) < ZH_SHARE]
    folded_bg = (list(folded_background) if folded_background is not None
                 else [fold_for_names(t) for t in background])
    folded_in = [fold_for_names(t) for t in texts]
    ranked: list[list[str]] = []
    for group, extract in ((en, _english), (zh, _chinese)):
        if group:
            found = [p for p in extract(group) if _distinctive(p, folded_in, folded_bg)]
            ranked.append(found)
    if len(zh) > len(en):
        ranked.reverse()
    return _merge(ranked, k)


def _english(texts: Sequence[str]) -> list[str]:
    import yake  # imported on use: only a map or a summary needs it

    extractor = yake.KeywordExtractor(lan="en", n=MAX_WORDS, dedup_lim=0.7, top=CANDIDATES)
    found = extractor.extract_keywords(" \n".join(texts))
    out = []
    for phrase, _score in found:
        words = phrase.split()
        if not words or words[0].lower() in _WEAK or words[-1].lower() in _WEAK:
            continue
        if len(phrase) < 3 or phrase.isdigit():
            continue
        out.append(phrase.lower() if not phrase.isupper() else phrase)
    return out


def _chinese(texts: Sequence[str]) -> list[str]:
    import jieba.analyse  # imported on use: loading jieba's dictionary takes seconds

    return [w for w in jieba.analyse.extract_tags("\n".join(texts), topK=CANDIDATES) if len(w) >= 2
            and not w.isdigit()]


def _share(phrase: str, folded: Sequence[str]) -> float:
    if not folded:
        return 0.0
    needle = fold_for_names(phrase)
    return sum(needle in t for t in folded) / len(folded)


def _distinctive(phrase: str, group: Sequence[str], background: Sequence[str]) -> bool:
    if not background:
        return True
    inside = _share(phrase, group)
    outside = _share(phrase, background)
    return inside > 0 and inside >= MIN_LIFT * outside


def _merge(ranked: Sequence[Sequence[str]], k: int) -> tuple[str, ...]:
    """Round-robin over the languages' lists, skipping a phrase inside one already taken (or holding one)."""
    out: list[str] = []
    folded: list[str] = []
    position = 0
    while len(out) < k and any(position < len(r) for r in ranked):
        for r in ranked:
            if position < len(r) and len(out) < k:
                f = fold_for_names(r[position])
                if not any(f in g or g in f for g in folded):
                    out.append(r[position])
                    folded.append(f)
        position += 1
    return tuple(out)

