"""The app's start-up (never a conversation): opening the store in the
background, ingesting the default corpus on first start, warming the models
up, and the status line that reports it.

Why a background start: importing the models and, on first start, ingesting
the default corpus take seconds; serving the page at once and showing
progress there is better than a browser that cannot connect.  Handlers wait
for ``ready`` before they touch the store.  Everything else goes straight to
the Charter service, which is safe to share between sessions by itself.

A first start goes in two steps: the corpus folder's small files first (the
seed statements: a few seconds), then ``ready`` is set and the whole folder
is ingested while the page shows its progress (``filling``).  With the
vectors shipped in ``corpus/.embeddings`` no passage of the default corpus is
embedded, and the store's writes are most of the wait.  Measured with
``python -m benchmarks.first_start`` on 2 busy cores (load 11): ready on the
seeds after 7.2 s, the whole corpus (1,467 passages) searchable after 41.7 s.
A question asked during the fill waits for it: ``Charter.ingest`` holds the
service's lock for the whole ingest.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.service import Charter

#: a first start reads the corpus folder's files up to this many bytes first (smallest first), so
#: the page answers on them within seconds; the six seed statements are 12 kB, the WAIE file 1.1 MB
FIRST_BYTES = 256_000

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
    filled_after: float | None = None  # seconds from start to the whole default corpus stored (first start)


class Runtime:
    """The Charter service plus its start-up state; one per app, shared by all sessions."""

    def __init__(self, charter: Charter, *, ingest_if_empty: bool = True):
        self.charter = charter
        self.ingest_if_empty = ingest_if_empty
        self.status = Status()
        self.ready = threading.Event()
        self.filling = False  # ready, and still ingesting the rest of the default corpus
        self._started = False
        self._doing = ""

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
        rest = False
        try:
            self._set("loading", "Opening the store…")
            if self.charter.passage_count() == 0 and self.ingest_if_empty:
                corpus = self.charter.settings.store.corpus
                first = first_files(corpus)
                rest = bool(first)
                self._ingest_default(first or [corpus])
            self._set("loading", "Loading the models…")
            self._warm_up()
            s = self.status
            s.ready_after = time.perf_counter() - s.started
            catalog = self.charter.catalog()
            self._set("ready", f"Ready: {catalog.statements} statements, {self.charter.passage_count()} passages.")
        except Exception as err:  # noqa: BLE001 - shown on the page instead of killing the thread silently
            log.exception("Charter could not start")
            self._set("error", f"Charter could not open its store: {type(err).__name__}: {err}")
            rest = False
        finally:
            self.filling = rest
            self.ready.set()
        if rest:
            self._fill()

    def _fill(self) -> None:
        """The whole default corpus, after its first files: the page is up and shows the progress."""
        try:
            first = self.charter.catalog().statements
            self._ingest_default([self.charter.settings.store.corpus],
                                 f"Ready on the first {first} statements; adding the rest of the default corpus")
            self._warm_up()  # the first question after the fill does not pay for the retriever's rebuild
            catalog = self.charter.catalog()
            self._set("ready", f"Ready: {catalog.statements} statements, {self.charter.passage_count()} passages.")
        except Exception as err:  # noqa: BLE001 - the seed statements stay usable; the page says what failed
            log.exception("Charter could not ingest the default corpus")
            self._set("error", f"Charter could not ingest the default corpus: {type(err).__name__}: {err}")
        finally:
            self.filling = False
            self.status.filled_after = time.perf_counter() - self.status.started

    def _ingest_default(self, paths: list[Path], doing: str = "") -> None:
        corpus = self.charter.settings.store.corpus
        self._doing = doing or f"The store is empty: ingesting the default corpus ({corpus.name})"
        self._set("ingesting", f"{self._doing}…")
        log.warning("Charter: %s from %s", self._doing.lower(), ", ".join(map(str, paths)))
        report = self.charter.ingest(paths, on_progress=self._progress, progress=True)
        for line in report.warnings + report.errors:
            log.warning("%s", line)
        log.warning("Charter: %s", report.summary().replace("\n", " | "))

    def _progress(self, done: int, total: int) -> None:
        self.status.done, self.status.total = done, total
        self.status.message = f"{self._doing}: {done}/{total} passages stored…"

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


def first_files(corpus: Path, budget: int | None = None) -> list[Path]:
    """The corpus folder's smallest statement files, up to ``budget`` bytes in all (FIRST_BYTES):
    read first on a first start.  Empty when the folder is small enough to read in one go."""
    from assistant.service import FOLDER_DOCS, SUPPORTED_SUFFIXES

    budget = FIRST_BYTES if budget is None else budget

    if not corpus.is_dir():
        return []
    files = sorted((f for f in corpus.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
                    and f.stem.lower() not in FOLDER_DOCS
                    and not any(part.startswith(".") for part in f.relative_to(corpus).parts)),
                   key=lambda f: (f.stat().st_size, f.name))
    first: list[Path] = []
    size = 0
    for file in files:
        if first and size + file.stat().st_size > budget:
            break
        first.append(file)
        size += file.stat().st_size
    return first if len(first) < len(files) else []
