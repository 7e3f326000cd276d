"""Compare mode without models: themes as rows (common ground first), targets as columns, a cell "not addressed"
when the target has no sentence close to the row's theme, targets taken from the question (English and
Chinese) before the picker, and the compare figures of ``charter eval``."""

from __future__ import annotations

import re

import numpy as np
import pytest

from assistant.answer.compare import NOT_ADDRESSED, build_table, compose_compare
from assistant.answer.quotable import is_quotable
from assistant.answer.targets import choose, from_question, top_organisations
from assistant.evaluate_modes import compare_figures, judge_rows, table_rows
from assistant.retrieval.catalog import Catalog
from core.model import Passage

TOPICS = ["privacy", "safety", "jobs"]
A_TEXT = ("Personal privacy must be protected in every system we build. "
          "Safety testing comes before any system is deployed to the public. "
          "Independent safety audits are required for high-risk systems.")
B_TEXT = ("Users keep control of their privacy and of the data they share. "
          "Workers whose jobs change must be offered training and new jobs. "
          "Governments should fund programmes for jobs lost to automation.")


def passage(pid: str, text: str, author: str, **kw) -> Passage:
    return Passage(id=f"{pid}:0", statement_id=pid, text=text, author=author, **kw)


def topic_embed(words: list[str]):
    """A stand-in embedder: one dimension per topic word; the query leans on every topic."""
    def vec(text: str) -> np.ndarray:
        v = np.array([float(w in text.lower()) for w in words] + [0.05])
        return v / np.linalg.norm(v)

    def embed(sentences: list[str]) -> tuple[np.ndarray, np.ndarray]:
        query = np.array([1.0] * len(words) + [0.0]) / np.sqrt(len(words))
        return query, np.stack([vec(s) for s in sentences])

    return embed


