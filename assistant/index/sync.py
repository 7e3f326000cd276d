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
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.index.base import Store
from assistant.index.rows import content_fingerprint
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

    @property
    def ok(self) -> bool:
        return not self.errors

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


def parse_files(paths: list[Path], report: IngestReport) -> list[tuple[Path, list[Statement]]]:
    """Parse every file; a bad path or file is reported and skipped, the others go on."""
    parsed: list[tuple[Path, list[Statement]]] = []
    seen: dict[str, Statement] = {}  # statement id -> first occurrence, across all files
    for path in _files(paths, report):
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


def _files(paths: list[Path], report: IngestReport) -> list[Path]:
    """The files under ``paths``, each once; a path that does not exist is an error
    for that path only."""
    files: dict[Path, Path] = {}
    for path in paths:
        try:
            for file in iter_files([path]):
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
    started = time.perf_counter()
    report = IngestReport()
    parsed = parse_files(paths, report)
    current = {st.id for _, statements in parsed for st in statements}

    to_add: list[Statement] = []
    to_delete: list[str] = []
    to_relocate: list[Statement] = []
    for path, statements in parsed:
        add, delete, relocate = _plan_file(store, str(path.resolve()), statements, current, prune, report)
        to_add.extend(add)
        to_delete.extend(delete)
        to_relocate.extend(relocate)

    records = [p for st in to_add for p in split_statement(st, chunk_chars, chunk_overlap)]
    backfill = _missing_second_view(store, [st for _, sts in parsed for st in sts], to_add, chunk_chars, chunk_overlap)
    _embed_and_add(store, records, batch_size, progress, on_progress)
    _embed_and_add(store, backfill, batch_size, progress, on_progress, second_only=True)
    report.passages_embedded = len(records) + len(backfill)
    # old versions go only after their replacements are stored: a crash loses nothing
    store.delete_passages(store.passage_ids([st.id for st in to_add]) - {r.id for r in records})
    store.delete_statements(to_delete)
    store.relocate(to_relocate)
    gone = [sid for sid in _statements_of_missing_files(store, paths) if sid not in current]
    if prune:
        store.delete_statements(gone)
        report.removed += len(gone)
    else:
        report.stale_kept += len(gone)
    report.seconds = time.perf_counter() - started
    return report


def _plan_file(store: Store, source: str, statements: list[Statement], current: set[str], prune: bool,
               report: IngestReport) -> tuple[list[Statement], list[str], list[Statement]]:
    """What to add, which stored statement ids to delete, and which stored statements
    only moved (same content, another line or file)."""
    states = store.statement_states([st.id for st in statements])  # from any file
    # stored from this file, no longer in any file being read: old versions, or gone
    orphans: dict[str, list[str]] = {}
    for sid, key in store.statements_of_source(source).items():
        if sid not in current:
            orphans.setdefault(key, []).append(sid)
    add: list[Statement] = []
    delete: list[str] = []
    relocate: list[Statement] = []
    for st in statements:
        key = st.key
        stored = states.get(st.id)
        if stored is not None and stored.get("fingerprint") == content_fingerprint(st):
            report.unchanged += 1
            if (stored.get("source"), stored.get("line"), stored.get("key")) != (st.source, st.line, key):
                relocate.append(st)
            continue
        add.append(st)
        if stored is not None:  # same id, new content: replaced in place
            report.updated += 1
        elif orphans.get(key) and source not in report.partial_files:  # reworded: the old version goes
            report.updated += 1
            delete.append(orphans[key].pop(0))
        else:
            report.added += 1
    gone = [sid for sids in orphans.values() for sid in sids]
    if prune and source not in report.partial_files:
        delete.extend(gone)
        report.removed += len(gone)
    else:
        report.stale_kept += len(gone)
    return add, delete, relocate


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


def _embed_and_add(store: Store, records: list[PassageRecord], batch_size: int, progress: bool,
                   on_progress: Callable[[int, int], None] | None, *, second_only: bool = False) -> None:
    desc = "second view" if second_only else "embedding"
    bar = tqdm(total=len(records), unit="passage", desc=desc, disable=not progress or not records)
    for start in range(0, len(records), batch_size):
        batch = records[start : start + batch_size]
        store.add(batch, second_only=second_only)
        bar.update(len(batch))
        if on_progress:
            on_progress(min(start + batch_size, len(records)), len(records))
    bar.close()


def _statements_of_missing_files(store: Store, paths: list[Path]) -> list[str]:
    """Stored statements of files that were under ``paths`` and are gone now."""
    roots = [str(p.resolve()) for p in paths]
    ids: list[str] = []
    for source in store.sources():
        if source and any(source == r or source.startswith(r.rstrip("/") + "/") for r in roots):
            if not Path(source).exists():
                ids.extend(store.statements_of_source(source))
    return ids
