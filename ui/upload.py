"""Adding files to the corpus from the browser, with the same loaders,
progress and messages as ``charter ingest``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant.service import SUPPORTED_SUFFIXES
from ui.runtime import Runtime

FILE_TYPES = sorted(SUPPORTED_SUFFIXES)


def report_text(report: Any, names: list[str]) -> str:
    """The ingest report as `charter ingest` prints it: summary, then each warning and error.

    Gradio stores uploads under random temporary folders; the messages name
    the uploaded file instead, which is what the user knows.
    """
    lines = [("OK" if report.ok else "Finished with errors") + f": {', '.join(names)}", report.summary()]
    issues = [f"warning: {w}" if ": warning:" not in w else w for w in report.warnings]
    issues += [f"error: {e}" if ": error:" not in e else e for e in report.errors]
    if issues:
        lines += ["", *issues]
    return "\n".join(lines)


def _display_names(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


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
    paths = [Path(f) for f in files]
    progress(0, desc="Reading files…")

    def on_progress(done: int, total: int) -> None:
        progress((done, total), desc="Embedding passages", unit="passages")

    try:
        report = runtime.charter.ingest(paths, on_progress=on_progress, progress=False)
    except Exception as err:  # noqa: BLE001 - e.g. a store built with another model: say why
        return f"Could not ingest: {type(err).__name__}: {_shorten(str(err), paths)}"
    return _shorten(report_text(report, _display_names(paths)), paths)
