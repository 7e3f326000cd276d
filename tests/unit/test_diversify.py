"""Copies fold into one result (``diversify.collapse_copies``): word-for-word copies anywhere in the ranking,
near-identical versions among the leading ``window``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.retrieval.diversify import collapse_copies, shingles
from core.model import Passage
from core.text import fold_for_copies

BASE = ("Organisations should ensure that AI systems are transparent explainable and accountable to the people "
        "they affect and that their decisions can be contested").split()


def passage(n: int, words: list[str]) -> Passage:
    return Passage(id=f"s{n}:0", statement_id=f"s{n}", text=" ".join(words), author=f"Org {n}", document=f"Doc {n}")


def reference(ranked: list[Passage], window: int, threshold: float) -> list[tuple[str, list[tuple[str, bool]]]]:
    """The rule spelled out pair by pair: a passage folds into the first kept one with the same folded text,
    or, within the window, the first kept one whose word pairs' Dice coefficient reaches the threshold."""
    kept: list[tuple[Passage, str, frozenset, list[tuple[str, bool]]]] = []
    for rank, p in enumerate(ranked):
        text = fold_for_copies(p.text)
        own = shingles(text) if rank < window else frozenset()
        home = next((k for k in kept if k[1] == text), None)
        near = False
        if home is None and rank < window:
            for k in kept:
                if own and k[2] and 2 * len(own & k[2]) >= threshold * (len(own) + len(k[2])):
                    home, near = k, True
                    break
        if home is not None:
            home[3].append((p.id, not near))
        else:
            kept.append((p, text, own, []))
    return [(k[0].id, k[3]) for k in kept]


def variant(keep: int, edits: list[tuple[int, int]]) -> list[str]:
    """The first ``keep`` words of BASE with some replaced (position, replacement index) or dropped (replacement
    index 0): texts of many lengths, so pairs near the size bound occur."""
    words = list(BASE[:keep])
    for at, new in edits:
        at %= len(words)
        if new == 0 and len(words) > 3:
            del words[at]
        else:
            words[at] = f"word{new}"
    return words


texts = st.builds(variant, st.integers(1, len(BASE)), st.lists(st.tuples(st.integers(0, 40), st.integers(0, 6)),
                                                               max_size=6))


@settings(max_examples=300, deadline=None)
@given(many=st.lists(texts, min_size=1, max_size=14), window=st.integers(1, 14),
       threshold=st.sampled_from([0.5, 0.8, 0.9, 1.0]))
def test_the_fold_is_the_pairwise_rule(many, window, threshold):
    """The size bound checked before each comparison changes no outcome: the same kept passages, with the same
    copies listed in the same order, as comparing every pair."""
    ranked = [passage(n, words) for n, words in enumerate(many)]
    got = collapse_copies(ranked, window, threshold)
    want = reference([passage(n, words) for n, words in enumerate(many)], window, threshold)
    assert [(p.id, [(o.id, o.same_text) for o in p.also_in]) for p in got] == want


def test_versions_fold_and_other_texts_stay():
    """One word changed in a long text is a version of it; half of it recombined with another text, or that
    text, are not; a copy that differs only in case and spacing is the same text even beyond the window."""
    final = passage(1, BASE)
    interim = passage(2, [*BASE[:5], "must", *BASE[6:]])
    other = passage(4, "Member states shall set up national supervisory authorities".split())
    recombined = passage(3, BASE[:12] + other.text.split())
    spaced = passage(5, [w.upper() for w in BASE])
    spaced.text = spaced.text.replace(" ", "  ")
    got = collapse_copies([final, interim, recombined, other, spaced], window=3, threshold=0.9)
    assert [p.id for p in got] == ["s1:0", "s3:0", "s4:0"]
    assert [(o.id, o.same_text) for o in got[0].also_in] == [("s2:0", False), ("s5:0", True)]
