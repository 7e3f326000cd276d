"""A fresh machine's first ingest and first start, with and without the shipped embedding cache.

    python -m benchmarks.first_start [--subset 120] [--skip-uncached]

1. First ingest of the default corpus into an empty store: the whole corpus with
   the cache shipped in corpus/.embeddings, and a subset (the seed file plus the
   first ``--subset`` WAIE statements, copied to a temporary folder) with and
   without it, so the uncached figure costs minutes rather than half an hour.
   Printed as passages/s.
2. The web app's start-up (``ui.runtime.Runtime``, what ``charter serve`` runs
   in the background) on an empty store: seconds until the page answers (the
   seed statements are in), until a first question is answered (asked as soon
   as the page answers: it waits for the fill, which holds the service's lock),
   and until the whole default corpus is searchable.  The web server's own start (importing
   Gradio, ~2-4 s here) comes on top; ``tests/ui`` measures it in a browser.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = "ai-safety-statements.linking-ai-principles.zh.txt"
WAIE = "waie_statements.jsonl"


def first_ingest(corpus: Path, store: Path, cache: bool) -> tuple[int, float]:
    """(passages stored, seconds) of one ingest into an empty store, in a fresh Charter."""
    from assistant.service import Charter
    from assistant.settings import Settings

    charter = Charter(Settings(store=store, llm_backend="none", embedding_cache=cache))
    started = time.perf_counter()
    report = charter.ingest([corpus], progress=False)
    seconds = time.perf_counter() - started
    if not report.ok:
        raise SystemExit("\n".join(report.errors))
    return report.passages_embedded, seconds


def subset_corpus(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True)
    shutil.copy2(CORPUS / SEED, folder / SEED)
    lines = (CORPUS / WAIE).read_text(encoding="utf-8").splitlines(keepends=True)[:n]
    (folder / WAIE).write_text("".join(lines), encoding="utf-8")
    return folder


def first_start(store: Path, question: str) -> dict[str, float]:
    from assistant.service import Charter
    from assistant.settings import Settings
    from ui.runtime import Runtime

    started = time.perf_counter()
    runtime = Runtime(Charter(Settings(store=store, llm_backend="none")))
    runtime.start(background=True)
    runtime.wait_ready()
    usable = time.perf_counter() - started
    answer = runtime.charter.answer(question)
    answered = time.perf_counter() - started
    while runtime.filling:
        time.sleep(0.1)
    filled = time.perf_counter() - started
    if runtime.status.phase != "ready":
        raise SystemExit(f"start-up failed: {runtime.status.message}")
    return {"usable_s": usable, "first_answer_s": answered, "all_searchable_s": filled,
            "sources": float(len(answer.sources)),
            "statements": float(runtime.charter.catalog().statements)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=120, help="WAIE statements in the uncached comparison")
    parser.add_argument("--skip-uncached", action="store_true")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}   load average: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        subset = subset_corpus(tmp_path / "subset", args.subset)
        n, s = first_ingest(subset, tmp_path / "sub-cached", cache=True)
        print(f"first ingest, subset ({n} passages), shipped cache : {s:6.1f} s = {n / s:7.1f} passages/s")
        if not args.skip_uncached:
            n2, s2 = first_ingest(subset, tmp_path / "sub-plain", cache=False)
            print(f"first ingest, subset ({n2} passages), no cache     : {s2:6.1f} s = {n2 / s2:7.1f} passages/s"
                  f"   (cache: {s2 / s:.0f}x faster)")
        n, s = first_ingest(CORPUS, tmp_path / "all-cached", cache=True)
        print(f"first ingest, default corpus ({n} passages), shipped cache: {s:6.1f} s = {n / s:7.1f} passages/s")
        figures = first_start(tmp_path / "serve", "What do the IDAIS statements ask governments to do?")
        print("first start (empty store, Runtime as `charter serve` runs it): "
              + "   ".join(f"{k}: {v:.1f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
