"""LLM chat backends: the ``ChatBackend`` contract, a registry, one module per backend.

Importing this package is cheap: the OpenAI-compatible backend
(``openai_compatible.ChatLLM``) is imported only when it is built.
"""

from assistant.answer.backends.base import DEFAULT_BASE_URL, ChatBackend, LLMError, Message
from assistant.answer.backends.redact import safe_url
from assistant.answer.backends.registry import (
    available_backends,
    check_backend_name,
    make_backend,
    register_backend,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "ChatBackend",
    "LLMError",
    "Message",
    "available_backends",
    "check_backend_name",
    "make_backend",
    "register_backend",
    "safe_url",
]
