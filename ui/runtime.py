"""The app's shared machinery (never a conversation): the Charter components,
first-start ingestion, and the lock that keeps the embedding models to one
caller at a time.

Why a background start: importing the models and, on first start, ingesting
the default corpus take seconds; serving the page at once and showing
progress there is better than a browser that cannot connect.  Handlers wait
for ``ready`` before they touch the store.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from assistant.context import Charter

log = logging.getLogger("charter.ui")
T = TypeVar("T")


@dataclass
class StatementInfo:
    """One stored statement, as the corpus browser lists it."""

    id: str
    author: str
    document: str
    date: str
    section: str
    lang: str
    year: str

    def label(self) -> str:
        bits = [self.author, self.document or "(untitled)", self.date or "n.d."]
        text = " — ".join(bits)
        return text + (f" · {self.section}" if self.section else "")


@dataclass
class Status:
    """What the page's status line says; updated from the start-up thread."""

    phase: str = "starting"  # starting | ingesting | loading | ready | error
    message: str = "Starting…"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.perf_counter)
    ready_after: float | None = None  # seconds from start to ready


class Runtime:
    """Charter plus its start-up state; one per app, shared by all sessions."""

    def __init__(self, charter: Charter, *, ingest_if_empty: bool = True):
        self.charter = charter
        self.ingest_if_empty = ingest_if_empty
        self.status = Status()
        self.ready = threading.Event()
        self.model_lock = threading.RLock()
        self._statements: tuple[int, list[StatementInfo]] | None = None
        self._started = False

    # ---- start-up ------------------------------------------------------------------------------
    def start(self, background: bool = True) -> None:
        """Open the store (ingesting the default corpus when empty) and load the models; once."""
        if self._started:
            return
        self._started = True
        if background:
            threading.Thread(target=self._prepare, name="charter-start", daemon=True).start()
        else:
            self._prepare()

    def _prepare(self) -> None:
        try:
            with self.model_lock:
                self._set("loading", "Opening the store…")
                store = self.charter.store
                if store.count() == 0 and self.ingest_if_empty:
                    self._ingest_default()
                self._set("loading", "Loading the models…")
                self._warm_up()
            s = self.status
            s.ready_after = time.perf_counter() - s.started
            self._set("ready", f"Ready: {self.catalog().statements} statements, {store.count()} passages.")
        except Exception as err:  # noqa: BLE001 - shown on the page instead of killing the thread silently
            log.exception("Charter could not start")
            self._set("error", f"Charter could not open its store: {type(err).__name__}: {err}")
        finally:
            self.ready.set()

    def _ingest_default(self) -> None:
        corpus = self.charter.settings.corpus
        self._set("ingesting", f"The store is empty: ingesting the default corpus ({corpus.name})…")
        log.warning("Charter: the store is empty; ingesting the default corpus from %s", corpus)
        report = self.charter.ingest([corpus], on_progress=self._progress, progress=True)
        for line in report.warnings + report.errors:
            log.warning("%s", line)
        log.warning("Charter: %s", report.summary().replace("\n", " | "))

    def _progress(self, done: int, total: int) -> None:
        self.status.done, self.status.total = done, total
        self.status.message = f"Ingesting the default corpus: {done}/{total} passages embedded…"

    def _warm_up(self) -> None:
        """One tiny search, so the first real question does not pay for model loading."""
        if self.charter.store.count():
            self.charter.retriever.search("AI safety", k=1)
        self.charter.answerer.backend_label  # noqa: B018 - builds the LLM client if one is configured

    def _set(self, phase: str, message: str) -> None:
        self.status.phase, self.status.message = phase, message

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self.ready.wait(timeout)

    @property
    def is_ready(self) -> bool:
        return self.ready.is_set() and self.status.phase == "ready"

    # ---- shared calls ----------------------------------------------------------------------------
    def locked(self, iterator: Iterator[T]) -> Iterator[T]:
        """Step a generator under the model lock, releasing it between steps
        (an LLM's stream then does not hold the embedders for its whole answer)."""
        while True:
            with self.model_lock:
                try:
                    item = next(iterator)
                except StopIteration:
                    return
            yield item

    def ingest(self, paths: list[Path], on_progress: Callable[[int, int], None] | None = None):
        """Ingest with the same loaders and messages as ``charter ingest``."""
        with self.model_lock:
            return self.charter.ingest(paths, on_progress=on_progress, progress=False)

    def search(self, query: str, k: int, filters: Any) -> Any:
        with self.model_lock:
            return self.charter.retriever.search(query, k=k, filters=filters)

    def catalog(self):
        with self.model_lock:
            return self.charter.retriever.catalog

    def statements(self) -> list[StatementInfo]:
        """Every stored statement once, cached until the store changes."""
        store = self.charter.store
        if self._statements and self._statements[0] == store.generation:
            return self._statements[1]
        with self.model_lock:
            seen: dict[str, StatementInfo] = {}
            for meta in store.iter_metadatas():
                sid = str(meta.get("statement_id", ""))
                if sid and sid not in seen:
                    seen[sid] = StatementInfo(
                        id=sid, author=str(meta.get("author") or "Unknown"), document=str(meta.get("document") or ""),
                        date=str(meta.get("date") or meta.get("date_text") or ""), section=str(meta.get("section") or ""),
                        lang=str(meta.get("lang") or ""), year=str(meta.get("year", "n.d.")),
                    )
            listing = sorted(seen.values(), key=lambda s: (s.author.casefold(), s.date, s.document, s.section))
            self._statements = (store.generation, listing)
        return listing
