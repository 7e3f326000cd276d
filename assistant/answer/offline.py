"""The answerer that needs no LLM: an answer built only of metadata and whole quoted sentences.

It never writes a claim of its own.  What it adds is metadata: a first line that says which organisations
speak to the question, with their years and how many statements (from the passages' citations, not from their
prose), a heading per organisation and statement with the statement's date, and a "See also" line naming the
organisations that are only weakly related.  Everything else is quotations, each one or more whole sentences of
its passage (``sentences.py``), picked for the question across all retrieved passages (``select.py``), grouped
by organisation in order of relevance.  A sentence that two passages share is shown once, cited to both.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.answer.labels import OFFLINE_BACKEND, date_label, short_name, years_label
from assistant.answer.select import Embed, Pick, content_words, mmr, relevance
from assistant.answer.sentences import Unit, join_units, passage_units, refocus
from core.model import Answer, Mode, Passage, Quote, Source, Verification
from core.text import cjk_count, cjk_share, fold_for_quotes, quote_spans

# sentences quoted at most per answer; select.CHARS (1200 characters) usually ends an answer first.  On the
# tuning questions 10 sentences within 1200 characters quoted the gold phrase more often than 6 or 8 sentences
# alone (select.py); summaries cover more ground
BUDGET: dict[str, int] = {"ask": 10, "summary": 10, "compare": 1}
# an organisation whose best sentence fits the question this much less than the answer's best goes to "See
# also" (fit: the sentence's score without its passage's rank bonus, select.Pick.fit).  On the tuning questions
# 0.15 lost a gold phrase that 0.25 kept; 0.35 or no gap at all quoted no more gold and 7% more text
SEE_ALSO_GAP = 0.25


def is_chinese(text: str) -> bool:
    """Enough CJK in the question to answer its lead in Chinese."""
    return cjk_count(text) >= 2 and cjk_share(text) >= 0.2


@dataclass
class _Group:
    """One organisation's part of the answer."""

    author: str
    best: float
    fit: float  # its best sentence's fit to the question, whatever the passage's rank (select.Pick.fit)
    passages: list[int] = field(default_factory=list)  # in order of first pick
    picks: dict[int, list[Unit]] = field(default_factory=dict)  # passage -> its picked sentences


def _org_summary(author: str, passages: Sequence[Passage], zh: bool) -> str:
    statements = len({p.statement_id for p in passages})
    if statements < 2:
        return f"{short_name(author)} ({years_label(passages)})"
    people = any(p.authors for p in passages)  # a paper's paragraphs, not an organisation's statements
    count = (f"{statements} 段" if people else f"{statements} 份声明") if zh else \
        f"{statements} {'passages' if people else 'statements'}"
    return f"{short_name(author)} ({years_label(passages)}, {count})"


def _lead(question: str, quoted: list[Passage], mode: Mode, abstain_reason: str | None,
          english_only: bool | None) -> str:
    """The first line, from metadata only: which organisations the quotations come from, with their years and
    how many statements; ``quoted`` are the quoted passages in order of their source numbers."""
    zh = is_chinese(question)
    if abstain_reason:
        return (f"语料库似乎没有涵盖这个问题（{abstain_reason}）以下最接近的原文仅供参考，并不回答该问题。" if zh else
                f"The corpus does not seem to cover this question. {abstain_reason} "
                "The nearest passages are listed for reference only; they do not answer it.")
    by_author: dict[str, list[Passage]] = {}
    for p in quoted:
        by_author.setdefault(p.speaker(), []).append(p)
    orgs = [_org_summary(author, own, zh) for author, own in by_author.items()]
    n = len(orgs)
    people = any(p.authors for p in quoted)  # a paper's authors are people, not an organisation
    if zh:
        unit = "个来源" if people else "个机构"
        head = f"摘要草稿（原文引述）：{n} {unit}：" if mode == "summary" else f"{n} {unit}谈及此问题："
        lead = head + "；".join(orgs) + "。"
        if english_only is True:
            lead += " 以下引文均为英文原文，未经翻译。"
        elif english_only is None:
            lead += " 部分引文为英文原文，未经翻译。"
        return lead
    noun = "source" if people else "organisation"
    subject = f"1 {noun} addresses this" if n == 1 else f"{n} {noun}s address this"
    if mode == "summary":
        subject = f"Draft summary in the sources' own words, from {n} {noun}{'s' if n != 1 else ''}"
    return f"{subject}: " + "; ".join(orgs) + "."


