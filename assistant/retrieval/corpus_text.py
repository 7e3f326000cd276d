"""The folded names and texts of every stored passage, searched for whole phrases by the coverage check.

Held as UTF-8 bytes, memory-mapped from the snapshot's ``corpus_text.txt`` when it is persisted: as a Python
string it took 133 MiB at 150,000 passages, because one Chinese character makes CPython store every character
in two bytes, where the UTF-8 file is 70 MB and only the pages a search reads are resident.  A UTF-8 phrase can
only match a UTF-8 text at a character boundary, so byte search finds what string search finds.
"""

from __future__ import annotations

import mmap
from pathlib import Path


class CorpusText:
    """``phrase in corpus`` and ``corpus.has_phrase(phrase)`` (as whole words) over UTF-8 bytes."""

    def __init__(self, data: bytes | mmap.mmap):
        self._data = data

    @classmethod
    def from_str(cls, text: str) -> CorpusText:
        return cls(text.encode("utf-8"))

    @classmethod
    def open(cls, path: Path) -> CorpusText:
        """Memory-map a UTF-8 file (read into memory when it is empty: an empty file cannot be mapped)."""
        with path.open("rb") as handle:
            if path.stat().st_size == 0:
                return cls(b"")
            return cls(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))

    def __contains__(self, phrase: str) -> bool:
        return self._data.find(phrase.encode("utf-8")) >= 0

    def __len__(self) -> int:
        return len(self._data)

    def has_phrase(self, phrase: str) -> bool:
        r"""``phrase`` with no word character (``\w``: alphanumeric or "_") right before or after it."""
        needle = phrase.encode("utf-8")
        data = self._data
        start = data.find(needle)
        while start >= 0:
            end = start + len(needle)
            if not is_word_char(self._char_before(start)) and not is_word_char(self._char_at(end)):
                return True
            start = data.find(needle, start + 1)
        return False

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
