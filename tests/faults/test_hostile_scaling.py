"""Hostile input at scale, short form: no parser may grow super-linearly or crash on pathological text.

Runs benchmarks/hostile_input.py (every format: long lines, deep HTML nesting, blank-line floods, unclosed
quotes, one huge paragraph, repeated attribution lines, tiny cells) at 0.02 MB and 0.2 MB in one child
process.  The bound: a time ratio over 3x the size ratio (30x for 10x the bytes).  Linear parsers measure
about 4-15x here; a quadratic one would measure ~100x, so 3x still catches it while leaving room for a loaded
2-core CI machine, where one pause can double a single timing (parses under 20 ms count as 20 ms, the smaller
size takes the faster of two runs).  The 10 MB figures come from running the benchmark itself.
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO, clean_env


def test_no_parser_grows_super_linearly_or_crashes():
    run = subprocess.run([sys.executable, "-m", "benchmarks.hostile_input", "--mb", "0.2", "--factor", "3",
                          "--in-process", "--json"], cwd=REPO, env=clean_env(), capture_output=True, text=True,
                         timeout=300)
    assert run.stdout.strip(), run.stderr[-3000:]
    report = json.loads(run.stdout)
    from benchmarks.hostile_input import CASES

    assert sorted(r["case"] for r in report["results"]) == sorted(CASES), "every case ran"
    flagged = {r["case"]: r["flagged"] for r in report["results"] if r["flagged"]}
    assert not flagged, flagged
    assert run.returncode == 0, run.stderr[-2000:]
