"""The answerer that needs no LLM: the relevant sentences of the retrieved
passages, quoted word for word, grouped by organisation and date.

It never writes a claim of its own: the only text it adds is a one-line lead,
the organisation/date headings and, in compare mode, the table's labels.  Each
quote is an exact slice of its passage, so it verifies by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from core.model import Answer, Mode, Passage, Quote, Source, Verification
from core.text import cjk_count, cjk_share, sentence_spans

MAX_QUOTE_CHARS = 420

Scorer = Callable[[list[str]], np.ndarray]  # sentences -> relevance to the question


def best_excerpt(text: str, scores: np.ndarray, spans: list[tuple[int, int]], limit: int = MAX_QUOTE_CHARS) -> str:
    """The best sentence, extended by its best neighbour while it stays short."""
    if not spans:
        return text.strip()
    best = int(np.argmax(scores))
    lo = hi = best
    while True:
        options = []
        if lo > 0:
            options.append((scores[lo - 1], lo - 1, hi))
        if hi + 1 < len(spans):
            options.append((scores[hi + 1], lo, hi + 1))
        if not options:
            break
        score, new_lo, new_hi = max(options)
        if spans[new_hi][1] - spans[new_lo][0] > limit or score < scores[best] - 0.08:
            break
        lo, hi = new_lo, new_hi
    excerpt = text[spans[lo][0] : spans[hi][1]]
    if len(excerpt) > limit * 1.5:  # one very long sentence: cut at a word boundary
        cut = excerpt.rfind(" ", 0, limit)
        excerpt = excerpt[: cut if cut > 0 else limit]
    return excerpt


def excerpts(passages: Sequence[Passage], scorer: Scorer | None) -> list[str]:
    """One verbatim excerpt per passage (whole passage when it is short)."""
    all_spans = [sentence_spans(p.text, p.lang) for p in passages]
    sentences = [p.text[s:e] for p, spans in zip(passages, all_spans) for s, e in spans]
    scores = scorer(sentences) if scorer and sentences else np.zeros(len(sentences))
    out, offset = [], 0
    for p, spans in zip(passages, all_spans):
        own = np.asarray(scores[offset : offset + len(spans)], dtype=float)
        offset += len(spans)
        out.append(p.text.strip() if len(p.text) <= 300 or not spans else best_excerpt(p.text, own, spans))
    return out


def is_chinese(text: str) -> bool:
    """Enough CJK in the question to answer its lead in Chinese."""
    return cjk_count(text) >= 2 and cjk_share(text) >= 0.2


def _lead(question: str, passages: Sequence[Passage], mode: Mode, abstain_reason: str | None) -> str:
    zh = is_chinese(question)
    orgs = len({p.author for p in passages})
    if abstain_reason:
        return (f"语料库似乎没有涵盖这个问题（{abstain_reason}）以下最接近的原文仅供参考，并不回答该问题。" if zh else
                f"The corpus does not seem to cover this question. {abstain_reason} "
                "The nearest passages are listed for reference only; they do not answer it.")
    if mode == "summary":
        return (f"摘要草稿：来自 {orgs} 个机构的 {len(passages)} 段原文。" if zh else
                f"Draft summary in the sources' own words: {len(passages)} passages from {orgs} organisation(s).")
    return (f"以下是 {orgs} 个机构关于此问题的 {len(passages)} 段原文引述。" if zh else
            f"Here is what {orgs} organisation(s) say on this, in {len(passages)} verbatim quotes.")


def _group_key(p: Passage) -> tuple[str, str]:
    return (p.author or "Unknown author", p.date or p.date_text or "n.d.")


def _grouped_order(passages: list[Passage]) -> list[Passage]:
    """Rank order of groups (organisation and date), members kept together, so
    the markers read [1] [2] [3] down the page."""
    groups: dict[tuple[str, str], list[Passage]] = {}
    for p in passages:
        groups.setdefault(_group_key(p), []).append(p)
    return [p for members in groups.values() for p in members]


def _quote_line(excerpt: str, n: int) -> str:
    return f"> “{excerpt}” [{n}]"


def compose(
    question: str,
    passages: Sequence[Passage],
    *,
    mode: Mode = "ask",
    scorer: Scorer | None = None,
    abstain_reason: str | None = None,
    targets: dict[str, list[Passage]] | None = None,
    notice: str | None = None,
) -> Answer:
    """Build the offline answer from ranked passages."""
    passages = _grouped_order(list(passages)) if not (mode == "compare" and targets) else list(passages)
    if not passages:
        text = ("没有找到相关原文。" if is_chinese(question) else "No statement in the store matches this question.")
        return Answer(question=question, text=text, mode=mode, abstained=True, notice=notice)
    quotes = excerpts(passages, scorer)
    lines = [f"**{_lead(question, passages, mode, abstain_reason)}**", ""]
    if mode == "compare" and targets:
        lines += _compare_table(targets, passages, quotes)
    else:
        groups: dict[tuple[str, str], list[int]] = {}
        for i, p in enumerate(passages):
            groups.setdefault(_group_key(p), []).append(i)
        for (author, date), members in groups.items():
            documents = (passages[i].document for i in members)
            docs = list(dict.fromkeys(d for d in documents if d))
            lines.append(f"**{author}** ({date})" + (f", *{'; '.join(docs)}*" if docs else ""))
            lines += [_quote_line(quotes[i], i + 1) for i in members]
            lines.append("")
    sources = [Source(n=i + 1, passage=p, quotes=[Quote(n=i + 1, text=q, verified=q in p.text)])
               for i, (p, q) in enumerate(zip(passages, quotes))]
    verified = sum(1 for s in sources if s.quotes[0].verified)
    verification = Verification(citations_given=len(sources), citations_valid=len(sources),
                                quotes_total=len(sources), quotes_verified=verified)
    return Answer(
        question=question,
        text="\n".join(lines).rstrip(),
        sources=sources,
        mode=mode,
        backend="offline quotes",
        abstained=bool(abstain_reason),
        notice=notice,
        verification=verification,
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _compare_table(targets: dict[str, list[Passage]], passages: list[Passage], quotes: list[str]) -> list[str]:
    """One column per target, one row per rank; every cell a cited quote."""
    number = {p.id: i for i, p in enumerate(passages)}
    names = list(targets)
    rows = max((len(v) for v in targets.values()), default=0)
    lines = ["| | " + " | ".join(_cell(n) for n in names) + " |", "|---|" + "---|" * len(names)]
    for r in range(rows):
        cells = []
        for name in names:
            own = targets[name]
            if r < len(own) and own[r].id in number:
                i = number[own[r].id]
                cells.append(_cell(f"“{quotes[i]}” [{i + 1}]"))
            else:
                cells.append("—")
        lines.append(f"| {r + 1} | " + " | ".join(cells) + " |")
    missing = [n for n in names if not targets[n]]
    if missing:
        lines += ["", "No passage on this topic from: " + ", ".join(missing)]
    return lines
