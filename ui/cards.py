"""HTML of the sources panel and of answers in the chat.

Every statement field is data that may come from anyone's file: a passage can
hold ``<script>``, an author name ``<img onerror=...>``, a URL
``javascript:...``.  So nothing from an Answer reaches the page unescaped, and
only http(s) addresses ever become links.  Gradio sanitises too, but the
sources panel is raw ``gr.HTML`` and we do not want safety to hang on a
frontend detail that may change between Gradio releases.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from assistant.render import WAIE_ATTRIBUTION, also_in_groups, is_waie
from assistant.service import UNVERIFIED_LABEL
from core.model import Answer, Passage, Quote, Source
from core.text import CITATION_MARKER, quote_spans  # quote_spans: the verifier's own locator

_NUMBER = re.compile(r"\d{1,4}")  # each number inside a marker
_MARKDOWN_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "\\\\", "[": "\\[", "]": "\\]", "$": "&#36;"}
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_FLAGGED = re.compile(r"\*(" + re.escape(UNVERIFIED_LABEL) + r"[^*\n]*)\*")


# ---------------------------------------------------------------- escaping


def esc(value: object) -> str:
    """HTML-escaped text (quotes too, so it is safe inside attributes)."""
    return "" if value is None else html.escape(str(value), quote=True)


def safe_href(url: str | None) -> str | None:
    """The URL if it is a plain http(s) address, else None (never a link).

    Rejects ``javascript:``, ``data:``, protocol-relative and anything with
    spaces or control characters, which browsers may read differently than we do.
    """
    if not url:
        return None
    url = url.strip()
    if _CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def markdown_text(text: str) -> str:
    """Statement text made inert for the chat's Markdown renderer.

    ``<`` and ``&`` are escaped so no tag or entity can form, ``[``/``]`` so no
    link or image (``![](http://...)`` would fetch from outside), ``$`` so no
    LaTeX.  Line starts keep their ``>`` (the answer's quotes are blockquotes).
    """
    out = "".join(_MARKDOWN_SPECIAL.get(ch, ch) for ch in text)
    return re.sub(r"(?m)^((?:&gt;\s?)+)", lambda m: m.group(1).replace("&gt;", ">"), out)


# ---------------------------------------------------------------- anchors and markers


def anchor_id(turn: int, n: int) -> str:
    """Id of source ``n``'s card in answer ``turn``: unique on the page across turns."""
    return f"charter-src-{turn}-{n}"


def _marker_html(group: str, turn: int, known: set[int]) -> str:
    """``[1, 2]`` with each number a link to its card (numbers without a card stay text)."""

    def link(m: re.Match[str]) -> str:
        n = int(m.group(0))
        if n not in known:
            return f'<span class="charter-cite-missing" title="no such source">{n}</span>'
        return f'<a class="charter-cite" href="#{anchor_id(turn, n)}" title="Source {n}">{n}</a>'

    return "&#91;" + _NUMBER.sub(link, group) + "&#93;"


def linked_markdown(text: str, turn: int, known: set[int]) -> str:
    """Answer text for the chat: escaped, with every ``[n]`` a link to its card."""
    out: list[str] = []
    last = 0
    for m in CITATION_MARKER.finditer(text):
        out.append(markdown_text(text[last : m.start()]))
        out.append(_marker_html(m.group(1), turn, known))
        last = m.end()
    out.append(markdown_text(text[last:]))
    # the verifier's "*⚠ unverified quote: ...*" (already escaped): make it stand out
    return _FLAGGED.sub(r'<span class="charter-unverified-inline">\1</span>', "".join(out))


def answer_message(answer: Answer, turn: int) -> str:
    """The chat bubble of one (possibly partial) answer."""
    # an empty marker at the start of the bubble: the page scrolls a new answer's start into view (theme.py)
    parts: list[str] = [f'<span class="charter-answer-top charter-turn-{turn}"></span>']
    if answer.notice:
        parts.append("> ⚠ " + markdown_text(answer.notice))
    parts.append(linked_markdown(answer.text, turn, {s.n for s in answer.sources}))
    if answer.done:
        v = answer.verification
        parts.append(f"<small class=\"charter-verdict\">{esc(answer.backend)} · citations valid "
                     f"{v.citations_valid}/{v.citations_given} · "
                     f"quotes verified {v.quotes_verified}/{v.quotes_total}</small>")
    else:
        parts.append('<small class="charter-verdict">writing…</small>')
    return "\n\n".join(parts)


# ---------------------------------------------------------------- quote highlighting


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """The escaped passage with each span wrapped in ``<mark>``."""
    out: list[str] = []
    last = 0
    for start, end in _merge(spans):
        out.append(esc(text[last:start]))
        out.append(f"<mark>{esc(text[start:end])}</mark>")
        last = end
    out.append(esc(text[last:]))
    return "".join(out)


# ---------------------------------------------------------------- cards


def meta_line(p: Passage) -> str:
    """Document · date · section · page · language, escaped."""
    bits = []
    if p.document:
        bits.append(f"<cite>{esc(p.document)}</cite>")
    if p.date or p.date_text:
        bits.append(f"<time>{esc(p.date or p.date_text)}</time>")
    if p.section:
        bits.append(f"section “{esc(p.section)}”")
    if p.page:
        bits.append(f"p. {esc(p.page)}")
    if p.lang:
        bits.append(f"<span class=\"charter-lang\">{esc(p.lang)}</span>")
    return " · ".join(bits)


def link_html(url: str | None) -> str:
    """A link for http(s) URLs; any other address is shown as inert text."""
    if not url:
        return ""
    href = safe_href(url)
    if href is None:
        return f'<div class="charter-link charter-nolink">Address (not a web link): <code>{esc(url)}</code></div>'
    return (f'<div class="charter-link"><a href="{esc(href)}" target="_blank" rel="noopener noreferrer nofollow">'
            f"{esc(href)}</a></div>")


def waie_note(source: Source) -> str:
    """The Worldwide AI Ethics attribution, on every card quoting that dataset."""
    return f'<div class="charter-attribution">From the {esc(WAIE_ATTRIBUTION)}</div>' if is_waie(source.passage) else ""


def _quote_notes(quotes: list[Quote], located: list[bool]) -> str:
    """Quotes that could not be highlighted: unverified ones loudly, others quietly."""
    notes = []
    for quote, found in zip(quotes, located):
        if not quote.verified:
            notes.append(f'<div class="charter-unverified" role="note">⚠ Unverified quote (not found verbatim in this '
                         f"passage): “{esc(quote.text)}”</div>")
        elif not found:
            notes.append(f'<div class="charter-quoted">Quoted: “{esc(quote.text)}”</div>')
    return "".join(notes)


def _also_in(p: Passage) -> str:
    """Where else the same (or a near-identical) text stands, escaped like every field."""
    out = []
    for label, group in also_in_groups(p):
        others = "; ".join(f"{esc(o.author)}, <cite>{esc(o.document)}</cite> ({esc(o.date or 'n.d.')})"
                           for o in group)
        out.append(f'<div class="charter-also">{esc(label)}: {others}</div>')
    return "".join(out)


def source_card(source: Source, turn: int) -> str:
    """One source: number, author, citation, the passage with its quote marked."""
    p = source.passage
    spans_by_quote = [quote_spans(p.text, q.text) if q.verified else [] for q in source.quotes]
    spans = [s for group in spans_by_quote for s in group]
    unverified = any(not q.verified for q in source.quotes)
    classes = "charter-card charter-card-unverified" if unverified else "charter-card"
    badge = '<span class="charter-badge-unverified">unverified quote</span>' if unverified else ""
    return (
        f'<article class="{classes}" id="{anchor_id(turn, source.n)}" data-n="{source.n}">'
        f'<header class="charter-card-head"><span class="charter-num">[{source.n}]</span> '
        f'<span class="charter-author">{esc(p.author or "Unknown author")}</span>{badge}</header>'
        f'<div class="charter-meta">{meta_line(p)}</div>'
        f'<blockquote class="charter-passage">{highlighted(p.text, spans)}</blockquote>'
        f"{_quote_notes(source.quotes, [bool(g) for g in spans_by_quote])}"
        f"{link_html(p.url)}{_also_in(p)}{waie_note(source)}"
        "</article>"
    )


def answer_cards(answer: Answer, turn: int) -> str:
    """The cards of one answer: cited sources, then (folded) those given but not cited."""
    cited = [source_card(s, turn) for s in answer.sources if s.cited]
    uncited = [source_card(s, turn) for s in answer.sources if not s.cited]
    out = "".join(cited)
    if uncited:
        out += (f'<details class="charter-uncited"><summary>Retrieved but not cited ({len(uncited)})</summary>'
                f"{''.join(uncited)}</details>")
    return out


EMPTY_PANEL = ('<div class="charter-panel charter-empty">Sources appear here: one card per cited passage, '
               "the quoted words <mark>highlighted</mark>. Click a <b>[n]</b> in an answer to jump to its card.</div>")


def sources_panel(turns: list[tuple[str, Answer]]) -> str:
    """All answers' cards, newest first; earlier answers folded so their
    ``[n]`` links still have a target (the browser unfolds it on jump)."""
    if not turns:
        return EMPTY_PANEL
    blocks: list[str] = []
    last = len(turns) - 1
    for turn in range(last, -1, -1):
        question, answer = turns[turn]
        waiting = "Sources appear when the answer is complete…" if not answer.done else "No sources for this answer."
        cards = answer_cards(answer, turn) or f'<div class="charter-empty">{waiting}</div>'
        title = f"Sources for: {esc(question)}"
        if turn == last:
            blocks.append(f'<section class="charter-turn" data-turn="{turn}">'
                          f'<h3 class="charter-turn-title">{title}</h3>{cards}</section>')
        else:
            blocks.append(f'<details class="charter-turn" data-turn="{turn}">'
                          f'<summary>{title}</summary>{cards}</details>')
    return f'<div class="charter-panel">{"".join(blocks)}</div>'
