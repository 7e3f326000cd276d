"""The passage store on Chroma: embedded on disk by default, a Chroma server
when ``CHARTER_CHROMA_URL`` is set.  The same code serves both.

``ChromaStore`` implements ``assistant.index.base.Store``.  Chroma's query
language stays in this file: ``where_clause`` is the one translation of
filters into a ``where``, used by queries and by ``ids_matching`` alike, so the
lexical side of retrieval filters through the very same clause.

**All-or-nothing files.**  Chroma has no multi-statement transaction, so an
ingest writes a file in three steps whose every crash point leaves each
statement's old *or* new version visible, never both, never neither:

1. ``stage``: new passages (both views) go into staging collections
   (``<collection>__staging``, ``<collection>__second__staging``) that no read
   ever opens.  A crash or Ctrl-C here leaves the live collection untouched;
   ``discard_staged`` (or ``recover`` in the next ingest) drops them.  Rows go
   there in large batches (``STAGE_ROWS``, at least once a ``STAGE_SECONDS``),
   each packed into one metadata string (``PACKED``), into collections with a
   small HNSW graph (``LOOKUP_HNSW``): nothing searches them by vector.
2. ``commit``: *the* switch is one write, the commit record (what each new
   statement replaces, what is pruned) in the staging collection's metadata.
   Before it the file rolls back, after it ``recover`` rolls it forward.
3. Applying the record, a batch of whole statements at a time: the second
   view's vectors are copied first (reached only through live main ids), then
   ONE ``upsert`` on the main collection both writes each new version and marks
   the rows it replaces ``retired`` (the old chunks a shorter version no longer
   has, the old id of a reworded statement); then the retired rows are deleted.
   Within that one call Chroma applies the rows as one log batch, so a reader
   sees a statement switch whole.  Staged rows stay staged until the staging
   collections are dropped after the last batch, so applying a batch again
   (``recover``) writes the same rows again: the record is idempotent.

Retired rows live only between that upsert and the delete after it (or after
a crash, until the next ``recover``), so reads exclude them: ``where_clause``
adds ``retired != True`` to every ``get``; ``query`` instead drops them from its
hits (asking a few more), because a ``$ne`` inside a vector query
turns Chroma's HNSW search into a filtered one: 157 ms instead of 6 ms per
query on 20,000 rows (``/tmp/chroma_bench.py``-style measurement, 2 cores).
"""

from __future__ import annotations

import errno
import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlparse

import chromadb
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.errors import NotFoundError

from assistant.index.embedders import CharterEmbeddings
from assistant.index.row_cache import RowCache
from assistant.index.rows import (  # noqa: F401 - re-exported: callers read the row format from here
    StoredPassage,
    content_fingerprint,
    embedding_header,
    location_metadata,
    normalised_text_hash,
    passage_metadata,
    record_embedding_text,
    text_for_embedding,
    to_passage,
)
from assistant.settings import Settings
from core.model import Filters, PassageRecord, Statement

T = TypeVar("T")
BATCH = 500  # ids per Chroma call: keeps a request (and a server's payload) small
RETIRED = "retired"  # metadata flag of a replaced row in the instant before it is deleted
STAMP_FILE = "content-stamp"  # changes with every write (see ChromaStore.stamp)
STAMP_KEY = "content_stamp"  # a server collection's stamp, kept in its metadata (see ChromaStore.stamp)
SERVER_INDEX_DIRNAME = "server-index"
RETIRED_MARGIN = 4  # extra hits a query asks for first, to stay at k after dropping retired rows
COMPARE_UNDER = 400  # ids a query ``within`` them compares directly rather than asking Chroma
LOW_SPACE = 8_000_000  # bytes an embedded store keeps free for Chroma's own logs and compaction
BYTES_PER_VECTOR = 16_000  # a passage's vectors in both views, staged and live, with their index entries
COMMIT = "charter_commit"  # staging-collection metadata key holding a file's commit record
# Ingest writes are few and large: Chroma's cost per row falls ~1.5x from 500 to 2,000 rows a call (6,000 rows
# upserted on 2 cores), well under its local limit of 5,461 rows a call
SWITCH_ROWS = 2000  # rows per commit upsert (whole statements: a statement never spans two)
STAGE_ROWS = 2000  # staged rows kept in memory before one write to the staging collections...
STAGE_SECONDS = 1.0  # ...or this long after the last write, so a slow model's rows reach staging steadily
# A collection only ever read by id (staging, the second view: nothing queries it by vector) gets a small HNSW
# graph: building the default one (ef_construction 100, 16 neighbours) was most of its write cost, 2-3x
LOOKUP_HNSW = {"ef_construction": 8, "max_neighbors": 4}
# A staged row keeps its text and metadata as one JSON string under this key (and its statement id beside it):
# one metadata entry instead of ~16 and no full-text index of the text, 2-3x faster to write and read back
PACKED = "charter_row"


class StoreError(Exception):
    """A store that cannot be used as asked (e.g. built with another model)."""


