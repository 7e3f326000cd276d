"""Bring the store in line with statement files: idempotent and incremental.

Identity: a statement's *id* is content-derived (or given by the source), so a
re-run on unchanged files finds every id already stored and embeds nothing.
Its *key* says which statement it is regardless of wording: the id the source
gave, else author + document + section + its occurrence in the file.  A new id
under a known key is an update (the old version is replaced), and so is a known
id whose content fingerprint changed (a source that gives ids corrected a text);
a stored statement the file no longer holds is removed only with ``prune``, and
never while any file being ingested still holds its id.  A file that fails to
parse, even in part, leaves what the store already holds from it untouched.

Each file is ingested all or nothing: its new passages are embedded into the
store's staging area and made visible by one commit (``Store.stage`` /
``Store.commit``; ``assistant/index/store.py`` says how the switch survives a
crash at any point).  Ctrl-C or an error rolls back only the file in progress;
the files before it stay, so a re-run resumes with the rest (they are
unchanged, nothing of them is embedded again).  Two ingests on one store
serialise on its lock (``assistant.index.lock``), and each begins by finishing
or discarding what a dead run left behind.  Before embedding, the plan (files,
statements, passages, time at the speed measured now) goes to ``confirm``.
"""

from __future__ import annotations

import errno
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.index.base import Store
from assistant.index.lock import IngestLocked, ingest_lock  # noqa: F401 - IngestLocked: raised from here
from assistant.index.rows import content_fingerprint, record_embedding_text
from assistant.index.store import StoreError
from core.model import IngestError, ParseIssue, PassageRecord, Statement
from ingest.loaders import iter_files, load_path
from ingest.splitting import split_statement


@dataclass
class IngestReport:
    """The summary printed after ``charter ingest``."""

    files_read: int = 0
    statements: int = 0
    added: int = 0
    unchanged: int = 0
    updated: int = 0
    removed: int = 0
    stale_kept: int = 0  # no longer in their file; removed with --prune
    passages_embedded: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    partial_files: set[str] = field(default_factory=set)  # read with errors: nothing of theirs is pruned
    cancelled: bool = False  # the plan was shown and not confirmed: nothing written

    @property
    def ok(self) -> bool:
        return not self.errors and not self.cancelled

    def summary(self) -> str:
        lines = [
            f"files read: {self.files_read}   statements found: {self.statements}",
            f"added: {self.added}   unchanged: {self.unchanged}   updated: {self.updated}   removed: {self.removed}",
            f"passages embedded: {self.passages_embedded}   time: {self.seconds:.1f} s"
            + (f"   ({self.passages_embedded / self.seconds:.1f} passages/s)"
               if self.passages_embedded and self.seconds else ""),
            f"warnings: {len(self.warnings)}   errors: {len(self.errors)}",
        ]
        if self.stale_kept:
            lines.append(f"{self.stale_kept} stored statements are no longer in their files: "
                         "run with --prune to remove them")
        return "\n".join(lines)


def assign_keys(statements: list[Statement]) -> None:
    """Give each statement the key that survives a rewording of its text."""
    seen: Counter[tuple] = Counter()
    for st in statements:
        if st.id != st.derived_id():
            key = f"id:{st.id}"
        else:
            ident = (st.author or "", st.document or "", st.section or "", st.page or 0)
            seen[ident] += 1
            key = "|".join(map(str, ident)) + f"#{seen[ident]}"
        st.key = key


def parse_files(paths: list[Path], report: IngestReport, *, max_file_bytes: float | None = None,
                follow_symlinks: bool = False) -> list[tuple[Path, list[Statement]]]:
    """Parse every file; a bad path or file is reported and skipped, the others go on.
    A file larger than ``max_file_bytes`` is refused before it is read."""
    parsed: list[tuple[Path, list[Statement]]] = []
    seen: dict[str, Statement] = {}  # statement id -> first occurrence, across all files
    for path in _files(paths, report, follow_symlinks):
        size = _size(path)
        if max_file_bytes is not None and size > max_file_bytes:
            report.errors.append(f"{path}: error: {size / 1e6:.3g} MB is over the {max_file_bytes / 1e6:g} MB "
                                 "limit per file (setting ingest_max_file_mb); not read")
            continue
        try:
            result = load_path(path)
        except IngestError as err:
            report.errors.append(str(err))
            continue
        except Exception as err:  # noqa: BLE001 - a loader bug must not stop the other files
            report.errors.append(f"{path}: error: could not read ({type(err).__name__}: {err})")
            continue
        file_errors = [i for i in result.issues if i.severity == "error"]
        report.errors.extend(str(i) for i in file_errors)
        report.warnings.extend(str(i) for i in result.issues if i.severity != "error")
        report.files_read += 1
        source = str(path.resolve())
        if file_errors:
            report.partial_files.add(source)
        for st in result.statements:
            st.source = source
        assign_keys(result.statements)
        parsed.append((path, _dedupe(result.statements, seen, report)))
    report.statements = sum(len(s) for _, s in parsed)
    return parsed


