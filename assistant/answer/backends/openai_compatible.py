"""The OpenAI-compatible chat backend: the one place that talks to such an endpoint.

``ChatLLM`` wraps ``langchain_openai.ChatOpenAI`` (Chat Completions, never the
Responses API, so any OpenAI-compatible server works) and turns every failure
into ``LLMError`` with a one-line reason a user can act on.  The caller then
falls back to the offline answerer and shows that reason.

Secrets.  The API key must never reach a message or a log:

* ``LLMError.reason`` is built from fixed phrases, status codes and the
  endpoint's host (no user-info, path or query), then scrubbed of the key
  anyway.  The original exception is not chained (no ``__cause__`` or
  ``__context__``): a server may echo the key in its error body, and a
  caller's ``logger.exception`` would print the chain.  ``kind`` and
  ``status`` say what happened for code that needs to know.
* Logging: ``openai`` redacts ``Authorization`` itself and logs no bodies;
  httpcore2's DEBUG trace prints no headers.  But httpx2 logs the full request
  URL at INFO, and ``str(URL)`` keeps a password given in the base URL
  (``http://user:pass@host/v1``).  ``redact.RedactFilter`` is therefore attached
  to the openai/httpx/httpcore/langchain loggers and rewrites any record that
  contains the key or URL credentials.
* Settings is the only source of configuration: base URL and key are passed
  explicitly, so ChatOpenAI/openai do not pick up ``OPENAI_*`` variables on
  their own.  (LangSmith tracing, if a user enables it through its own
  ``LANGSMITH_*`` variables, would send prompts to LangSmith — not keys.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import openai
from langchain_openai import ChatOpenAI
from pydantic import SecretStr, ValidationError

from assistant.answer.backends.base import DEFAULT_BASE_URL, LLMError, Message
from assistant.answer.backends.redact import RedactFilter, guard_loggers, host_of, safe_url

if TYPE_CHECKING:
    from assistant.settings import Settings

NO_KEY = "sk-no-key"  # local servers need no key, but the client insists on one


# ---------------------------------------------------------------- errors


def _status_reason(err: openai.APIStatusError, model: str, has_key: bool) -> tuple[str, str]:
    code = err.status_code
    if code == 401:
        if not has_key:
            return "auth", "The LLM endpoint needs an API key and none is set (401)."
        return "auth", "The LLM endpoint refused the API key (401)."
    if code == 403:
        return "auth", f"The LLM endpoint denied access to model {model} (403)."
    if code == 404:
        return "request", f"The LLM endpoint has no model {model} or no chat-completions route (404)."
    if code == 429:
        quota = getattr(err, "code", None) == "insufficient_quota"
        if quota:
            return "rate_limit", "The LLM endpoint says the quota is used up (429)."
        wait = retry_after(err)
        asks = f"; it asks to wait {wait:g} s" if wait is not None else ""
        return "rate_limit", f"The LLM endpoint rate-limited the request (429{asks})."
    if code >= 500:
        return "server", f"The LLM endpoint had a server error ({code})."
    return "request", f"The LLM endpoint rejected the request ({code}): {_short(err.message)}"


def retry_after(err: BaseException) -> float | None:
    """Seconds a 429 reply asks the client to wait (``retry-after-ms`` or ``retry-after`` in seconds), or None."""
    response = getattr(err, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        try:
            return max(0.0, float(headers.get(name)) * scale)
        except (TypeError, ValueError):
            continue
    return None


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Translator:
    """Maps any exception raised while talking to the endpoint to ``LLMError``."""

    def __init__(self, model: str, base_url: str, timeout: float, has_key: bool) -> None:
        self.model, self.base_url, self.timeout, self.has_key = model, base_url, timeout, has_key

    def __call__(self, err: BaseException, *, streaming: bool, received: bool) -> LLMError:
        if isinstance(err, LLMError):
            return err
        if isinstance(err, openai.APIStatusError):
            kind, reason = _status_reason(err, self.model, self.has_key)
            return LLMError(reason, status=err.status_code, kind=kind)
        if isinstance(err, openai.APITimeoutError):
            return LLMError(f"The LLM endpoint timed out after {self.timeout:g} s.", kind="timeout")
        if isinstance(err, openai.APIConnectionError):
            if received:
                return LLMError("The LLM endpoint cut the stream off mid-answer.", kind="stream")
            return LLMError(f"Could not reach the LLM endpoint at {host_of(self.base_url)}.", kind="connection")
        if isinstance(err, openai.APIError):  # an error event inside the stream
            return LLMError(f"The LLM endpoint reported an error mid-answer: {_short(err.message)}", kind="stream")
        if isinstance(err, (json.JSONDecodeError, ValidationError, KeyError, TypeError, ValueError, AttributeError)):
            what = "stream" if streaming else "response"
            return LLMError(f"The LLM endpoint returned an unreadable {what}.", kind="stream")
        return LLMError(f"The LLM call failed ({type(err).__name__}).", kind="error")


# ---------------------------------------------------------------- client


class ChatLLM:
    """A chat model built from Settings, speaking only text in and text out.

    ``ChatLLM(settings)`` is all it takes; no network happens until the first
    call.  ``chat_model`` lets tests or callers inject a prepared model.
    """

    def __init__(self, settings: Settings, *, chat_model: ChatOpenAI | None = None) -> None:
        self.model = settings.llm.model
        self.base_url = settings.llm.base_url or DEFAULT_BASE_URL
        self.timeout = settings.llm.timeout
        self.retry_after_max = settings.llm.retry_after_max
        key = settings.llm.api_key.get_secret_value() if settings.llm.api_key else None
        RedactFilter.register(key, urlsplit(self.base_url).password)
        guard_loggers()
        self._translate = _Translator(self.model, self.base_url, self.timeout, has_key=bool(key))
        self._chat = chat_model or self._build(settings, key)
        guard_loggers()  # the client may have created new child loggers

    def _build(self, settings: Settings, key: str | None) -> ChatOpenAI:
        """The ChatOpenAI client; a setup failure is an LLMError like any other."""
        failure: LLMError | None = None
        try:
            return self._chat_openai(settings, key)
        except Exception as err:  # noqa: BLE001 - any setup failure (e.g. an unusable base URL) becomes LLMError
            failure = LLMError(f"Could not set up the LLM client ({type(err).__name__}).", kind="config")
        raise failure

    def _chat_openai(self, settings: Settings, key: str | None) -> ChatOpenAI:
        return ChatOpenAI(
            model=settings.llm.model,
            base_url=self.base_url,
            api_key=SecretStr(key or NO_KEY),
            temperature=settings.llm.temperature,
            timeout=settings.llm.timeout,
            max_retries=settings.llm.max_retries,
            streaming=True,
            use_responses_api=False,  # Chat Completions: what compatible servers speak
            output_version="v0",  # plain string content, whatever LC_OUTPUT_VERSION says
        )

    def describe(self) -> str:
        """``LLM: gpt-4o-mini at http://127.0.0.1:8000/v1`` (no credentials)."""
        return f"LLM: {self.model} at {safe_url(self.base_url)}"

    def _fail(self, err: Exception, *, streaming: bool, received: bool) -> LLMError:
        """The LLMError for ``err``; raised by callers outside their ``except``
        block so it carries no ``__context__`` (a server may echo the key)."""
        return self._translate(err, streaming=streaming, received=received)

    def _wait_before_retry(self, err: Exception, attempt: int, received: bool) -> float | None:
        """Seconds to wait before the one retry a 429 with a short enough Retry-After earns, else None."""
        if attempt or received or not isinstance(err, openai.RateLimitError):
            return None
        wait = retry_after(err)
        if wait is None or wait > self.retry_after_max:
            return None
        return wait

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Yield text deltas as they arrive.

        A stream that ends without a ``finish_reason`` was cut short (a real
        endpoint always sends one in its last chunk) and raises ``LLMError``,
        as does an answer with no text at all.  A 429 whose Retry-After is at
        most ``llm_retry_after_max`` seconds is retried once after that wait.
        """
        for attempt in (0, 1):
            received = finished = False
            failure: LLMError | None = None
            wait: float | None = None
            try:
                for chunk in self._chat.stream(list(messages)):
                    finished = finished or bool(chunk.response_metadata.get("finish_reason"))
                    text = _text(chunk.content)
                    if text:
                        received = True
                        yield text
            except Exception as err:  # noqa: BLE001 - every failure leaves as LLMError; see module doc
                wait = self._wait_before_retry(err, attempt, received)
                if wait is None:
                    failure = self._fail(err, streaming=True, received=received)
            if wait is not None:
                time.sleep(wait)
                continue
            if failure is None and not finished:
                failure = LLMError("The LLM endpoint ended the stream before the answer was finished.", kind="stream")
            if failure is None and not received:
                failure = LLMError("The LLM endpoint returned an empty answer.", kind="empty")
            if failure is not None:
                raise _after_wait(failure, attempt)
            return

    def complete(self, messages: Sequence[Message]) -> str:
        """The whole reply as one string (one non-streaming request; a short 429 wait is honoured once)."""
        for attempt in (0, 1):
            failure: LLMError | None = None
            wait: float | None = None
            text = ""
            try:
                text = _text(self._chat.invoke(list(messages), stream=False).content)
            except Exception as err:  # noqa: BLE001 - every failure leaves as LLMError; see module doc
                wait = self._wait_before_retry(err, attempt, False)
                if wait is None:
                    failure = self._fail(err, streaming=False, received=False)
            if wait is not None:
                time.sleep(wait)
                continue
            if failure is None and not text.strip():
                failure = LLMError("The LLM endpoint returned an empty answer.", kind="empty")
            if failure is not None:
                raise _after_wait(failure, attempt)
            return text
        raise AssertionError("unreachable: the second attempt returns or raises")


def _after_wait(failure: LLMError, attempt: int) -> LLMError:
    """The failure of a retry says that the wait was honoured once already."""
    if not attempt:
        return failure
    return LLMError(f"{failure.reason} (again, after honouring its Retry-After once)", status=failure.status,
                    kind=failure.kind)


def _text(content: Any) -> str:
    """Message content as text, whether a string or a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        blocks = [b for b in content if isinstance(b, (str, dict))]
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in blocks)
    return ""
