"""What the retriever keeps in memory about the store, persisted beside it.

The BM25 index, the catalog of names, the folded names and texts the coverage
check looks titles up in, and a sample of stored vectors that each query's
similarities are z-scored against, and each row's author, document, year and
language (``facets.py``), so that a filter is answered in memory and the store
is asked only for the nearest rows among the ids it lets through, and each
view's vectors row for row (``vectors.npy``, ``second_vectors.npy``, read by
row, ``row_matrix.py``): the nearest rows among a few thousand ids are a matrix product
rather than an index walk (Chroma's search within an id list costs 30-70 ms at
150k passages), and the candidates' second-view similarities are read without
Chroma loading the second collection's whole index (+367 MiB at 150k).

Why persisted: rebuilding all of this means reading every stored row and
tokenizing it with jieba, which grows with the corpus (seconds at 1.5k
passages, minutes at 150k, all of it over HTTP for a server).  So it is
written to ``<local folder>/retrieval-index`` (``Store.local_folder``: the
embedded store's folder, or a cache folder per server collection) with the
store's content stamp (``Store.stamp``, changed by every write); a process
whose store carries the same stamp loads it (the BM25 arrays memory-mapped)
without reading a single row.  After a write it is rebuilt once (the service
does it right after an ingest), re-tokenizing only texts it has not seen:
tokens are kept by text hash.  A store without a stamp (a server collection
no Charter has written to) is rebuilt in memory per process, without vectors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
import shutil
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index.base import Store
from assistant.index.rows import StoredPassage, statement_countries, text_for_embedding
from assistant.retrieval.catalog import Catalog
from assistant.retrieval.corpus_text import CorpusText
from assistant.retrieval.coverage import cited_titles
from assistant.retrieval.document_names import DocumentNames
from assistant.retrieval.facets import RowFacets
from assistant.retrieval.lexical import LexicalIndex, tokenize
from assistant.retrieval.names import ChineseNameWords, NameVectors
from assistant.retrieval.row_matrix import RowMatrix
from assistant.retrieval.sentences import SentenceVectors
from core.model import Filters
from core.text import fold_for_names

SAMPLE_SIZE = 1000  # stored vectors per view to z-score against: enough for a mean and a spread
DIRNAME = "retrieval-index"
FORMAT = 9  # 2: facets.npy; 3: vectors.npy; 4: corpus_text.txt.words.npy; 5: second_vectors.npy; 6: capitals;
# 7: countries in the corpus text; 8: the catalog's organisations by country; 9: the titles the texts cite
# a word in capitals as stored texts write it ("OECD", "G20", "NIST"): the corpus text is case-folded, where "RAND"
# would match a typo's "rand"
_CAPITALS = re.compile(r"(?<![\w\-])[A-Z][A-Z0-9&]*[A-Z0-9](?![\w])")
# rows a query within ids compares from the snapshot's vectors: reading a row costs ~3.5 us (2,000 rows 7 ms,
# 20,000 rows 59 ms), Chroma's search within a list of ids 22-70 ms at 150k passages whatever its length
COMPARE_IN_MEMORY = 8_000
READ_BATCH = 5000  # vectors read from the store a call when the snapshot is built
log = logging.getLogger("charter.snapshot")


def _fold(text: str) -> str:
    """``fold_for_names``, with the common all-ASCII case done in C."""
    return text.lower() if text.isascii() else fold_for_names(text)


def _text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class StoreSnapshot:
    """Everything the retriever keeps in memory, for one store generation."""

    def __init__(self, store: Store):
        self.store = store
        stamp = store.stamp
        folder = _folder(store, stamp)
        loaded = _load(folder, stamp) if folder is not None and stamp else None
        if loaded is None:
            loaded = _build(store, folder, stamp)
        meta, self.lexical, self.corpus_text, self.facets, views = loaded
        self.vectors, self.second_vectors = views
        self.ids: list[str] = meta["ids"]
        self.position = {pid: i for i, pid in enumerate(self.ids)}
        self.catalog = Catalog.from_dict(meta["catalog"])
        self.statement_names: list[str] = meta["statement_names"]
        self.capitals: frozenset[str] = frozenset(meta["capitals"])
        self.cited_titles: list[str] = meta["cited_titles"]
        self.names = NameVectors(store, [(d, label) for d, label in meta["pairs"]])
        # z-score references: a seeded random sample across the whole store, not its first rows
        rng = random.Random(len(self.ids))
        sample_ids = rng.sample(self.ids, min(SAMPLE_SIZE, len(self.ids)))
        sample_rows = [self.position[i] for i in sample_ids]
        self.sample = self._view_matrix(sample_ids, sample_rows, second=False)
        self.second_sample = self._view_matrix(sample_ids, sample_rows, second=True) if store.has_second_view else None

    @property
    def size(self) -> int:
        return len(self.ids)

    @cached_property
    def name_words(self) -> frozenset[str]:
        """The folded words of the stored organisation and document names (for telling a typo of one)."""
        return frozenset(w for name in self.statement_names for w in re.findall(r"[a-z0-9][a-z0-9\-]+", name))

    @cached_property
    def folded_authors(self) -> list[str]:
        """The stored organisation names, folded as ``statement_names`` are, longest first (for telling where
        the document's part of one of those names starts)."""
        return sorted({fold_for_names(a) for a in self.catalog.authors}, key=len, reverse=True)

    @cached_property
    def document_names(self) -> DocumentNames:
        """The usual Chinese renderings of the stored documents' names (``document_names.py``)."""
        return DocumentNames(self.catalog.documents)

    @cached_property
    def chinese_name_words(self) -> ChineseNameWords:
        """The Chinese words of the stored names, for an English word that translates one (``names.py``)."""
        return ChineseNameWords(self.store, list(self.catalog.authors) + list(self.catalog.documents))

    @cached_property
    def _id_array(self) -> np.ndarray:
        return np.array(self.ids, dtype=object)

    @cached_property
    def sentences(self) -> SentenceVectors:
        """The passages' cached sentence vectors (looked up once per passage, on first use by fusion)."""
        return SentenceVectors(self.store, self.ids, texts=self._sentence_texts)

    @cached_property
    def second_sentences(self) -> SentenceVectors | None:
        """The same in the second view (its own shipped sentence vectors), when the store keeps one."""
        if self.store.second is None:
            return None
        return SentenceVectors(self.store, self.ids, self.store.second, texts=self._sentence_texts)

    @cached_property
    def _sentence_texts(self) -> dict[str, list[str]]:
        """Each passage's sentences, split once for both views."""
        return {}

    def rows(self, positions: list[int]) -> list[StoredPassage]:
        """The stored rows at these positions, fetched from the store."""
        return self.store.passages([self.ids[p] for p in positions])

    def nearest_among(self, qvec: np.ndarray, positions: np.ndarray, n: int) -> list[tuple[StoredPassage, float]]:
        """The store's ``query`` within the rows at ``positions``, handing it their vectors when the snapshot
        holds them (only these rows are read) and they are few enough to read faster than the index searches
        (``COMPARE_IN_MEMORY``)."""
        ids = self._id_array[positions].tolist()  # a few thousand positions: ~5x a list comprehension
        small = len(positions) <= COMPARE_IN_MEMORY
        within_vectors = self.vectors.rows(positions) if self.vectors is not None and small else None
        return self.store.query(qvec, n, within=ids, within_vectors=within_vectors)

    def similarities(self, qvec: np.ndarray, ids: list[str], *, second: bool) -> np.ndarray:
        """Cosine of each passage's stored vector in that view with ``qvec`` (0 for a passage without one):
        from the snapshot's vectors, the store asked only for passages the snapshot does not hold."""
        matrix = self.second_vectors if second else self.vectors
        dim = qvec.shape[0]
        out = np.zeros(len(ids))
        if matrix is not None and matrix.shape[1] == dim:
            at = [(j, self.position[i]) for j, i in enumerate(ids) if i in self.position]
            if at:
                rows = np.fromiter((p for _, p in at), dtype=np.int64, count=len(at))
                out[[j for j, _ in at]] = matrix.rows(rows) @ qvec
            rest = [(j, i) for j, i in enumerate(ids) if i not in self.position]
        else:
            rest = list(enumerate(ids))
        if rest:
            found = self.store.vectors([i for _, i in rest], second=second)
            for j, i in rest:
                if i in found and found[i].shape[0] == dim:
                    out[j] = float(found[i] @ qvec)
        return out

    def _view_matrix(self, ids: list[str], positions: list[int], *, second: bool) -> np.ndarray:
        """The vectors of ``ids`` (at ``positions``) in one view, as a matrix (the rows that have one)."""
        matrix = self.second_vectors if second else self.vectors
        if matrix is not None:
            got = matrix.rows(positions).astype(np.float32)
            return got[np.any(got != 0, axis=1)] if second else got
        return _stack(self.store.vectors(ids, second=second), ids)

    def allowed(self, filters: Filters | None) -> np.ndarray:
        """Which rows ``filters`` let through (all when there are none), as a mask over positions: the rows
        the store's own ``where`` would let through (``facets.py``), without asking the store."""
        return self.facets.mask(filters)


def _stack(found: dict[str, np.ndarray], ids: list[str]) -> np.ndarray:
    rows = [found[i] for i in ids if i in found]
    return np.stack(rows).astype(np.float32) if rows else np.zeros((0, 0), dtype=np.float32)


def _folder(store: Store, stamp: str | None) -> Path | None:
    return store.local_folder / DIRNAME if stamp is not None else None


Views = tuple[RowMatrix | None, RowMatrix | None]  # each view's vectors, row for row with the ids
Loaded = tuple[dict[str, Any], LexicalIndex, CorpusText, RowFacets, Views]


def _load(folder: Path, stamp: str) -> Loaded | None:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("stamp") != stamp or meta.get("format") != FORMAT:
            return None
        lexical = LexicalIndex.load(folder / "bm25", len(meta["ids"]))
        corpus_text = CorpusText.open(folder / "corpus_text.txt")
        if not corpus_text.has_words:
            raise ValueError("the corpus text's words are missing")
        if not corpus_text.has_pairs:  # saved before pairs were kept: collected once, not a whole rebuild
            corpus_text.add_pairs(folder / "corpus_text.txt")
        facets = RowFacets.load(folder / "facets.npy", meta["facets"])
        if len(facets.codes) != len(meta["ids"]):
            raise ValueError("facets and ids differ in length")
        views = tuple(RowMatrix(folder / name) if meta.get(key) else None
                      for key, name in (("vectors", "vectors.npy"), ("second_vectors", "second_vectors.npy")))
        if any(v is not None and len(v) != len(meta["ids"]) for v in views):
            raise ValueError("vectors and ids differ in length")
        return meta, lexical, corpus_text, facets, (views[0], views[1])
    except (OSError, ValueError, KeyError) as err:
        log.info("retrieval index at %s not usable (%s): rebuilding", folder, err)
        return None


def _build(store: Store, folder: Path | None, stamp: str | None) -> Loaded:
    """Read every row once, tokenize what the token cache lacks, and persist the result when the store
    has a stamp.  Only here is the snapshot O(all passages): after a write, not per process or query."""
    rows = store.all_passages()
    cache: dict[str, list[str]] = {}
    if folder is not None:
        try:
            cache = {k: v.split(" ") if v else [] for k, v in
                     json.loads((folder / "tokens.json").read_text(encoding="utf-8")).items()}
        except (OSError, ValueError):
            cache = {}
    tokens: list[list[str]] = []
    folded: list[str] = []
    keys: list[str] = []
    fresh: dict[str, list[str]] = {}
    for row in rows:
        text = text_for_embedding(row.meta, row.text)
        key = _text_key(text)
        keys.append(key)
        got = cache.get(key)
        if got is None:
            got = fresh.get(key)
        if got is None:
            got = fresh[key] = tokenize(text)
        tokens.append(got)
        folded.append(_fold(row.text))
    lexical = LexicalIndex(tokens=tokens)
    facets = RowFacets.from_metas(row.meta for row in rows)
    passages = [row.passage() for row in rows]
    catalog = Catalog.from_passages(passages, store.embedder.model_id, statement_countries(rows))
    names = list(catalog.authors) + list(catalog.documents)
    # the countries the statements are from: a body's statements rarely name its own country, yet the store
    # holds texts of Luxembourg when it holds the CSSF's
    corpus_text = CorpusText.from_str("\n".join([_fold(n) for n in names + sorted(catalog.authors_by_country)]
                                                 + folded))
    meta: dict[str, Any] = {
        "format": FORMAT, "stamp": stamp, "ids": [r.id for r in rows], "catalog": catalog.to_dict(),
        # author and document together: "OECD Recommendation" names the OECD's Recommendation
        "statement_names": sorted({fold_for_names(f"{author or ''} {document or ''}")
                                   for author, document in {(p.author, p.document) for p in passages}}),
        # "organisation: document" per stored document, for telling a translated title (names.py)
        "pairs": sorted({(p.document, f"{p.author}: {p.document}" if p.author else p.document)
                         for p in passages if p.document}),
        "facets": facets.names,
        # the words in capitals of the stored texts and names, in their case (unmentioned.py)
        "capitals": sorted({w for text in [*names, *(row.text for row in rows)] for w in _CAPITALS.findall(text)}),
        # the titles the stored texts cite, other than stored documents' ("Universal Declaration of Human Rights")
        "cited_titles": [t for t in cited_titles(row.text for row in rows) if t not in catalog.documents],
    }
    # vectors only where they are persisted: otherwise a server's client would hold every vector in memory
    # (537 MB at 150k passages) that the server already holds, and read them all over HTTP in each process
    persisted = folder is not None and bool(stamp)
    arrays = (_read_vectors(store, meta["ids"], second=False) if persisted else None,
              _read_vectors(store, meta["ids"], second=True) if persisted and store.has_second_view else None)
    meta["vectors"], meta["second_vectors"] = (a is not None for a in arrays)
    if persisted and folder is not None:
        _save(folder, meta, lexical, corpus_text, facets, arrays,
              {**{k: " ".join(v) for k, v in cache.items()}, **{k: " ".join(v) for k, v in fresh.items()}}, keys)
    main, second = (RowMatrix(array=a) if a is not None else None for a in arrays)
    return meta, lexical, corpus_text, facets, (main, second)


def _read_vectors(store: Store, ids: list[str], *, second: bool) -> np.ndarray | None:
    """One view's stored vectors, row for row with ``ids``.  The main view has one for every row (None if
    any is missing: queries then go to the store's index, as without a snapshot); a second-view row without
    one is zeros, which scores 0 as ``similarities`` gives such a passage."""
    parts: list[np.ndarray] = []
    unseen = 0  # rows read before the view's first vector told its dimension
    dim = 0
    for start in range(0, len(ids), READ_BATCH):
        batch = ids[start:start + READ_BATCH]
        found = store.vectors(batch, second=second)
        if len(found) != len(batch) and not second:
            log.info("%d stored rows without a vector: the snapshot keeps no vectors", len(batch) - len(found))
            return None
        dim = dim or next((len(v) for v in found.values()), 0)
        if not dim:
            unseen += len(batch)
            continue
        part = np.zeros((len(batch), dim), dtype=np.float32)
        for j, pid in enumerate(batch):
            vec = found.get(pid)
            if vec is not None and len(vec) == dim:
                part[j] = vec
        parts.append(part)
    if not dim:
        return None
    return np.concatenate([np.zeros((unseen, dim), dtype=np.float32), *parts])


def _save(folder: Path, meta: dict[str, Any], lexical: LexicalIndex, corpus_text: CorpusText, facets: RowFacets,
          arrays: tuple[np.ndarray | None, np.ndarray | None], tokens: dict[str, str], keep: list[str]) -> None:
    """Write into a fresh folder and swap it in (meta.json, which carries the stamp, is what makes it valid)."""
    tmp = folder.with_name(f".{DIRNAME}.{os.getpid()}.tmp")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        lexical.save(tmp / "bm25")
        corpus_text.save(tmp / "corpus_text.txt")
        facets.save(tmp / "facets.npy")
        for matrix, name in zip(arrays, ("vectors.npy", "second_vectors.npy")):
            if matrix is not None:
                np.save(tmp / name, matrix)
        kept = {k: tokens[k] for k in keep if k in tokens}
        (tmp / "tokens.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        old = folder.with_name(f".{DIRNAME}.{os.getpid()}.old")
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as err:  # a store folder we cannot write to only costs the next process a rebuild
        log.warning("could not persist the retrieval index at %s (%s)", folder, err)
        shutil.rmtree(tmp, ignore_errors=True)