def _quote_line(text: str, numbers: list[int]) -> str:
    return f"> “{text}” " + "".join(f"[{n}]" for n in numbers)


def _groups(picks: list[Pick], passages: Sequence[Passage]) -> list[_Group]:
    """Picked sentences by organisation, organisations in order of their best sentence."""
    groups: dict[str, _Group] = {}
    for pick in sorted(picks, key=lambda p: -p.relevance):
        author = passages[pick.unit.passage].speaker()
        group = groups.setdefault(author, _Group(author, pick.relevance, pick.fit))
        group.fit = max(group.fit, pick.fit)
        if pick.unit.passage not in group.picks:
            group.passages.append(pick.unit.passage)
            group.picks[pick.unit.passage] = []
        group.picks[pick.unit.passage].append(pick.unit)
    return list(groups.values())


def _also_cited(quote: str, own: int, folded_passages: Sequence[str], shown: set[int]) -> list[int]:
    """Other passages that hold the same words (``folded_passages``: the passages' texts, folded once per
    answer): the quotation is shown once and cited to them too."""
    folded = fold_for_quotes(quote)
    return [i for i, text in enumerate(folded_passages) if i != own and i not in shown and folded in text]


def _score(question: str, passages: Sequence[Passage], embed: Embed | None) -> tuple[list[Unit], np.ndarray,
                                                                                     np.ndarray]:
    units = passage_units(passages)
    if embed is not None and units:
        query, vectors = embed([u.text for u in units])
        sims = vectors @ query
    else:
        vectors, sims = np.zeros((len(units), 0)), np.zeros(len(units))
    return units, relevance(question, units, sims, is_chinese(question)), vectors


