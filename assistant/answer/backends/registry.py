"""Chat backends by name: ``llm_backend`` in the settings picks one.

A new backend is one module with a class that satisfies ``ChatBackend`` and one
``register_backend("name", factory)`` call; ``CHARTER_LLM_BACKEND=name`` then
selects it.  ``auto`` means the OpenAI-compatible backend when an API key or
base URL is set, ``none`` means no LLM (the offline answerer).

The built-in backend is registered at the end of this module, through a
factory that imports it on first use: the OpenAI client takes ~2 s to import,
and the settings check a backend name long before any LLM is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.answer.backends.base import ChatBackend

if TYPE_CHECKING:
    from assistant.settings import Settings

BackendFactory = Callable[["Settings"], ChatBackend]

AUTO_BACKEND = "openai"  # what ``auto`` uses once the user pointed us at an endpoint
_NOT_BACKENDS = ("auto", "none")  # settings values that name no registered backend

_FACTORIES: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make ``name`` selectable as ``llm_backend``; a later registration of a name replaces it.

    ``factory(settings)`` builds the backend without touching the network and
    raises ``LLMError`` (kind ``config``) when the settings cannot work."""
    if not name or name != name.strip() or name in _NOT_BACKENDS:
        raise ValueError(f"not a usable backend name: {name!r}")
    _FACTORIES[name] = factory


def available_backends() -> list[str]:
    """The registered backend names, sorted."""
    return sorted(_FACTORIES)


def check_backend_name(name: str) -> str:
    """``name`` if it is ``auto``, ``none`` or registered, else a ValueError listing the choices."""
    if name not in _NOT_BACKENDS and name not in _FACTORIES:
        choices = ", ".join([*_NOT_BACKENDS, *available_backends()])
        raise ValueError(f"unknown LLM backend {name!r}; available: {choices}")
    return name


def make_backend(settings: Settings) -> ChatBackend | None:
    """The backend the settings ask for, or None when no LLM is configured."""
    if not settings.llm.enabled:
        return None
    name = AUTO_BACKEND if settings.llm.backend == "auto" else check_backend_name(settings.llm.backend)
    return _FACTORIES[name](settings)


def _openai_compatible(settings: Settings) -> ChatBackend:
    from assistant.answer.backends.openai_compatible import ChatLLM

    return ChatLLM(settings)


register_backend("openai", _openai_compatible)
