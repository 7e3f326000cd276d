"""Shared set-up for the benchmarks: where ../shared is, and a store holding
the default corpus plus the Worldwide AI Ethics statements."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CHARTER_SHARED", ROOT.parent / "shared"))
WAIE = SHARED / "data" / "waie_statements.jsonl"
DEV = SHARED / "eval" / "dev_questions.jsonl"


def peak_rss_mib() -> float:
    """This process's own peak resident memory, in MiB.

    Not ``getrusage(RUSAGE_SELF).ru_maxrss``: on Linux a child process's ``ru_maxrss`` starts from its parent's peak
    at fork and survives ``exec``, so a worker started by a benchmark that holds 900 MiB reports 900 MiB however
    little it uses (measured: a child of an 800 MiB parent reported 812 MiB, its own ``VmHWM`` 11 MiB).  ``VmHWM``
    belongs to this process image; ``ru_maxrss`` only where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def need_shared() -> None:
    if not WAIE.exists():
        sys.exit(f"benchmark needs {WAIE} (the shared data folder); not found")


def charter_with_corpus(store: Path):
    """A Charter whose store holds corpus/, which ships the WAIE statements (ingested if missing)."""
    from assistant.service import Charter
    from assistant.settings import Settings

    charter = Charter(Settings(store=store, llm_backend="none"))
    if charter.store.count() < 1400:
        started = time.perf_counter()
        report = charter.ingest([ROOT / "corpus"], progress=False)
        print(f"(ingested {report.statements} statements in {time.perf_counter() - started:.1f} s)")
    return charter


def store_arguments(doc: str) -> argparse.ArgumentParser:
    """The parser every store-based benchmark starts from: ``--store DIR``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path.home() / ".cache" / "charter-bench-store")
    return parser


def bench_charter(args: argparse.Namespace):
    """Check ../shared is there, then open (and fill if needed) the benchmark store."""
    need_shared()
    return charter_with_corpus(args.store)