def cells_of(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


@pytest.fixture
def by_target() -> dict[str, list[Passage]]:
    return {"Org A": [passage("a", A_TEXT, "Org A", date="2020")],
            "Org B": [passage("b", B_TEXT, "Org B", date="2021")]}


def test_rows_are_themes_with_common_ground_first(by_target):
    answer = compose_compare("privacy, safety and jobs", by_target, topic_embed(TOPICS), how="Compared: A, B.")
    rows = cells_of(answer.text)
    assert rows[0] == ["Theme", "Org A", "Org B"]
    body = [r for r in rows[2:] if not r[0].startswith("**")]
    headings = [r[0] for r in rows[2:] if r[0].startswith("**")]
    assert headings == ["**Common ground**", "**Where they differ**"]
    assert len(body) == 3
    # the common row (both speak of privacy) comes first, and each of its cells is that target's privacy sentence
    first = body[0]
    assert "privacy" in first[1].lower() and "privacy" in first[2].lower()
    # the other rows: one target speaks, the other is "not addressed"
    for row in body[1:]:
        assert sum(NOT_ADDRESSED in c for c in row[1:]) == 1
    safety = next(r for r in body if "safety" in (r[1] + r[2]).lower())
    assert "Safety" in safety[1] and NOT_ADDRESSED in safety[2]
    jobs = next(r for r in body if "jobs" in (r[1] + r[2]).lower())
    assert NOT_ADDRESSED in jobs[1] and "jobs" in jobs[2]


def test_cells_are_whole_sentences_of_their_own_target_shown_once(by_target):
    answer = compose_compare("privacy, safety and jobs", by_target, topic_embed(TOPICS))
    seen: list[str] = []
    for row in cells_of(answer.text)[2:]:
        for column, cell in zip(["Org A", "Org B"], row[1:]):
            m = re.fullmatch(r"“(.*)” \[(\d+)\]", cell)
            if not m:
                continue
            source = answer.sources[int(m.group(2)) - 1]
            assert source.passage.author == column
            assert m.group(1) in re.split(r"(?<=\.) ", source.passage.text)  # one whole sentence
            seen.append(m.group(1))
    assert len(seen) == len(set(seen)) >= 4
    assert answer.verification.ok and answer.verification.quotes_total == len(seen)


def test_a_target_with_nothing_close_gets_not_addressed_in_every_row(by_target):
    by_target["Org C"] = [passage("c", "Bananas are yellow and grow in warm places near the sea.", "Org C")]
    table = build_table("q", [p for ps in by_target.values() for p in ps], [0, 1, 2], list(by_target),
                        topic_embed(TOPICS))
    assert table.rows and all(row.cells[2] is None for row in table.rows)
    assert not any(row.common for row in table.rows)


def test_the_table_is_the_same_on_every_run(by_target):
    first = compose_compare("privacy, safety and jobs", by_target, topic_embed(TOPICS)).text
    assert all(compose_compare("privacy, safety and jobs", by_target, topic_embed(TOPICS)).text == first
               for _ in range(3))


def test_non_claims_never_fill_a_cell():
    text = ("What should be done about privacy? Preprint at arXiv privacy. "
            "Privacy is a right that every system must respect.")
    by = {"A": [passage("a", text, "A")], "B": [passage("b", B_TEXT, "B")]}
    answer = compose_compare("privacy", by, topic_embed(TOPICS))
    assert "What should" not in answer.text and "Preprint" not in answer.text


@pytest.mark.parametrize("sentence, ok", [
    ("Preprint at arXiv.", False),
    ("What should governments do about AI safety?", False),
    ("6%) being sixth in the ranking of all principles.", False),
    ("doi:10.1016/j.patter.2023.100857", False),
    ("Governments should require independent audits of high-risk AI systems.", True),
    ("人工智能系统应当确保安全、可靠、可控，并在全生命周期内接受监督。", True),
])
def test_quotable_sentences(sentence, ok):
    assert is_quotable(sentence) is ok


# ---------------------------------------------------------------------------- targets


@pytest.fixture
def catalog() -> Catalog:
    orgs = [("Cabinet Office, Government of Japan", "Social Principles"),
            ("Japanese Society for Artificial Intelligence (JSAI)", "JSAI Ethical Guidelines"),
            ("Cyberspace Administration of China", "全球人工智能治理倡议"),
            ("IDAIS (International Dialogues on AI Safety)", "IDAIS 北京"),
            ("Organisation for Economic Co-operation and Development (OECD)", "OECD Recommendation"),
            ("United Nations Educational, Scientific and Cultural Organization (UNESCO)", "UNESCO Recommendation")]
    return Catalog.from_passages([passage(str(i), "text", a, document=d) for i, (a, d) in enumerate(orgs)])


@pytest.mark.parametrize("question", ["Compare Japan and China on security", "比较日本和中国在安全方面的立场"])
def test_targets_named_in_the_question_win_over_the_picker(catalog, question):
    chosen = choose(question, ["IDAIS (International Dialogues on AI Safety)", "OECD"], catalog)
    assert chosen.how == "question"
    assert [t.label for t in chosen.targets] == ["Japan", "China"]
    japan, china = chosen.targets
    assert set(japan.authors) == {"Cabinet Office, Government of Japan",
                                  "Japanese Society for Artificial Intelligence (JSAI)"}
    assert china.authors == ("Cyberspace Administration of China",)
    assert "IDAIS" in chosen.describe() and "not used" in chosen.describe()


def test_organisations_named_outright_keep_the_question_order(catalog):
    assert [t.label for t in from_question("How do UNESCO and the OECD differ on transparency?", catalog)] == \
        ["United Nations Educational, Scientific and Cultural Organization", "Organisation for Economic "
         "Co-operation and Development"]


def test_short_forms_with_a_digit_are_names_too():
    catalog = Catalog.from_passages([passage("1", "t", "Leaders of the G7"), passage("2", "t", "Group of Twenty (G20)"),
                                     passage("3", "t", "Group of Seventy")])
    assert [t.authors for t in from_question("Compare the G7 and the G20 on cooperation", catalog)] == \
        [("Leaders of the G7",), ("Group of Twenty (G20)",)]
    assert from_question("Compare the G70 and the G2 on cooperation", catalog) == []


def test_the_picker_then_the_top_two(catalog):
    picked = choose("transparency", ["OECD", "IDAIS"], catalog)
    assert picked.how == "picker" and [t.authors[0][:4] for t in picked.targets] == ["Orga", "IDAI"]
    assert "chosen in the picker" in picked.describe()
    none = choose("transparency", [], catalog)
    assert none.how == "top" and none.targets == []
    ranked = [passage("1", "t", "Org X"), passage("2", "t", "Org X"), passage("3", "t", "Org Y (OY)"),
              passage("4", "t", "Org Z")]
    assert [t.label for t in top_organisations(ranked)] == ["Org X", "Org Y"]
    assert "two organisations most relevant" in none.describe()


# ---------------------------------------------------------------------------- charter eval's compare figures


def test_compare_figures_judge_each_cell_against_its_rows_labelled_theme(by_target):
    answer = compose_compare("privacy, safety and jobs", by_target, topic_embed(TOPICS),
                             how="Compared (named in the question): Org A, Org B.")
    themes = [{"name": "privacy", "keywords": ["privacy"]}, {"name": "safety", "keywords": ["safety", "audit"]},
              {"name": "work", "keywords": ["jobs", "workers"]}]
    figures = compare_figures(answer, {"themes": themes})
    assert figures == {"rows": 3, "cells": 6, "filled": 4, "on_theme": 4, "common_rows": 1, "targets": 2,
                       "from_question": True}
    # a row whose quotes hold no labelled keyword is off theme
    rows = table_rows("| Theme | A | B |\n|---|---|---|\n| x | “Bananas are yellow.” [1] | *not addressed* |")
    assert rows == [("x", ["Bananas are yellow.", None])]
    assert judge_rows(rows, themes) == [[False]]
