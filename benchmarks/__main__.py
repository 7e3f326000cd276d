"""The benchmark suite: Charter against plain LangChain + Chroma, same model, one run.

    python -m benchmarks [--sizes 1467 15000 150000] [--smoke] [--out benchmarks]

Writes ``<out>/results.json``, ``<out>/RESULTS.md`` and ``<out>/plots/*.png``
(after each corpus size, so a long run keeps what it measured).  Every measured
step runs in its own process (``benchmarks.bench_worker``) so its peak memory
is its own.  Corpora and vectors: ``benchmarks.bench_corpora`` (cached under
``~/.cache/charter-bench``, never in the repository).  ``--smoke`` runs the
whole suite on a ~200-passage corpus and a few questions (the CI test
tests/integration/test_benchmark_smoke.py), writing to a temporary folder
unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import bench_corpora, bench_report
from benchmarks.bench_corpora import CACHE, REAL, ROOT
from benchmarks.common import DEV, SHARED

PY = sys.executable
Log = Callable[[str], None]


def worker(side: str, task: str, store: Path, corpus: Path, *extra: str) -> dict[str, Any]:
    cmd = [PY, "-m", "benchmarks.bench_worker", side, task, "--store", str(store), "--corpus", str(corpus), *extra]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def du_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: the process ended ({proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer in {timeout:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve_cold_start(store: Path, corpus: Path) -> float:
    """Seconds from starting ``charter serve`` (no ingest) on a filled store to its page answering."""
    port = free_port()
    env = {**os.environ, "CHARTER_CORPUS": str(corpus), "CHARTER_LLM_BACKEND": "none"}
    proc = subprocess.Popen([str(Path(PY).with_name("charter")), "--store", str(store), "serve", "--no-ingest",
                             "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        return wait_http(f"http://127.0.0.1:{port}/", proc, 180)
    finally:
        stop(proc)


def server_searches(side: str, store: Path, corpus: Path, questions: int) -> dict[str, Any]:
    """The same searches through a local ``chroma run`` server holding that side's store."""
    port = free_port()
    proc = subprocess.Popen([str(Path(PY).with_name("chroma")), "run", "--path", str(store), "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, 120)
        args = ("--server", f"http://127.0.0.1:{port}", "--questions", str(questions))
        if side == "peer":
            return worker(side, "search", store, corpus, *args)
        # Charter's first client after a write reads every row over HTTP and keeps its snapshot in the cache
        # folder; the clients after it (the steady state, measured) load that
        first = worker(side, "search", store, corpus, *args)
        steady = worker(side, "search", store, corpus, *args)
        return {**steady, "first_client": {k: first[k] for k in ("first_search_s", "peak_mib")}}
    finally:
        stop(proc)


def subset_corpus(folder: Path, statements: int) -> Path:
    """The first ``statements`` WAIE statements of the default corpus, in a folder of their own."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines = (ROOT / "corpus" / "waie_statements.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "statements.jsonl").write_text("".join(lines[:statements]), encoding="utf-8")
    return folder


def document_types(work: Path, smoke: bool) -> dict[str, Path]:
    """One folder per document type for the ingest-speed-per-type figure (the PDF is left out of a smoke run)."""
    types: dict[str, Path] = {"jsonl": subset_corpus(work / "type-jsonl", 12 if smoke else 30)}
    seed = work / "type-txt"
    seed.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "corpus" / "ai-safety-statements.linking-ai-principles.zh.txt", seed)
    types["txt (linking export)"] = seed
    docs = SHARED / "docs"
    for name, label in (("flag_day.html", "html"), ("pasa.pdf", "pdf")):
        if (docs / name).exists() and not (smoke and label == "pdf"):
            folder = work / f"type-{label}"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(docs / name, folder)
            types[label] = folder
    return types


def corpus_for(size: int, work: Path) -> Path:
    return bench_corpora.corpus_dir(size) if size >= REAL else work / f"corpus-{size}"


def run_size(size: int, work: Path, questions: int, log: Log) -> dict[str, Any]:
    if size < REAL:
        subset_corpus(work / f"corpus-{size}", size)
    corpus = corpus_for(size, work)
    counts = bench_corpora.prepare_vectors(size) if size >= REAL else {}
    row: dict[str, Any] = {"size": size, "model_vectors_of_generated": counts, "generated": max(0, size - REAL)}
    for side in ("peer", "charter"):
        store = work / f"{side}-{size}"
        shutil.rmtree(store, ignore_errors=True)
        log(f"[{size}] {side}: ingest from cached vectors")
        ingested = worker(side, "ingest", store, corpus)
        log(f"[{size}] {side}: searches")
        found = worker(side, "search", store, corpus, "--questions", str(questions))
        log(f"[{size}] {side}: searches through chroma run")
        served = server_searches(side, store, corpus, questions)
        row[side] = {"ingest": ingested, "search": found, "server": served, "store_mib": du_mib(store)}
    log(f"[{size}] charter serve cold start")
    row["charter"]["serve_cold_start_s"] = serve_cold_start(work / f"charter-{size}", corpus)
    row["passages"] = row["charter"]["ingest"]["passages"]
    return row


def llm_and_eval(results: dict[str, Any], size: int, work: Path, questions: int, smoke: bool, log: Log) -> None:
    """The LLM path's overhead and ``charter eval`` on the dev set, over the first size's Charter store."""
    store, corpus = work / f"charter-{size}", corpus_for(size, work)
    log("LLM overhead before the first token (local OpenAI-compatible test server)")
    results["llm"] = worker("charter", "llm", store, corpus, "--questions", str(questions))
    log("charter eval on the dev set")
    gold = DEV
    if smoke:  # a few questions: the smoke run checks that the figure is there, not its value
        gold = work / "dev-few.jsonl"
        gold.write_text("".join(DEV.read_text(encoding="utf-8").splitlines(keepends=True)[:6]), encoding="utf-8")
    done = subprocess.run([str(Path(PY).with_name("charter")), "--store", str(store), "eval", str(gold), "-k", "5",
                           "--json"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "CHARTER_CORPUS": str(corpus)})
    if done.returncode:
        raise SystemExit(f"charter eval failed:\n{done.stderr[-2000:]}")
    evaluation = json.loads(done.stdout)
    results["eval"] = {k: evaluation.get(k) for k in ("n_questions", "recall@5", "mrr@10", "abstention_precision",
                                                      "abstention_recall", "wrongly_refused")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[REAL, 15000, 150000])
    parser.add_argument("--smoke", action="store_true", help="a ~200-passage run for CI")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--work", type=Path, default=None, help="where stores are built (default: a temp folder)")
    parser.add_argument("--questions", type=int, default=55, help="dev questions timed per search kind")
    parser.add_argument("--model-subset", type=int, default=120,
                        help="WAIE statements ingested with the models running (no cache), per side")
    args = parser.parse_args()
    if not DEV.exists():
        sys.exit(f"the benchmark needs the dev questions at {DEV}")
    out = args.out or (Path(tempfile.mkdtemp(prefix="charter-smoke-")) if args.smoke else ROOT / "benchmarks")
    sizes = [200] if args.smoke else args.sizes
    questions = 5 if args.smoke else args.questions
    started = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="run-", dir=CACHE))
    work.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(f"{time.perf_counter() - started:7.1f} s  {message}", flush=True)

    results: dict[str, Any] = {
        "command": "python -m benchmarks" + (" --smoke" if args.smoke else
                                             f" --sizes {' '.join(map(str, sizes))} --questions {questions}"
                                             f" --model-subset {args.model_subset}"),
        "cores": os.cpu_count(), "load_average_at_start": os.getloadavg()[0], "smoke": args.smoke,
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "sizes": []}
    try:
        sub = subset_corpus(work / "model-subset", 15 if args.smoke else args.model_subset)
        log("ingest with the models running (no cache), both sides")
        results["ingest_with_model"] = {
            side: worker(side, "ingest", work / f"model-{side}", sub, "--no-cache") for side in ("peer", "charter")}
        log("ingest speed per document type (Charter, no cache)")
        results["ingest_by_type"] = {
            label: worker("charter", "ingest", work / f"type-store-{i}", folder, "--no-cache")
            for i, (label, folder) in enumerate(document_types(work, args.smoke).items())}
        for n, size in enumerate(sizes):
            results["sizes"].append(run_size(size, work, questions, log))
            if n == 0:
                llm_and_eval(results, size, work, questions, args.smoke, log)
            results["seconds"] = time.perf_counter() - started
            results["load_average_at_end"] = os.getloadavg()[0]
            out.mkdir(parents=True, exist_ok=True)
            (out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
            bench_report.write(results, out)
            log(f"wrote {out / 'results.json'} and {out / 'RESULTS.md'}")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
