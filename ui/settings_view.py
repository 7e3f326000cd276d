"""The settings shown in the page: what answers and where the store is.

Secrets stay on the server: the API key and the login are only said to be
set or not, and URLs lose any user-info (``http://user:pass@host``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.cards import esc

if TYPE_CHECKING:
    from assistant.settings import Settings


def safe_url(url: str) -> str:
    """The service's safe_url, imported late: the LLM client behind it costs ~1.5 s to
    import and the page should be up before that."""
    from assistant.service import safe_url as strip_credentials

    return strip_credentials(url)


def settings_rows(settings: Settings, backend: str) -> list[tuple[str, str]]:
    """(label, value) pairs, free of secrets."""
    key_set = bool(settings.llm.api_key and settings.llm.api_key.get_secret_value())
    return [
        ("Answers by", backend),
        ("LLM in use", "yes" if settings.llm.enabled else "no (offline quotes)"),
        ("LLM base URL", _base_url(settings)),
        ("LLM model", settings.llm.model),
        ("API key", "set (never shown)" if key_set else "not set"),
        ("Embedding model", settings.embedding.endpoint_model or settings.embedding.model),
        ("Second view", settings.embedding.second_view),
        ("Store", safe_url(settings.store.chroma_url) if settings.store.chroma_url else str(settings.store.path)),
        ("Collection", settings.store.collection),
        ("Default number of sources", str(settings.retrieval.top_k)),
        ("Login", "required" if settings.ui.auth else "off"),
    ]


def _base_url(settings: Settings) -> str:
    from assistant.service import DEFAULT_BASE_URL

    if settings.llm.base_url:
        return safe_url(settings.llm.base_url)
    return f"{DEFAULT_BASE_URL} (default)" if settings.llm.enabled else "not set"


def settings_html(settings: Settings, backend: str) -> str:
    rows = "".join(f"<tr><td>{esc(k)}</td><td><code>{esc(v)}</code></td></tr>"
                   for k, v in settings_rows(settings, backend))
    return ('<table class="charter-settings">' + rows + "</table>"
            "<p class=\"charter-empty\">Change these with CHARTER_* environment variables or charter.toml "
            "(see <code>charter config</code>) and restart.</p>")
