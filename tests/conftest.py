"""Shared fixtures: settings and stores in tmp folders, real embedders that count
(and memoise) what they are asked to embed, the default corpus ingested once per
session, the ``charter`` console script, a real ``chroma run`` server, and the
../shared folder (WAIE statements ingested once per session).

Everything here is opt-in: no autouse fixtures, and the expensive ones are
session-scoped and only built when a test asks for them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.index.embedders import CharterEmbeddings, make_embedder, make_second_embedder
from assistant.index.embedders.cache import CachedEmbeddings, shipped_caches
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SEED_NAME = "ai-safety-statements.linking-ai-principles.zh.txt"
WAIE_NAME = "waie_statements.jsonl"  # the Worldwide AI Ethics statements shipped in corpus/ (CC BY-NC 4.0)


def waie_records() -> list[dict[str, Any]]:
    """The WAIE statements of the default corpus, read straight from the file."""
    lines = (REPO / "corpus" / WAIE_NAME).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# ---------------------------------------------------------------------------- embedders


class RecordingEmbedder(CharterEmbeddings):
    """A real embedder that records every request and memoises vectors.

    ``calls`` / ``texts`` count what Charter *asked* to embed (cache hits too),
    so a test can assert that a re-run embeds nothing; the vectors are the real
    model's, computed once per session for each distinct text.
    """

    def __init__(self, inner: CharterEmbeddings, cache: dict[tuple[str, bool], np.ndarray]):
        self.inner = inner
        self.model_id = inner.model_id
        self.relevance_threshold = inner.relevance_threshold
        self.cache = cache
        self.calls = 0
        self.texts: list[str] = []

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        self.calls += 1
        self.texts.extend(texts)
        todo = [t for t in dict.fromkeys(texts) if (t, is_query) not in self.cache]
        if todo:
            for text, vector in zip(todo, self.inner.embed_array(todo, is_query=is_query)):
                self.cache[(text, is_query)] = vector
        return np.stack([self.cache[(t, is_query)] for t in texts])

    @property
    def layers(self) -> list:
        """The wrapped model's cache layers: the retriever reads its shipped sentence vectors through them,
        so a recorded store ranks as the real one does."""
        return list(getattr(self.inner, "layers", ()))

    def reset_counts(self) -> None:
        self.calls = 0
        self.texts = []


@pytest.fixture(scope="session")
def _embedder_pool() -> dict[str, tuple[CharterEmbeddings, dict]]:
    """model_id -> (loaded model, vector cache), shared by the whole session."""
    return {}


@pytest.fixture(scope="session")
def recording_embedders(_embedder_pool) -> Callable[[Settings], tuple[RecordingEmbedder, RecordingEmbedder | None]]:
    """``make(settings) -> (main, second or None)``: fresh counters over shared, loaded models."""

    def wrap(model: CharterEmbeddings | None) -> RecordingEmbedder | None:
        if model is None:
            return None
        if model.model_id not in _embedder_pool:  # the vectors shipped with corpus/ first, read-only
            shipped = shipped_caches(model.model_id, [REPO / "corpus"])
            _embedder_pool[model.model_id] = (CachedEmbeddings(model, shipped), {})
        inner, cache = _embedder_pool[model.model_id]
        return RecordingEmbedder(inner, cache)

    def make(settings: Settings):
        return wrap(make_embedder(settings)), wrap(make_second_embedder(settings))

    return make


# ----------------------------------------------------------------------------- settings


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """``make(**overrides) -> Settings`` with the store in tmp_path and no LLM."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"store": tmp_path / "store", "llm_backend": "none"}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def store_factory(settings_factory, recording_embedders) -> Callable[..., Any]:
    """``make(settings=None, **overrides) -> Store`` opened with recording embedders
    (``store.embedder.calls``, ``store.second.calls``).  Open it twice on the same
    settings to play two separate runs."""
    from assistant.index.store import Store

    def make(settings: Settings | None = None, **overrides: Any):
        settings = settings or settings_factory(**overrides)
        main, second = recording_embedders(settings)
        return Store(settings, main, second)

    return make


def charter_with_store(store) -> Any:
    """A Charter wired to an already opened Store (and its embedders)."""
    from assistant.service import Charter

    charter = Charter(store.settings)
    charter.embedder = store.embedder  # cached_property: an assignment replaces it
    charter.store = store
    return charter


def stored_statements(store) -> dict[str, dict[str, Any]]:
    """statement_id -> metadata of its first passage plus the full text put back
    together from its passages (which are verbatim slices located by ``start``)."""
    chunks: dict[str, list] = {}
    for passage in store.all_passages():
        chunks.setdefault(passage.meta["statement_id"], []).append(passage)
    out: dict[str, dict[str, Any]] = {}
    for sid, passages in chunks.items():
        passages.sort(key=lambda p: p.meta["chunk"])
        text = ""
        for p in passages:  # a gap between passages is whitespace the splitter dropped
            start = p.meta.get("start", 0)
            text = text[:start].ljust(start) + p.text
        out[sid] = {**passages[0].meta, "text": text, "passages": len(passages)}
    return out


