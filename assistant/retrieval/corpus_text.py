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

Titles are mostly made of common words ("national strategy for artificial intelligence"), which the word list
holds, so their pairs are kept too (``<file>.pairs.npy``): two whole runs with one space between them, and two
consecutive CJK characters (a Chinese title has no spaces and no ASCII runs).  Any match of the phrase holds each
of its pairs, so a pair the text lacks rules it out as well.
"""

from __future__ import annotations

import mmap
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

_RUN = re.compile(rb"[A-Za-z0-9]+")
# every pair of whole runs with one space between them, and every two consecutive CJK characters (UTF-8 lead
# bytes E4-E9: U+4000-U+9FFF); in a lookahead, so the pairs overlap ("a b c": "a b" and "b c")
_RUN_PAIR = re.compile(rb"(?<![A-Za-z0-9])(?=([A-Za-z0-9]+ [A-Za-z0-9]+)(?![A-Za-z0-9]))")
_CJK_PAIR = re.compile(rb"(?=([\xe4-\xe9][\x80-\xbf]{2}[\xe4-\xe9][\x80-\xbf]{2}))")
_CHUNK = 1 << 20  # the text's words are collected a megabyte at a time (a list of all would be ~400 MB at 150k)


class CorpusText:
    """``phrase in corpus`` and ``corpus.has_phrase(phrase)`` (as whole words) over UTF-8 bytes."""

    def __init__(self, data: bytes | mmap.mmap, words: np.ndarray | None = None, pairs: np.ndarray | None = None):
        self._data = data
        self._words = words  # sorted CRC-32s of the text's ASCII alphanumeric runs; None: always scan
        self._pairs = pairs  # sorted CRC-32s of its pairs (``_RUN_PAIR``, ``_CJK_PAIR``); None: no pair is checked

    @classmethod
    def from_str(cls, text: str) -> CorpusText:
        data = text.encode("utf-8")
        return cls(data, _hashes(data, _RUN), _hashes(data, _RUN_PAIR, _CJK_PAIR))

    @classmethod
    def open(cls, path: Path) -> CorpusText:
        """Memory-map a UTF-8 file (read into memory when it is empty: an empty file cannot be mapped), with its
        words and pairs when they were saved beside it."""
        words, pairs = (np.load(p) if p.exists() else None for p in (_words_path(path), _pairs_path(path)))
        with path.open("rb") as handle:
            if path.stat().st_size == 0:
                return cls(b"", words, pairs)
            return cls(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ), words, pairs)

    @property
    def has_words(self) -> bool:
        return self._words is not None

    @property
    def has_pairs(self) -> bool:
        return self._pairs is not None

    def save(self, path: Path) -> None:
        """The text, its words and its pairs, for ``open``."""
        path.write_bytes(bytes(self._data))
        if self._words is not None:
            np.save(_words_path(path), self._words)
        if self._pairs is not None:
            np.save(_pairs_path(path), self._pairs)

    def add_pairs(self, path: Path | None = None) -> None:
        """Collect the text's pairs, and save them beside the text at ``path`` (for a text saved before pairs
        were kept: ~6 s at 150,000 passages, once).  A failed save only means collecting them again."""
        self._pairs = _hashes(self._data, _RUN_PAIR, _CJK_PAIR)
        if path is not None:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.pairs.npy")
            try:
                np.save(tmp, self._pairs)
                os.replace(tmp, _pairs_path(path))
            except OSError:
                tmp.unlink(missing_ok=True)

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
        if self._words is not None and not all(_holds(self._words, run) for run in _whole_runs(needle, bounded)):
            return False
        if self._pairs is not None:
            return all(_holds(self._pairs, pair) for pair in _whole_pairs(needle, bounded))
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


def _pairs_path(path: Path) -> Path:
    return path.with_name(path.name + ".pairs.npy")


def _holds(hashes: np.ndarray, item: bytes) -> bool:
    h = zlib.crc32(item)
    at = int(np.searchsorted(hashes, h))
    return at < len(hashes) and int(hashes[at]) == h


def _whole_runs(needle: bytes, bounded: bool) -> Iterator[bytes]:
    """The ASCII alphanumeric runs of ``needle`` that are whole runs of the text wherever it matches."""
    for m in _RUN.finditer(needle):
        left = m.start() > 0 or bounded
        right = m.end() < len(needle) or bounded
        if left and right:
            yield m.group()


def _whole_pairs(needle: bytes, bounded: bool) -> Iterator[bytes]:
    """The pairs of ``needle`` that are pairs of the text wherever it matches: two consecutive runs with one
    space between them, the first whole on its left and the second on its right (as in ``_whole_runs``), and
    every two consecutive CJK characters."""
    runs = list(_RUN.finditer(needle))
    for a, b in zip(runs, runs[1:]):
        if b.start() == a.end() + 1 and needle[a.end()] == 0x20 and (a.start() > 0 or bounded) \
                and (b.end() < len(needle) or bounded):
            yield needle[a.start():b.end()]
    for m in _CJK_PAIR.finditer(needle):
        yield m.group(1)


def _hashes(data: bytes | mmap.mmap, *patterns: re.Pattern[bytes]) -> np.ndarray:
    """Sorted unique CRC-32s of what the patterns find in ``data`` (each pattern's whole match, or its one group),
    a chunk at a time; chunks are cut after a line break, which no run or pair crosses."""
    seen: set[bytes] = set()
    start = 0
    while start < len(data):
        end = data.find(b"\n", min(len(data), start + _CHUNK))
        end = len(data) if end < 0 else end + 1
        for pattern in patterns:
            seen.update(pattern.findall(data, start, end))
        start = end
    return np.unique(np.fromiter((zlib.crc32(item) for item in seen), dtype=np.uint32, count=len(seen)))