def _files(paths: list[Path], report: IngestReport, follow_symlinks: bool = False) -> list[Path]:
    """The files under ``paths``, each once; a path that does not exist is an error
    for that path only."""
    files: dict[Path, Path] = {}
    for path in paths:
        try:
            for file in iter_files([path], follow_symlinks=follow_symlinks, skipped=report.warnings):
                files.setdefault(file.resolve(), file)
        except IngestError as err:
            report.errors.append(str(err))
    return list(files.values())


def _dedupe(statements: list[Statement], seen: dict[str, Statement], report: IngestReport) -> list[Statement]:
    unique: list[Statement] = []
    for st in statements:
        first = seen.get(st.id)
        if first is not None:
            where = "" if first.source == st.source else f" ({first.source}:{first.line})"
            issue = ParseIssue(st.source, st.line, f"same statement appears twice; kept the first{where}")
            report.warnings.append(str(issue))
            continue
        seen[st.id] = st
        unique.append(st)
    return unique


@dataclass
class FilePlan:
    """What ingesting one file will change; applied all or nothing."""

    path: Path
    bytes: int
    statements: int
    add: list[Statement] = field(default_factory=list)
    replaces: dict[str, list[str]] = field(default_factory=dict)  # new statement id -> stored ids it replaces
    drop: list[str] = field(default_factory=list)  # stored statement ids pruned (--prune)
    relocate: list[Statement] = field(default_factory=list)
    records: list[PassageRecord] = field(default_factory=list)  # the passages to embed
    counts: IngestReport = field(default_factory=IngestReport)  # added/updated/... once the file is done

    @property
    def changes(self) -> bool:
        return bool(self.records or self.drop or self.relocate)


@dataclass
class IngestPlan:
    """What an ingest will do, shown before any embedding (``charter ingest`` asks past the limits)."""

    files: list[FilePlan]
    passages_per_second: float | None = None  # measured on this machine just before, when asked

    @property
    def statements(self) -> int:
        return sum(f.statements for f in self.files)

    @property
    def passages(self) -> int:
        return sum(len(f.records) for f in self.files)

    def estimated_seconds(self) -> float | None:
        return self.passages / self.passages_per_second if self.passages_per_second else None

    def large_files(self, max_passages: int, max_bytes: float) -> list[str]:
        """One line per file past a confirmation limit."""
        return [f"{f.path}: {len(f.records)} passages, {f.bytes / 1e6:.1f} MB" for f in self.files
                if len(f.records) > max_passages or f.bytes > max_bytes]

    def describe(self) -> str:
        """The lines ``charter ingest`` prints before embedding."""
        changing = [f for f in self.files if f.changes]
        lines = [f"{len(self.files)} files, {self.statements} statements; {len(changing)} files to change, "
                 f"{self.passages} passages to embed"]
        eta = self.estimated_seconds()
        if eta is not None and self.passages:
            lines[0] += f", about {_duration(eta)} on this machine ({self.passages_per_second:.1f} passages/s measured)"
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class IngestInterrupted(Exception):
    """Ctrl-C during an ingest: what was kept and what was not."""

    def __init__(self, report: IngestReport, done: list[Path], rolled_back: Path | None, not_started: list[Path]):
        super().__init__("ingest interrupted")
        self.report, self.done, self.rolled_back, self.not_started = report, done, rolled_back, not_started

    def summary(self) -> str:
        names = lambda paths: ", ".join(str(p) for p in paths) or "none"  # noqa: E731
        lines = [f"interrupted: kept the {len(self.done)} files done: {names(self.done)}"]
        if self.rolled_back is not None:
            lines.append(f"rolled back: {self.rolled_back} (nothing of it was stored; "
                         "the store holds what it held before this file)")
        lines.append(f"not started: {names(self.not_started)}")
        if self.rolled_back is not None or self.not_started:
            lines.append("run the same command again to ingest the rest")
        return "\n".join(lines)