# --------------------------------------------------------------------- default corpus

IDAIS = "IDAIS (International Dialogues on AI Safety)"
#: the six seed statements of corpus/ as the issue states them: text start, author,
#: document, ISO date, date as written, section
SEEDS = [
    ('"Coordinated global action on AI safety', IDAIS, "IDAIS 牛津", "2023-10-31", "Oct 31, 2023", None),
    ("Positive utilization of AI", "Cabinet Office, Government of Japan",
     "以人类为中心的人工智能的社会原则(Social Principles of Human centric AI)", "2018-12-27", "Dec 27, 2018",
     "(4) Security"),
    ("Artificial intelligence (AI) is a new area", "Cyberspace Administration of China", "全球人工智能治理倡议",
     "2023-10-18", "October 18, 2023", None),
    ("Reaching adequate safety levels", IDAIS, "IDAIS 牛津", "2023-10-31", "Oct 31, 2023", None),
    ("Decisive action is required", IDAIS, "IDAIS 北京", "2024-05-10", "May 10, 2024", None),
    ("Rapid advances in artificial intelligence", IDAIS, "IDAIS 威尼斯", "2024-09-05", "Sept 5, 2024",
     "Consensus Statement on AI Safety as a Global Public Good"),
]


def assert_seed_statements(store, seed_file: Path, *, others: int = 0) -> None:
    """The store holds exactly the six seed statements (plus exactly ``others``
    statements from other files), each with its exact citation, its verbatim
    text (the whole line the file gives at ``line``) and its source file."""
    everything = stored_statements(store)
    statements = {sid: m for sid, m in everything.items() if m["source"] == str(seed_file.resolve())}
    assert len(everything) - len(statements) == others
    lines = seed_file.read_text(encoding="utf-8").splitlines()
    assert len(statements) == len(SEEDS), sorted(f"{m.get('source')}: {m.get('author')}: {m['text'][:30]}"
                                                 for m in everything.values())
    for start, *citation in SEEDS:
        found = [m for m in statements.values() if m["text"].startswith(start)]
        assert len(found) == 1, f"{start!r}: {len(found)} stored statements"
        meta = found[0]
        got = [meta.get(k) for k in ("author", "document", "date", "date_text", "section")]
        assert got == citation, f"citation of {start!r}"
    for sid, meta in statements.items():
        assert meta["source"] == str(seed_file.resolve())
        assert meta["text"] == lines[meta["line"] - 1].strip(), f"{sid}: stored text is not the line it cites"
        assert meta["year"] == int(meta["date"][:4])
        assert meta["lang"] == "en"



@pytest.fixture(scope="session")
def default_corpus() -> Path:
    """The folder `charter ingest` reads when given no path."""
    return Settings(store=Path("unused")).store.corpus


@dataclass
class SeededStore:
    settings: Settings
    store: Any  # assistant.index.store.Store with RecordingEmbedders
    report: Any  # the IngestReport of the one ingest
    corpus: Path

    @property
    def charter(self):
        return charter_with_store(self.store)


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory, recording_embedders, default_corpus) -> SeededStore:
    """An embedded store with the default corpus ingested once (default models): the
    seed statements and the WAIE statements, whose vectors come from the cache shipped
    in corpus/.embeddings.  Read-only: tests that write must build their own store."""
    from assistant.index.store import Store
    from assistant.index.sync import ingest

    settings = Settings(store=tmp_path_factory.mktemp("seeded") / "store", llm_backend="none")
    main, second = recording_embedders(settings)
    store = Store(settings, main, second)
    report = ingest(store, [default_corpus], progress=False)
    return SeededStore(settings, store, report, default_corpus)


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory, recording_embedders, default_corpus) -> SeededStore:
    """An embedded store with only the six seed statements of corpus/, for tests
    about them (counts, years, organisations).  Read-only, like ``seeded_store``."""
    from assistant.index.store import Store
    from assistant.index.sync import ingest

    settings = Settings(store=tmp_path_factory.mktemp("seeds") / "store", llm_backend="none")
    main, second = recording_embedders(settings)
    store = Store(settings, main, second)
    report = ingest(store, [default_corpus / SEED_NAME], progress=False)
    return SeededStore(settings, store, report, default_corpus)


