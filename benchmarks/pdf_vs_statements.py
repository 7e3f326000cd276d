"""PDF ingest against statement ingest, in passages per second, on this machine.

    python benchmarks/pdf_vs_statements.py [--statements 300]

Ingests ../shared/docs/pasa.pdf into a fresh store, then the first N WAIE statements (JSON Lines) into
another, both with the default embedders and no embedding cache, and prints passages/s of each and
their ratio (issue 12: the PDF must be within 20% of statements).  Parsing is timed on its own too:
embedding dominates, so the PDF keeps up by giving passages of a normal size (no tiny figure labels,
no page-sized blobs) and by parsing once.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from common import SHARED, WAIE, need_shared


def ingest_rate(paths: list[Path], store: Path) -> tuple[int, float]:
    from assistant.service import Charter
    from assistant.settings import Settings

    charter = Charter(Settings(store=store, llm_backend="none", embedding_cache=False))
    started = time.perf_counter()
    report = charter.ingest(paths, progress=False)
    return report.passages_embedded, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=300)
    args = parser.parse_args()
    need_shared()
    pdf = SHARED / "docs" / "pasa.pdf"
    from ingest.pdf import load_pdf

    started = time.perf_counter()
    parsed = load_pdf(pdf)
    parse_s = time.perf_counter() - started
    sizes = [len(s.text) for s in parsed.statements]
    print(f"parse {pdf.name}: {len(parsed.statements)} statements in {parse_s:.2f} s; "
          f"characters per statement median {statistics.median(sizes):.0f}, max {max(sizes)}")
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "statements.jsonl"
        jsonl.write_text("\n".join(WAIE.read_text(encoding="utf-8").splitlines()[:args.statements]) + "\n",
                         encoding="utf-8")
        ingest_rate([jsonl], Path(tmp) / "warm")  # load the models outside the timings
        n_pdf, s_pdf = ingest_rate([pdf], Path(tmp) / "pdf")
        n_st, s_st = ingest_rate([jsonl], Path(tmp) / "statements")
    pdf_rate, st_rate = n_pdf / s_pdf, n_st / s_st
    print(f"pdf        : {n_pdf} passages in {s_pdf:.1f} s = {pdf_rate:.1f} passages/s")
    print(f"statements : {n_st} passages in {s_st:.1f} s = {st_rate:.1f} passages/s")
    print(f"ratio pdf/statements: {pdf_rate / st_rate:.2f} (target >= 0.80)")


if __name__ == "__main__":
    main()
