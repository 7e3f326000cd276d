"""The app's first start on an empty store: the corpus folder's small files go in
first and the page becomes usable on them, then the whole folder follows while
the status line shows its progress.  Real Chroma, real models (the passages
come from the cache shipped with corpus/, so nothing is embedded)."""

from __future__ import annotations

import shutil

import pytest
from conftest import SEED_NAME, SEEDS, WAIE_NAME, charter_with_store

from ui import runtime as runtime_module
from ui.runtime import Runtime, first_files

pytestmark = pytest.mark.slow


@pytest.fixture
def small_corpus(tmp_path, default_corpus):
    """The seed file, the first 40 WAIE statements, a README and a hidden folder."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy2(default_corpus / SEED_NAME, folder / SEED_NAME)
    lines = (default_corpus / WAIE_NAME).read_text(encoding="utf-8").splitlines(keepends=True)[:40]
    (folder / WAIE_NAME).write_text("".join(lines), encoding="utf-8")
    (folder / "README.md").write_text("# About\n\nNot a statement: describes the folder.\n", encoding="utf-8")
    (folder / ".embeddings").mkdir()
    (folder / ".embeddings" / "notes.txt").write_text("Published by X in Y, 2020\n", encoding="utf-8")
    return folder


def test_first_files_are_the_smallest_statement_files_within_the_budget(small_corpus):
    seed, waie = small_corpus / SEED_NAME, small_corpus / WAIE_NAME
    assert seed.stat().st_size < waie.stat().st_size
    assert first_files(small_corpus, budget=seed.stat().st_size) == [seed]
    assert first_files(small_corpus, budget=1) == [seed]  # at least one file
    assert first_files(small_corpus, budget=10**9) == []  # all of it fits: one step
    assert first_files(small_corpus / SEED_NAME) == []  # a file, not a folder


def test_first_start_serves_the_seed_statements_first_then_the_whole_corpus(
        small_corpus, store_factory, settings_factory, monkeypatch):
    monkeypatch.setattr(runtime_module, "FIRST_BYTES", (small_corpus / SEED_NAME).stat().st_size)
    charter = charter_with_store(store_factory(settings_factory(corpus=small_corpus)))
    runtime = Runtime(charter)
    seen: list[tuple[str, str, bool, bool, int]] = []
    original = runtime._set

    def record(phase: str, message: str) -> None:
        original(phase, message)
        seen.append((phase, message, runtime.ready.is_set(), runtime.filling, charter.passage_count()))

    monkeypatch.setattr(runtime, "_set", record)
    progress: list[tuple[int, int, bool]] = []
    on_progress = runtime._progress
    monkeypatch.setattr(runtime, "_progress",
                        lambda done, total: (progress.append((done, total, runtime.ready.is_set())),
                                             on_progress(done, total)))
    runtime.start(background=False)

    assert runtime.status.phase == "ready" and not runtime.filling, runtime.status.message
    assert charter.catalog().statements == len(SEEDS) + 40  # the README and the hidden folder are not read
    phases = [(phase, ready, filling) for phase, _, ready, filling, _ in seen]
    # first step: not yet ready; then ready on the seeds while the rest goes in; then ready on everything
    first_ready = phases.index(("ready", False, False))
    assert ("ingesting", False, False) in phases[:first_ready]
    filling = [s for s in seen if s[3]]
    assert filling and filling[0][2], "the rest is ingested after the page became usable"
    assert filling[0][1].startswith(f"Ready on the first {len(SEEDS)} statements")
    assert seen[-1][0] == "ready" and seen[-1][1].startswith(f"Ready: {len(SEEDS) + 40} statements")
    # the progress shown while filling counts up to every passage of the second step
    late = [(done, total) for done, total, ready in progress if ready]
    assert late and late[-1][0] == late[-1][1] and [d for d, _ in late] == sorted(d for d, _ in late)
    assert runtime.status.ready_after is not None and runtime.status.filled_after is not None
    assert runtime.status.ready_after <= runtime.status.filled_after