def _store_failure(err: Exception, settings: Settings) -> StoreError | None:
    """The StoreError for a failure of the store itself (the server gone, the folder read-only, the disk
    full), with what to do about it; None for any other error (a bug stays a traceback)."""
    text = str(err).lower()
    if settings.store.chroma_url and isinstance(err, (httpx.HTTPError, ConnectionError)):
        return StoreError(f"The Chroma server at {settings.store.chroma_url} does not answer "
                          f"({type(err).__name__}); Charter reconnects by itself once it is back.")
    if "readonly database" in text or "read-only file system" in text or isinstance(err, PermissionError):
        return StoreError(f"The store folder {settings.store.path} is read-only: Chroma must write to it even to "
                          "read it. Make it writable, or copy it elsewhere and set CHARTER_STORE.")
    if ("disk is full" in text or "no space left" in text or getattr(err, "errno", None) == errno.ENOSPC
            or (not settings.store.chroma_url and _free_bytes(settings.store.path) < LOW_SPACE)):
        return StoreError(f"The disk holding the store {settings.store.path} is full: nothing more was written, "
                          "the store keeps what it held before. Free some space and try again.")
    if not settings.store.chroma_url and not (settings.store.path / "chroma.sqlite3").exists():
        return StoreError(_gone(settings))
    return None


def _free_bytes(path: Path) -> int:
    """Free space where the store is (Chroma reports a full disk as a failed compaction, not as ENOSPC)."""
    try:
        return shutil.disk_usage(path if path.exists() else path.parent).free
    except OSError:
        return LOW_SPACE


def _gone(settings: Settings) -> str:
    return (f"The store folder {settings.store.path} was deleted or moved while Charter was running: nothing can "
            "be written, and searches work only while Chroma's open files last. Restart Charter (it ingests the "
            "corpus again).")


class _Guarded:
    """A Chroma client or collection whose store failures (``_store_failure``) raise StoreError, so every
    caller (CLI, web app, ingest) gets one clear line instead of a traceback from deep inside Chroma."""

    def __init__(self, inner: Any, settings: Settings):
        self._inner, self._settings = inner, settings

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return value(*args, **kwargs)
            except NotFoundError:
                raise
            except Exception as err:
                failure = _store_failure(err, self._settings)
                if failure is None:
                    raise
                raise failure from None

        return call


