"""Embedding models by name: the settings say a name, the registry builds the model.

A new model is one module that subclasses ``CharterEmbeddings`` and ends with
``register_embedder("name", MyEmbeddings.from_settings)``; once that module is
imported, ``CHARTER_EMBEDDING=name`` (or ``second_view``) selects it.  The
built-in models register themselves the same way; the package imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.index.embedders.base import CharterEmbeddings
    from assistant.settings import Settings

EmbedderFactory = Callable[["Settings"], "CharterEmbeddings"]

_FACTORIES: dict[str, EmbedderFactory] = {}


def register_embedder(name: str, factory: EmbedderFactory) -> None:
    """Make ``name`` selectable in the settings; a later registration of a name replaces it."""
    if not name or name != name.strip() or name == "none":
        raise ValueError(f"not a usable embedder name: {name!r}")
    _FACTORIES[name] = factory


def available() -> list[str]:
    """The registered names, sorted."""
    return sorted(_FACTORIES)


def check_name(name: str) -> str:
    """``name`` if registered, else a ValueError that lists the registered ones."""
    if name not in _FACTORIES:
        raise ValueError(f"unknown embedding model {name!r}; available: {', '.join(available())}")
    return name


def make_embedder(settings: Settings) -> CharterEmbeddings:
    """The embedder the settings name; nothing is loaded until first use."""
    return _FACTORIES[check_name(settings.embedding.model)](settings)


def make_second_embedder(settings: Settings) -> CharterEmbeddings | None:
    """The optional second view used to re-rank the dense candidates (None for ``none``)."""
    if settings.embedding.second_view == "none":
        return None
    return _FACTORIES[check_name(settings.embedding.second_view)](settings)
