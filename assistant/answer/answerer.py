"""From a question to a cited answer: rewrite a follow-up, retrieve, then let
the LLM write (verified afterwards) or, without one, compose quotes offline.

When the LLM fails in any way (refused key, rate limit, server error, timeout,
garbage stream) the user still gets the offline answer for the same question,
with a one-line reason on top, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.answer.compare import compose_compare
from assistant.answer.followup import rewrite
from assistant.answer.offline import compose, is_chinese
from assistant.answer.select import Embed
from assistant.answer.summary import outline
from assistant.answer.targets import MIN_TARGETS, Targets, top_organisations
from assistant.answer.targets import choose as choose_targets
from assistant.retrieval.query import QueryVectors
from assistant.retrieval.retriever import Retriever, SearchResult
from assistant.settings import Settings
from core.model import Answer, Filters, Mode, Passage

if TYPE_CHECKING:  # imported when first used: the LLM client stack is only loaded when an LLM is configured
    from assistant.answer.llm_answer import LLMAnswerer


class Answerer:
    """The one entry point the CLI and the UI call to answer."""

    def __init__(self, retriever: Retriever, settings: Settings, llm_answerer: LLMAnswerer | None = None) -> None:
        self.retriever = retriever
        self.settings = settings
        self._llm = llm_answerer

    @cached_property
    def llm(self) -> LLMAnswerer | None:
        """The LLM answerer, or None when none is configured (or it cannot be built)."""
        if self._llm is not None:
            return self._llm
        if not self.settings.llm.enabled:
            return None
        from assistant.answer.backends import LLMError
        from assistant.answer.llm_answer import LLMAnswerer

        try:
            return LLMAnswerer.from_settings(self.settings)
        except LLMError:
            return None

    @property
    def backend_label(self) -> str:
        return self.llm.llm.describe() if self.llm else "offline quotes (no LLM configured)"

    # ---- public --------------------------------------------------------------------------------
    def stream(
        self,
        question: str,
        history: list[dict] | None = None,
        *,
        mode: Mode = "ask",
        filters: Filters | None = None,
        k: int | None = None,
        targets: list[str] | None = None,
        offline: bool = False,
    ) -> Iterator[Answer]:
        """Partial answers (``done=False``) while an LLM writes, then the final one
        (``offline``: the quote answer even when an LLM is configured, as ``charter eval`` measures it)."""
        query = self._standalone(question, history)
        k = k or self.settings.k_for(mode)
        chosen: Targets | None = None
        by_target: dict[str, list[Passage]] | None = None
        if mode == "compare":
            chosen, by_target, passages, result = self._compare_passages(query, targets, k, filters)
            if chosen is None:  # not even one organisation to compare: answer the question instead
                mode = "ask"
        else:
            result = self.retriever.search(query, k=k, filters=filters, expansion=self._expansion(query))
            passages = result.passages
        notice = result.reason if result.reason and not result.abstain else None  # e.g. "Partly covered: ..."
        one_column = by_target is not None and len(by_target) < MIN_TARGETS  # the LLM's table needs two
        if not offline and self.llm is not None and passages and not result.abstain and not one_column:
            from assistant.answer.backends import LLMError
            from assistant.answer.verify import review

            try:
                plan = outline(query, passages, self._embed(query, result.vectors)) if mode == "summary" else None
                for update in self.llm.stream(question, passages, mode=mode, history=history,
                                              targets=list(by_target) if by_target else None, outline=plan):
                    update.standalone_query = query
                    rejected = review(update.text, question, passages, update.verification) if update.done else None
                    if rejected is not None:  # wrong as a whole: no citation, a followed injection, another language
                        raise LLMError(f"the verifier rejected its answer: {rejected}", kind="rejected")
                    if chosen is not None:  # say whose columns these are and where they came from
                        update.text = f"**{chosen.describe(is_chinese(question))}**\n\n{update.text}"
                    yield update
                return
            except LLMError as err:
                notice = f"The LLM could not answer ({err.reason}); showing the offline quote answer instead."
        if chosen is not None and by_target is not None:
            answer = compose_compare(question, by_target, self._embed(query, result.vectors), how=chosen.describe(
                is_chinese(question)), notice=notice)
        else:
            answer = compose(question, passages, mode=mode, embed=self._embed(query, result.vectors),
                             abstain_reason=result.reason if result.abstain else None, notice=notice,
                             named=result.named)
        answer.standalone_query = query
        yield answer

    def answer(self, question: str, history: list[dict] | None = None, **kwargs: Any) -> Answer:
        final: Answer | None = None
        for step in self.stream(question, history, **kwargs):
            final = step
        assert final is not None
        return final

    # ---- parts ---------------------------------------------------------------------------------
    def _standalone(self, question: str, history: list[dict] | None) -> str:
        if not history:
            return question
        if self.llm is not None:
            from assistant.answer.backends import LLMError

            try:
                return self.llm.rewrite_followup(history, question)
            except LLMError:
                pass
        return rewrite(history, question)

    def _expansion(self, query: str) -> str | None:
        """The LLM's rewording of the question for search (``llm_query_expansion``), or None: off, no LLM, or
        the request failed (the search then runs on the question alone, as without an LLM)."""
        if not self.settings.llm.query_expansion or self.llm is None:
            return None
        from assistant.answer.backends import LLMError

        try:
            return self.llm.expand_query(query) or None
        except LLMError:
            return None

    def _compare_passages(self, query: str, picker: list[str] | None, k: int, filters: Filters | None
                          ) -> tuple[Targets | None, dict[str, list[Passage]], list[Passage], SearchResult]:
        """The targets (named in the question, else picked, else the top two organisations) and the best
        passages of each on the topic, side by side; no targets when the store has no organisation at all."""
        chosen = choose_targets(query, picker, self.retriever.catalog)
        vectors = self.retriever.embed_query(query) if query.strip() else None  # one question, several searches
        if len(chosen.targets) < MIN_TARGETS:
            general = self.retriever.search(query, k=max(3 * k, 10), filters=filters, vectors=vectors)
            chosen.targets += top_organisations(general.passages, MIN_TARGETS - len(chosen.targets),
                                                exclude=chosen.targets)
        if not chosen.targets:
            result = self.retriever.search(query, k=k, filters=filters, vectors=vectors)
            return None, {}, result.passages, result
        by_target: dict[str, list[Passage]] = {}
        merged: list[Passage] = []
        for target in chosen.targets:
            found = self.retriever.search(query, k=k, filters=target.filters(filters), vectors=vectors)
            by_target[target.label] = list(found.passages)
            merged.extend(p for p in found.passages if p.id not in {m.id for m in merged})
        result = SearchResult(query, merged, abstain=not merged,
                              reason=None if merged else "No passage from these targets.", vectors=vectors)
        return chosen, by_target, merged, result

    def _embed(self, query: str, vectors: QueryVectors | None = None) -> Embed:
        """Embeds the passages' sentences with the fastest embedder at hand, and gives the query's vector in
        that model: the one the retriever embedded (``vectors``, from its ``SearchResult``), not a second
        embedding of the same text; the query is embedded here only when no search embedded it."""
        store = self.retriever.store
        embedder = store.second or store.embedder

        def embed(sentences: list[str]) -> tuple[np.ndarray, np.ndarray]:
            if vectors is not None and vectors.text == query:
                question = vectors.for_sentences()
            else:
                question = embedder.embed_array([query], is_query=True)[0]
            return question, embedder.embed_array(sentences, is_query=False)

        return embed
