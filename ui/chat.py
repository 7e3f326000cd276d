"""Chat handlers: stream an answer into the chat and the sources panel.

Handlers are generators so the chat shows the answer while an LLM writes it;
the conversation they extend comes in and goes out through ``gr.State``
(per browser session), never through anything shared.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, cast

import gradio as gr

from core.model import Answer, Filters, Mode
from ui.browse import Example
from ui.cards import EMPTY_PANEL, answer_message
from ui.export import export_files, last_answer_markdown
from ui.runtime import Runtime
from ui.session import Conversation, Turn, user_message

log = logging.getLogger("charter.ui")
MODES = [("Ask", "ask"), ("Draft a summary", "summary"), ("Compare", "compare")]


def make_filters(authors: list[str] | None, documents: list[str] | None, since: Any, until: Any,
                 lang: str | None) -> Filters:
    """Filters from the UI's pickers; empty pickers mean 'any'."""
    def year(value: Any) -> int | None:
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    return Filters(authors=list(authors or []), documents=list(documents or []),
                   since=year(since), until=year(until), lang=lang or None)


def thinking(question: str) -> Answer:
    """The placeholder shown until the first update arrives."""
    return Answer(question=question, text="Searching the statements…", done=False)


class ChatHandlers:
    """Gradio callbacks of the chat tab, bound to the app's Runtime."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    # ---- answering -------------------------------------------------------------------------------
    def respond(self, question: str, conversation: Conversation, mode: str, targets: list[str] | None,
                authors: list[str] | None, documents: list[str] | None, since: Any, until: Any, lang: str | None,
                k: Any) -> Iterator[tuple]:
        """Yield (chat, sources, conversation, question box, last markdown, conversation file, answer file)."""
        question = (question or "").strip()
        if not question:
            yield (gr.skip(),) * 7
            return
        # compare: organisations the question names win over the picker; with neither, the answer takes the
        # two most relevant ones and says so in its first line
        targets = list(targets or [])
        conversation = conversation or Conversation()
        turn = len(conversation.turns)
        filters = make_filters(authors, documents, since, until, lang)
        shown = conversation.messages() + [{"role": "user", "content": user_message(question, mode, targets, filters)}]
        yield from self._wait_until_ready(question, shown, conversation)
        final: Answer | None = None
        for update in self._answers(question, conversation, mode, filters, k, targets):
            box = "" if final is None else gr.skip()  # empty the question box once, at the start
            final = update
            yield (shown + [{"role": "assistant", "content": answer_message(update, turn)}],
                   conversation.panel((question, update)), gr.skip(), box, gr.skip(), gr.skip(), gr.skip())
        if final is None or not final.done:
            return
        conversation.turns.append(Turn(question, final, mode, filters, targets))
        whole, last = export_files(conversation)
        yield (conversation.messages(), conversation.panel(), conversation, gr.skip(),
               last_answer_markdown(conversation), gr.update(value=whole, interactive=True),
               gr.update(value=last, interactive=True))

    def _wait_until_ready(self, question: str, shown: list[dict], conversation: Conversation) -> Iterator[tuple]:
        """While the store is still being prepared, say so in the chat, then wait."""
        if self.runtime.is_ready:
            return
        waiting = Answer(question=question, text=f"Please wait: {self.runtime.status.message}", done=False)
        yield (shown + [{"role": "assistant", "content": answer_message(waiting, len(conversation.turns))}],
               gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip())
        self.runtime.wait_ready()

    def _answers(self, question: str, conversation: Conversation, mode: str, filters: Filters, k: Any,
                 targets: list[str]) -> Iterator[Answer]:
        """The answerer's updates; any failure becomes a final answer saying so."""
        yield thinking(question)
        if self.runtime.status.phase == "error":
            yield Answer(question=question, text=self.runtime.status.message, abstained=True)
            return
        try:
            charter = self.runtime.charter
            # the mode comes from the Radio, whose only choices are MODES' values
            yield from charter.stream(question, conversation.history(), mode=cast(Mode, mode), filters=filters,
                                      k=int(k) if k else None,
                                      targets=targets if mode == "compare" else None)
        except Exception as err:  # noqa: BLE001 - the user gets a line, and so does the console
            # a store that is down is an operating condition, not a bug: one line saying why; the
            # traceback only when someone asked for it (the "charter" logger at DEBUG)
            log.warning("Charter could not answer a question: %s: %s", type(err).__name__, err,
                        exc_info=log.isEnabledFor(logging.DEBUG))
            yield Answer(question=question, text=f"Charter could not answer this: {type(err).__name__}: {err}",
                         abstained=True, backend="error")

    # ---- other chat actions --------------------------------------------------------------------
    @staticmethod
    def new_conversation() -> tuple:
        """A fresh conversation for this session only; the compare targets go with it (a picked target
        must not silently carry over into the next conversation's question)."""
        return ([], EMPTY_PANEL, Conversation(), "", "", gr.update(value=None, interactive=False),
                gr.update(value=None, interactive=False), gr.update(value=[]))

    def pick_example(self, index: int, examples: list[Example]) -> tuple:
        """Fill the question box, mode, targets and number of sources from a "Start here" example."""
        if index >= len(examples):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        ex = examples[index]
        return (ex.question, ex.mode, gr.update(value=list(ex.targets), visible=ex.mode == "compare"),
                self.runtime.charter.settings.k_for(ex.mode))

    def mode_changed(self, mode: str) -> tuple:
        """Compare needs targets and takes a topic; the others take a question.  The number of
        sources starts from the mode's own default (a summary covers more ground than one answer)."""
        compare = mode == "compare"
        placeholder = ("Name who to compare and on what, e.g. Compare Japan and China on security (or pick "
                       "them above and type the topic)" if compare else
                       "Ask about AI-governance statements, e.g. What do governments commit to?")
        return gr.update(visible=compare), gr.update(placeholder=placeholder), self.runtime.charter.settings.k_for(mode)
