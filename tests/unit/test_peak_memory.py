"""The benchmarks' peak memory is the measured process's own (benchmarks/common.py ``peak_rss_mib``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")
def test_a_worker_reports_its_own_peak_not_its_parents():
    """On Linux ``ru_maxrss`` starts a child at its parent's peak: a worker of a parent holding 300 MiB would
    report 300 MiB.  The benchmark workers are such children."""
    held = bytearray(300 * 1024 * 1024)
    held[::4096] = b"\x01" * len(held[::4096])  # touched: resident
    code = ("import resource, sys; sys.path.insert(0, sys.argv[1]); from benchmarks.common import peak_rss_mib; "
            "print(peak_rss_mib(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    run = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True)
    own, inherited = map(float, run.stdout.split())
    assert own < 100, own
    assert inherited > 250, inherited  # what the worker reported before: the parent's peak
    del held
