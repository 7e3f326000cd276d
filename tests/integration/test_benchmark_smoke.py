"""The benchmark suite runs end to end at a tiny size, so it cannot rot.

``python -m benchmarks --smoke`` builds both sides (Charter and plain
langchain-chroma, the real e5 model, real embedded Chroma and a real local
``chroma run`` server, ``charter serve`` started for real, the LLM path over
real HTTP to tests/openai_stub.py, a local OpenAI-compatible test server) on
~200 passages, and must write every figure of the full run.  Only presence and
sanity are checked: timings are the benchmark's business, not a test's.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_report import SIZE_FIGURES, dig  # noqa: E402
from benchmarks.common import DEV  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not DEV.exists(), reason="needs ../shared/eval/dev_questions.jsonl")
def test_smoke_run_writes_every_figure(tmp_path):
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["cores"] and results["command"].endswith("--smoke")
    [size] = results["sizes"]
    assert size["passages"] > 100
    for path in SIZE_FIGURES:
        value = dig(size, path)
        assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0, (path, value)
    for side in ("peer", "charter"):
        assert results["ingest_with_model"][side]["passages_per_s"] > 0
    assert {"jsonl", "txt (linking export)"} <= set(results["ingest_by_type"])
    assert all(t["passages"] > 0 for t in results["ingest_by_type"].values())
    for key in ("first_token", "search", "overhead"):
        assert math.isfinite(results["llm"][key]["p50_ms"])
    assert 0 <= results["eval"]["recall@5"] <= 1
    report = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## Targets" in report and f"{results['cores']} cores" in report
    for plot in ("latency.png", "memory.png", "ingest_by_type.png"):
        assert (tmp_path / "plots" / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
