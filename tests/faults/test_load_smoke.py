"""Load, the short form CI runs: benchmarks/load.py with 4 gradio_client sessions x 2 questions against a
real `charter serve` on loopback (the long run is the script itself: 20 sessions, see its docstring)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO


@pytest.mark.slow
def test_four_sessions_are_all_answered_none_crossed_and_memory_does_not_grow():
    run = subprocess.run([sys.executable, "-m", "benchmarks.load", "--sessions", "4", "--questions", "2",
                          "--max-seconds", "240", "--json"], cwd=REPO, capture_output=True, text=True, timeout=420)
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["answered"] == report["asked"] == 8, report["errors"]
    assert report["crossed_count"] == 0, report["crossed"]
    assert report["rss_growth_after_first_round_mb"] <= 150, report["rss_mb"]
    assert run.returncode == 0, run.stderr[-2000:]
