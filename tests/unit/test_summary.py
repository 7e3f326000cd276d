"""Summary mode without models: a title, a metadata lead, one section per theme with the organisations that
address it and whole-sentence quotes, distinct organisations covered before a second quote from one, no
repeated, cut or non-claim quote, a closing bibliography, and the same draft on every run."""

from __future__ import annotations

import re
import zlib

import numpy as np
import pytest

from assistant.answer.quality import cut_quotes, quotations, repeated_quotes
from assistant.answer.sentences import MAX_SENTENCE_CHARS
from assistant.answer.summary import BIBLIOGRAPHY, compose_summary
from assistant.evaluate_modes import summary_figures
from core.model import Passage

TOPICS = ["privacy", "safety"]
_QUOTE = re.compile(r"^> “(.*)” — (.+) \((.+)\) \[(\d+)\]$")


def passage(pid: str, text: str, author: str, **kw) -> Passage:
    return Passage(id=f"{pid}:0", statement_id=pid, text=text, author=author, **kw)


def topic_embed(words: list[str]):
    """A stand-in embedder: one dimension per topic word, plus a little of the sentence's own (seeded by its
    text), so two sentences on one topic are close but not copies and the same sentence is the same vector."""
    def vec(text: str) -> np.ndarray:
        own = np.random.default_rng(zlib.crc32(text.encode())).normal(size=8)
        v = np.concatenate([[float(w in text.lower()) for w in words], [0.05], 0.5 * own / np.linalg.norm(own)])
        return v / np.linalg.norm(v)

    def embed(sentences: list[str]) -> tuple[np.ndarray, np.ndarray]:
        query = np.concatenate([np.ones(len(words) + 1), np.zeros(8)]) / np.sqrt(len(words) + 1)
        return query, np.stack([vec(s) for s in sentences])

    return embed


@pytest.fixture
def passages() -> list[Passage]:
    long_one = "Safety " + "and more safety " * 40 + "matters in every deployed system."
    assert len(long_one) > MAX_SENTENCE_CHARS
    return [
        passage("a", "What is privacy for? Privacy of personal data must be protected by design. "
                     "Preprint at arXiv privacy.", "Alpha Council", date="2019-05-01"),
        passage("b", "Privacy rules apply to every public agency that uses data. "
                     "Safety testing is required before any deployment.", "Beta Ministry", date="2021-02-01"),
        passage("c", "Independent safety audits should be published every year. " + long_one,
                "Gamma Institute (GI)", date="2022"),
        passage("d", "Privacy of personal data must be protected by design. "
                     "Safety of children comes first in every product.", "Alpha Council", date="2020"),
    ]


def quote_lines(text: str) -> list[re.Match[str]]:
    return [m for m in map(_QUOTE.match, text.splitlines()) if m]


def test_layout_title_lead_sections_bibliography(passages):
    answer = compose_summary("Privacy and safety?", passages, topic_embed(TOPICS))
    lines = answer.text.splitlines()
    assert lines[0] == "## Draft summary: Privacy and safety"
    assert re.match(r"\*\*From \d statements by 3 organisations, 2019–2022: ", lines[2])
    sections = [line for line in lines if line.startswith("### ")]
    assert len(sections) == 2
    for heading in sections:  # each section names the organisations that address its theme, then quotes
        after = lines[lines.index(heading) + 2]
        assert after.startswith("*Addressed by: ")
    assert BIBLIOGRAPHY in lines and lines.index(BIBLIOGRAPHY) > max(lines.index(s) for s in sections)
    bibliography = lines[lines.index(BIBLIOGRAPHY) + 2:]
    assert [line.split("]")[0] for line in bibliography] == [f"- [{s.n}" for s in answer.sources]


def test_quotes_are_whole_claims_each_once_cited_to_their_passage(passages):
    answer = compose_summary("Privacy and safety?", passages, topic_embed(TOPICS))
    quoted = quotations(answer)
    assert quoted and repeated_quotes(answer, quoted) == 0 and cut_quotes(quoted) == 0
    for m in quote_lines(answer.text):
        text, author, n = m.group(1), m.group(2), int(m.group(4))
        source = answer.sources[n - 1]
        assert text in source.passage.text and source.passage.author.startswith(author)
        assert not text.endswith("?") and "arXiv" not in text and not text.endswith("…")
    # the same sentence in two statements of one organisation is quoted once
    assert answer.text.count("Privacy of personal data must be protected by design.") == 1
    assert answer.verification.ok


def test_every_organisation_is_quoted_before_any_is_quoted_twice(passages):
    answer = compose_summary("Privacy and safety?", passages, topic_embed(TOPICS))
    authors = [m.group(2) for m in quote_lines(answer.text)]
    first_repeat = next((i for i, a in enumerate(authors) if a in authors[:i]), len(authors))
    assert set(authors[:first_repeat]) == {"Alpha Council", "Beta Ministry", "Gamma Institute"}
    figures = summary_figures(answer, {p.author for p in passages if p.author})
    assert figures == {"covered": 1.0, "repeated": 0, "cut": 0, "non_claim": 0}


def test_the_draft_is_the_same_on_every_run(passages):
    first = compose_summary("Privacy and safety?", passages, topic_embed(TOPICS)).text
    assert all(compose_summary("Privacy and safety?", passages, topic_embed(TOPICS)).text == first for _ in range(3))


def test_a_chinese_request_gets_a_chinese_frame(passages):
    answer = compose_summary("隐私和安全", passages, topic_embed(TOPICS))
    assert answer.text.startswith("## 摘要草稿：隐私和安全") or answer.text.startswith("## 摘要草稿: 隐私和安全")
    assert "涉及机构" in answer.text
