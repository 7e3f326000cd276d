"""(Re)build the embedding cache shipped with the default corpus.

    python -m benchmarks.corpus_cache [--corpus corpus/] [--batch 32] [--from-store DIR] [--from-cache DIR]

Parses the corpus folder exactly as ``charter ingest`` does (default chunking),
embeds every passage's embedding text (metadata header + text) with the
default model and the second view, and writes one segment per model to
``<corpus>/.embeddings/<model>/corpus.{keys,f32}.npy``, replacing what was
there.  Run it after changing a corpus file, the chunking defaults, the
embedding header or a model; ``tests/integration/test_embedding_cache.py``
fails until the shipped vectors match what the models compute.

``--from-store DIR`` takes the vectors a Charter store already holds for the
same texts (a store built from this corpus with the default models) and embeds
only the rest: embedding 1.5k passages takes ~25 min on a busy 2-core machine.
``--from-cache DIR`` does the same with an embedding cache folder (e.g. a
store's ``embedding-cache``).  A random sample of the reused vectors is
embedded again and must match, or the build stops.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def corpus_texts(corpus: Path, chunk_chars: int, chunk_overlap: int) -> list[str]:
    """The normalised embedding texts of every passage ``charter ingest corpus`` would store, once each."""
    from assistant.index.embedders.cache import normalise
    from assistant.index.rows import record_embedding_text
    from assistant.index.sync import IngestReport, parse_files
    from ingest.splitting import split_statement

    report = IngestReport()
    parsed = parse_files([corpus], report)
    if report.errors:
        raise SystemExit("the corpus does not parse cleanly:\n" + "\n".join(report.errors))
    records = [r for _, statements in parsed for st in statements for r in split_statement(st, chunk_chars,
                                                                                             chunk_overlap)]
    return list(dict.fromkeys(normalise(record_embedding_text(r)) for r in records))


def sentence_texts(corpus: Path, chunk_chars: int, chunk_overlap: int) -> list[str]:
    """The normalised sentences of every passage, as the consensus map and the offline answer embed them
    (each sentence alone, no metadata header): shipped too, so a fresh machine's first whole-store map
    embeds nothing (3k sentences take minutes on 2 cores)."""
    from assistant.index.embedders.cache import normalise
    from assistant.index.sync import IngestReport, parse_files
    from assistant.themes.map import map_units
    from core.model import Passage
    from ingest.splitting import split_statement

    report = IngestReport()
    records = [r for _, statements in parse_files([corpus], report) for st in statements
               for r in split_statement(st, chunk_chars, chunk_overlap)]
    as_passages = [Passage(id=r.id, statement_id=r.statement.id, text=r.text, lang=r.statement.lang)
                   for r in records]
    return list(dict.fromkeys(normalise(s) for unit in map_units(as_passages) for s in unit.sentences))


def stored_vectors(store: Path, collection: str = "charter") -> dict[str, dict[str, np.ndarray]]:
    """model id -> normalised embedding text -> vector, for every passage of a Charter store
    (both its collections: the main one and ``<collection>__second``)."""
    import chromadb

    from assistant.index.embedders.cache import normalise
    from assistant.index.rows import text_for_embedding

    client = chromadb.PersistentClient(path=str(store), settings=chromadb.Settings(anonymized_telemetry=False))
    main = client.get_collection(collection)
    rows = main.get(include=["embeddings", "documents", "metadatas"])
    text_of = {pid: normalise(text_for_embedding(meta or {}, doc or ""))
               for pid, doc, meta in zip(rows["ids"], rows["documents"] or [], rows["metadatas"] or [])}
    found = {str((main.metadata or {})["embedding_model"]): dict(zip(text_of.values(), rows["embeddings"]))}
    names = [c.name for c in client.list_collections()]
    if f"{collection}__second" in names:
        second = client.get_collection(f"{collection}__second")
        got = second.get(ids=list(text_of), include=["embeddings"])
        found[str((second.metadata or {})["embedding_model"])] = {
            text_of[pid]: vector for pid, vector in zip(got["ids"], got["embeddings"])}
    return found


def cached_vectors(root: Path, model_id: str, texts: list[str]) -> dict[str, np.ndarray]:
    """normalised text -> vector, for the ``texts`` an embedding cache folder holds."""
    from assistant.index.embedders.cache import EmbeddingCache, model_folder, text_key

    found = EmbeddingCache(model_folder(root, model_id)).lookup([text_key(model_id, t) for t in texts])
    return {texts[i]: vector for i, vector in found.items()}


def build(corpus: Path, batch: int = 32, from_store: Path | None = None, from_cache: Path | None = None,
          check: int = 24) -> dict[str, object]:
    from assistant.index.embedders import make_embedder, make_second_embedder
    from assistant.index.embedders.cache import SHIPPED_DIRNAME, model_folder, same_vectors, text_key, write_segment
    from assistant.settings import Settings

    settings = Settings(store=Path("unused"), llm_backend="none")
    texts = corpus_texts(corpus, settings.embedding.chunk_chars, settings.embedding.chunk_overlap)
    manifest: dict[str, object] = {"passages": len(texts), "chunk_chars": settings.embedding.chunk_chars,
                                   "chunk_overlap": settings.embedding.chunk_overlap}
    described: dict[str, dict[str, object]] = {}
    reused = stored_vectors(from_store) if from_store else {}
    models = [m for m in (make_embedder(settings), make_second_embedder(settings)) if m is not None]
    for model in models:
        started = time.perf_counter()
        known = {**reused.get(model.model_id, {}),
                 **(cached_vectors(from_cache, model.model_id, texts) if from_cache else {})}
        todo = [i for i, t in enumerate(texts) if t not in known]
        if known:
            missing = set(todo)
            sample = random.Random(0).sample([i for i in range(len(texts)) if i not in missing],
                                             min(check, len(texts) - len(todo)))
            fresh = model.embed_array([texts[i] for i in sample], is_query=False)
            stored = np.array([known[texts[i]] for i in sample], dtype=np.float32)
            if not same_vectors(stored, fresh).all():
                raise SystemExit(f"reused {model.model_id} vectors differ from what the model computes "
                                 f"(max {np.abs(fresh - stored).max():.2e}); build without --from-*")
            print(f"{model.model_id}: {len(texts) - len(todo)} vectors reused "
                  f"({len(sample)} checked), {len(todo)} to embed")
        parts: dict[int, np.ndarray] = {i: np.asarray(known[t], dtype=np.float32) for i, t in enumerate(texts)
                                        if t in known}
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            parts.update(zip(chunk, model.embed_array([texts[i] for i in chunk], is_query=False)))
            print(f"\r{model.model_id}: {min(start + batch, len(todo))}/{len(todo)}", end="", flush=True)
        seconds = time.perf_counter() - started
        vectors = np.stack([parts[i] for i in range(len(texts))])
        folder = model_folder(corpus / SHIPPED_DIRNAME, model.model_id)
        for old in folder.glob("*.npy") if folder.is_dir() else []:
            old.unlink()
        write_segment(folder, [text_key(model.model_id, t) for t in texts], vectors, name="corpus")
        print(f"\r{model.model_id}: {len(todo)} of {len(texts)} passages embedded in {seconds:.0f} s -> {folder}")
        described[model.model_id] = {"folder": folder.name, "dim": int(vectors.shape[1])}
        # the sentences, in both views: the map joins them, and the answer scores sentences with the second
        described[model.model_id]["sentences"] = _ship_sentences(model, corpus, settings, from_cache, batch)

    manifest["models"] = described
    (corpus / SHIPPED_DIRNAME / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _ship_sentences(model: Any, corpus: Path, settings: Any, from_cache: Path | None, batch: int) -> int:
    from assistant.index.embedders.cache import SHIPPED_DIRNAME, model_folder, same_vectors, text_key, write_segment

    texts = sentence_texts(corpus, settings.embedding.chunk_chars, settings.embedding.chunk_overlap)
    known = cached_vectors(from_cache, model.model_id, texts) if from_cache else {}
    if known:  # checked like the passages: reused vectors must be what the model computes
        sample = random.Random(1).sample(sorted(known), min(24, len(known)))
        fresh = model.embed_array(sample, is_query=False)
        if not same_vectors(np.array([known[t] for t in sample], dtype=np.float32), fresh).all():
            raise SystemExit(f"reused {model.model_id} sentence vectors differ from what the model computes")
    todo = [t for t in texts if t not in known]
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        known.update(zip(chunk, model.embed_array(chunk, is_query=False)))
        print(f"\r{model.model_id} sentences: {min(start + batch, len(todo))}/{len(todo)}", end="", flush=True)
    vectors = np.stack([np.asarray(known[t], dtype=np.float32) for t in texts])
    folder = model_folder(corpus / SHIPPED_DIRNAME, model.model_id)
    write_segment(folder, [text_key(model.model_id, t) for t in texts], vectors, name="sentences")
    print(f"\r{model.model_id}: {len(texts)} sentences shipped ({len(todo)} embedded now)")
    return len(texts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--from-store", type=Path, help="reuse the vectors of this Charter store (checked)")
    parser.add_argument("--from-cache", type=Path, help="reuse the vectors of this embedding cache (checked)")
    args = parser.parse_args()
    build(args.corpus.resolve(), args.batch, args.from_store, args.from_cache)
