"""The contract of a chat backend: text messages in, text out, ``LLMError`` on failure.

The answerer needs nothing else from an LLM: ``stream`` for answers (deltas as
they arrive), ``complete`` for the short follow-up rewrite, and ``describe`` for
the one line the UI shows.  Every failure leaves as ``LLMError`` with a reason a
user can act on, so the caller can fall back to the offline answerer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from assistant.answer.backends.redact import RedactFilter

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": ...}


#: where an OpenAI-compatible backend goes when no base URL is set
DEFAULT_BASE_URL = "https://api.openai.com/v1"


class LLMError(Exception):
    """An LLM call failed; ``reason`` is one user-facing line, free of secrets.

    Backends raise it outside their ``except`` blocks (no ``__cause__`` or
    ``__context__``): a server may echo the key in its error body, and a
    caller's ``logger.exception`` would print the chain.
    """

    def __init__(self, reason: str, *, status: int | None = None, kind: str = "error") -> None:
        self.reason = " ".join(RedactFilter.scrub(reason).split())
        self.status = status
        self.kind = kind  # auth rate_limit server timeout connection stream request empty config error
        super().__init__(self.reason)


@runtime_checkable
class ChatBackend(Protocol):
    """What ``LLMAnswerer`` asks of an LLM."""

    def describe(self) -> str:
        """One line for the UI, e.g. ``LLM: gpt-4o-mini at http://127.0.0.1:8000/v1`` (no credentials)."""
        ...

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Text deltas as they arrive; ``LLMError`` if the answer fails, is cut off or empty."""
        ...

    def complete(self, messages: Sequence[Message]) -> str:
        """The whole reply as one string; ``LLMError`` on failure or an empty reply."""
        ...
