"""The app's start-up (never a conversation): opening the store in the
background, ingesting the default corpus on first start, warming the models
up, and the status line that reports it.

Why a background start: importing the models and, on first start, ingesting
the default corpus take seconds; serving the page at once and showing
progress there is better than a browser that cannot connect.  Handlers wait
for ``ready`` before they touch the store.  Everything else goes straight to
the Charter service, which is safe to share between sessions by itself.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from assistant.service import Charter

log = logging.getLogger("charter.ui")


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
    """The Charter service plus its start-up state; one per app, shared by all sessions."""

    def __init__(self, charter: Charter, *, ingest_if_empty: bool = True):
        self.charter = charter
        self.ingest_if_empty = ingest_if_empty
        self.status = Status()
        self.ready = threading.Event()
        self._started = False

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
            self._set("loading", "Opening the store…")
            if self.charter.passage_count() == 0 and self.ingest_if_empty:
                self._ingest_default()
            self._set("loading", "Loading the models…")
            self._warm_up()
            s = self.status
            s.ready_after = time.perf_counter() - s.started
            catalog = self.charter.catalog()
            self._set("ready", f"Ready: {catalog.statements} statements, {self.charter.passage_count()} passages.")
        except Exception as err:  # noqa: BLE001 - shown on the page instead of killing the thread silently
            log.exception("Charter could not start")
            self._set("error", f"Charter could not open its store: {type(err).__name__}: {err}")
        finally:
            self.ready.set()

    def _ingest_default(self) -> None:
        corpus = self.charter.settings.store.corpus
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
        if self.charter.passage_count():
            self.charter.search("AI safety", k=1)
        self.charter.backend_label  # noqa: B018 - builds the LLM client if one is configured

    def _set(self, phase: str, message: str) -> None:
        self.status.phase, self.status.message = phase, message

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self.ready.wait(timeout)

    @property
    def is_ready(self) -> bool:
        return self.ready.is_set() and self.status.phase == "ready"
