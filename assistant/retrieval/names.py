"""Is a Chinese title the translation of a stored name?

Stored names are mostly English; a Chinese question names them in Chinese
(《阿西洛马人工智能原则》 for "Asilomar AI Principles").  No lexical rule can
see that, so the title is embedded with both cross-lingual views and compared
with the stored document names (with their organisation).

Measured on the tuning halves (benchmarks/abstention.py): an absolute cosine
does not separate translations from absent titles, and neither does how far
the best of all names stands out (z 1.9-3.3 for translations, 1.9-2.4 for
absent titles).  Names already in Chinese are left out: they attract every
Chinese title (the same language), and the lexical checks find them anyway.
What separates is asking only among the documents of the passages the
question retrieved: a translation's document is among them and its name
stands out from the other names; an absent title's neighbours are topical,
not named alike.  ``settings.retrieval.name_match_z`` is that bar.

The names are embedded once per store generation, and only when a question
first names a Chinese title that no lexical check found; their vectors are kept
in the embedding cache (``embed_recurring``), so a new process, or the next
generation of the store, embeds only names it has not seen (all of them took
seconds on the default corpus, per process, on the first such question).
"""

from __future__ import annotations

import re

import numpy as np

from assistant.index.base import Store
from core.text import has_cjk

_KEPT_TITLES = 64  # titles whose vectors a process keeps: a question's titles are asked of twice in a row


class NameVectors:
    """Every stored document name not already in Chinese, with its organisation, in both views."""

    def __init__(self, store: Store, pairs: list[tuple[str, str]]):
        """``pairs``: (document, "organisation: document")."""
        self.store = store
        kept = [(doc, label) for doc, label in pairs if not has_cjk(label)]
        self.documents = [doc for doc, _ in kept]
        self.labels = [label for _, label in kept]
        self._dense: np.ndarray | None = None
        self._second: np.ndarray | None = None
        self._titles: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}  # the last titles' own vectors

    def _vectors(self) -> tuple[np.ndarray, np.ndarray | None]:
        if self._dense is None:
            # every stored name at once: kept in the embedding cache, so only the first process pays for it
            self._dense = self.store.embedder.embed_recurring(self.labels, is_query=True)
            if self.store.second is not None:
                self._second = self.store.second.embed_recurring(self.labels, is_query=True)
        return self._dense, self._second

    def document_of(self, label: str) -> str:
        """The stored document a label of ``standout`` names."""
        return self.documents[self.labels.index(label)]

    def _title(self, title: str) -> tuple[np.ndarray, np.ndarray | None]:
        """The title's vector in each view, embedded once for ``standout`` and ``translation`` alike."""
        if title not in self._titles:
            if len(self._titles) >= _KEPT_TITLES:
                self._titles.pop(next(iter(self._titles)))
            second = self.store.second
            self._titles[title] = (self.store.embedder.embed_array([title], is_query=True)[0],
                                   second.embed_array([title], is_query=True)[0] if second is not None else None)
        return self._titles[title]

    def zscores(self, title: str) -> np.ndarray:
        """How far each name stands out for ``title`` (z-score over all names, both views averaged)."""
        dense, second = self._vectors()
        title_dense, title_second = self._title(title)
        z = _z(dense @ title_dense)
        if second is not None and title_second is not None:
            z = (z + _z(second @ title_second)) / 2
        return z

    def standout(self, title: str, among: set[str] | None = None) -> tuple[float, str]:
        """The best name's z-score (only names of the documents ``among``, when given) and that name.

        A title of a law (《…法》, 《…条例》, 《…办法》) is the translation only of the name of a law: a code of
        principles on the same subject is no translation of it, however close its words."""
        if len(self.labels) < 2:
            return 0.0, ""
        law = is_law_title(title)
        allowed = [i for i, doc in enumerate(self.documents) if (among is None or doc in among)
                   and (not law or LAW_WORDS & set(re.findall(r"[a-z]+", self.labels[i].lower())))]
        if not allowed:
            return float("-inf"), ""
        z = self.zscores(title)
        best = max(allowed, key=lambda i: z[i])
        return float(z[best]), self.labels[best]

    def translation(self, title: str, documents: list[str]) -> tuple[float, str]:
        """The document name closest to ``title`` among ``documents`` (the named bodies' few), and its cosine with
        the title in the first view plus the second (−inf without a second view or a candidate).

        Unlike ``standout``, which asks how far a name stands out among all of them, this compares the title with
        each candidate's own name, without its organisation: asked only when the question pins the title to
        stored bodies, it tells a Chinese name of one of their documents (经合组织《人工智能理事会建议》: 1.57)
        from another text of theirs that the store lacks (OpenAI《准备框架》: 0.96).  A law's title only a law's
        name, as in ``standout``."""
        law = is_law_title(title)
        candidates = [d for d in dict.fromkeys(documents) if d and not has_cjk(d)
                      and (not law or LAW_WORDS & set(re.findall(r"[a-z]+", d.lower())))]
        if not candidates or self.store.second is None:
            return float("-inf"), ""
        title_dense, title_second = self._title(title)
        if title_second is None:
            return float("-inf"), ""
        first = self.store.embedder.embed_recurring(candidates, is_query=True) @ title_dense
        second = self.store.second.embed_recurring(candidates, is_query=True) @ title_second
        best = int(np.argmax(first + second))
        return float(first[best] + second[best]), candidates[best]


