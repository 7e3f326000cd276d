"""Adding files to the corpus from the browser, with the same loaders,
progress and messages as ``charter ingest``."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.service import SUPPORTED_SUFFIXES
from ui.runtime import Runtime

FILE_TYPES = sorted(SUPPORTED_SUFFIXES)


def safe_name(name: str, limit: int = 120) -> str:
    r"""The last part of a client-given file name, fit to show and to join to a folder: no path (``/`` or
    ``\``), no NUL or control characters, no leading dots, at most ``limit`` characters.  Gradio's
    upload route already stores each upload as ``<upload folder>/<hash of its content>/<name>``; this is
    the same rule for the names Charter itself shows or writes, so a name such as ``../../x.md`` can
    never point outside a folder."""
    last = re.split(r"[/\\]", name)[-1]
    cleaned = re.sub(r"[\x00-\x1f\x7f]", "", last).lstrip(". ").strip()
    if len(cleaned) > limit:
        stem, dot, suffix = cleaned.rpartition(".")
        cleaned = (stem[: limit - len(suffix) - 1] + dot + suffix) if dot and len(suffix) < 16 else cleaned[:limit]
    return cleaned or "upload"


def report_text(report: Any, paths: list[Path]) -> str:
    """What happened to each uploaded file: the ones added, and the ones that failed with why.

    Ingest errors name their file (``path:line: error: message``); a file no error names was added.  Gradio
    keeps uploads under random temporary folders, so messages name the file as the user knows it.
    """
    reasons: dict[Path, list[str]] = {p: [] for p in paths}
    unplaced: list[str] = []
    for error in report.errors:
        owner = next(((p, shown) for p in paths for shown in (str(p.resolve()), str(p)) if error.startswith(shown)),
                     None)
        if owner is None:
            unplaced.append(error)
        else:
            reason = error[len(owner[1]):].lstrip(":").replace(" error: ", " ", 1).strip()
            reason = re.sub(r"^(\d+):\s*", r"line \1: ", reason)
            reasons[owner[0]].append(reason or "could not be read")
    partial = {p for p in paths if str(p) in report.partial_files or str(p.resolve()) in report.partial_files}
    failed = [p for p in paths if reasons[p] and p not in partial]
    added = [p for p in paths if not reasons[p] or p in partial]
    lines = []
    if added and not report.cancelled:
        s = "" if report.added == 1 else "s"
        counts = f"{report.added} new statement{s}, {report.updated} updated, {report.unchanged} already stored"
        lines.append(f"Added: {', '.join(p.name for p in added)} ({counts}).")
    for p in paths:
        if p in partial and reasons[p]:  # read, but some of its records were not: say which and why
            lines.append(f"Added in part: {p.name} — error at {'; '.join(reasons[p])}")
    for p in failed:
        lines.append(f"Not added: {p.name} — error at {'; '.join(reasons[p])}")
    lines += [f"Error: {e}" for e in unplaced]
    if report.warnings:
        lines.append(f"({len(report.warnings)} warning{'s' if len(report.warnings) != 1 else ''}: "
                     "`charter ingest` on the same files lists them.)")
    return "\n".join(lines) or "Nothing was added."


def _shorten(text: str, paths: list[Path]) -> str:
    """Replace the temporary upload paths in messages by the file names."""
    for p in paths:
        text = text.replace(str(p.resolve()), p.name).replace(str(p), p.name)
    return text


def add_files(runtime: Runtime, files: list[str] | None, progress: gr.Progress) -> str:
    """Ingest the uploaded files; returns the report text for the page."""
    if not files:
        return "Choose one or more files first."
    if not runtime.wait_ready(timeout=600):
        return "Charter is still starting; try again in a moment."
    ui = runtime.charter.settings.ui
    if len(files) > ui.upload_max_files:  # checked here, on the server: a client may skip the page's checks
        return (f"Not added: {len(files)} files in one upload, over the limit of {ui.upload_max_files} "
                "(setting upload_max_files). Add them in smaller groups.")
    paths = list(dict.fromkeys(Path(f) for f in files))
    gone = [p for p in paths if not p.is_file()]
    if gone:  # Gradio's cache was cleared, or a client named a path the upload route never wrote
        return f"Not added: {', '.join(safe_name(str(p)) for p in gone)} — the upload is gone; upload it again."
    limit = ui.upload_max_mb
    too_big = [p for p in paths if p.stat().st_size > limit * 1e6]
    if too_big:
        names = ", ".join(f"{safe_name(p.name)} ({p.stat().st_size / 1e6:.1f} MB)" for p in too_big)
        return f"Not added: {names} over the upload limit of {limit:g} MB (setting upload_max_mb)."
    paths, repeats = distinct_uploads(paths)
    progress(0, desc="Reading files…")

    def on_progress(done: int, total: int) -> None:
        progress((done, total), desc="Embedding passages", unit="passages")

    from assistant.service import IngestLocked

    try:  # the same all-or-nothing path as `charter ingest`, without a question and without waiting
        report = runtime.charter.ingest(paths, on_progress=on_progress, progress=False, lock_wait=0)
    except IngestLocked as err:
        return f"Not added: another ingest is writing to the store ({err.holder}). Try again when it has finished."
    except Exception as err:  # noqa: BLE001 - e.g. a store built with another model: say why
        return f"Could not ingest: {type(err).__name__}: {_shorten(str(err), paths)}"
    text = _shorten(report_text(report, paths), paths)
    if repeats:
        text += f"\n({', '.join(sorted(repeats))} chosen more than once: read once.)"
    return text


def distinct_uploads(paths: list[Path]) -> tuple[list[Path], set[str]]:
    """The uploads with each content once, and the names of those chosen more than once.

    A file dropped twice (or picked again after a slow page) arrives twice; Gradio keeps both under the
    same content-hash folder or under two.  Reading it twice would count and report it twice, so the
    second copy is left out here, before ingest, by the bytes rather than the name."""
    seen: dict[str, Path] = {}
    repeats: set[str] = set()
    for p in paths:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        if digest in seen:
            repeats.add(p.name)
        else:
            seen[digest] = p
    return list(seen.values()), repeats
