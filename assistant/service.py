"""The one door into Charter for its front-ends: the ``charter`` command and the
web UI call this and nothing below it, so they can never disagree about which
store or model they use, and neither has to know how the store keeps its rows.

It is safe to share between threads by itself: the embedding models, the
Chroma client and the retriever's in-memory index (rebuilt when the store
changes) are not, so every call that touches them runs under one lock.  A
streamed answer takes the lock for each step only, so an LLM writing a long
answer does not keep the models from other callers; an ingest runs outside it
(it serialises on the store's own ingest lock, and its rows stay invisible to
searches until each file's switch), so questions are answered while it runs.

Imports below the facade are made on first use: ``charter config`` and the
page of the web UI must come up without loading Chroma or the models.  The
types a front-end needs by name (``Catalog``, ``IngestReport``, ...) are
re-exported lazily for the same reason.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from assistant.index.rows import statement_from_passages, statement_summaries
from assistant.settings import Settings
from core.model import Answer, Filters, Mode, Statement, StatementSummary

if TYPE_CHECKING:
    from assistant.answer.answerer import Answerer
    from assistant.answer.backends import DEFAULT_BASE_URL, safe_url
    from assistant.answer.verify import UNVERIFIED_LABEL
    from assistant.evaluate import format_report
    from assistant.index.embedders import CharterEmbeddings
    from assistant.index.lock import IngestLocked
    from assistant.index.store import Store, StoreError
    from assistant.index.sync import IngestInterrupted, IngestReport
    from assistant.retrieval.catalog import Catalog
    from assistant.retrieval.retriever import Method, Retriever, SearchResult
    from assistant.themes.consensus import ConsensusMap
    from assistant.themes.export import map_csv, map_markdown, map_to_dict
    from assistant.themes.plot import plotly_heatmap, save_png
    from ingest.loaders import FOLDER_DOCS, SUPPORTED_SUFFIXES

__all__ = ["DEFAULT_BASE_URL", "FOLDER_DOCS", "SUPPORTED_SUFFIXES", "UNVERIFIED_LABEL", "Catalog", "Charter",
           "ConsensusMap", "IngestInterrupted", "IngestLocked", "IngestReport", "SearchResult", "StoreError",
           "format_report", "map_csv", "map_markdown", "map_to_dict", "plotly_heatmap", "safe_url", "save_png"]

# name -> module it lives in; imported when first asked for (see the module docstring)
_LAZY_EXPORTS = {
    "Catalog": "assistant.retrieval.catalog",
    "IngestReport": "assistant.index.sync",
    "IngestInterrupted": "assistant.index.sync",  # Ctrl-C: what was kept and what was not
    "IngestLocked": "assistant.index.lock",  # another ingest holds the store
    "SearchResult": "assistant.retrieval.retriever",
    "StoreError": "assistant.index.store",
    "SUPPORTED_SUFFIXES": "ingest.loaders",
    "FOLDER_DOCS": "ingest.loaders",  # README, LICENSE ...: a folder's description, not its statements
    "format_report": "assistant.evaluate",
    "UNVERIFIED_LABEL": "assistant.answer.verify",  # the flag the verifier writes into an answer's text
    "safe_url": "assistant.answer.backends",  # a URL without its credentials
    "DEFAULT_BASE_URL": "assistant.answer.backends",
    "ConsensusMap": "assistant.themes.consensus",  # what Charter.map returns
    "map_to_dict": "assistant.themes.export",  # a map as JSON, a Markdown table, CSV
    "map_markdown": "assistant.themes.export",
    "map_csv": "assistant.themes.export",
    "plotly_heatmap": "assistant.themes.plot",  # a map as a Plotly figure, or a PNG file
    "save_png": "assistant.themes.plot",
}

T = TypeVar("T")


def __getattr__(name: str) -> Any:
    if name in _LAZY_EXPORTS:
        return getattr(importlib.import_module(_LAZY_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------- stored rows -> statements




# ---------------------------------------------------------------- the facade


class _Component(Generic[T]):
    """A component built on first use under the service's lock, so two threads
    never build it twice; assignable, so a test can wire in its own."""

    def __init__(self, build: Callable[[Charter], T]):
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Component[T]: ...

    @overload
    def __get__(self, obj: Charter, owner: type | None = None) -> T: ...

    def __get__(self, obj: Charter | None, owner: type | None = None) -> T | _Component[T]:
        if obj is None:
            return self
        with obj._lock:
            if self.name not in obj.__dict__:
                obj.__dict__[self.name] = self.build(obj)
            return obj.__dict__[self.name]

    def __set__(self, obj: Charter, value: T) -> None:
        with obj._lock:
            obj.__dict__[self.name] = value


class Charter:
    """Settings -> embedder -> store -> retriever -> answerer, built lazily, and
    everything the front-ends ask of them."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        _check_registered_names(self.settings)
        self._lock = threading.RLock()
        self._statements: tuple[int, list[StatementSummary]] | None = None  # (store generation, listing)

    # ---- components ------------------------------------------------------------------------------
    @_Component
    def embedder(self) -> CharterEmbeddings:
        """The model behind the embedding cache (assistant/index/embedders/cache.py): a passage
        embedded before, here or when the corpus was shipped, is looked up, not embedded again."""
        from assistant.index.embedders import make_embedder
        from assistant.index.embedders.cache import with_cache

        return with_cache(make_embedder(self.settings), self.settings)

    @_Component
    def store(self) -> Store:
        from assistant.index.embedders import make_second_embedder
        from assistant.index.embedders.cache import with_cache
        from assistant.index.store import Store

        second = make_second_embedder(self.settings)
        return Store(self.settings, self.embedder, second and with_cache(second, self.settings))

    @_Component
    def retriever(self) -> Retriever:
        from assistant.retrieval.retriever import Retriever

        return Retriever(self.store, self.settings)

    @_Component
    def answerer(self) -> Answerer:
        from assistant.answer.answerer import Answerer

        return Answerer(self.retriever, self.settings)

    # ---- the store -------------------------------------------------------------------------------
    @property
    def location(self) -> str:
        """Where the store is: its folder, or the Chroma server's URL."""
        with self._lock:
            return self.store.location

    def passage_count(self) -> int:
        with self._lock:
            return self.store.count()

    def drop_collections(self, on_wait: Callable[[str], None] | None = None) -> None:
        """Delete the stored collections (``--rebuild``); the next call opens them afresh.
        Call it before anything else when the store may hold another model's vectors.
        It holds the store's ingest lock while it drops, so it never pulls a collection
        from under an ingest that is writing (it waits ``ingest_lock_wait`` s, then raises
        ``IngestLocked`` naming the holder)."""
        from assistant.index.lock import ingest_lock
        from assistant.index.store import drop_collections, ingest_lock_path

        with self._lock, ingest_lock(ingest_lock_path(self.settings), wait=self.settings.store.ingest_lock_wait,
                                     on_wait=on_wait):
            drop_collections(self.settings)
            for name in ("store", "retriever", "answerer"):
                self.__dict__.pop(name, None)
            self._statements = None

    def parse(self, paths: Iterable[Path]) -> tuple[list[Statement], IngestReport]:
        """What ingesting would store, parsed only (``--dry-run``): no store, no model."""
        from assistant.index.sync import IngestReport, parse_files

        report = IngestReport()  # the same size and symlink rules as an ingest: a dry run reads no 1 GB file
        found_files = parse_files(list(paths), report, max_file_bytes=self.settings.store.ingest_max_file_mb * 1e6,
                                  follow_symlinks=self.settings.store.ingest_follow_symlinks)
        statements = [st for _path, found in found_files for st in found]
        return statements, report

    def ingest(self, paths: Iterable[Path], **kwargs: Any) -> IngestReport:
        """Ingest with the settings' chunking; see assistant.index.sync.ingest for the options."""
        from assistant.index.sync import ingest

        kwargs.setdefault("chunk_chars", self.settings.embedding.chunk_chars)
        kwargs.setdefault("chunk_overlap", self.settings.embedding.chunk_overlap)
        kwargs.setdefault("batch_size", self.settings.embedding.batch)
        kwargs.setdefault("max_file_bytes", self.settings.store.ingest_max_file_mb * 1e6)
        kwargs.setdefault("lock_wait", self.settings.store.ingest_lock_wait)
        kwargs.setdefault("follow_symlinks", self.settings.store.ingest_follow_symlinks)
        with self._lock:
            store = self.store  # built once, under the lock
        # Not under the service's lock: a long ingest (the first start's fill) must not hold up questions.
        # Ingests serialise on the store's own ingest lock, and a file's new passages stay staged, invisible
        # to searches, until its one switch; the retriever rebuilds its snapshot when the store's generation moves.
        report = ingest(store, list(paths), **kwargs)
        with self._lock:  # rebuild (and persist beside the store) BM25 and the names now, not at the next question
            self.retriever.index  # noqa: B018 - the property builds it
        return report

    def catalog(self) -> Catalog:
        """Counts and names of what is stored (cached by the retriever until the store changes)."""
        with self._lock:
            return self.retriever.catalog

    def stats(self) -> dict[str, Any]:
        """What ``charter stats`` prints: counts by author, document, year and language."""
        from assistant.retrieval.catalog import Catalog

        with self._lock:
            return Catalog.from_store(self.store).stats()

    def statements(self) -> list[StatementSummary]:
        """Every stored statement once, cached until the store changes."""
        with self._lock:
            store = self.store
            if self._statements is None or self._statements[0] != store.generation:
                self._statements = (store.generation, statement_summaries(store.iter_metadatas()))
            return self._statements[1]

    def statement(self, statement_id: str) -> Statement | None:
        """One stored statement whole (its passages stitched back together), or None."""
        with self._lock:
            return statement_from_passages(self.store.get_statement(statement_id))

    # ---- searching and answering -----------------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               method: str = "hybrid") -> SearchResult:
        with self._lock:
            return self.retriever.search(query, k=k, filters=filters, method=method)  # type: ignore[arg-type]

    @property
    def backend_label(self) -> str:
        """Who answers (the LLM, or the offline quote answerer); builds the LLM client on first use."""
        with self._lock:
            return self.answerer.backend_label

    def stream(self, question: str, history: list[dict] | None = None, *, mode: Mode = "ask",
               filters: Filters | None = None, k: int | None = None,
               targets: list[str] | None = None) -> Iterator[Answer]:
        """Partial answers while an LLM writes, then the final one; each step under the lock."""
        updates = self.answerer.stream(question, history, mode=mode, filters=filters, k=k, targets=targets)
        while True:
            with self._lock:
                try:
                    update = next(updates)
                except StopIteration:
                    return
            yield update

    def answer(self, question: str, history: list[dict] | None = None, **kwargs: Any) -> Answer:
        """The final answer only (see ``stream`` for the options)."""
        final = None
        for update in self.stream(question, history, **kwargs):
            final = update
        if final is None:
            raise RuntimeError("the answerer gave no answer")
        return final

    def evaluate(self, questions: Path, *, k: int = 5, retrievers: list[Method] | None = None,
                 with_answers: bool = True, mode: Mode = "ask") -> dict[str, Any]:
        """The ``charter eval`` report on a gold question file (``format_report`` prints it); ``mode`` summary
        or compare adds that mode's figures (compare reads a compare question file)."""
        from assistant.evaluate import evaluate_file

        with self._lock:
            return evaluate_file(self, questions, k=k, retrievers=retrievers, with_answers=with_answers, mode=mode)

    def map(self, topic: str | None = None, framework: str | Path | None = None, *, by: str = "author",
            k: int = 40, filters: Filters | None = None, max_themes: int | None = None,
            seed: int = 0) -> ConsensusMap:
        """The consensus map (assistant/themes/map.py): of what ``topic`` retrieves (``k`` passages), or of
        the whole store; themes discovered (up to 6 for a topic, 8 for the store), or a framework's (a JSON
        file, or ``fjeld2020`` / ``waie17``)."""
        from assistant.themes.frameworks import load_framework
        from assistant.themes.map import build_map

        chosen = load_framework(framework) if framework else None
        with self._lock:
            if topic:
                found = self.retriever.search(topic, k=k, filters=filters)
                passages = [] if found.abstain else found.passages
            else:
                passages = [row.passage() for row in self.store.all_passages()]
            embedder, second = self.embedder, self.store.second  # the map joins both views when there are two
            return build_map(passages, lambda texts: embedder.embed_array(texts, is_query=False), topic=topic,
                             framework=chosen, embed_query=lambda texts: embedder.embed_array(texts, is_query=True),
                             by="document" if by == "document" else "author",
                             max_themes=max_themes or (6 if topic else 8), seed=seed,
                             second=None if second is None else (
                                 lambda texts: second.embed_array(texts, is_query=False),
                                 lambda texts: second.embed_array(texts, is_query=True)))


def _check_registered_names(settings: Settings) -> None:
    """Refuse, before anything is built, a model or backend name nobody registered; the
    error lists the registered ones.  Settings cannot check this itself: the
    registries live in the layers above it."""
    from assistant.answer.backends import check_backend_name
    from assistant.index.embedders import check_name

    check_name(settings.embedding.model)
    if settings.embedding.second_view != "none":
        check_name(settings.embedding.second_view)
    check_backend_name(settings.llm.backend)