# the last characters of a Chinese title of a law, and the words of an English name of one
_LAW_ENDS = ("法", "法案", "条例", "办法", "规定", "法规", "法令")
LAW_WORDS = frozenset(
    "act acts law laws bill regulation regulations directive decree ordinance statute measures provisions "
    "rules order".split()  # not "code": codes of ethics are the corpus's usual texts
)


def is_law_title(title: str) -> bool:
    """Does a Chinese title name a law (《人工智能法》, 《暂行办法》), not principles or a report?"""
    return re.sub(r"[（(][^）)]*[）)]$", "", title.strip()).endswith(_LAW_ENDS)  # 《…办法（试行）》 too


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-9)


# How close (the second view's cosine, USE's scale) an English word must be to a Chinese word of a stored name to be
# its translation.  Measured on the default corpus's Chinese name words: "Oxford" / 牛津 0.66, "Venice" / 威尼斯
# 0.82, "Beijing" / 北京 0.87 (and "Geneva" / 日内瓦 0.57, off the store); every name the tuning questions use that
# no stored text contains stays at 0.53 or less ("Readiness" / 倡议 0.53, "IMF" 0.41, "Presidio" 0.47).  The main
# view does not tell translations apart word by word ("Oxford" is nearer 伦敦 than 牛津 in e5).
TRANSLATION_COSINE = 0.6


class ChineseNameWords:
    """The Chinese words of the stored organisation and document names, for telling an English word that
    translates one: a store may name a text only in Chinese ("IDAIS 牛津") while a question says "Oxford"."""

    def __init__(self, store: Store, names: list[str]):
        from assistant.retrieval.lexical import tokenize
        from core.text import HAN_RUN

        self.store = store
        runs = [run for name in names for run in HAN_RUN.findall(name)]
        self.words = sorted({w for run in runs for w in tokenize(run) if HAN_RUN.match(w) and len(w) >= 2})
        self._vectors: np.ndarray | None = None

    def translates(self, word: str) -> bool:
        """Is ``word`` the translation of a Chinese word of a stored name?  Without a second view nothing tells
        it, so any word might be, when the store has Chinese names at all."""
        if not self.words:
            return False
        second = self.store.second if self.store.has_second_view else None
        if second is None:
            return True
        if self._vectors is None:
            self._vectors = second.embed_recurring(self.words, is_query=True)
        return bool((self._vectors @ second.embed_array([word], is_query=True)[0]).max() >= TRANSLATION_COSINE)
