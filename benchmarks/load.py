"""Load: concurrent chat sessions through the Gradio API against a real `charter serve` on loopback.

    python -m benchmarks.load --sessions 20 --questions 5 --max-seconds 300 [--store DIR] [--llm-delay 0.05]
    python -m benchmarks.load --llm-delay off,0.05 --concurrency 1,2,4 --markdown ...  # a table row per run

Each session is its own ``gradio_client.Client`` asking its own questions: ``/search`` first (what its
question retrieves), then ``/ask``.  Bounded twice: ``--questions`` per session and ``--max-seconds`` in
all (it stops by itself).  Checks: every question answered; none crossed (an answer cites only passages
its own question retrieved); the server's resident memory (VmRSS of the `charter serve` process,
sampled every 0.5 s) not growing past the first round by more than ``--max-growth-mb``.  With
``--llm-delay`` the answers come from tests/openai_stub.py (a local OpenAI-compatible test server) that
quotes source 1 and waits that long between stream chunks, so that streams overlap.
``--concurrency`` / ``--queue-max`` set the server's ``ui_concurrency`` / ``ui_queue_max`` (how many
answers it works on at once, how many requests its queue holds).  ``--llm-delay`` and ``--concurrency``
take comma-separated values (``off`` = no LLM): every pair runs in turn, each against a fresh server on
the same store, which is how those defaults were chosen (benchmarks/LOAD_RESULTS.md).
Prints p50/p95 latency and the memory trend; ``--json`` prints one JSON object per run (the last line is
the last run); ``--markdown`` prints a table row per run; exit 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus" / "ai-safety-statements.linking-ai-principles.zh.txt"
TOPICS = ["AI safety research", "international cooperation on AI", "security risks of AI", "human-centric AI",
          "red lines for AI development", "AI governance institutions", "privacy and AI", "AI and fairness",
          "transparency of AI systems", "AI in the military", "global public good", "AI risk evaluation",
          "compute and frontier models", "education about AI", "AI and employment", "open source AI models",
          "AI accountability", "AI and human rights", "testing AI before deployment", "AI and children"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def start_llm(delay: float):
    sys.path.insert(0, str(ROOT / "tests"))
    from openai_stub import OpenAIStub, Reply

    def quote_first(request) -> Reply:
        found = re.search(r'<source n="1"[^>]*>\n?(.*?)\n?</source>', request.message_text("user"), re.S)
        sentence = re.split(r"(?<=[.。!?])\s+", found.group(1).strip())[0] if found else ""
        return Reply(f"The first source says “{sentence}” [1].", delay=delay)

    stub = OpenAIStub(api_key="sk-load-test").start()
    stub.responder = quote_first
    return stub


CHARTER = [sys.executable, "-m", "ui.cli"]


def base_env(store: Path) -> dict[str, str]:
    """This environment without any Charter or OpenAI setting, serving ``store``, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OPENAI_"))}
    env.update(CHARTER_STORE=str(store), CHARTER_LLM_BACKEND="none", GRADIO_ANALYTICS_ENABLED="False")
    return env


def seed_store(store: Path) -> Path:
    """A new store with the seed statements: their vectors ship with corpus/, so this takes seconds."""
    subprocess.run([*CHARTER, "ingest", "-q", str(SEEDS)], env=base_env(store), cwd=ROOT, check=True,
                   capture_output=True)
    return store


