"""Keeping the API key out of messages and logs, whatever the backend.

``LLMError.reason`` is scrubbed here, and ``guard_loggers`` attaches a filter
to the HTTP/LLM client loggers that rewrites any record containing a known
secret or URL credentials (httpx logs the full request URL at INFO, and
``str(URL)`` keeps a password given in the base URL: ``http://user:pass@host/v1``).
Only the standard library is imported, so the error type stays cheap to import.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit, urlunsplit

_LOGGER_PREFIXES = ("openai", "httpx", "httpx2", "httpcore", "httpcore2", "langchain_openai", "langchain_core")

_USERINFO = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")  # scheme://user:pass@


def safe_url(url: str) -> str:
    """``scheme://host:port/path`` without user-info, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def host_of(url: str) -> str:
    """``host:port`` of a URL, for messages (never its credentials)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


class RedactFilter(logging.Filter):
    """Rewrites log records that would print a known secret or URL credentials."""

    _secrets: set[str] = set()
    _lock = threading.Lock()

    @classmethod
    def register(cls, *secrets: str | None) -> None:
        with cls._lock:
            cls._secrets.update(s for s in secrets if s and len(s) >= 4)

    @classmethod
    def scrub(cls, text: str) -> str:
        for secret in sorted(cls._secrets, key=len, reverse=True):
            text = text.replace(secret, "****")
        return _USERINFO.sub(r"\1****@", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a logging filter must never raise; a broken record is logging's business
            return True
        clean = self.scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactFilter()


def guard_loggers() -> None:
    """Attach the redaction filter to every library logger that exists now.

    Logger filters only see records logged by that very logger, so each child
    (``httpcore2.http11``, ``openai._base_client`` ...) gets its own.
    """
    names = [n for n in list(logging.Logger.manager.loggerDict) if n.split(".")[0] in _LOGGER_PREFIXES]
    for name in [*_LOGGER_PREFIXES, *names]:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
