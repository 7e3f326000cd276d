"""Bring the store in line with statement files: idempotent and incremental.

Identity: a statement's *id* is content-derived (or given by the source), so a
re-run on unchanged files finds every id already stored and embeds nothing.
Its *key* says which statement it is regardless of wording: the id the source
gave, else author + document + section + its occurrence in the file.  A new id
under a known key is an update (the old version is replaced); a key the file no
longer holds is removed only with ``prune``.  A file that fails to parse leaves
what the store already holds from it untouched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.store import Store
from ingest.loaders import iter_files, load_path
from ingest.records import IngestError, ParseIssue, PassageRecord, Statement
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

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        lines = [
            f"files read: {self.files_read}   statements found: {self.statements}",
            f"added: {self.added}   unchanged: {self.unchanged}   updated: {self.updated}   removed: {self.removed}",
            f"passages embedded: {self.passages_embedded}   time: {self.seconds:.1f} s"
            + (f"   ({self.passages_embedded / self.seconds:.1f} passages/s)" if self.passages_embedded and self.seconds else ""),
            f"warnings: {len(self.warnings)}   errors: {len(self.errors)}",
        ]
        if self.stale_kept:
            lines.append(f"{self.stale_kept} stored statements are no longer in their files: run with --prune to remove them")
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
        st.extra = {**(st.extra or {}), "_key": key}


def parse_files(paths: list[Path], report: IngestReport) -> list[tuple[Path, list[Statement]]]:
    """Parse every file; a bad file is reported and skipped, the others go on."""
    parsed: list[tuple[Path, list[Statement]]] = []
    try:
        files = iter_files(paths)
    except IngestError as err:
        report.errors.append(str(err))
        return parsed
    for path in files:
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
        for st in result.statements:
            st.source = source
        assign_keys(result.statements)
        parsed.append((path, _dedupe(result.statements, report)))
    return parsed


def _dedupe(statements: list[Statement], report: IngestReport) -> list[Statement]:
    unique: dict[str, Statement] = {}
    for st in statements:
        if st.id in unique:
            report.warnings.append(str(ParseIssue(st.source, st.line, "same statement appears twice; kept the first")))
            continue
        unique[st.id] = st
    return list(unique.values())


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
) -> IngestReport:
    """Parse ``paths`` and bring the store in line with them."""
    import time

    started = time.perf_counter()
    report = IngestReport()
    parsed = parse_files(paths, report)
    report.statements = sum(len(s) for _, s in parsed)

    to_add: list[Statement] = []
    to_delete: list[str] = []
    for _path, statements in parsed:
        plan = _plan_file(store, statements, prune, report)
        to_add.extend(plan[0])
        to_delete.extend(plan[1])

    records = [p for st in to_add for p in split_statement(st, chunk_chars, chunk_overlap)]
    _embed_and_add(store, records, batch_size, progress, on_progress)
    report.passages_embedded = len(records)
    # old versions go only after their replacements are stored: a crash loses nothing
    store.delete_statements(to_delete)
    if prune:
        report.removed += _prune_missing_files(store, paths)
    report.seconds = time.perf_counter() - started
    return report


def _plan_file(store: Store, statements: list[Statement], prune: bool, report: IngestReport) -> tuple[list[Statement], list[str]]:
    if not statements:
        return [], []
    stored = store.statements_of_source(statements[0].source)  # statement_id -> key
    known = store.existing_ids([f"{st.id}:0" for st in statements])
    stored_by_key = {key: sid for sid, key in stored.items()}
    add: list[Statement] = []
    delete: list[str] = []
    for st in statements:
        key = st.extra["_key"]
        if f"{st.id}:0" in known:
            report.unchanged += 1
            old = stored_by_key.get(key)
            if old and old != st.id:
                delete.append(old)
            continue
        add.append(st)
        old = stored_by_key.get(key)
        if old and old != st.id:
            report.updated += 1
            delete.append(old)
        else:
            report.added += 1
    new_keys = {st.extra["_key"] for st in statements}
    gone = [sid for sid, key in stored.items() if key not in new_keys]
    if prune:
        delete.extend(gone)
        report.removed += len(gone)
    else:
        report.stale_kept += len(gone)
    return add, delete


def _embed_and_add(store: Store, records: list[PassageRecord], batch_size: int, progress: bool,
                   on_progress: Callable[[int, int], None] | None) -> None:
    bar = tqdm(total=len(records), unit="passage", desc="embedding", disable=not progress or not records)
    for start in range(0, len(records), batch_size):
        batch = records[start : start + batch_size]
        store.add(batch)
        bar.update(len(batch))
        if on_progress:
            on_progress(min(start + batch_size, len(records)), len(records))
    bar.close()


def _prune_missing_files(store: Store, paths: list[Path]) -> int:
    """Remove statements of files that were under ``paths`` and are gone now."""
    roots = [str(p.resolve()) for p in paths]
    missing: set[str] = set()
    for source in store.sources():
        if source and any(source == r or source.startswith(r.rstrip("/") + "/") for r in roots):
            if not Path(source).exists():
                missing.add(source)
    removed = 0
    for source in missing:
        ids = list(store.statements_of_source(source))
        store.delete_statements(ids)
        removed += len(ids)
    return removed