def compose(
    question: str,
    passages: Sequence[Passage],
    *,
    mode: Mode = "ask",
    embed: Embed | None = None,
    abstain_reason: str | None = None,
    targets: dict[str, list[Passage]] | None = None,
    notice: str | None = None,
    budget: int | None = None,
    named: Collection[str] = (),
) -> Answer:
    """Build the offline answer from ranked passages (``embed`` scores sentences; without it, words decide).

    ``named``: the organisations the question names outright (``SearchResult.named``).  When a passage of one of
    them was retrieved, the answer quotes them only and names the others under "See also": "What do the IDAIS
    statements ask governments to do?" is not answered with a bank regulator's sentence, however close."""
    passages = list(passages)
    if not passages:
        text = ("没有找到相关原文。" if is_chinese(question) else "No statement in the store matches this question.")
        return Answer(question=question, text=text, mode=mode, abstained=True, notice=notice)
    if mode == "compare" and targets and embed is not None:  # themes as rows, targets as columns
        from assistant.answer.compare import compose_compare

        return compose_compare(question, targets, embed, notice=notice)
    if mode == "summary" and embed is not None:  # one section per theme, then a bibliography
        from assistant.answer.summary import compose_summary

        return compose_summary(question, passages, embed, notice=notice, abstain_reason=abstain_reason)
    units, scores, vectors = _score(question, passages, embed)
    own = [k for k, u in enumerate(units) if passages[u.passage].speaker() in named]
    if own and not abstain_reason:  # the named organisations' sentences only; the others go to "See also"
        units, scores, vectors = [units[k] for k in own], scores[own], vectors[own]
    picks = mmr(units, scores, vectors, budget or BUDGET.get(mode, BUDGET["ask"]))
    words = content_words(question)
    picks = [Pick(refocus(passages[p.unit.passage], p.unit, lambda t: len(content_words(t) & words)), p.relevance,
                  p.fit) for p in picks]  # a sentence too long to show: its clauses that hold the question's words
    groups = _groups(picks, passages)
    top = max((g.fit for g in groups), default=0.0)
    main = [g for g in groups if g.fit >= top - SEE_ALSO_GAP or abstain_reason]
    weak_authors = {g.author for g in groups if g not in main}
    numbers: dict[int, int] = {}  # passage index -> source number
    quotes: dict[int, list[str]] = {}

    def number(i: int) -> int:
        return numbers.setdefault(i, len(numbers) + 1)

    folded = [fold_for_quotes(p.text) for p in passages]
    body: list[str] = []
    zh_quotes: list[bool] = []
    for group in main:
        heading_done = False
        last_statement = None
        for i in group.passages:
            p = passages[i]
            if (p.document, date_label(p)) != last_statement:
                doc = f"*{p.document}* ({date_label(p)})" if p.document else f"({date_label(p)})"
                body.append(f"**{group.author}** · {doc}" if not heading_done else doc)
                heading_done, last_statement = True, (p.document, date_label(p))
            shared = {u.index for u in group.picks[i] if _also_cited(u.text, i, folded, set())}
            for text in join_units(p, group.picks[i], alone=shared):
                cited = [i, *_also_cited(text, i, folded, set(numbers))]
                body.append(_quote_line(text, [number(j) for j in cited]))
                for j in cited:
                    quotes.setdefault(j, []).append(text)
                zh_quotes.append(any(u.zh for u in group.picks[i]))
        body.append("")
    see_also = _see_also(passages, numbers, weak_authors, number)
    english_only = None if any(zh_quotes) and not all(zh_quotes) else not any(zh_quotes)
    quoted = [passages[i] for i in sorted(quotes, key=numbers.__getitem__)]
    lead = _lead(question, quoted, mode, abstain_reason, english_only if is_chinese(question) else False)
    lines = [f"**{lead}**", "", *body]
    if see_also:
        lines.append(see_also)
    order = sorted(numbers, key=numbers.__getitem__)
    sources = [Source(n=numbers[i], passage=passages[i],
                      quotes=[Quote(n=numbers[i], text=q, verified=bool(quote_spans(passages[i].text, q)))
                              for q in quotes.get(i, [])]) for i in order]
    return _answer(question, "\n".join(lines).rstrip(), sources, mode, abstain_reason, notice)


def _see_also(passages: Sequence[Passage], numbers: dict[int, int], weak: set[str],
              number: Callable[[int], int]) -> str:
    """Organisations only weakly related: named with their year and source number, not quoted."""
    entries: dict[str, list[int]] = {}
    for i, p in enumerate(passages):
        author = p.speaker()
        if i not in numbers and (author in weak or not any(passages[j].speaker() == author for j in numbers)):
            entries.setdefault(author, []).append(i)
    if not entries:
        return ""
    parts = [f"{short_name(a)} ({years_label([passages[i] for i in idx])}) " + "".join(f"[{number(i)}]" for i in idx)
             for a, idx in entries.items()]
    return "See also: " + "; ".join(parts)


def _answer(question: str, text: str, sources: list[Source], mode: Mode, abstain_reason: str | None,
            notice: str | None) -> Answer:
    all_quotes = [q for s in sources for q in s.quotes]
    verification = Verification(citations_given=len(sources), citations_valid=len(sources),
                                quotes_total=len(all_quotes), quotes_verified=sum(q.verified for q in all_quotes))
    return Answer(question=question, text=text, sources=sources, mode=mode, backend=OFFLINE_BACKEND,
                  abstained=bool(abstain_reason), notice=notice, verification=verification)

