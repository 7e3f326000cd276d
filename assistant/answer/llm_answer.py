"""Answers written by an LLM, checked by the verifier before they count as final.

``LLMAnswerer`` = prompts (what to ask) + a ``ChatBackend`` (asking) + ``verify``
(checking).  It raises ``LLMError`` on any failure of the endpoint, so the
caller can fall back to the offline answerer with ``err.reason`` as notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.answer.backends import ChatBackend, LLMError, make_backend
from assistant.answer.prompts import Message, build_messages, expansion_messages, rewrite_messages
from assistant.answer.quality import splits_token
from assistant.answer.sentences import whole_sentences
from assistant.answer.verify import hold_open_quote, verify_answer
from assistant.settings import Settings
from core.model import Answer, Mode, Passage, Quote, Source
from core.text import quote_spans

MAX_QUERY_CHARS = 400  # a "query" longer than this is the model answering instead


class LLMAnswerer:
    """Streams verified answers from an LLM over the retrieved passages."""

    def __init__(self, llm: ChatBackend) -> None:
        self.llm = llm

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMAnswerer:
        """The answerer over the backend the settings name (``LLMError`` if none is configured)."""
        backend = make_backend(settings)
        if backend is None:
            raise LLMError("No LLM is configured (llm_backend is none, or auto without an endpoint).", kind="config")
        return cls(backend)

    def stream(
        self,
        question: str,
        passages: list[Passage],
        *,
        mode: Mode = "ask",
        history: list[dict] | None = None,
        targets: list[str] | None = None,
        outline: str | None = None,
    ) -> Iterator[Answer]:
        """Partial answers while the text streams in, then the verified final one.

        Partial texts already go through the verifier's text rewrite (cheap)
        and stop before a quotation that is still open, so an unverified
        quote is never displayed as a quote, not even for a moment.  Their
        sources stay empty until the final answer.
        """
        messages = build_messages(question, passages, mode=mode, history=history, targets=targets, outline=outline)
        text = ""
        for delta in self.llm.stream(messages):
            text += delta
            shown, _, _ = verify_answer(hold_open_quote(text), passages)
            yield Answer(question=question, text=shown, mode=mode, backend=self.llm.describe(), done=False)
        yield self._final(question, text, passages, mode)

    def answer(self, question: str, passages: list[Passage], **kwargs: Any) -> Answer:
        """The final answer only (drains ``stream``)."""
        final: Answer | None = None
        for step in self.stream(question, passages, **kwargs):
            final = step
        assert final is not None and final.done
        return final

    def _final(self, question: str, text: str, passages: list[Passage], mode: Mode) -> Answer:
        """Verify the whole text. No valid citation at all means nothing is grounded: abstained."""
        checked, sources, verification = verify_answer(text.strip(), passages)
        checked = _whole_words(checked, sources)
        return Answer(
            question=question,
            text=checked,
            sources=sources,
            mode=mode,
            backend=self.llm.describe(),
            abstained=verification.citations_valid == 0,
            verification=verification,
            done=True,
        )

    def expand_query(self, question: str) -> str:
        """The question in the words official texts use (``expansion_messages``); '' when the reply is
        implausible.  Raises ``LLMError`` like every request."""
        reply = re.sub(r"^\s*search (wording|terms)\s*[:：]\s*", "", self.llm.complete(expansion_messages(question)),
                       flags=re.I)
        return _clean_query(reply)

    def rewrite_followup(self, history: Sequence[Message] | None, question: str) -> str:
        """A standalone search query for a follow-up; the question itself when there is no history."""
        if not history or not any(h.get("content") for h in history):
            return question
        reply = self.llm.complete(rewrite_messages(history, question))
        return _clean_query(reply) or question


def _whole_words(text: str, sources: list[Source]) -> str:
    """The offline answer's sentence rule on the LLM's quotations: a verified quote that begins or ends inside
    a word, a number or an abbreviation of its passage ("only 4." of "only 4.5%") becomes the whole sentences
    it stands in, verbatim, in the text and in its source; other quotes are left as the model wrote them."""
    for source in sources:
        for i, quote in enumerate(source.quotes):
            if not quote.verified or not splits_token(quote.text, source.passage.text) or quote.text not in text:
                continue
            spans = quote_spans(source.passage.text, quote.text)
            whole = whole_sentences(source.passage, spans[0][0], spans[-1][1])
            text = text.replace(quote.text, whole, 1)
            source.quotes[i] = Quote(n=quote.n, text=whole, verified=True)
    return text


def _clean_query(reply: str) -> str:
    """First line, without a "Query:" prefix or wrapping quotes; '' if implausible."""
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    query = re.sub(r"^(standalone )?(search )?query\s*[:：]\s*", "", lines[0], flags=re.I)
    query = query.strip().strip("\"'“”「」").strip()
    return query if len(query) <= MAX_QUERY_CHARS else ""
