"""Markdown exports of a conversation or of its last answer.

The text is what ``charter ask`` prints (``assistant.render``), so an export
carries the same numbered bibliography and dataset attribution as the CLI and
can be pasted into a brief as it is.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from assistant.render import answer_markdown
from ui.session import Conversation, Turn, filters_line

MODE_TITLES = {"ask": "Question", "summary": "Draft summary", "compare": "Comparison"}


def turn_markdown(turn: Turn, number: int | None = None) -> str:
    """One question and its answer with sources."""
    title = MODE_TITLES.get(turn.mode, "Question")
    heading = f"{title} {number}: {turn.question}" if number else f"{title}: {turn.question}"
    line = filters_line(turn.filters, turn.targets)
    body = answer_markdown(turn.answer, heading=heading)
    if line:
        head, _, rest = body.partition("\n\n")
        body = f"{head}\n\n_{line}_\n\n{rest}"
    return body


def _header(title: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"# {title}\n\n_Exported from Charter on {stamp}. "
            "Quotes are verbatim; [n] refers to the numbered sources below each answer._")


def conversation_markdown(conversation: Conversation) -> str:
    """The whole conversation, each answer with its own numbered sources."""
    if not conversation.turns:
        return _header("Charter conversation") + "\n\n(No questions asked yet.)\n"
    parts = [_header("Charter conversation")]
    parts += [turn_markdown(t, i) for i, t in enumerate(conversation.turns, 1)]
    return "\n\n---\n\n".join(parts) + "\n"


def last_answer_markdown(conversation: Conversation) -> str:
    """Only the latest answer, ready to paste."""
    if not conversation.turns:
        return ""
    return turn_markdown(conversation.turns[-1]) + "\n"


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return slug[:limit].rstrip("-") or "answer"


EXPORT_ROOT = Path(tempfile.gettempdir()) / "charter-exports"
KEEP_SECONDS = 24 * 3600


def _prune(root: Path, keep_seconds: float) -> None:
    """Drop export folders older than ``keep_seconds`` (Gradio has served its own copy by then)."""
    cutoff = time.time() - keep_seconds
    for folder in root.glob("*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def write_markdown(markdown: str, stem: str, root: Path | None = None) -> Path:
    """Write to a fresh folder (one per call, so sessions never share a file)."""
    root = root or EXPORT_ROOT
    root.mkdir(parents=True, exist_ok=True)
    _prune(root, KEEP_SECONDS)
    path = Path(tempfile.mkdtemp(prefix="export-", dir=root)) / f"{_slug(stem)}.md"
    path.write_text(markdown, encoding="utf-8")
    return path


def export_files(conversation: Conversation) -> tuple[Path | None, Path | None]:
    """(conversation file, last-answer file), or Nones before the first answer."""
    if not conversation.turns:
        return None, None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    whole = write_markdown(conversation_markdown(conversation), f"charter-conversation-{stamp}")
    last_name = f"charter-answer-{_slug(conversation.turns[-1].question, 30)}"
    last = write_markdown(last_answer_markdown(conversation), last_name)
    return whole, last
