"""The folded names and texts of every stored passage, searched for whole phrases by the coverage check.

Held as UTF-8 bytes, memory-mapped from the snapshot's ``corpus_text.txt`` when it is persisted: as a Python
string it took 133 MiB at 150,000 passages, because one Chinese character makes CPython store every character
in two bytes, where the UTF-8 file is 70 MB and only the pages a search reads are resident.  A UTF-8 phrase can
only match a UTF-8 text at a character boundary, so byte search finds what string search finds.

Most phrases the coverage check looks for are absent, and an absent phrase costs a scan of the whole text (~8 ms
at 150,000 passages).  So the text's words are kept too: the CRC-32 of every maximal run of ASCII letters and
digits, sorted (``<file>.words.npy``).  A run of the phrase that must be a whole run in any match (one with a
non-alphanumeric byte, or a word boundary, on both sides) and is not among them rules the phrase out without a
scan; a hash shared by chance only means a scan, never a wrong answer.
"""

from __future__ import annotations

import mmap
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

_RUN = re.compile(rb"[A-Za-z0-9]+")
_CHUNK = 1 << 20  # the text's words are collected a megabyte at a time (a list of all would be ~400 MB at 150k)


class CorpusText:
    """``phrase in corpus`` and ``corpus.has_phrase(phrase)`` (as whole words) over UTF-8 bytes."""

    def __init__(self, data: bytes | mmap.mmap, words: np.ndarray | None = None):
        self._data = data
        self._words = words  # sorted CRC-32s of the text's ASCII alphanumeric runs; None: always scan

    @classmethod
    def from_str(cls, text: str) -> CorpusText:
        data = text.encode("utf-8")
        return cls(data, _word_hashes(data))

    @classmethod
    def open(cls, path: Path) -> CorpusText:
        """Memory-map a UTF-8 file (read into memory when it is empty: an empty file cannot be mapped), with its
        words when they were saved beside it."""
        words_path = _words_path(path)
        words = np.load(words_path) if words_path.exists() else None
        with path.open("rb") as handle:
            if path.stat().st_size == 0:
                return cls(b"", words)
            return cls(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ), words)

    @property
    def has_words(self) -> bool:
        return self._words is not None

    def save(self, path: Path) -> None:
        """The text and its words, for ``open``."""
        path.write_bytes(bytes(self._data))
        if self._words is not None:
            np.save(_words_path(path), self._words)

    def __contains__(self, phrase: str) -> bool:
        needle = phrase.encode("utf-8")
        return self._may_hold(needle, bounded=False) and self._data.find(needle) >= 0

    def __len__(self) -> int:
        return len(self._data)

    def has_phrase(self, phrase: str) -> bool:
        r"""``phrase`` with no word character (``\w``: alphanumeric or "_") right before or after it."""
        needle = phrase.encode("utf-8")
        if not self._may_hold(needle, bounded=True):
            return False
        data = self._data
        start = data.find(needle)
        while start >= 0:
            end = start + len(needle)
            if not is_word_char(self._char_before(start)) and not is_word_char(self._char_at(end)):
                return True
            start = data.find(needle, start + 1)
        return False

    def _may_hold(self, needle: bytes, *, bounded: bool) -> bool:
        """False when a run of the needle that any match holds whole is not a word of the text.  ``bounded``: a
        match has no word character on either side (``has_phrase``), so the first and last runs count too."""
        words = self._words
        if words is None:
            return True
        for run in _whole_runs(needle, bounded):
            h = zlib.crc32(run)
            at = int(np.searchsorted(words, h))
            if at == len(words) or int(words[at]) != h:
                return False
        return True

    def _char_before(self, pos: int) -> str:
        begin = pos - 1
        while begin > 0 and pos - begin < 4 and self._data[begin] & 0xC0 == 0x80:  # continuation bytes
            begin -= 1
        return bytes(self._data[max(begin, 0):pos]).decode("utf-8", "replace") if pos > 0 else ""

    def _char_at(self, pos: int) -> str:
        if pos >= len(self._data):
            return ""
        lead = self._data[pos]
        size = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        return bytes(self._data[pos:pos + size]).decode("utf-8", "replace")


def is_word_char(char: str) -> bool:
    r"""What ``\w`` matches in a ``str`` pattern: alphanumeric in Unicode's sense, or the underscore."""
    return bool(char) and (char.isalnum() or char == "_")


def _words_path(path: Path) -> Path:
    return path.with_name(path.name + ".words.npy")


def _whole_runs(needle: bytes, bounded: bool) -> Iterator[bytes]:
    """The ASCII alphanumeric runs of ``needle`` that are whole runs of the text wherever it matches."""
    for m in _RUN.finditer(needle):
        left = m.start() > 0 or bounded
        right = m.end() < len(needle) or bounded
        if left and right:
            yield m.group()


def _word_hashes(data: bytes) -> np.ndarray:
    """Sorted unique CRC-32s of the maximal ASCII alphanumeric runs of ``data`` (chunks cut at a byte that
    is not part of a run, so no run is split)."""
    seen: set[bytes] = set()
    start = 0
    while start < len(data):
        end = min(len(data), start + _CHUNK)
        while end < len(data) and _is_run_byte(data[end]):
            end += 1
        seen.update(_RUN.findall(data, start, end))
        start = end
    return np.unique(np.fromiter((zlib.crc32(run) for run in seen), dtype=np.uint32, count=len(seen)))


def _is_run_byte(byte: int) -> bool:
    return 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122