def _batched(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _StagedRows:
    """Embedded rows on their way to a collection: the main view's and the second view's, row for row."""

    ids: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    metadatas: list[dict[str, Any]] = field(default_factory=list)
    embeddings: list[np.ndarray] = field(default_factory=list)
    second: list[np.ndarray] = field(default_factory=list)
    since: float = 0.0  # when the first of them was asked for (time.monotonic)

    def upsert(self, main: Any, second_view: Any, *, packed: bool = False) -> None:
        """The second view first (a passage is only reached through a main-view id), then the main view;
        each in calls of up to SWITCH_ROWS rows, the last copy of an id kept.  ``packed``: the text and
        metadata as one JSON string (staging, see PACKED; ``_unpacked`` reads it back)."""
        last = list({pid: n for n, pid in enumerate(self.ids)}.values())
        for part in _batched(last, SWITCH_ROWS):
            ids = [self.ids[n] for n in part]
            if second_view is not None and self.second:
                second_view.upsert(ids=ids, embeddings=[self.second[n] for n in part],
                                   metadatas=[{"statement_id": self.metadatas[n]["statement_id"]} for n in part])
            if main is None or not self.embeddings:
                continue
            embeddings = [self.embeddings[n] for n in part]
            if packed:
                main.upsert(ids=ids, embeddings=embeddings, metadatas=[
                    {"statement_id": self.metadatas[n]["statement_id"],
                     PACKED: json.dumps([self.documents[n], self.metadatas[n]], ensure_ascii=False)} for n in part])
            else:
                main.upsert(ids=ids, embeddings=embeddings, documents=[self.documents[n] for n in part],
                            metadatas=[self.metadatas[n] for n in part])


def _unpacked(document: str | None, meta: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A staged row's text and metadata (packed by ``_StagedRows.upsert``, or as an older version staged them)."""
    if PACKED in meta:
        text, stored = json.loads(meta[PACKED])
        return text, stored
    return document or "", meta


def where_clause(filters: Filters | None = None, *, statement_ids: Sequence[str] | None = None,
                 source: str | None = None, sources_besides: Sequence[str] = (),
                 retired_too: bool = False) -> dict[str, Any] | None:
    """The Chroma ``where`` for ``filters`` (and, for ingestion, statement ids or a
    source file): every ``where`` Charter sends is built here, so filters apply
    inside the store query and nowhere else.  Rows retired by a commit in
    progress are left out unless ``retired_too`` (see the module docstring)."""
    terms: list[dict[str, Any]] = [] if retired_too else [{RETIRED: {"$ne": True}}]
    if statement_ids is not None:
        terms.append({"statement_id": {"$in": list(statement_ids)}})
    if source is not None:
        terms.append({"source": source})
    if sources_besides:
        terms.append({"source": {"$nin": list(sources_besides)}})
    if filters:
        if filters.authors:
            terms.append({"author": {"$in": list(filters.authors)}})
        if filters.documents:
            terms.append({"document": {"$in": list(filters.documents)}})
        if filters.years:
            terms.append({"year": {"$in": sorted(int(y) for y in filters.years)}})
        if filters.since is not None:
            terms.append({"year": {"$gte": int(filters.since)}})
        if filters.until is not None:
            terms.append({"year": {"$lte": int(filters.until)}})
        if filters.lang:
            terms.append({"lang": filters.lang})
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else {"$and": terms}


class _ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Hands Chroma our embedder, so no collection ever falls back to Chroma's
    default model (which downloads weights and fails offline)."""

    def __init__(self, embedder: CharterEmbeddings):
        self._embedder = embedder

    def __call__(self, input: Documents) -> list[np.ndarray]:
        return list(self._embedder.embed_array(list(input), is_query=False))

    def embed_query(self, input: Documents) -> list[np.ndarray]:
        return list(self._embedder.embed_array(list(input), is_query=True))

    @staticmethod
    def name() -> str:
        return "charter"

    def get_config(self) -> dict[str, Any]:
        return {"model_id": self._embedder.model_id}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> _ChromaEmbeddingFunction:
        """Chroma rebuilds functions when it reads a collection; Charter always
        passes its own, so this stand-in only says which model is recorded."""
        return _ChromaEmbeddingFunction(_RecordedModel(str(config.get("model_id", ""))))

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> Literal["cosine"]:
        return "cosine"


class _RecordedModel(CharterEmbeddings):
    """Placeholder for a model named in a collection's config; never embeds."""

    def __init__(self, model_id: str):
        self.model_id = model_id

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        raise StoreError(f"open this collection through Charter to embed with {self.model_id}")


def _client(settings: Settings) -> Any:  # a ClientAPI, guarded
    try:
        return _Guarded(_open_client(settings), settings)
    except Exception as err:
        failure = _store_failure(err, settings)
        if failure is None:
            raise
        raise failure from None


def _open_client(settings: Settings) -> ClientAPI:
    if settings.store.chroma_url:
        url = urlparse(settings.store.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chromadb.Settings(anonymized_telemetry=False),
        )
    settings.store.path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(
        path=str(settings.store.path), settings=chromadb.Settings(anonymized_telemetry=False)
    )


def _second_name(settings: Settings) -> str:
    return f"{settings.store.collection}__second"


def _staging_names(settings: Settings) -> tuple[str, str]:
    return f"{settings.store.collection}__staging", f"{_second_name(settings)}__staging"


def _drop_collections(client: ClientAPI, settings: Settings) -> None:
    for name in (settings.store.collection, _second_name(settings), *_staging_names(settings)):
        try:
            client.delete_collection(name)
        except Exception:  # noqa: BLE001 - absent collection: nothing to drop
            pass


def ingest_lock_path(settings: Settings) -> Path:
    """The file whose lock serialises ingests: in the store folder when embedded; for a
    server, a file per server and collection in this machine's temporary folder, so ingests
    from this machine serialise (Chroma offers no compare-and-set to lock on the server
    itself), and server mode writes nothing into an embedded store's folder.  A function of
    the settings alone, so ``--rebuild`` can hold it before any collection is opened."""
    if not settings.store.chroma_url:
        return settings.store.path / "charter-ingest.lock"
    return Path(tempfile.gettempdir()) / "charter-server-locks" / f"{_server_key(settings)}.lock"


def _server_key(settings: Settings) -> str:
    """``<host>_<port>_<collection>``: names this machine's files about one server collection."""
    url = urlparse(settings.store.chroma_url or "")
    return f"{url.hostname}_{url.port or ''}_{settings.store.collection}".replace("/", "_")


def drop_collections(settings: Settings) -> None:
    """Delete Charter's collections whatever model built them (``--rebuild``): a
    Store cannot be opened on a collection of another model, so this needs none."""
    _drop_collections(_client(settings), settings)


class ChromaStore:
    """The collection of passages, opened with an explicit embedder."""

    def __init__(self, settings: Settings, embedder: CharterEmbeddings, second: CharterEmbeddings | None = None):
        self.settings = settings
        self.embedder = embedder
        self.second = second
        self.client = _client(settings)
        self.collection = self._open_collection(settings.store.collection, embedder)
        # the second view lives in its own collection with the same ids
        self.second_collection = self._open_collection(_second_name(settings), second, lookup=True) if second else None
        self._staged = _StagedRows()  # embedded rows not yet written to the staging collections
        self._generation = 0  # bumped on every write, so caches (BM25) know to rebuild
        # rows and vectors already read, per view (row_cache.py); a server's other clients write unseen, so none there
        capacity = 0 if settings.store.chroma_url else settings.store.row_cache
        self._rows: RowCache[StoredPassage] | None = RowCache(capacity, lambda: self.stamp) if capacity else None
        self._vectors: dict[bool, RowCache[np.ndarray]] = {
            second: RowCache(capacity, lambda: self.stamp) for second in (False, True)} if capacity else {}

    @property
    def location(self) -> str:
        return self.settings.store.chroma_url or str(self.settings.store.path)

    @property
    def has_second_view(self) -> bool:
        return self.second_collection is not None

    @property
    def lock_file(self) -> Path:
        return ingest_lock_path(self.settings)

    def _open_collection(self, name: str, embedder: CharterEmbeddings,
                         lookup: bool = False) -> Any:  # a chromadb Collection
        """Open ``name``, or create it (``lookup``: read by id only, so with a small HNSW graph)."""
        ef: Any = _ChromaEmbeddingFunction(embedder)  # chromadb types its functions by input; ours takes text
        try:
            collection = self.client.get_collection(name, embedding_function=ef)
        except NotFoundError:
            collection = None
        if collection is not None:
            stored_model = (collection.metadata or {}).get("embedding_model")
            if stored_model and stored_model != embedder.model_id:
                raise StoreError(
                    f"The collection '{name}' at {self.location} holds vectors of the embedding model "
                    f"'{stored_model}', but '{embedder.model_id}' was asked for. Vectors of two models "
                    "cannot be mixed: set CHARTER_EMBEDDING back, or use another CHARTER_COLLECTION / "
                    "CHARTER_STORE, or rebuild with `charter ingest --rebuild`."
                )
            return _Guarded(collection, self.settings)
        return _Guarded(self.client.create_collection(
            name,
            embedding_function=ef,
            metadata={"embedding_model": embedder.model_id, "created_by": "charter"},
            configuration={"hnsw": {"space": "cosine", **(LOOKUP_HNSW if lookup else {})}},
        ), self.settings)

    def _staging(self, *, create: bool = True) -> tuple[Any, Any] | None:
        """The staging collections (main view, second view or None); None when absent and not ``create``."""
        main_name, second_name = _staging_names(self.settings)
        if not create:
            ef: Any = _ChromaEmbeddingFunction(self.embedder)
            try:
                self.client.get_collection(main_name, embedding_function=ef)
            except NotFoundError:
                return None
        staging = self._open_collection(main_name, self.embedder, lookup=True)
        second = self._open_collection(second_name, self.second, lookup=True) if self.second is not None else None
        return staging, second

    def reset(self) -> None:
        """Drop the collection and create it again (``--rebuild``)."""
        _drop_collections(self.client, self.settings)
        self.collection = self._open_collection(self.settings.store.collection, self.embedder)
        if self.second:
            self.second_collection = self._open_collection(_second_name(self.settings), self.second, lookup=True)
        self._wrote()

    @property
    def generation(self) -> int:
        return self._generation

    def _changing(self) -> None:
        """Forget the rows and vectors read so far: called before and after every write."""
        for cache in (self._rows, *self._vectors.values()):
            if cache is not None:
                cache.clear()

    def _wrote(self) -> None:
        """Bump the generation, and the content stamp that tells a new process whether what the retriever
        persisted from the store (BM25, names, vectors) still matches it: the main collection's metadata (so a
        write by any client of a server changes it), and for an embedded store a file beside it, read faster."""
        self._changing()
        self._generation += 1
        stamp = uuid.uuid4().hex
        # in the collection's metadata in both modes: an embedded store later served by `chroma run` keeps it
        # modify replaces the metadata whole: the model id kept; legacy "hnsw:*" keys (a collection made by other
        # tools) left out, as Chroma refuses them on modify, and the index keeps its space from its configuration
        metadata = {k: v for k, v in (self._fresh_collection().metadata or {}).items() if not k.startswith("hnsw:")}
        self.collection.modify(metadata={**metadata, STAMP_KEY: stamp})
        if self.settings.store.chroma_url:
            return
        try:
            (self.settings.store.path / STAMP_FILE).write_text(stamp, encoding="ascii")
        except OSError:  # an unstamped store only costs the retriever a rebuild
            pass

    def _fresh_collection(self) -> Any:
        """The main collection as the server holds it now (a Collection object keeps the metadata it was
        fetched with)."""
        ef: Any = _ChromaEmbeddingFunction(self.embedder)
        return self.client.get_collection(self.settings.store.collection, embedding_function=ef)

    @property
    def stamp(self) -> str | None:
        """The content stamp (None for a store no write has stamped yet); one request to a server."""
        if self.settings.store.chroma_url:
            value = (self._fresh_collection().metadata or {}).get(STAMP_KEY)
            return str(value) if value else None
        try:
            return (self.settings.store.path / STAMP_FILE).read_text(encoding="ascii").strip() or None
        except OSError:
            return None

    @property
    def local_folder(self) -> Path:
        """The folder on this machine for what is derived from the store (the retriever's snapshot): the
        embedded store's own folder; for a server's collection, one of the user's cache folder
        (``~/.cache/charter/server-index/<host>_<port>_<collection>``), so a client reads every row over HTTP
        once per write, not once per process."""
        if not self.settings.store.chroma_url:
            return self.settings.store.path
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("charter", appauthor=False)) / SERVER_INDEX_DIRNAME / _server_key(self.settings)

    def count(self) -> int:
        """Visible passages: all rows minus any retired in the instant before their delete."""
        retired = self.collection.get(where={RETIRED: True}, include=[])["ids"]
        return self.collection.count() - len(retired)

    def _collections(self) -> list[Any]:
        return [c for c in (self.collection, self.second_collection) if c is not None]

    # ---- writes ---------------------------------------------------------------------------
    def add(self, records: list[PassageRecord], *, second_only: bool = False) -> None:
        """Upsert passages; ids are content-derived, so a retry never duplicates.

        ``second_only`` fills the second view for passages the main collection
        already holds (a store built without it), without embedding them again."""
        self._write(records, self.collection, self.second_collection, second_only=second_only)
        self._wrote()

    def _write(self, records: list[PassageRecord], main: Any, second_view: Any, *, second_only: bool = False) -> None:
        rows = _StagedRows()
        self._embed_into(rows, records, second=second_view is not None, main=not second_only)
        rows.upsert(main if not second_only else None, second_view)

    def _embed_into(self, rows: _StagedRows, records: list[PassageRecord], *, second: bool, main: bool = True) -> None:
        """Embed ``records`` (the views asked for) and append them to ``rows``."""
        if not records:
            return
        inputs = [record_embedding_text(r) for r in records]
        rows.ids.extend(r.id for r in records)
        rows.documents.extend(r.text for r in records)
        rows.metadatas.extend(passage_metadata(r) for r in records)
        if not (second and self.second is not None):
            rows.embeddings.extend(self.embedder.embed_array(inputs, is_query=False))
            return
        if not main:
            rows.second.extend(self.second.embed_array(inputs, is_query=False))
            return
        # The second view alongside the main one, in a thread: e5's native batch leaves part of the 2 cores idle,
        # and the second view's numpy work fills it (120 passages: 5.3 s together against 5.6 s one after the
        # other, and the second model's first load, 1.3 s of Python, mostly hidden too).  Both release the GIL.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="second-view") as pool:
            second_vectors = pool.submit(self.second.embed_array, inputs, is_query=False)
            rows.embeddings.extend(self.embedder.embed_array(inputs, is_query=False))
            rows.second.extend(second_vectors.result())

    # ---- staged writes: a file all or nothing (see the module docstring) -----------------------
    def _check_room(self, records: list[PassageRecord]) -> None:
        """Refuse a write an embedded store's disk has no room for, before Chroma tries: Chroma fails a
        full disk as a broken compaction, after which its writes in this process hang (measured with
        tests/faults/test_store_failures.py on a filled tmpfs)."""
        if self.settings.store.chroma_url:
            return
        need = LOW_SPACE + sum(len(r.text.encode()) * 3 + BYTES_PER_VECTOR for r in records)
        if _free_bytes(self.settings.store.path) < need:
            raise StoreError(f"The disk holding the store {self.settings.store.path} is full: nothing more was "
                             "written, the store keeps what it held before. Free some space and try again.")

    def stage(self, records: list[PassageRecord]) -> None:
        """Embed passages for the staging collections, where no read sees them.  They are written there
        in large batches (STAGE_ROWS, or STAGE_SECONDS after the last write) and at ``commit``: what is
        still in memory at a crash was never visible, like what is staged."""
        if not self._staged.ids:
            self._staged.since = time.monotonic()
        self._check_room(records)
        self._embed_into(self._staged, records, second=self.second is not None)
        if len(self._staged.ids) >= STAGE_ROWS or time.monotonic() - self._staged.since >= STAGE_SECONDS:
            self._flush_staged()

    def _flush_staged(self) -> None:
        """Write the rows embedded by ``stage`` to the staging collections."""
        if not self._staged.ids:
            return
        pair = self._staging()
        assert pair is not None
        self._staged.upsert(pair[0], pair[1], packed=True)
        self._staged = _StagedRows(since=time.monotonic())

    def discard_staged(self) -> None:
        """Drop whatever is staged (the file being rolled back, or a dead run's leftovers)."""
        self._staged = _StagedRows()
        main_name, second_name = _staging_names(self.settings)
        for name in (main_name, second_name):
            try:
                self.client.delete_collection(name)
            except Exception:  # noqa: BLE001 - absent collection: nothing staged
                pass

    def commit(self, replaces: dict[str, list[str]], drop: list[str]) -> None:
        """Make the staged statements live, each replacing its stored version (same id) and the
        statements ``replaces`` names for it, then delete ``drop``.  Writing the commit record
        is the switch: a crash after it is finished by ``recover``, one before it rolls back."""
        self._check_room([])
        self._flush_staged()
        pair = self._staging()
        assert pair is not None
        record = json.dumps({"replaces": replaces, "drop": drop}, ensure_ascii=False)
        pair[0].modify(metadata={**(pair[0].metadata or {}), COMMIT: record})
        self._apply(pair, replaces, drop)

    def recover(self) -> str:
        """Clear what a run that died left behind: finish its commit if it wrote the record,
        else discard its staged rows.  Returns what was done ("" when nothing was left)."""
        if not self.settings.store.chroma_url and not (self.settings.store.path / "chroma.sqlite3").exists():
            raise StoreError(_gone(self.settings))  # writes would go to a deleted file and be lost
        done = ""
        pair = self._staging(create=False)
        if pair is not None:
            record = (pair[0].metadata or {}).get(COMMIT)
            if record:
                data = json.loads(record)
                self._apply(pair, data.get("replaces", {}), data.get("drop", []))
                done = "finished the commit of a file an interrupted ingest had staged"
            elif pair[0].count() or (pair[1] is not None and pair[1].count()):
                done = "discarded the staged passages of a file an interrupted ingest had not finished"
            self.discard_staged()
        retired = self.collection.get(where={RETIRED: True}, include=[])["ids"]
        if retired:
            self._delete_ids(retired)
            done = done or "deleted rows an interrupted ingest had retired"
        return done

    def _apply(self, pair: tuple[Any, Any], replaces: dict[str, list[str]], drop: list[str]) -> None:
        """Apply a commit record; idempotent, so ``recover`` may run it again after a crash."""
        staging, staging_second = pair
        rows: dict[str, list[str]] = {}  # statement id -> its staged passage ids
        offset = 0
        while True:  # ids only: a passage id is "<statement id>:<chunk>" (core.model.PassageRecord)
            got = staging.get(include=[], limit=5000, offset=offset)
            if not got["ids"]:
                break
            for pid in got["ids"]:
                rows.setdefault(pid.rsplit(":", 1)[0], []).append(pid)
            offset += len(got["ids"])
        group: list[str] = []
        size = 0
        for sid in sorted(rows):
            if group and size + len(rows[sid]) > SWITCH_ROWS:
                self._switch(group, rows, replaces, staging, staging_second)
                group, size = [], 0
            group.append(sid)
            size += len(rows[sid])
        if group:
            self._switch(group, rows, replaces, staging, staging_second)
        self.delete_statements(drop)
        self.discard_staged()  # dropping it also clears the commit record
        self._wrote()

    def _switch(self, statement_ids: list[str], rows: dict[str, list[str]], replaces: dict[str, list[str]],
                staging: Any, staging_second: Any) -> None:
        """Show the staged versions of whole statements and retire what they replace, in one upsert.

        Staged rows are left in staging (the whole collection is dropped after the last switch): running
        a switch again, as ``recover`` does after a crash, finds the same rows and writes the same.  The
        old rows are found with the retired ones too, so a switch cut short before its delete retires them
        again, and a row retired then shown again (a chunk the new version has) loses its flag."""
        self._changing()
        new = staging.get(ids=[pid for sid in statement_ids for pid in rows[sid]],
                          include=["embeddings", "documents", "metadatas"])
        texts, new_metas = [], []
        for document, meta in zip(new["documents"], new["metadatas"]):
            text, meta = _unpacked(document, meta)
            texts.append(text)
            new_metas.append(meta)
        old_sids = list(dict.fromkeys([*statement_ids, *(o for sid in statement_ids for o in replaces.get(sid, []))]))
        old = self.collection.get(where=where_clause(statement_ids=old_sids, retired_too=True), include=["metadatas"])
        old_meta = dict(zip(old["ids"], old["metadatas"]))
        new_ids = set(new["ids"])
        retire = [i for i in old["ids"] if i not in new_ids]
        retire_rows: list[tuple[str, Any, str, dict[str, Any]]] = []
        for batch in _batched(retire):  # only these need their vectors and texts again (an upsert takes whole rows)
            got = self.collection.get(ids=list(batch), include=["embeddings", "documents", "metadatas"])
            retire_rows.extend(zip(got["ids"], got["embeddings"], got["documents"], got["metadatas"]))
        # upsert merges metadata: a field the new version lacks is removed explicitly (None deletes a key)
        metas = [{**{k: None for k in old_meta.get(pid, {}) if k not in meta}, **meta}
                 for pid, meta in zip(new["ids"], new_metas)]
        if staging_second is not None and self.second_collection is not None:
            second = staging_second.get(ids=new["ids"], include=["embeddings", "metadatas"])
            if second["ids"]:
                self.second_collection.upsert(ids=second["ids"], embeddings=second["embeddings"],
                                              metadatas=second["metadatas"])
        self.collection.upsert(
            ids=[*new["ids"], *(r[0] for r in retire_rows)],
            embeddings=[*new["embeddings"], *(r[1] for r in retire_rows)],
            documents=[*texts, *(r[2] for r in retire_rows)],
            metadatas=[*metas, *({**r[3], RETIRED: True} for r in retire_rows)],
        )
        self._changing()  # a row read between the first clear and this upsert is retired now
        self._delete_ids(retire)

    def _delete_ids(self, ids: list[str]) -> None:
        for batch in _batched(ids):
            for collection in self._collections():
                collection.delete(ids=list(batch))
        if ids:
            self._wrote()

    def delete_statements(self, statement_ids: Iterable[str]) -> None:
        ids = list(dict.fromkeys(statement_ids))
        for batch in _batched(ids):
            where = where_clause(statement_ids=batch)
            for collection in self._collections():
                collection.delete(where=where)
        if ids:
            self._wrote()

    def delete_passages(self, ids: Iterable[str]) -> None:
        """Delete passages by id (e.g. the chunks a shortened statement no longer has)."""
        ids = list(dict.fromkeys(ids))
        for batch in _batched(ids):
            for collection in self._collections():
                collection.delete(ids=list(batch))
        if ids:
            self._wrote()

    def relocate(self, statements: list[Statement]) -> None:
        """Rewrite where stored statements were read (source, line, key) without re-embedding:
        a statement that moved inside its file, or to a renamed file, keeps its vectors."""
        by_id = {st.id: st for st in statements}
        ids = list(by_id)
        for batch in _batched(ids):
            got = self.collection.get(where=where_clause(statement_ids=batch), include=["metadatas"])
            if got["ids"]:
                metas = [location_metadata(meta, by_id[meta["statement_id"]]) for meta in got["metadatas"]]
                self.collection.update(ids=got["ids"], metadatas=metas)
        if ids:
            self._wrote()

    # ---- reads ----------------------------------------------------------------------------
    def existing_ids(self, ids: list[str], *, second: bool = False) -> set[str]:
        collection = self.second_collection if second else self.collection
        found: set[str] = set()
        if collection is None:
            return found
        for batch in _batched(ids):
            found.update(collection.get(ids=list(batch), include=[], where=None if second else where_clause())["ids"])
        return found

    def statement_states(self, statement_ids: list[str]) -> dict[str, dict[str, Any]]:
        """statement_id -> metadata of its first passage, for the statements stored (from any file)."""
        out: dict[str, dict[str, Any]] = {}
        for batch in _batched([f"{sid}:0" for sid in statement_ids]):
            got = self.collection.get(ids=list(batch), include=["metadatas"], where=where_clause())
            out.update({m["statement_id"]: m for m in got["metadatas"]})
        return out

    def passage_ids(self, statement_ids: list[str]) -> set[str]:
        """Ids of every stored passage of these statements."""
        found: set[str] = set()
        for batch in _batched(statement_ids):
            found.update(self.collection.get(where=where_clause(statement_ids=batch), include=[])["ids"])
        return found

    def statements_of_source(self, source: str) -> dict[str, str]:
        """statement_id -> key of what the store holds from one file."""
        got = self.collection.get(where=where_clause(source=source), include=["metadatas"])
        return {m["statement_id"]: m.get("key", m["statement_id"]) for m in got["metadatas"]}

    def sources(self, *, besides: Sequence[str] = ()) -> set[str]:
        """The files stored passages were read from; rows of the files ``besides`` (those an ingest just
        read: they exist) are left out inside Chroma, so they cost nothing to page through."""
        where = where_clause(sources_besides=list(dict.fromkeys(besides)))
        return {m.get("source", "") for batch in self._pages(include=["metadatas"], where=where)
                for m in batch["metadatas"]}

    def iter_metadatas(self) -> Iterator[dict[str, Any]]:
        for batch in self._pages(include=["metadatas"], where=where_clause()):
            yield from batch["metadatas"]

    def all_passages(self) -> list[StoredPassage]:
        """Everything stored, in id order (for the lexical index, stats and browsing)."""
        out: list[StoredPassage] = []
        for batch in self._pages(include=["documents", "metadatas"], where=where_clause()):
            for pid, doc, meta in zip(batch["ids"], batch["documents"], batch["metadatas"]):
                out.append(StoredPassage(pid, doc, meta))
        out.sort(key=lambda p: p.id)
        return out

    def passages(self, ids: list[str]) -> list[StoredPassage]:
        """The stored rows of these passage ids, in the order asked (unknown ids left out)."""
        found = self._rows.lookup(ids, self._read_rows) if self._rows is not None else self._read_rows(ids)
        return [found[i] for i in ids if i in found]

    def _read_rows(self, ids: list[str]) -> dict[str, StoredPassage]:
        found: dict[str, StoredPassage] = {}
        for batch in _batched(ids):
            got = self.collection.get(ids=list(batch), include=["documents", "metadatas"])
            found.update((i, StoredPassage(i, d, m)) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"]))
        return found

    def get_statement(self, statement_id: str) -> list[StoredPassage]:
        got = self.collection.get(where=where_clause(statement_ids=[statement_id]), include=["documents", "metadatas"])
        rows = [StoredPassage(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(rows, key=lambda p: p.meta.get("chunk", 0))

    def ids_matching(self, filters: Filters | None) -> set[str]:
        """Ids of every passage the filters let through, by the same ``where`` as ``query``."""
        where = where_clause(filters)
        return {pid for batch in self._pages(include=[], where=where) for pid in batch["ids"]}

    def _pages(self, include: list[str], size: int = 2000,
               where: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            batch = self.collection.get(include=include, limit=size, offset=offset, where=where)
            if not batch["ids"]:
                return
            yield batch
            offset += len(batch["ids"])

    def vectors(self, ids: list[str], *, second: bool = False) -> dict[str, np.ndarray]:
        """Stored vectors by passage id (for re-ranking candidates)."""
        collection = self.second_collection if second else self.collection
        if collection is None or not ids:
            return {}

        def read(wanted: list[str]) -> dict[str, np.ndarray]:
            out: dict[str, np.ndarray] = {}
            for batch in _batched(wanted):
                got = collection.get(ids=list(batch), include=["embeddings"])
                out.update((i, np.asarray(e, dtype=np.float32)) for i, e in zip(got["ids"], got["embeddings"]))
            return out

        cache = self._vectors.get(second)
        return cache.lookup(ids, read) if cache is not None else read(ids)

    def sample_vectors(self, n: int, *, second: bool = False) -> np.ndarray:
        """Up to ``n`` stored vectors, to calibrate scores per query."""
        collection = self.second_collection if second else self.collection
        if collection is None:
            return np.zeros((0, 0), dtype=np.float32)
        got = collection.get(include=["embeddings"], limit=n)
        return np.asarray(got["embeddings"], dtype=np.float32)

    def query(self, query_vector: np.ndarray, k: int, filters: Filters | None = None, *,
              within: Sequence[str] | None = None,
              within_vectors: np.ndarray | None = None) -> list[tuple[StoredPassage, float]]:
        """Nearest passages by cosine similarity, filters applied inside Chroma.  Retired rows
        are dropped here rather than in the ``where`` (see the module docstring): they are
        rare and short-lived, so a query asks for a few more, and again only if it met some.

        ``within``: only among these ids (a filter the caller answered itself, ``retrieval/facets.py``);
        ``filters`` are then not sent.  A metadata ``where`` costs Chroma ~100 ms at 150,000 passages, a
        list of ids ~20-50 ms, and a few hundred ids are compared here directly (Chroma's search within a
        small id list walks most of its graph: ~300 ms for 100 ids at 150,000 passages; 30-70 ms for 1,000-2,000).
        With ``within_vectors`` (the retrieval snapshot's copy) any number of ids is compared directly: the
        comparison of 2,000 rows takes under a millisecond."""
        if within is not None and not within:
            return []
        if within is not None and (within_vectors is not None or len(within) <= COMPARE_UNDER):
            return self._nearest_among(query_vector, k, list(within), within_vectors)
        extra = RETIRED_MARGIN
        while True:
            # ids and distances only: the rows come through ``passages`` (cached).  Chroma returns fewer than
            # ``n_results`` when fewer match, so the store is not counted first (12 ms at 15,000 passages)
            got = self.collection.query(
                query_embeddings=[np.asarray(query_vector, dtype=np.float32)],
                n_results=k + extra,
                where=None if within is not None else where_clause(filters, retired_too=True),
                ids=list(within) if within is not None else None,
                include=["distances"],
            )
            found = {row.id: row for row in self.passages(list(got["ids"][0]))}
            rows = [(found[i], dist) for i, dist in zip(got["ids"][0], got["distances"][0]) if i in found]
            hits = [(row, 1.0 - float(dist)) for row, dist in rows if not row.meta.get(RETIRED)]
            if len(hits) >= k or len(got["ids"][0]) < k + extra:
                return hits[:k]
            extra += max(1, len(self.collection.get(where={RETIRED: True}, include=[])["ids"]))

    def _nearest_among(self, query_vector: np.ndarray, k: int, ids: list[str],
                       given: np.ndarray | None = None) -> list[tuple[StoredPassage, float]]:
        """``query(within=ids)`` compared directly: the cosine similarity to each of their vectors (``given``
        row for row, else read through the vector cache)."""
        if given is not None:
            if len(given) != len(ids):
                raise ValueError(f"{len(ids)} ids but {len(given)} vectors")
            known, matrix = ids, np.asarray(given, dtype=np.float32)
        else:
            found = self.vectors(ids)
            known = [i for i in ids if i in found]
            if not known:
                return []
            matrix = np.stack([found[i] for i in known]).astype(np.float32)
        q = np.asarray(query_vector, dtype=np.float32)
        norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))  # np.linalg.norm's squares, without its temporaries
        sims = matrix @ q / (norms * float(np.linalg.norm(q)) + 1e-12)
        order = np.argsort(-sims, kind="stable")
        rows = {row.id: row for row in self.passages([known[j] for j in order[:k + RETIRED_MARGIN]])}
        hits = [(rows[known[j]], float(sims[j])) for j in order if known[j] in rows
                and not rows[known[j]].meta.get(RETIRED)]
        if len(hits) < k and len(order) > k + RETIRED_MARGIN:  # retired rows among the best: read the rest
            rows = {row.id: row for row in self.passages([known[j] for j in order])}
            hits = [(rows[known[j]], float(sims[j])) for j in order if known[j] in rows
                    and not rows[known[j]].meta.get(RETIRED)]
        return hits[:k]


Store = ChromaStore  # the name the CLI, the service and the tests open a store by
