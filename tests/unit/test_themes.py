"""The theme builder on texts whose groups are known: synthetic vectors, real scikit-learn, YAKE and jieba."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.themes import Theme, assign, discover_themes, keyphrases
from assistant.themes.fit import joined, name_mentions, refine

GROUPS = {
    "privacy": [
        "Personal data must be protected and privacy respected by every AI system.",
        "Consent is required before personal data is collected for training.",
        "Data protection law applies to the personal data an AI system processes.",
        "Privacy by design keeps personal data safe from misuse.",
        "People keep control of their personal data and may ask for its deletion.",
    ],
    "safety": [
        "Frontier models need red teaming before deployment to find dangerous capabilities.",
        "Developers test dangerous capabilities such as cyber offence before release.",
        "Red teaming and evaluations of dangerous capabilities come first.",
        "A model with dangerous capabilities is not deployed until red teaming shows it safe.",
    ],
    "labour": [
        "Workers displaced by automation deserve retraining and social protection.",
        "Automation changes jobs, so workers need new skills and retraining.",
        "Retraining programmes help workers whose jobs automation replaces.",
    ],
}


def _corpus(seed: int = 0) -> tuple[list[str], np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    texts, vectors, truth = [], [], []
    for g, (name, items) in enumerate(GROUPS.items()):
        base = np.zeros(16)
        base[g] = 1.0
        for text in items:
            texts.append(text)
            vectors.append(base + rng.normal(0, 0.15, 16))
            truth.append(name)
    # interleave so no group is contiguous
    order = [0, 5, 9, 1, 6, 10, 2, 7, 11, 3, 8, 4]
    v = np.array(vectors)[order]
    return [texts[i] for i in order], v / np.linalg.norm(v, axis=1, keepdims=True), [truth[i] for i in order]


def test_discovers_the_planted_groups_largest_first():
    texts, vectors, truth = _corpus()
    themes = discover_themes(texts, vectors, max_themes=5)
    assert [len(t.members) for t in themes] == [5, 4, 3]
    for theme in themes:
        assert isinstance(theme, Theme)
        assert len({truth[i] for i in theme.members}) == 1  # each theme is one planted group
        assert theme.central == theme.members[0]
        assert abs(float(np.linalg.norm(theme.centroid)) - 1.0) < 1e-5
        sims = vectors[list(theme.members)] @ theme.centroid
        assert list(sims) == sorted(sims, reverse=True)  # most central first
    assert sorted(i for t in themes for i in t.members) == list(range(len(texts)))


def test_labels_are_extracted_words_of_their_own_group():
    texts, vectors, truth = _corpus()
    themes = discover_themes(texts, vectors, max_themes=5)
    for theme in themes:
        group = " ".join(texts[i] for i in theme.members).lower()
        assert theme.keyphrases, theme
        for phrase in theme.keyphrases:
            assert phrase.lower() in group  # extracted, never written
        assert theme.label == " · ".join(theme.keyphrases)
    labels = {truth[t.central]: t.label.lower() for t in themes}
    assert "personal data" in labels["privacy"] or "privacy" in labels["privacy"]
    assert "automation" not in labels["privacy"]


def test_deterministic_and_seeded():
    texts, vectors, _ = _corpus()
    a = discover_themes(texts, vectors, max_themes=5, seed=3)
    b = discover_themes(list(texts), vectors.copy(), max_themes=5, seed=3)
    assert a == b
    assert all(np.array_equal(x.centroid, y.centroid) for x, y in zip(a, b))


def test_small_clusters_are_not_themes_and_tiny_inputs_give_none():
    texts, vectors, _ = _corpus()
    themes = discover_themes(texts, vectors, k=3, min_size=4)
    assert [len(t.members) for t in themes] == [5, 4]  # the 3-text group is too small
    assert discover_themes(texts[:1], vectors[:1]) == []
    with pytest.raises(ValueError):
        discover_themes(texts, vectors[:3])


def test_assign_many_one_or_none():
    themes = np.eye(3, 4)
    vectors = np.array([[1, 0, 0, 0], [0.7, 0.7, 0, 0], [0, 0, 0, 1.0], [0.1, 0.2, 0.97, 0]])
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert assign(vectors, themes, 0.5) == [[0], [0, 1], [], [2]]
    assert assign(vectors, themes, 0.05, margin=0.1) == [[0], [0, 1], [], [2]]
    assert assign(vectors, themes, 0.05) == [[0], [0, 1], [], [2, 1, 0]]


def test_keyphrases_english_chinese_and_distinctive():
    english = GROUPS["safety"]
    found = keyphrases(english, 3)
    assert any("dangerous capabilities" in p or "red teaming" in p for p in found)
    everything = [t for items in GROUPS.values() for t in items]
    assert all("personal" not in p for p in keyphrases(english, 3, background=everything))
    chinese = ["人工智能系统应当保护个人隐私。", "个人隐私和个人信息必须得到保护。", "收集个人信息需要取得同意。"]
    zh = keyphrases(chinese, 2)
    assert zh and all(any("\u4e00" <= ch <= "\u9fff" for ch in p) for p in zh)
    assert "个人隐私" in zh or "个人信息" in zh
    assert keyphrases([], 3) == ()


def test_a_name_is_found_at_the_start_of_words_only():
    names = ["Transparency", "Human Formation", "Intellectual Property"]
    found = name_mentions(["Decisions must be transparent.", "Humans need information and education.",
                           "Skills formation matters.", "Protect intellectual property."], names)
    assert found.tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 1]]


def test_refinement_learns_from_the_confident_half():
    """Theme 0's statements share a direction (axis 2) its name lacks; statements half-way between the two
    names pull it towards theme 1 unless only the confident half is averaged."""
    names = np.eye(2, 4)
    own = [[1.0, 0.0, 0.8, 0.0]] * 4
    between = [[1.0, 0.9, 0.0, 0.0]] * 4
    theirs = [[0.0, 1.0, 0.0, 0.3]] * 4
    vectors = np.array(own + between + theirs)
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    confident = refine(vectors, names, rounds=1, name_weight=0.3, confident=0.5)
    everything = refine(vectors, names, rounds=1, name_weight=0.3, confident=1.0)
    assert confident[0, 2] > everything[0, 2] > 0  # learnt the corpus's own word for theme 0
    assert confident[0, 1] < everything[0, 1]  # and was not pulled towards theme 1
    assert np.allclose(np.linalg.norm(confident, axis=1), 1.0, atol=1e-5)
    bonus = np.zeros((len(vectors), 2))
    bonus[4:8, 1] = 1.0  # the in-between statements name theme 1: they go there, theme 0 keeps its own
    named = refine(vectors, names, rounds=1, name_weight=0.3, confident=1.0, bonus=bonus)
    assert named[0, 1] < everything[0, 1]


def test_joined_views_average_the_cosines():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 5)), rng.normal(size=(3, 7))
    a, b = a / np.linalg.norm(a, axis=1, keepdims=True), b / np.linalg.norm(b, axis=1, keepdims=True)
    both = joined(a, b)
    assert np.allclose(both @ both.T, (a @ a.T + b @ b.T) / 2, atol=1e-6)
    assert joined(a) is not None and np.array_equal(joined(a), a.astype(np.float32))