def run(args: argparse.Namespace, store: Path, llm_delay: float | None = None,
        concurrency: int | None = None) -> dict:
    """One run: a fresh `charter serve` on ``store`` (and the test LLM when ``llm_delay``), the sessions, its
    figures; the server's log and work folder go afterwards."""
    work = Path(tempfile.mkdtemp(prefix="charter-load-"))
    env = base_env(store)
    if concurrency is not None:
        env["CHARTER_UI_CONCURRENCY"] = str(concurrency)
    if args.queue_max is not None:
        env["CHARTER_UI_QUEUE_MAX"] = str(args.queue_max)
    stub = start_llm(llm_delay) if llm_delay is not None else None
    if stub is not None:
        env.update(CHARTER_LLM_BACKEND="openai", OPENAI_BASE_URL=stub.base_url, OPENAI_API_KEY="sk-load-test")
    port = free_port()
    log = (work / "serve.log").open("w")
    server = subprocess.Popen([*CHARTER, "serve", "--no-ingest", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"charter serve did not come up:\n{(work / 'serve.log').read_text()[-3000:]}")
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        began = time.monotonic()

        def sample() -> None:
            while not stop.is_set():
                try:
                    samples.append((time.monotonic() - began, rss_mb(server.pid)))
                except (OSError, AttributeError):
                    return
                stop.wait(0.5)

        threading.Thread(target=sample, daemon=True).start()
        results, connect_retries = sessions(url, args, began)
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if stub is not None:
            stub.stop()
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    latencies = [r["seconds"] for r in results if r["answered"]]
    # when the first question of any session was answered (a session that never connected does not count)
    first_round_end = min((r["ended"] for r in results if r["round"] == 0 and r["answered"]), default=0.0)
    after_warmup = [mb for t, mb in samples if t >= first_round_end] or [mb for _, mb in samples]
    asked = args.sessions * args.questions
    report = {
        "sessions": args.sessions, "questions_per_session": args.questions, "asked": asked,
        "answered": sum(r["answered"] for r in results), "crossed": [r for r in results if r["crossed"]][:5],
        "crossed_count": sum(bool(r["crossed"]) for r in results),
        "errors": [r["error"] for r in results if r["error"]][:5], "connect_retries": connect_retries,
        "stopped_by_time": len(results) < asked,
        "p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
        "rss_mb": {"start": round(samples[0][1], 1) if samples else None,
                   "after_first_round": round(after_warmup[0], 1) if after_warmup else None,
                   "end": round(samples[-1][1], 1) if samples else None,
                   "max": round(max(mb for _, mb in samples), 1) if samples else None,
                   "trend": [round(mb) for _, mb in samples[:: max(1, len(samples) // 12)]]},
        "llm_delay": llm_delay, "concurrency": concurrency, "queue_max": args.queue_max,
        "seconds": round(max((r["ended"] for r in results), default=0.0), 1),
        "cores": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    growth = (after_warmup[-1] - after_warmup[0]) if after_warmup else 0.0
    report["rss_growth_after_first_round_mb"] = round(growth, 1)
    report["ok"] = (report["answered"] == len(results) and not report["crossed_count"]
                    and growth <= args.max_growth_mb and not report["stopped_by_time"])
    return report


def sessions(url: str, args: argparse.Namespace, began: float) -> tuple[list[dict], int]:
    """Each session's rows (one per question) and how many connects had to be tried again."""
    import httpx
    from gradio_client import Client

    results: list[dict] = []
    retries: list[int] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.max_seconds

    def connect() -> Client:
        """A session's client, patient as a browser (``--http-timeout``: gradio_client's own 5 s counted an
        answer still in the queue of a busy machine as failed); a failed connect is tried again, as a
        person reloads, up to 3 times, each counted (``connect_retries``), before the session fails."""
        for attempt in range(3):
            try:
                return Client(url, verbose=False, httpx_kwargs={"timeout": httpx.Timeout(args.http_timeout)})
            except Exception:
                if attempt == 2:
                    raise
                with lock:
                    retries.append(1)
        raise AssertionError("unreachable")

    def session(index: int) -> None:
        try:
            client = connect()
        except Exception as err:  # noqa: BLE001 - counted as unanswered
            with lock:
                results.append({"session": index, "round": 0, "answered": False, "crossed": [],
                                "error": f"connect: {type(err).__name__}: {err}", "seconds": 0.0, "ended": 0.0})
            return
        for round_ in range(args.questions):
            if time.monotonic() > deadline:
                return
            question = f"What do the statements say about {TOPICS[(index + round_ * 7) % len(TOPICS)]}?"
            row = {"session": index, "round": round_, "answered": False, "crossed": [], "error": None}
            try:
                retrieved = {p["id"] for p in client.predict(question, api_name="/search")["passages"]}
                started = time.monotonic()
                answer = client.predict(question, api_name="/ask")
                row["seconds"] = time.monotonic() - started
                cited = {s["passage"]["id"] for s in answer.get("sources", [])}
                row["answered"] = bool(answer.get("text")) and "error" not in answer
                row["crossed"] = sorted(cited - retrieved)
            except Exception as err:  # noqa: BLE001 - counted as unanswered, the run goes on
                row["error"], row["seconds"] = f"{type(err).__name__}: {err}", 0.0
            row["ended"] = time.monotonic() - began
            with lock:
                results.append(row)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(args.sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.max_seconds + 120)
    return results, len(retries)


def show(args: argparse.Namespace, report: dict) -> None:
    """One run's figures: a JSON line, a Markdown table row, or two plain lines."""
    delay, value = report["llm_delay"], report["concurrency"]
    if args.json:
        print(json.dumps(report), flush=True)
    elif args.markdown:
        rss = report["rss_mb"]
        llm = "offline" if delay is None else f"stub, {delay:g} s/chunk"
        print(f"| {llm} | {value if value is not None else 'default'} | {report['answered']}/{report['asked']} "
              f"| {report['crossed_count']} | {report['p50_s']} | {report['p95_s']} | {report['seconds']} "
              f"| {rss['start']} → {rss['max']} → {rss['end']} | {report['rss_growth_after_first_round_mb']} "
              f"| {report['connect_retries']} | {report['load_average'][0]} |", flush=True)
    else:
        print(f"{report['answered']}/{report['asked']} answered by {args.sessions} sessions "
              f"(concurrency {value}, LLM delay {delay}); crossed: {report['crossed_count']}; "
              f"p50 {report['p50_s']} s, p95 {report['p95_s']} s")
        print(f"server RSS MB: {report['rss_mb']}; growth after the first round "
              f"{report['rss_growth_after_first_round_mb']} MB; errors: {report['errors']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5, help="questions per session")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="the run stops by itself after this")
    parser.add_argument("--store", type=Path, help="a store to serve (default: a new one with the seed statements)")
    parser.add_argument("--llm-delay", default="off",
                        help="answer with the local test LLM, this many s per chunk; off: offline; a,b: both")
    parser.add_argument("--max-growth-mb", type=float, default=150.0)
    parser.add_argument("--concurrency", help="the server's ui_concurrency; comma-separated values: one run each")
    parser.add_argument("--queue-max", type=int, help="the server's ui_queue_max")
    parser.add_argument("--http-timeout", type=float, default=60.0, help="the clients' HTTP timeout (s)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--markdown", action="store_true", help="a table row per run")
    args = parser.parse_args()
    values: list[int | None] = [int(v) for v in args.concurrency.split(",")] if args.concurrency else [None]
    delays = [None if d.strip() in ("off", "none", "") else float(d) for d in args.llm_delay.split(",")]
    if args.markdown:
        print("| LLM | concurrency | answered | crossed | p50 s | p95 s | wall s | RSS MB start → max → end "
              "| growth MB | connect retries | load avg |\n|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
    ok = True
    work = Path(tempfile.mkdtemp(prefix="charter-load-store-"))
    try:
        store = args.store or seed_store(work / "store")
        for delay in delays:
            for value in values:
                report = run(args, store, delay, value)
                ok = ok and report["ok"]
                show(args, report)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