def ingest(
    store: Store,
    paths: list[Path],
    *,
    prune: bool = False,
    chunk_chars: int = 1200,
    chunk_overlap: int = 150,
    batch_size: int = 32,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    confirm: Callable[[IngestPlan], bool] | None = None,
    on_file: Callable[[int, int, FilePlan], None] | None = None,
    lock_wait: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
    max_file_bytes: float | None = None,
    follow_symlinks: bool = False,
) -> IngestReport:
    """Parse ``paths`` and bring the store in line with them, one file all or nothing.

    Under the store's ingest lock (waiting up to ``lock_wait`` s): finish or discard
    what a dead run left, plan every file, let ``confirm`` see the plan (with the
    embedding speed measured) and say no, then per file: embed into staging and
    commit.  Ctrl-C rolls back the file in progress and raises ``IngestInterrupted``;
    an error in one file rolls it back, is reported, and the next file goes on."""
    started = time.perf_counter()
    report = IngestReport()
    with _locked(store, lock_wait, on_wait):
        recovered = store.recover()
        if recovered:
            report.warnings.append(f"{store.location}: {recovered}")
        plan = plan_ingest(store, paths, report, prune=prune, chunk_chars=chunk_chars, chunk_overlap=chunk_overlap,
                           max_file_bytes=max_file_bytes, follow_symlinks=follow_symlinks)
        if confirm is not None:
            if plan.passages:
                plan.passages_per_second = measure_speed(store, [r for f in plan.files for r in f.records])
            if not confirm(plan):
                report.cancelled = True
                report.seconds = time.perf_counter() - started
                return report
        _run(store, plan, report, batch_size, progress, on_progress, on_file)
        try:  # every file is done: what follows only completes views and prunes whole files
            adding = [st for f in plan.files for st in f.add]
            backfill = _missing_second_view(store, plan.statements_read, adding, chunk_chars, chunk_overlap)
            _embed(store.add, backfill, batch_size, progress, None, desc="second view", second_only=True)
            report.passages_embedded += len(backfill)
            read = [str(f.path.resolve()) for f in plan.files]
            gone = [sid for sid in _statements_of_missing_files(store, paths, read) if sid not in plan.current]
            if prune:
                store.delete_statements(gone)
                report.removed += len(gone)
            else:
                report.stale_kept += len(gone)
        except KeyboardInterrupt:
            raise IngestInterrupted(report, [f.path for f in plan.files], None, []) from None
        except StoreError as err:  # e.g. the server went away: the files done stay done, say so
            report.errors.append(f"{store.location}: error: {err}")
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _locked(store: Store, wait: float, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    """The store's ingest lock; a lock file that cannot be written (a full disk, a read-only folder)
    is a StoreError with one clear line, before anything else is tried."""
    stack = ExitStack()
    try:
        stack.enter_context(ingest_lock(store.lock_file, wait=wait, on_wait=on_wait))
    except OSError as err:
        why = {errno.ENOSPC: "the disk is full", errno.EROFS: "the folder is read-only",
               errno.EACCES: "permission denied"}.get(err.errno or 0, err.strerror or str(err))
        raise StoreError(f"Cannot write the ingest lock {store.lock_file}: {why}; nothing was written, "
                         "the store keeps what it held before.") from None
    with stack:
        yield


def plan_ingest(store: Store, paths: list[Path], report: IngestReport, *, prune: bool = False,
                chunk_chars: int = 1200, chunk_overlap: int = 150, max_file_bytes: float | None = None,
                follow_symlinks: bool = False) -> _Plan:
    """Parse every file and work out what each changes (reads the store, writes nothing)."""
    parsed = parse_files(paths, report, max_file_bytes=max_file_bytes, follow_symlinks=follow_symlinks)
    every = [st for _, statements in parsed for st in statements]
    current = {st.id for st in every}
    files: list[FilePlan] = []
    for path, statements in parsed:
        file = FilePlan(path, _size(path), len(statements))
        _plan_file(store, str(path.resolve()), statements, current, prune, report, file)
        file.records = [p for st in file.add for p in split_statement(st, chunk_chars, chunk_overlap)]
        files.append(file)
    return _Plan(files, current=current, statements_read=every)


@dataclass
class _Plan(IngestPlan):
    current: set[str] = field(default_factory=set)  # every statement id the files hold
    statements_read: list[Statement] = field(default_factory=list)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def measure_speed(store: Store, records: list[PassageRecord], sample: int = 16) -> float:
    """Passages per second of this store's embedders on this machine, from a small sample of
    the passages about to be embedded (after a warm-up call, so model loading is not counted)."""
    texts = [record_embedding_text(r) for r in records[:sample]]
    models = [m for m in (store.embedder, store.second) if m is not None]
    for model in models:
        model.embed_array(texts[:1], is_query=False)
    begun = time.perf_counter()
    for model in models:
        model.embed_array(texts, is_query=False)
    elapsed = time.perf_counter() - begun
    return len(texts) / elapsed if elapsed > 0 else float("inf")


def _run(store: Store, plan: IngestPlan, report: IngestReport, batch_size: int, progress: bool,
         on_progress: Callable[[int, int], None] | None, on_file: Callable[[int, int, FilePlan], None] | None) -> None:
    total = plan.passages
    offset = 0
    done: list[Path] = []
    for index, file in enumerate(plan.files):
        if on_file:
            on_file(index + 1, len(plan.files), file)

        def tick(n: int, _total: int, base: int = offset) -> None:
            if on_progress:
                on_progress(base + n, total)

        try:
            if file.changes:
                _embed(store.stage, file.records, batch_size, progress, tick, desc=file.path.name)
                with deferred_interrupts():  # the switch and what follows it are never cut short
                    store.commit(file.replaces, file.drop)
                    store.relocate(file.relocate)
        except KeyboardInterrupt:
            with deferred_interrupts():
                store.discard_staged()
            raise IngestInterrupted(report, done, file.path, [f.path for f in plan.files[index + 1:]]) from None
        except Exception as err:  # noqa: BLE001 - the file rolls back; the others go on
            try:
                store.discard_staged()
            except Exception:  # noqa: BLE001 - e.g. the server is gone: the next ingest discards it
                pass
            report.errors.append(f"{file.path}: error: not stored, the store keeps what it held before this file "
                                 f"({type(err).__name__}: {err})")
            offset += len(file.records)
            continue
        offset += len(file.records)
        report.passages_embedded += len(file.records)
        for name in ("added", "unchanged", "updated", "removed", "stale_kept"):
            setattr(report, name, getattr(report, name) + getattr(file.counts, name))
        done.append(file.path)


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold a Ctrl-C back until the block is done (main thread only: signals reach no other),
    so a commit or a rollback is never cut in the middle."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _plan_file(store: Store, source: str, statements: list[Statement], current: set[str], prune: bool,
               report: IngestReport, file: FilePlan) -> None:
    """What to add, which stored statement ids each new one replaces or which are pruned, and which
    stored statements only moved (same content, another line or file); counts go to ``file.counts``."""
    counts = file.counts
    states = store.statement_states([st.id for st in statements])  # from any file
    # stored from this file, no longer in any file being read: old versions, or gone
    orphans: dict[str, list[str]] = {}
    for sid, key in store.statements_of_source(source).items():
        if sid not in current:
            orphans.setdefault(key, []).append(sid)
    for st in statements:
        key = st.key
        stored = states.get(st.id)
        if stored is not None and stored.get("fingerprint") == content_fingerprint(st):
            counts.unchanged += 1
            if (stored.get("source"), stored.get("line"), stored.get("key")) != (st.source, st.line, key):
                file.relocate.append(st)
            continue
        file.add.append(st)
        if stored is not None:  # same id, new content: replaced in place
            counts.updated += 1
        elif orphans.get(key) and source not in report.partial_files:  # reworded: the old version goes
            counts.updated += 1
            file.replaces[st.id] = [orphans[key].pop(0)]
        else:
            counts.added += 1
    gone = [sid for sids in orphans.values() for sid in sids]
    if prune and source not in report.partial_files:
        file.drop.extend(gone)
        counts.removed += len(gone)
    else:
        counts.stale_kept += len(gone)