@pytest.fixture
def corpus_copy(tmp_path: Path, default_corpus: Path) -> Path:
    """A writable copy of the seed statement file, in its own folder."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy2(default_corpus / SEED_NAME, folder / SEED_NAME)
    return folder


# ----------------------------------------------------------------------------- the CLI


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus anything that would change Charter's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OPENAI_"))}
    env.update(extra)
    return env


def cli_invoke(args: list[Any], **env: str):
    """`charter ARGS` in this process through click's CliRunner, with a clean
    Charter environment plus ``env`` (no LLM unless asked)."""
    from click.testing import CliRunner

    from ui.cli import main

    clean: dict[str, str | None] = {k: None for k in os.environ if k.startswith(("CHARTER_", "OPENAI_"))}
    clean.update({"CHARTER_LLM_BACKEND": "none", **env})
    return CliRunner().invoke(main, [str(a) for a in args], env=clean, catch_exceptions=False)


@pytest.fixture(scope="session")
def charter_exe() -> Path:
    exe = BIN / ("charter.exe" if os.name == "nt" else "charter")
    if not exe.exists():
        pytest.fail(f"the console script {exe} is missing: install the project (pip install -e .)")
    return exe


@pytest.fixture
def run_charter(charter_exe: Path, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """``run(*args, env={...}, timeout=...)``: the real `charter` script in tmp_path,
    with a clean environment and CHARTER_STORE=tmp_path/store unless given."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        full_env = clean_env(CHARTER_STORE=str(tmp_path / "store"), CHARTER_LLM_BACKEND="none")
        full_env.update(env or {})
        return subprocess.run(
            [str(charter_exe), *map(str, args)], capture_output=True, text=True, encoding="utf-8",
            env=full_env, cwd=tmp_path, timeout=timeout,
        )

    return run


# ---------------------------------------------------------------------- chroma server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> Iterator[str]:
    """A real `chroma run` server on a free local port; yields its URL.
    Tests share it, so each should use its own collection name.  Its clients keep
    what they derive from it in the user's cache folder (``ChromaStore.local_folder``):
    that folder is the session's own while the server runs."""
    exe = BIN / "chroma"
    if not exe.exists():
        pytest.skip(f"no chroma executable next to {sys.executable}")
    folder = tmp_path_factory.mktemp("chroma_server")
    env = pytest.MonkeyPatch()
    env.setenv("XDG_CACHE_HOME", str(folder / "client-cache"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with {proc.returncode}:\n{(folder / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"chroma run gave no heartbeat in 60 s:\n{(folder / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        env.undo()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


# ---------------------------------------------------------------------- ../shared data


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared next to the repository (or $CHARTER_SHARED); skips when absent."""
    path = Path(os.environ.get("CHARTER_SHARED") or Path(__file__).resolve().parents[2] / "shared")
    if not path.is_dir():
        pytest.skip(f"shared data folder not found at {path} (set CHARTER_SHARED)")
    return path


@dataclass
class WaieIngest:
    file: Path
    settings: Settings
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    first_seconds: float
    ids_after_first: set[str]

    def numbers(self, run: subprocess.CompletedProcess) -> dict[str, float]:
        return summary_numbers(run.stdout)


def summary_numbers(text: str) -> dict[str, float]:
    """The ``name: value`` figures of an ingest summary (``passages embedded: 12``)."""
    numbers = {k: float(v) for k, v in re.findall(r"([a-z][a-z ]*?): (\d+(?:\.\d+)?)", text)}
    rate = re.search(r"\((\d+(?:\.\d+)?) passages/s\)", text)
    if rate:
        numbers["passages/s"] = float(rate.group(1))
    return numbers


@pytest.fixture(scope="session")
def waie_ingest(shared_dir: Path, tmp_path_factory, charter_exe: Path) -> WaieIngest:
    """`charter ingest data/waie_statements.jsonl` run twice with default settings
    (only the store folder set), once per session: it embeds for about two minutes."""
    file = shared_dir / "data" / "waie_statements.jsonl"
    if not file.is_file():
        pytest.skip(f"{file} not found")
    home = tmp_path_factory.mktemp("waie")
    env = clean_env(CHARTER_STORE=str(home / "store"))

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([str(charter_exe), "ingest", "-q", str(file)], capture_output=True, text=True,
                              encoding="utf-8", env=env, cwd=home, timeout=1200)

    started = time.perf_counter()
    first = run()
    first_seconds = time.perf_counter() - started
    settings = Settings(store=home / "store")
    ids = store_ids(settings)
    second = run()
    return WaieIngest(file, settings, first, second, first_seconds, ids)


def store_ids(settings: Settings) -> set[str]:
    """Passage ids in the store, read by another process (this one must not hold
    the store open while the CLI writes to it)."""
    code = (
        "import chromadb, json, sys\n"
        "client = chromadb.PersistentClient(path=sys.argv[1], settings=chromadb.Settings(anonymized_telemetry=False))\n"
        "print(json.dumps(client.get_collection(sys.argv[2]).get(include=[])['ids']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(settings.store.path), settings.store.collection],
                         capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))
