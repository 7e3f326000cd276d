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
