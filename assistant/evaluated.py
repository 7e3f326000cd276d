"""What evaluation needs of a Charter, as a protocol of its own module.

Both ``assistant.evaluate`` (retrieval and Ask answers) and ``assistant.evaluate_modes`` (Summary and
Compare) take an ``Evaluated``; keeping the protocol here means neither imports the other for its type,
and the service can offer ``evaluate`` without either module importing the service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from assistant.answer.answerer import Answerer
    from assistant.retrieval.retriever import Retriever


class Evaluated(Protocol):
    """What evaluation needs of a Charter (``assistant.service.Charter`` is one): its retriever and
    answerer.  A protocol, so that the service can offer ``evaluate`` without this module importing it."""

    @property
    def retriever(self) -> Retriever: ...

    @property
    def answerer(self) -> Answerer: ...
