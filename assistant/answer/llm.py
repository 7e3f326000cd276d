"""The LLM as the answerer sees it, in one import.

The contract (``ChatBackend``, ``LLMError``) and the registry live in
``assistant.answer.backends``; the OpenAI-compatible backend, ``ChatLLM``, in
``backends/openai_compatible.py``.  This module re-exports them for callers
that want the OpenAI-compatible client by name (importing it costs ~1.5 s).
"""

from assistant.answer.backends import (
    ChatBackend,
    LLMError,
    Message,
    available_backends,
    make_backend,
    register_backend,
    safe_url,
)
from assistant.answer.backends.openai_compatible import DEFAULT_BASE_URL, ChatLLM

__all__ = [
    "DEFAULT_BASE_URL",
    "ChatBackend",
    "ChatLLM",
    "LLMError",
    "Message",
    "available_backends",
    "make_backend",
    "register_backend",
    "safe_url",
]
