"""Hybrid retrieval: dense candidates from the store, re-ranked with a second
embedding, BM25, the question's years and the organisations it names.

This module only orchestrates; each step is a module of its own:
``candidates`` (the pool), ``fusion`` (the z-scored re-ranking), ``diversify``
(copies and per-document spreading), ``abstain`` (the coverage decision), with
the measured numbers in ``settings.retrieval``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

from assistant.index.base import Store
from assistant.retrieval.abstain import Floors, decide, measure
from assistant.retrieval.candidates import bm25_ranked, dense_ranked, hybrid_pool
from assistant.retrieval.catalog import Catalog, Mentions
from assistant.retrieval.coverage import (
    ZH_TITLE,
    asks_about_citing,
    check_titles,
    generic_zh_title,
    unknown_names,
    years_beside,
)
from assistant.retrieval.diversify import diversify
from assistant.retrieval.fusion import fuse
from assistant.retrieval.off_domain import Background
from assistant.retrieval.query import QueryVectors
from assistant.retrieval.signals import Signals
from assistant.retrieval.snapshot import StoreSnapshot
from assistant.retrieval.unmentioned import unmentioned
from assistant.settings import FusionWeights, RetrievalSettings, Settings
from core.model import Filters, Passage
from core.text import has_cjk

__all__ = ["FusionWeights", "Method", "QueryVectors", "Retriever", "SearchResult", "question_years"]

Method = Literal["hybrid", "dense", "bm25"]
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


# the most documents of the bodies a question names among which a Chinese title is matched by its own name:
# beyond a few dozen (a large country's bodies), some name is close to any title (retrieval/names.py)
_PINNED_DOCUMENTS = 40


def question_years(question: str) -> set[int]:
    """The years a question names (1950-2049)."""
    return {int(y) for y in _YEAR.findall(question)}


@dataclass
class SearchResult:
    """Ranked passages plus what the retriever concluded about coverage."""

    query: str
    passages: list[Passage]
    abstain: bool = False
    reason: str | None = None  # why it abstained
    mentions: dict[str, list[str]] = field(default_factory=dict)
    # the organisations the question names outright (not only through a place), or whose documents it names so:
    # an answer quotes them, and names the others under "See also"
    named: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    method: str = "hybrid"
    score: float | None = None  # calibrated probability that the corpus cannot answer, where one applies
    signals: Signals | None = None  # what the coverage decision weighed (benchmarks/abstention.py fits on them)
    missing: list[str] = field(default_factory=list)  # named texts (or organisation-years) the store lacks
    unmentioned: list[str] = field(default_factory=list)  # names the question uses that no stored text contains
    # the question's vectors as this search embedded them: the answerer scores sentences against the same ones
    vectors: QueryVectors | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(replace(self, vectors=None))
        del data["vectors"]  # arrays are no part of the JSON a front-end prints
        return data


class Retriever:
    """Finds the passages that answer a question, or says none do."""

    def __init__(self, store: Store, settings: Settings, fusion: FusionWeights | None = None):
        self.store = store
        self.settings = settings
        self.tuning: RetrievalSettings = settings.retrieval
        # a benchmark may swap the weights on a live retriever (benchmarks/retrieval_quality.py)
        self.fusion: FusionWeights = fusion or settings.retrieval.fusion
        self._index: StoreSnapshot | None = None
        self._generation = -1

    @property
    def index(self) -> StoreSnapshot:
        """The in-memory side (BM25, catalog, names), rebuilt when the store changed."""
        if self._index is None or self._generation != self.store.generation:
            self._index = StoreSnapshot(self.store)
            self._generation = self.store.generation
        return self._index

    @cached_property
    def background(self) -> Background:
        """The off-topic background in this store's views (off_domain.py), embedded on first use."""
        return Background(self.store)

    @property
    def catalog(self) -> Catalog:
        return self.index.catalog

    @property
    def threshold(self) -> float:
        if self.settings.retrieval.min_relevance is not None:
            return self.settings.retrieval.min_relevance
        return self.store.embedder.relevance_threshold

    @property
    def floors(self) -> Floors:
        """Each view's relevance floor; an explicit ``min_relevance`` leaves the decision to the main view."""
        second = self.store.second
        votes = self.settings.retrieval.min_relevance is None and second is not None
        return Floors(self.threshold, second.relevance_threshold if votes and second is not None else None)

    def embed_query(self, query: str) -> QueryVectors:
        """The question in each view, for ``search(..., vectors=)`` when one question is searched several
        times (compare mode searches it once per target)."""
        return QueryVectors.embed(self.store, query)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               method: Method = "hybrid", vectors: QueryVectors | None = None,
               expansion: str | None = None) -> SearchResult:
        """The ``k`` best passages for ``query``; ``vectors``: the query already embedded (``embed_query``).

        ``expansion``: more words for the same question (an LLM's rewording, ``llm_query_expansion``).  Hybrid
        search gathers and ranks candidates with the question and these words together; whether the store
        covers the question, and the answer's sentence choice, are still judged on the question alone, so
        words the question never used cannot make an off-topic question look answerable."""
        k = k or self.settings.retrieval.top_k
        index = self.index
        filters = index.catalog.resolve_filters(filters)
        if not index.size or not query.strip():
            reason = "The store is empty." if not index.size else "Empty question."
            return SearchResult(query, [], abstain=True, reason=reason, method=method)
        if vectors is None or vectors.text != query:
            vectors = self.embed_query(query)
        if method == "bm25":
            ranked = diversify(bm25_ranked(self.store, index, query, k * 3, filters), k, 0.0, self.tuning)
            result = self._finish(query, vectors, ranked, method, self._measure(query, vectors, ranked))
        elif method == "dense":
            passages = dense_ranked(self.store, vectors.dense, k * 3, filters)
            signals = self._measure(query, vectors, passages, lexical=False)  # the dense baseline stays dense only
            result = self._finish(query, vectors, diversify(passages, k, 0.0, self.tuning), method, signals)
        else:
            result = self._hybrid(query, vectors, k, filters, expansion.strip() if expansion else None)
        result.vectors = vectors
        return result

    def _hybrid(self, query: str, vectors: QueryVectors, k: int, filters: Filters | None,
                expansion: str | None = None) -> SearchResult:
        index = self.index
        years = question_years(query)
        mentions = self._translated_titles(query, index.catalog.mentions(query), years)
        wide = f"{query}\n{expansion}" if expansion else query
        ranking = self.embed_query(wide) if expansion else vectors
        pool = hybrid_pool(self.store, index, wide, ranking.dense, filters, years, mentions, self.tuning)
        if not pool.rows:
            return SearchResult(query, [], abstain=True, reason="Nothing matches these filters.", method="hybrid")
        fused = fuse(self.store, index, wide, ranking, pool, years, mentions, self.fusion)
        ranked = diversify(fused.passages, k, self.fusion.doc_penalty, self.tuning)
        signals = self._measure(query, vectors, ranked) if expansion else fused.signals  # the question's own
        result = self._finish(query, vectors, ranked, "hybrid", signals, mentions, years)
        result.mentions = {"authors": sorted(mentions.authors), "documents": sorted(mentions.documents)}
        result.named = sorted((mentions.authors - mentions.by_place)
                              | index.catalog.authors_of(mentions.documents - mentions.by_place))
        result.years = sorted(years)
        return result

    def _measure(self, query: str, vectors: QueryVectors, passages: list[Passage], *,
                 lexical: bool = True) -> Signals:
        return measure(self.store, self.index, query, vectors, [p.id for p in passages], lexical=lexical)

    def title_document(self, title: str, mentions: Mentions, years: set[int],
                       among: set[str] | None = None, beside: Mentions | None = None) -> str | None:
        """The stored document whose name a Chinese title translates (names.py), or None: the name that stands
        out for it (among the documents ``among``, when given), or, pinned to stored bodies the question names
        beside its titles (``beside``, ``_beside_titles``), one of their few documents' own names; either of the
        bodies and years the question names."""
        index = self.index
        beside = mentions if beside is None else beside
        if (rendered := self._rendered_title(title, mentions, years)) is not None:
            return rendered
        z, label = index.names.standout(title, among)
        if z >= self.tuning.name_match_z:
            document = index.names.document_of(label)
            # its name translates the title, or it is a text of a body the question names outright: standing out
            # among names that share a place with the title (《泛加拿大人工智能战略》 among Canada's) is not enough
            outright = index.catalog.authors_of({document}) & (beside.authors - beside.by_place)
            if index.catalog.fits(document, mentions, years) and (outright or self._translates(title, document)):
                return document
        documents = sorted(self._bodies_documents(beside))
        if self.tuning.name_translation is None or not documents or len(documents) > _PINNED_DOCUMENTS:
            return None
        score, document = index.names.translation(title, documents)
        if score >= self.tuning.name_translation and index.catalog.fits(document, mentions, years):
            return document
        return None

    def _rendered_title(self, title: str, mentions: Mentions, years: set[int]) -> str | None:
        """The stored document ``title`` is one of the usual Chinese renderings of (``document_names.py``),
        beside the bodies and years the question names (among the named bodies' own documents when the closest
        rendering is another's), or None.  Not a title of generic words only
        (《人工智能伦理准则》): many texts are called that, and the one rendered so is no more meant than the others."""
        if generic_zh_title(title):
            return None
        names, catalog = self.index.document_names, self.index.catalog
        document = names.document_of(title, self.tuning.rendered_title_match)
        if document is not None and catalog.fits(document, mentions, years):
            return document
        # beside a named body, its own documents first: 西班牙电信《负责任使用人工智能的方法》 is Telefónica's
        # although another company's title renders closer; IEEE《合乎伦理的设计》 is a main title of IEEE's
        by_author = catalog.documents_by_author
        among = {d for author in mentions.authors - mentions.by_place for d in by_author.get(author, {})}
        document = names.document_of(title, self.tuning.rendered_title_match, among) if among else None
        return document if document is not None and catalog.fits(document, mentions, years) else None

    def _translates(self, title: str, document: str) -> bool:
        """Is the stored ``document``'s name, on its own, a translation of the Chinese ``title``
        (``name_translation``; a stored Chinese name is compared by ``standout`` alone)?"""
        if self.tuning.name_translation is None or has_cjk(document):
            return True
        return self.index.names.translation(title, [document])[0] >= self.tuning.name_translation

    def _outright_title(self, title: str, mentions: Mentions, years: set[int]) -> str | None:
        """The stored document a Chinese title names with no body beside it, when both tests agree: its name
        stands out for the title among every stored name (``name_match_z``) and is, on its own, a translation of
        the title (``name_translation``).  Either alone takes absent titles for stored ones (《算法霸权》 stands
        out for "Kakao Algorithm Ethics"; 《新一代人工智能发展规划》 translates "Next-Generation AI Governance
        Principles" nearly as well as the stored title does)."""
        index = self.index
        if self.tuning.name_translation is None:
            return None
        z, label = index.names.standout(title)
        if z < self.tuning.name_match_z:
            return None
        document = index.names.document_of(label)
        score, _ = index.names.translation(title, [document])
        if score >= self.tuning.name_translation and index.catalog.fits(document, mentions, years):
            return document
        return None

    def _beside_titles(self, query: str, mentions: Mentions) -> Mentions:
        """The names the question uses outside its 《titles》: a place inside a title is part of the title
        (《泛加拿大人工智能战略》), not a body the title is pinned to as in 加拿大《自动化决策指令》."""
        return self.index.catalog.mentions(ZH_TITLE.sub("，", query)) if ZH_TITLE.search(query) else mentions

    def _bodies_documents(self, mentions: Mentions) -> set[str]:
        """The stored documents of the organisations the question names, or of its countries' bodies."""
        by_author = self.index.catalog.documents_by_author
        return {d for a in mentions.authors | mentions.by_country for d in by_author.get(a, {})}

    def _translated_titles(self, query: str, mentions: Mentions, years: set[int]) -> Mentions:
        """``mentions`` with the stored documents the question names by a Chinese title of their English name
        beside their organisation or country (加拿大《自动化决策指令》), or by one of their usual Chinese names with
        or without 《》 (``document_names.py``): named outright, so ranked as one named in English is
        (``fusion_mention``, ``fusion_title``).  The cross-lingual check alone is asked only among the documents
        of the bodies it names: a title alone stands out among every stored name too easily (《全球数据安全倡议》
        is none of them); with no body beside it, a title names a document by a rendering or when both
        cross-lingual tests agree (``_outright_title``), and is otherwise judged among the documents of the
        passages retrieved for it (``coverage``)."""
        if has_cjk(query) and self.tuning.rendered_title_match is not None:
            # a usual Chinese name written out without 《》 (阿西洛马人工智能原则怎么看…) names its document too
            bare = {d for d in self.index.document_names.written_in(ZH_TITLE.sub("，", query))
                    if self.index.catalog.fits(d, mentions, years)}
            if bare - mentions.documents:
                mentions = replace(mentions, documents=mentions.documents | bare, titled=mentions.titled | bare)
        titles = [t.strip() for t in ZH_TITLE.findall(query) if has_cjk(t)]
        if not titles:
            return mentions
        beside = self._beside_titles(query, mentions)
        bodies = self._bodies_documents(beside)
        found = {d for title in titles
                 if (d := (self.title_document(title, mentions, years, bodies, beside) if bodies
                           else self._rendered_title(title, mentions, years))
                     or self._outright_title(title, mentions, years)) is not None}
        if not found - mentions.documents:
            return mentions
        return replace(mentions, documents=mentions.documents | found, titled=mentions.titled | found)

    def coverage(self, query: str, passages: list[Passage], mentions: Mentions | None = None,
                 years: set[int] | None = None) -> tuple[list[str], list[str]]:
        """(texts the question names that the store lacks, with named organisations in a year none of their
        statements carries; texts it names that the store holds) (coverage.py, catalog.absent_years).
        A Chinese title may be the translation of the name of a document among ``passages`` (names.py)."""
        index = self.index
        among = {p.document for p in passages if p.document}
        mentions = mentions if mentions is not None else index.catalog.mentions(query)
        years = years if years is not None else question_years(query)

        beside = self._beside_titles(query, mentions)
        documents: dict[str, str | None] = {}

        def document(title: str) -> str | None:
            if title not in documents:
                documents[title] = self.title_document(title, mentions, years, among, beside)
            return documents[title]

        def similar_name(title: str) -> bool:
            return document(title) is not None or self._cited_title(title, query)

        # a title of generic words beside a year and no stored body ("《人工智能安全治理框架》（2024年）"): one text
        missing, held = check_titles(query, index.corpus_text, index.statement_names, similar_name,
                                     pinned=bool(years) and not (mentions.authors or mentions.documents
                                                                 - mentions.by_place), authors=index.folded_authors)
        # a year written beside a 《title》 that is no stored document's is that title's (1988年《隐私法》), not a
        # year of the bodies the question names
        own = {y for title in ZH_TITLE.findall(query) if (beside_title := years_beside(query, title))
               and document(title.strip()) is None for y in beside_title}
        return missing + index.catalog.absent_years(years - own, mentions), held

    def _cited_title(self, title: str, query: str) -> bool:
        """Does the question ask how stored texts cite a text they do cite (哪些原则提到了《通用数据保护条例》)?
        Its Chinese title then translates one of the titles the stored texts cite (``cited_title_match``), as the
        English title would be found in them word for word."""
        bar, cited = self.tuning.cited_title_match, self.index.cited_titles
        if bar is None or not cited or not asks_about_citing(query):
            return False
        return self.index.names.translation(title, cited)[0] >= bar

    def _finish(self, query: str, vectors: QueryVectors, passages: list[Passage], method: str, signals: Signals,
                mentions: Mentions | None = None, years: set[int] | None = None) -> SearchResult:
        index = self.index
        # the names a question mentions are read once per search: coverage and the verdict both need them
        mentions = mentions if mentions is not None else index.catalog.mentions(query)
        missing, held = self.coverage(query, passages, mentions, years) if passages else ([], [])
        unknown = unknown_names(query, index.corpus_text, index.statement_names)
        never = unmentioned(query, index.corpus_text, index.name_words,
                            index.chinese_name_words.translates, index.capitals) if passages else []
        domain = None
        if self.tuning.off_domain_margin is not None and not mentions.specific():
            domain = self.background.margin(vectors, signals.best_dense, signals.best_second,
                                            self.tuning.dense_spread, self.tuning.second_spread)
        signals = replace(signals, unknown_names=float(len(unknown)), domain_margin=domain)
        verdict = decide(query, passages, index, signals, self.floors, self.tuning, self.store, missing, held,
                         mentions, never)
        return SearchResult(query, passages, abstain=verdict.abstain, reason=verdict.reason, method=method,
                            score=verdict.score, signals=signals, missing=missing, unmentioned=never)
