"""Load, the short form CI runs: benchmarks/load.py with 4 gradio_client sessions x 2 questions against a
real `charter serve` on loopback, offline and then answering through tests/openai_stub.py (a local
OpenAI-compatible test server streaming with a delay per chunk, so the four streams overlap), on one seed
store.  The long run is the script itself (20 sessions; benchmarks/LOAD_RESULTS.md has its figures and the
queue settings they chose).  Also: the app takes those queue limits, and Gradio's upload cap, from the
settings."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO


@pytest.mark.slow
def test_four_sessions_are_all_answered_none_crossed_and_memory_does_not_grow_offline_and_with_an_llm():
    run = subprocess.run([sys.executable, "-m", "benchmarks.load", "--sessions", "4", "--questions", "2",
                          "--llm-delay", "off,0.02", "--max-seconds", "240", "--json"],
                         cwd=REPO, capture_output=True, text=True, timeout=600)
    reports = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert [r["llm_delay"] for r in reports] == [None, 0.02], run.stderr[-2000:]
    for report in reports:
        assert report["answered"] == report["asked"] == 8, report["errors"]
        assert report["crossed_count"] == 0, report["crossed"]
        assert report["rss_growth_after_first_round_mb"] <= 150, report["rss_mb"]
    assert run.returncode == 0, run.stderr[-2000:]


def test_the_answer_limit_and_the_upload_cap_come_from_the_settings(tmp_path):
    from assistant.service import Charter
    from assistant.settings import Settings
    from ui.app import build_app, launch_options

    settings = Settings(store=tmp_path / "store", llm_backend="none", ui_concurrency=3, upload_max_mb=0.5)
    demo = build_app(Charter(settings), start=False)
    answers = {fn.api_name or fn.name: fn.concurrency_limit for fn in demo.fns.values()
               if fn.concurrency_id == "answers"}
    assert {"ask", "search"} <= set(answers) and len(answers) > 2, answers  # the API and the chat's events
    assert set(answers.values()) == {3}, answers
    assert launch_options(settings)["max_file_size"] == 500_000
