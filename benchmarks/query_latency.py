"""Latency of search and of an offline answer, and the process's memory.

    python benchmarks/query_latency.py [--store DIR] [--rounds 3]

Prints p50/p95 of ``search`` (retrieval alone), of ``offline answer`` (the whole ``Answerer.answer``: retrieval,
the question embedded for its sentences, the sentences scored and the answer composed) and of ``compose`` (the
answer's own part on already-retrieved passages, question embedding included), so that a slow answer can be
put on retrieval or on the answerer.  The first round meets sentences whose vectors are not cached yet (they
are kept in the store's embedding cache, keyed by model and text); later rounds show the usual case.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from common import DEV, bench_charter, peak_rss_mib, store_arguments


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = store_arguments(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from assistant.answer.offline import compose
    from assistant.evaluate import load_questions

    charter = bench_charter(args)
    questions = [q["question"] for q in load_questions(DEV)]
    started = time.perf_counter()
    charter.retriever.search("warm-up question about AI safety")
    print(f"first search (builds BM25 index, loads models): {time.perf_counter() - started:.2f} s")
    answerer = charter.answerer
    found = {q: answerer.retriever.search(q) for q in questions}

    def composed(q: str) -> None:
        result = found[q]
        compose(q, result.passages, embed=answerer._embed(q), abstain_reason=result.reason if result.abstain
                else None)

    runs: tuple[tuple[str, Callable[[str], object]], ...] = (
        ("search", lambda q: charter.retriever.search(q)),
        ("offline answer", lambda q: answerer.answer(q)),
        ("compose", composed),
    )
    for label, run in runs:
        times = []
        for _ in range(args.rounds):
            for q in questions:
                t = time.perf_counter()
                run(q)
                times.append(time.perf_counter() - t)
        print(f"{label:<15} n={len(times)}  p50 {statistics.median(times) * 1000:.0f} ms   "
              f"p95 {percentile(times, 0.95) * 1000:.0f} ms")
    rss = peak_rss_mib()
    print(f"peak RSS: {rss:.0f} MiB ({charter.store.count()} passages)")


if __name__ == "__main__":
    main()
