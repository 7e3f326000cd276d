"""Load: concurrent chat sessions through the Gradio API against a real `charter serve` on loopback.

    python -m benchmarks.load --sessions 20 --questions 5 --max-seconds 300 [--store DIR] [--llm-delay 0.05]

Each session is its own ``gradio_client.Client`` asking its own questions: ``/search`` first (what its
question retrieves), then ``/ask``.  Bounded twice: ``--questions`` per session and ``--max-seconds`` in
all (it stops by itself).  Checks: every question answered; none crossed (an answer cites only passages
its own question retrieved); the server's resident memory (VmRSS of the `charter serve` process,
sampled every 0.5 s) not growing past the first round by more than ``--max-growth-mb``.  With
``--llm-delay`` the answers come from tests/openai_stub.py (a local OpenAI-compatible test server) that
quotes source 1 and waits that long between stream chunks, so that streams overlap.
Prints p50/p95 latency and the memory trend; ``--json`` prints one JSON object; exit 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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


def run(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="charter-load-"))
    store = args.store or work / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OPENAI_"))}
    env.update(CHARTER_STORE=str(store), CHARTER_LLM_BACKEND="none", GRADIO_ANALYTICS_ENABLED="False")
    charter = [sys.executable, "-m", "ui.cli"]
    if args.store is None:  # the seed statements: their vectors ship with corpus/, so this takes seconds
        subprocess.run([*charter, "ingest", "-q", str(SEEDS)], env=env, cwd=ROOT, check=True, capture_output=True)
    stub = start_llm(args.llm_delay) if args.llm_delay is not None else None
    if stub is not None:
        env.update(CHARTER_LLM_BACKEND="openai", OPENAI_BASE_URL=stub.base_url, OPENAI_API_KEY="sk-load-test")
    port = free_port()
    log = (work / "serve.log").open("w")
    server = subprocess.Popen([*charter, "serve", "--no-ingest", "--port", str(port)], env=env, cwd=ROOT,
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
        results = sessions(url, args, began)
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if stub is not None:
            stub.stop()
    latencies = [r["seconds"] for r in results if r["answered"]]
    first_round_end = min((r["ended"] for r in results if r["round"] == 0), default=0.0)
    after_warmup = [mb for t, mb in samples if t >= first_round_end] or [mb for _, mb in samples]
    asked = args.sessions * args.questions
    report = {
        "sessions": args.sessions, "questions_per_session": args.questions, "asked": asked,
        "answered": sum(r["answered"] for r in results), "crossed": [r for r in results if r["crossed"]][:5],
        "crossed_count": sum(bool(r["crossed"]) for r in results),
        "errors": [r["error"] for r in results if r["error"]][:5],
        "stopped_by_time": len(results) < asked,
        "p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
        "rss_mb": {"start": round(samples[0][1], 1) if samples else None,
                   "after_first_round": round(after_warmup[0], 1) if after_warmup else None,
                   "end": round(samples[-1][1], 1) if samples else None,
                   "max": round(max(mb for _, mb in samples), 1) if samples else None,
                   "trend": [round(mb) for _, mb in samples[:: max(1, len(samples) // 12)]]},
        "llm_delay": args.llm_delay,
    }
    growth = (after_warmup[-1] - after_warmup[0]) if after_warmup else 0.0
    report["rss_growth_after_first_round_mb"] = round(growth, 1)
    report["ok"] = (report["answered"] == len(results) and not report["crossed_count"]
                    and growth <= args.max_growth_mb and not report["stopped_by_time"])
    return report


def sessions(url: str, args: argparse.Namespace, began: float) -> list[dict]:
    from gradio_client import Client

    results: list[dict] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.max_seconds

    def session(index: int) -> None:
        try:
            client = Client(url, verbose=False)
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
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5, help="questions per session")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="the run stops by itself after this")
    parser.add_argument("--store", type=Path, help="a store to serve (default: a new one with the seed statements)")
    parser.add_argument("--llm-delay", type=float, help="answer with the local test LLM, this many s per chunk")
    parser.add_argument("--max-growth-mb", type=float, default=150.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args)
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['answered']}/{report['asked']} answered by {args.sessions} sessions; "
              f"crossed: {report['crossed_count']}; p50 {report['p50_s']} s, p95 {report['p95_s']} s")
        print(f"server RSS MB: {report['rss_mb']}; growth after the first round "
              f"{report['rss_growth_after_first_round_mb']} MB; errors: {report['errors']}")
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