def _missing_second_view(store: Store, statements: list[Statement], to_add: list[Statement],
                         chunk_chars: int, chunk_overlap: int) -> list[PassageRecord]:
    """Passages of unchanged statements that the second-view collection lacks (the store
    was built with CHARTER_SECOND_VIEW=none): embedded again so both views cover all."""
    if not store.has_second_view:
        return []
    adding = {st.id for st in to_add}
    unchanged = [st for st in statements if st.id not in adding]
    have = store.existing_ids([f"{st.id}:0" for st in unchanged], second=True)
    return [p for st in unchanged if f"{st.id}:0" not in have for p in split_statement(st, chunk_chars, chunk_overlap)]


def _embed(write: Callable[..., None], records: list[PassageRecord], batch_size: int, progress: bool,
           on_progress: Callable[[int, int], None] | None, *, desc: str, **kwargs: bool) -> None:
    bar = tqdm(total=len(records), unit="passage", desc=desc, disable=not progress or not records)
    try:
        for start in range(0, len(records), batch_size):
            batch = records[start : start + batch_size]
            write(batch, **kwargs)
            bar.update(len(batch))
            if on_progress:
                on_progress(min(start + batch_size, len(records)), len(records))
    finally:
        bar.close()


def _statements_of_missing_files(store: Store, paths: list[Path], read: list[str]) -> list[str]:
    """Stored statements of files that were under ``paths`` and are gone now (``read``: the files
    this ingest read, which exist)."""
    roots = [str(p.resolve()) for p in paths]
    ids: list[str] = []
    for source in store.sources(besides=read):
        if source and any(source == r or source.startswith(r.rstrip("/") + "/") for r in roots):
            if not Path(source).exists():
                ids.extend(store.statements_of_source(source))
    return ids
