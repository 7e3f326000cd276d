"""One side of the benchmark in its own process, so its peak memory is its own.

    python -m benchmarks.bench_worker {charter,peer} {ingest,search} --store DIR --corpus DIR [--server URL]

Prints one JSON object.  ``charter`` is this project (``Charter.ingest``,
``Retriever.search``, the offline answer); ``peer`` is what a user builds
first: plain ``langchain-chroma`` (``Chroma.add_texts``,
``similarity_search(k=5)``, embedded Chroma or an ``HttpClient``) over the same
e5 model wrapped as a LangChain ``Embeddings``.  Both sides read passage
vectors from the same caches (the shipped corpus vectors and the benchmark
corpus's), or, with ``--no-cache``, run the model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = "peer"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def timings(values: list[float]) -> dict[str, float]:
    return {"p50_ms": statistics.median(values) * 1000, "p95_ms": pct(values, 0.95) * 1000, "n": len(values)}


def peak_mib() -> float:
    from benchmarks.common import peak_rss_mib

    return peak_rss_mib()  # this worker's own (ru_maxrss would carry the orchestrator's peak)


def _settings(args: argparse.Namespace, **extra: Any):
    from assistant.settings import Settings

    # the 150k corpus's generated file is ~137 MB: above the per-file guard a user gets by default, on purpose here
    kw: dict[str, Any] = {"store": args.store, "corpus": args.corpus, "llm_backend": "none",
                          "embedding_cache": not args.no_cache, "ingest_max_file_mb": 1024}
    if args.server:
        kw["chroma_url"] = args.server
    kw.update(extra)
    return Settings(**kw)


def peer_embeddings(args: argparse.Namespace):
    """The e5 model as a LangChain ``Embeddings``, behind the same read-only caches Charter reads."""
    from assistant.index.embedders import make_embedder
    from assistant.index.embedders.cache import DEFAULT_CORPUS, CachedEmbeddings, shipped_caches

    model = make_embedder(_settings(args))
    if args.no_cache:
        return model
    return CachedEmbeddings(model, shipped_caches(model.model_id, [args.corpus, DEFAULT_CORPUS]))


def peer_store(args: argparse.Namespace):
    import chromadb
    from langchain_chroma import Chroma

    settings = chromadb.Settings(anonymized_telemetry=False)
    if args.server:
        host, port = args.server.rsplit("//", 1)[-1].split(":")
        client = chromadb.HttpClient(host=host, port=int(port), settings=settings)
    else:
        client = chromadb.PersistentClient(path=str(args.store), settings=settings)
    return Chroma(collection_name=COLLECTION, embedding_function=peer_embeddings(args), client=client,
                  collection_metadata={"hnsw:space": "cosine"})


def ingest(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    if args.side == "charter":
        from assistant.service import Charter

        charter = Charter(_settings(args))
        report = charter.ingest([args.corpus], progress=False)
        if not report.ok:
            raise SystemExit("\n".join(report.errors))
        passages = charter.store.count()
    else:
        from benchmarks.corpus_cache import corpus_texts

        texts = corpus_texts(args.corpus, 1200, 150)  # the same chunks and embedding texts as Charter's
        store = peer_store(args)
        for start in range(0, len(texts), 4000):
            batch = texts[start:start + 4000]
            store.add_texts(batch, ids=[f"p{start + i}" for i in range(len(batch))])
        passages = len(texts)
    seconds = time.perf_counter() - started
    return {"passages": passages, "seconds": seconds, "passages_per_s": passages / seconds, "peak_mib": peak_mib()}


def questions(limit: int) -> list[str]:
    from benchmarks.common import DEV

    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows][:limit]


def search(args: argparse.Namespace) -> dict[str, Any]:
    qs = questions(args.questions)
    out: dict[str, Any] = {}
    started = time.perf_counter()
    if args.side == "charter":
        from assistant.service import Charter

        charter = Charter(_settings(args))
        charter.search(qs[0], k=5)
        out["first_search_s"] = time.perf_counter() - started
        for method in ("hybrid", "dense", "bm25"):
            spent = []
            for q in qs:
                t = time.perf_counter()
                charter.search(q, k=5, method=method)
                spent.append(time.perf_counter() - t)
            out[method] = timings(spent)
        if not args.server:
            spent = []
            for q in qs:
                t = time.perf_counter()
                charter.answer(q)
                spent.append(time.perf_counter() - t)
            out["offline_answer"] = timings(spent)
        out["passages"] = charter.store.count()
    else:
        store = peer_store(args)
        store.similarity_search(qs[0], k=5)
        out["first_search_s"] = time.perf_counter() - started
        spent = []
        for q in qs:
            t = time.perf_counter()
            store.similarity_search(q, k=5)
            spent.append(time.perf_counter() - t)
        out["dense"] = timings(spent)
    out["peak_mib"] = peak_mib()
    return out


def llm_overhead(args: argparse.Namespace) -> dict[str, Any]:
    """Seconds from asking to the first streamed token, with a local OpenAI-compatible test server
    (tests/openai_stub.py) that answers at once, against a search of the same question."""
    sys.path.insert(0, str(ROOT / "tests"))
    from openai_stub import OpenAIStub

    from assistant.service import Charter

    qs = questions(args.questions)
    with OpenAIStub(api_key="sk-bench") as stub:
        stub.responder = lambda request: "The statements ask for human oversight [1]."
        charter = Charter(_settings(args, llm_backend="openai", openai_base_url=stub.base_url,
                                    openai_api_key="sk-bench"))
        charter.search(qs[0], k=5)
        first, searched = [], []
        for q in qs:
            t = time.perf_counter()
            charter.search(q)
            searched.append(time.perf_counter() - t)
            t = time.perf_counter()
            for update in charter.stream(q):
                if update.text and not update.done:
                    break
            first.append(time.perf_counter() - t)
    overhead = [f - s for f, s in zip(first, searched)]
    return {"first_token": timings(first), "search": timings(searched), "overhead": timings(overhead)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("side", choices=["charter", "peer"])
    parser.add_argument("task", choices=["ingest", "search", "llm"])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--server")
    parser.add_argument("--questions", type=int, default=55)
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    task = {"ingest": ingest, "search": search, "llm": llm_overhead}[args.task]
    print(json.dumps(task(args)))


if __name__ == "__main__":
    main()
