"""Lexical (BM25) side of retrieval, with tokens that make sense for Chinese.

BM25 over whitespace tokens scores Chinese text zero, so runs of Han characters
go through jieba's search-mode segmentation and kana runs become character
bigrams; Latin words are lower-cased with English function words dropped.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import bm25s
import numpy as np

from core.text import HAN_RUN, KANA_RUN

_TOKEN = re.compile(rf"{HAN_RUN.pattern}|{KANA_RUN.pattern}|[^\W_]+", re.UNICODE)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_HAN_OR_KANA = re.compile(rf"{HAN_RUN.pattern}|{KANA_RUN.pattern}", re.UNICODE)

STOPWORDS = frozenset(
    """a an the of and or to in on for with by is are was were be been being it its this that these those as at
    from what which who whom whose how does do did done should would could can may might must shall will any about
    into than then there their they them has have had not no so such we you he she our your my me us also if but
    other all some most more i s t vs""".split()
)


@lru_cache(maxsize=1)
def _jieba() -> ModuleType:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def chinese_words(text: str) -> list[str]:
    """The words of ``text`` in order, by jieba's precise mode ("马里兰州" is one word, not 马里 + 兰州): for rules
    that must see where a Chinese word starts and ends."""
    return _jieba().lcut(text)


@lru_cache(maxsize=1)
def chinese_person_words() -> frozenset[str]:
    """The words jieba's dictionary tags as persons' names (``nr`` and its kinds; 79,000 words, 11 MiB, 0.05 s
    once).  Read from the dictionary file rather than through jieba's tagger, whose tables hold 53 MiB."""
    with _jieba().get_dict_file() as lines:
        text = lines.read().decode("utf-8")
    return frozenset(re.findall(r"^(\S+) \d+ nr[a-z]*\r?$", text, re.M))  # "word frequency tag" lines


def in_chinese_dictionary(word: str) -> bool:
    """Is ``word`` in jieba's dictionary?  A word jieba cut out that is not (its HMM found it) is most often a
    name: 吴恩达, 杨立昆."""
    jieba = _jieba()
    jieba.initialize()  # loads the dictionary once; a no-op after the first cut
    return bool(jieba.get_FREQ(word))


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: words, jieba words for Chinese, bigrams for kana."""
    if text.isascii() or not _HAN_OR_KANA.search(text):  # most passages: the same tokens, found 3x faster
        return [w for w in map(str.lower, _WORD.findall(text)) if len(w) > 1 and w not in STOPWORDS]
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        word = match.group(0)
        if HAN_RUN.match(word):
            tokens.extend(t for t in _jieba().lcut_for_search(word) if t.strip())
        elif KANA_RUN.match(word):
            tokens.extend(word[i : i + 2] for i in range(max(1, len(word) - 1)))
        else:
            word = word.lower()
            if len(word) > 1 and word not in STOPWORDS:
                tokens.append(word)
    return tokens


class LexicalIndex:
    """A BM25 index over the texts it was built from, addressed by position.

    Built from token lists (``tokenize``) so a rebuild re-tokenizes only new
    texts, and saved/loaded with bm25s's own format (memory-mapped), so a new
    process does not tokenize the store again."""

    def __init__(self, texts: list[str] | None = None, *, tokens: list[list[str]] | None = None,
                 bm25: bm25s.BM25 | None = None, size: int | None = None):
        if bm25 is not None:
            self._bm25, self.size = bm25, int(size or 0)
            return
        corpus = tokens if tokens is not None else [tokenize(t) for t in texts or []]
        self.size = len(corpus)
        self._bm25 = bm25s.BM25()
        if corpus:
            self._bm25.index([c or ["\u2205"] for c in corpus], show_progress=False)  # a token per document

    def save(self, folder: Path) -> None:
        if self.size:
            self._bm25.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        if not size:
            return cls([])
        return cls(bm25=bm25s.BM25.load(str(folder), mmap=True), size=size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every indexed text for ``query`` (zeros when nothing matches)."""
        tokens = tokenize(query)
        if not tokens or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
