"""Paths -> files -> statements: one entry point for every supported format.

The loader is chosen by extension, except ``.txt``, which may be either the
linking export format or ordinary prose: its content decides.  Folders are
expanded so a whole corpus can be ingested with one path, quietly skipping
what is not a corpus file, while a file the user names explicitly must be
loadable or the user is told why not.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import Callable

from ingest.documents import load_html, load_markdown, load_pdf, parse_plain_text
from ingest.reader import read_text
from core.model import IngestError, ParseResult
from ingest.tabular import load_csv, load_jsonl

Loader = Callable[[Path], ParseResult]


def _load_txt(path: Path) -> ParseResult:
    """``.txt``: the linking export when it looks like one, else plain prose."""
    text, _ = read_text(path)
    export = _export_module()
    if export is not None and export.looks_like_export(text):
        return export.parse_export(text, str(path))
    return parse_plain_text(text, str(path))


def _export_module() -> ModuleType | None:
    """ingest.linking_export, or None while it does not exist yet."""
    try:
        from ingest import linking_export
    except ModuleNotFoundError as exc:
        if exc.name != "ingest.linking_export":
            raise
        return None
    return linking_export


_LOADERS: dict[str, Loader] = {
    ".txt": _load_txt,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".jsonl": load_jsonl,
    ".ndjson": load_jsonl,
    ".csv": load_csv,
    ".tsv": load_csv,
}

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_LOADERS)


def _unsupported(path: Path) -> IngestError:
    kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
    what = f"'{path.suffix}'" if path.suffix else "no extension"
    return IngestError(str(path), f"unsupported file type ({what}); supported: {kinds}")


def load_path(path: Path) -> ParseResult:
    """Load one file with the loader for its extension."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise _unsupported(path)
    return loader(path)


def iter_files(paths: list[Path]) -> list[Path]:
    """The files to ingest: explicit files as given, folders expanded recursively.

    Inside folders, hidden files/folders and unsupported extensions are skipped
    (a corpus folder may hold notes and images); a file named explicitly with
    an unsupported extension, or a path that does not exist, is an error.
    Each file appears once, in the order given (folder contents sorted).
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        for file in _expand(path):
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                found.append(file)
    return found


def _expand(path: Path) -> list[Path]:
    """One explicit path -> the files it stands for."""
    if path.is_dir():
        return _folder_files(path)
    if not path.exists():
        raise IngestError(str(path), "no such file or folder")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise _unsupported(path)
    return [path]


# files that describe a corpus folder rather than belong to it
FOLDER_DOCS = ("readme", "license", "licence", "changelog", "contributing", "notice")


def _folder_files(folder: Path) -> list[Path]:
    """Supported, non-hidden files below ``folder``, sorted by relative path.

    A folder's README/LICENSE describe the corpus; named explicitly they are read."""
    files: list[Path] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.startswith(".") or Path(name).stem.lower() in FOLDER_DOCS:
                continue
            if Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(Path(root) / name)
    return sorted(files, key=lambda f: f.relative_to(folder).parts)
