"""Secrets and access: the API key never shows in any output of a full run; with CHARTER_AUTH every route
refuses an unauthenticated request; serving beyond loopback without a login prints a warning.

One real `charter serve` (loopback, CHARTER_AUTH set) over a store of the seed statements, answering with
the real openai client over real HTTP to tests/openai_stub.py (a local OpenAI-compatible test server)
that first fails with a 401 whose body echoes the key, as a careless server would, then answers.
Everything the run writes is collected (server log, `charter config`, `charter ask` output, /ask and
/search API responses, the settings tab, the Markdown exports) and searched for the key.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from conftest import REPO, SEED_NAME, clean_env
from faults_common import free_port

from ui.auth import exposure_warning, is_loopback

try:
    from openai_stub import Error, OpenAIStub, Reply
except ImportError:  # tests/ imported as a package
    from tests.openai_stub import Error, OpenAIStub, Reply

KEY = "sk-fault-suite-SECRET-9f8e7d6c5b4a"
USER, PASSWORD = "alice", "correct-horse-battery"
QUESTION = "What did Japan's Cabinet Office say about security risks of AI?"


def status(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return 0  # not listening yet


def test_loopback_and_the_warning_rule():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")
    assert exposure_warning("127.0.0.1", False) is None and exposure_warning("0.0.0.0", True) is None
    assert "without a login" in (exposure_warning("0.0.0.0", False) or "")
    assert "share link" in (exposure_warning("127.0.0.1", False, share=True) or "")


@pytest.mark.slow
def test_a_full_run_never_shows_the_key_and_every_route_needs_the_login(tmp_path):
    stub = OpenAIStub(api_key=KEY).start()
    stub.reply(Error(401, echo_key=True))

    def quote(request) -> Reply:
        return Reply("The Cabinet Office names security as a principle [1].")

    stub.responder = quote
    env = clean_env(CHARTER_STORE=str(tmp_path / "store"), OPENAI_API_KEY=KEY, OPENAI_BASE_URL=stub.base_url,
                    CHARTER_LLM_TIMEOUT="10", CHARTER_AUTH=f"{USER}:{PASSWORD}", CHARTER_CONFIG=str(tmp_path / "x"))
    charter = [sys.executable, "-m", "ui.cli"]
    outputs: dict[str, str] = {}
    done = subprocess.run([*charter, "ingest", "-q", str(REPO / "corpus" / SEED_NAME)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for name, args in {"config": ["config"], "ask": ["ask", QUESTION], "ask-json": ["ask", "--json", QUESTION]}.items():
        run = subprocess.run([*charter, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
        outputs[name] = run.stdout + run.stderr
    assert "could not answer" in outputs["ask"] and "(401)" in outputs["ask"], "the 401 echoing the key was met"
    assert "openai_api_key = \"****\"" in outputs["config"] and "auth = \"****\"" in outputs["config"]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    server = subprocess.Popen([*charter, "serve", "--no-ingest", "--port", str(port)], env=env, cwd=REPO,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while status(f"{base}/") not in (200, 401):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        # every route, without logging in
        refused = {
            "config": status(f"{base}/config"),
            "api info": status(f"{base}/gradio_api/info"),
            "api call": status(f"{base}/gradio_api/call/ask", "POST", json.dumps({"data": [QUESTION]}).encode(),
                               {"Content-Type": "application/json"}),
            "queue": status(f"{base}/gradio_api/queue/join", "POST", b"{}", {"Content-Type": "application/json"}),
            "upload": status(f"{base}/gradio_api/upload", "POST", b"--x--\r\n", {"Content-Type":
                                                                                  "multipart/form-data; boundary=x"}),
            "file download": status(f"{base}/gradio_api/file={REPO / 'corpus' / SEED_NAME}"),
        }
        assert all(code in (401, 403) for code in refused.values()), refused
        page = urllib.request.urlopen(f"{base}/", timeout=30).read().decode()
        assert "charter-chat" not in page and "Security" not in page, "the page shows only the login"

        from gradio_client import Client

        with pytest.raises(Exception):  # noqa: B017 - whatever gradio_client raises, it must not connect
            Client(base, auth=(USER, "wrong-password"), verbose=False)
        client = Client(base, auth=(USER, PASSWORD), verbose=False)
        outputs["api-ask"] = json.dumps(client.predict(QUESTION, api_name="/ask"))
        outputs["api-search"] = json.dumps(client.predict(QUESTION, api_name="/search"))
        assert "Cabinet Office" in outputs["api-search"], "logged in, the API answers"
    finally:
        server.terminate()
        server.wait(timeout=30)
        stub.stop()
    outputs["serve-log"] = log.read_text()

    from assistant.settings import Settings
    from ui.settings_view import settings_html

    outputs["settings-tab"] = settings_html(Settings(openai_api_key=KEY, auth=f"{USER}:{PASSWORD}"), "LLM")
    assert '"markdown"' in outputs["api-ask"], "the exported Markdown (answer_markdown) came with the answer"
    leaks = {name: text.count(KEY) for name, text in outputs.items() if KEY in text or PASSWORD in text}
    assert not leaks, f"the key or the password appears in: {leaks}"
    assert len(outputs) == 7, sorted(outputs)


def test_serving_beyond_loopback_without_auth_prints_the_warning(tmp_path):
    env = clean_env(CHARTER_STORE=str(tmp_path / "store"), CHARTER_LLM_BACKEND="none")
    server = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--no-ingest", "--host", "0.0.0.0",
                               "--port", str(free_port())], env=env, cwd=REPO, stderr=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, text=True)
    try:
        first = server.stderr.readline() if server.stderr else ""
    finally:
        server.kill()
        server.wait(timeout=30)
    assert first.startswith("charter: warning: serving on 0.0.0.0") and "CHARTER_AUTH" in first, first
