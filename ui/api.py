"""The app's programmatic endpoints, ``/ask`` and ``/search``, for
``gradio_client`` scripts: plain arguments in, JSON (dicts) out.

They are stateless (a script passes its own ``history`` if it wants
follow-ups) and go through the same Runtime as the UI, so they wait for the
first-start ingestion and share the Charter service (and so its lock).
"""

from __future__ import annotations

from typing import Any, TypeGuard

from assistant.render import answer_markdown
from core.model import Mode
from ui.chat import make_filters
from ui.runtime import Runtime

MODES: tuple[Mode, ...] = ("ask", "summary", "compare")


def _is_mode(value: str) -> TypeGuard[Mode]:
    return value in MODES


def make_api(runtime: Runtime):
    """The two endpoint functions, typed so Gradio can describe them."""

    def ask(question: str, mode: str = "ask", authors: list[str] | None = None, documents: list[str] | None = None,
            since: int | None = None, until: int | None = None, lang: str | None = None, k: int | None = None,
            targets: list[str] | None = None, history: list[dict] | None = None) -> dict[str, Any]:
        """Answer a question with verbatim quotes and numbered sources.

        Returns the Answer as JSON (text with [n] markers, sources with their
        passages and quotes, verification) plus `markdown`, the answer with its
        bibliography as `charter ask` prints it.
        """
        if not _is_mode(mode):
            return {"error": f"mode must be one of {', '.join(MODES)}"}
        runtime.wait_ready()
        filters = make_filters(authors, documents, since, until, lang)
        final = None
        for update in runtime.charter.stream(question, history or None, mode=mode, filters=filters,
                                             k=int(k) if k else None, targets=list(targets or [])):
            final = update
        if final is None:
            return {"error": "no answer"}
        data = final.to_dict()
        data["markdown"] = answer_markdown(final)
        return data

    def search(query: str, k: int | None = None, authors: list[str] | None = None, documents: list[str] | None = None,
               since: int | None = None, until: int | None = None, lang: str | None = None) -> dict[str, Any]:
        """Ranked passages for a query, with their metadata and scores (as `charter search --json`)."""
        runtime.wait_ready()
        result = runtime.charter.search(query, k=int(k) if k else None,
                                        filters=make_filters(authors, documents, since, until, lang))
        return result.to_dict()

    return ask, search
