"""Paths -> files -> statements: one entry point for every supported format.

Each format is one module (``ingest/markdown.py``, ``ingest/pdf.py`` ...) with a
``load_*(path) -> ParseResult`` function; this module maps file extensions to
those functions.  The built-in formats are registered in one place, at the end
of this module, so the list of what Charter reads is readable at a glance; a new
format is one new module plus one ``register((".ext",), load_ext)`` call (from
here, or from the new module itself).

The loader is chosen by extension, except ``.txt``, which may be either the
linking export format or ordinary prose: its content decides.  Folders are
expanded so a whole corpus can be ingested with one path, quietly skipping
what is not a corpus file, while a file the user names explicitly must be
loadable or the user is told why not.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, KeysView
from pathlib import Path

from core.model import IngestError, ParseResult
from ingest.csv_files import load_csv
from ingest.html import load_html
from ingest.jsonl import load_jsonl
from ingest.markdown import load_markdown
from ingest.pdf import load_pdf
from ingest.plain_text import parse_plain_text
from ingest.reader import read_text

Loader = Callable[[Path], ParseResult]

_LOADERS: dict[str, Loader] = {}

#: the registered extensions (lower case, with the dot); a live view, so later registrations show
SUPPORTED_SUFFIXES: KeysView[str] = _LOADERS.keys()


def register(suffixes: str | Iterable[str], loader: Loader) -> None:
    """Load files with these extensions (``".md"`` or ``(".md", ".markdown")``) with ``loader``.

    Extensions match case-insensitively; registering one again replaces its loader."""
    for suffix in [suffixes] if isinstance(suffixes, str) else list(suffixes):
        if not suffix.startswith(".") or len(suffix) < 2:
            raise ValueError(f"a file extension starts with a dot: {suffix!r}")
        _LOADERS[suffix.lower()] = loader


def loader_for(path: Path) -> Loader:
    """The loader for ``path``'s extension; IngestError when none is registered."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise _unsupported(path)
    return loader


def load_path(path: Path) -> ParseResult:
    """Load one file with the loader for its extension."""
    return loader_for(path)(path)


def _unsupported(path: Path) -> IngestError:
    kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
    what = f"'{path.suffix}'" if path.suffix else "no extension"
    return IngestError(str(path), f"unsupported file type ({what}); supported: {kinds}")


def iter_files(paths: list[Path], *, follow_symlinks: bool = False, skipped: list[str] | None = None) -> list[Path]:
    """The files to ingest: explicit files as given, folders expanded recursively.

    Inside folders, hidden files/folders and unsupported extensions are skipped
    (a corpus folder may hold notes and images); a file named explicitly with
    an unsupported extension, or a path that does not exist, is an error.
    Each file appears once, in the order given (folder contents sorted).  A symlink inside a folder
    that leads outside it is not followed unless ``follow_symlinks`` (it could pull any file of the
    machine into the corpus); ``skipped`` hears about each one.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        for file in _expand(path, follow_symlinks, skipped if skipped is not None else []):
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                found.append(file)
    return found


def _expand(path: Path, follow_symlinks: bool, skipped: list[str]) -> list[Path]:
    """One explicit path -> the files it stands for."""
    if path.is_dir():
        return _folder_files(path, follow_symlinks, skipped)
    if not path.exists():
        raise IngestError(str(path), "no such file or folder")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise _unsupported(path)
    return [path]


# files that describe a corpus folder rather than belong to it
FOLDER_DOCS = ("readme", "license", "licence", "changelog", "contributing", "notice")


def _folder_files(folder: Path, follow_symlinks: bool = False, skipped: list[str] | None = None) -> list[Path]:
    """Supported, non-hidden files below ``folder``, sorted by relative path.

    A folder's README/LICENSE describe the corpus; named explicitly they are read."""
    files: list[Path] = []
    inside = folder.resolve()
    for root, dirs, names in os.walk(folder):
        if not follow_symlinks:
            for name in [d for d in dirs if (Path(root) / d).is_symlink()]:
                if not _within(Path(root) / name, inside):
                    dirs.remove(name)
                    if skipped is not None:
                        skipped.append(f"{Path(root) / name}: warning: a symlink leading outside {folder}; not "
                                       "followed (setting ingest_follow_symlinks)")
            kept = []
            for name in names:
                if (Path(root) / name).is_symlink() and not _within(Path(root) / name, inside):
                    if skipped is not None and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                        skipped.append(f"{Path(root) / name}: warning: a symlink leading outside {folder}; not "
                                       "followed (setting ingest_follow_symlinks)")
                    continue
                kept.append(name)
            names = kept
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.startswith(".") or Path(name).stem.lower() in FOLDER_DOCS:
                continue
            if Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(Path(root) / name)
    return sorted(files, key=lambda f: f.relative_to(folder).parts)


def _within(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder)
    except (OSError, RuntimeError):  # a symlink loop: not followed either
        return False


def load_txt(path: Path) -> ParseResult:
    """``.txt``: the linking export when it looks like one, else plain prose."""
    from ingest import linking_export  # on first use: it imports the date and language parsers

    text, _ = read_text(path)
    if linking_export.looks_like_export(text):
        return linking_export.parse_export(text, str(path))
    return parse_plain_text(text, str(path))


# ---------------------------------------------------------------- built-in formats

register(".txt", load_txt)
register((".md", ".markdown"), load_markdown)
register((".html", ".htm"), load_html)
register(".pdf", load_pdf)
register((".jsonl", ".ndjson"), load_jsonl)
register((".csv", ".tsv"), load_csv)
