"""Summary mode without an LLM: a draft a person can start a brief from, built of whole quoted sentences.

Layout: a title; a lead from metadata only (which organisations, how many statements, which years); one
section per theme of the retrieved sentences (``assistant.themes``): its label, the organisations whose
sentences fall in it, and one or two whole-sentence quotations with ``[n]``; a closing bibliography.

Quotations are chosen round by round: every section first gets a sentence from an organisation not yet quoted
anywhere in the draft, and only then a second one, so the distinct organisations are covered before any is
quoted twice.  A sentence is never quoted twice nor inside another quotation, never cut for display, and never
a non-claim (a question, a reference line, a fragment: ``quotable.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.labels import short_name, years_label
from assistant.answer.quotable import bare, quotable_units
from assistant.answer.select import Embed
from assistant.answer.sentences import Unit, passage_units
from core.model import Answer, Passage, Quote, Source, Verification
from core.text import cjk_count, cjk_share, fold_for_quotes, quote_spans

MAX_THEMES = 5
QUOTES_PER_THEME = 2
THEME_POOL = 40  # most relevant sentences the themes are built from
POOL_GAP = 0.3  # ... and none further than this below the best one (Ask mode's DROP in select.py)
NEAR_COPY = 0.92  # a sentence this similar to a quoted one says it again (an interim and a final text)
RANK = 0.05  # a little weight for the retriever's order: 1 / (rank + 1)
BIBLIOGRAPHY = "**Bibliography**"  # render.py leaves out its own source list after it


@dataclass(frozen=True)
class Section:
    """One theme of the draft: its label, organisations and quoted units (indices into ``Draft.units``)."""

    label: str
    organisations: tuple[str, ...]
    quotes: tuple[int, ...]
    passages: tuple[int, ...] = ()  # every passage with a sentence in the theme, most central first


@dataclass(frozen=True)
class Draft:
    units: tuple[Unit, ...]
    sections: tuple[Section, ...]


def _zh(text: str) -> bool:
    return cjk_count(text) >= 2 and cjk_share(text) >= 0.2


def _author(p: Passage) -> str:
    return p.speaker()


def plan(question: str, passages: Sequence[Passage], embed: Embed, *, max_themes: int = MAX_THEMES) -> Draft:
    """Themes and the quotations of each (deterministic for the same passages and embedder)."""
    from assistant.themes import discover_themes

    units = quotable_units(passage_units(passages))
    if not units:
        return Draft((), ())
    query, vectors = embed([u.text for u in units])
    relevance = vectors @ query + np.array([RANK / (u.passage + 1) for u in units])
    order = np.argsort(-relevance, kind="stable")
    best = float(relevance[order[0]])
    pool = [int(i) for i in order[:THEME_POOL] if relevance[i] >= best - POOL_GAP]
    themes = discover_themes([units[i].text for i in pool], vectors[pool], max_themes=max_themes, min_size=2, seed=0)
    # a theme without key phrases is labelled by its central sentence, which the section quotes anyway: numbered
    groups = [(t.label if t.keyphrases else "", [pool[m] for m in t.members]) for t in themes]
    if not groups:  # too few sentences to group: one section of the most relevant ones
        groups = [(question, pool)]
    quoted_by_org: Counter[str] = Counter()
    chosen: list[list[int]] = [[] for _ in groups]
    folded: list[str] = []

    picked: list[int] = []

    def fresh(i: int) -> bool:
        """Neither the same words as a picked quotation (or inside one) nor a near copy of one."""
        f = fold_for_quotes(units[i].text)
        return not any(f in g or g in f for g in folded) and \
            not any(float(vectors[i] @ vectors[j]) >= NEAR_COPY for j in picked)

    for round_ in range(QUOTES_PER_THEME):
        for g, (_, members) in enumerate(groups):
            if len(chosen[g]) > round_:
                continue
            own = {_author(passages[units[i].passage]) for i in chosen[g]}
            candidates = [(quoted_by_org[_author(passages[units[i].passage])],
                           _author(passages[units[i].passage]) in own, rank, i)
                          for rank, i in enumerate(members) if fresh(i)]
            if not candidates:
                continue
            times, same_section, _, i = min(candidates)
            open_groups = [groups[h] for h in range(len(groups)) if len(chosen[h]) < QUOTES_PER_THEME]
            if round_ > 0 and (same_section or times > 0 and _uncovered(open_groups, passages, units, quoted_by_org)):
                continue  # a second quote only from another organisation, once every one is covered
            chosen[g].append(i)
            picked.append(i)
            quoted_by_org[_author(passages[units[i].passage])] += 1
            folded.append(fold_for_quotes(units[i].text))
    sections = []
    for (label, members), picks in zip(groups, chosen):
        if picks:
            orgs = tuple(dict.fromkeys(_author(passages[units[i].passage]) for i in members))
            sections.append(Section(label, orgs, tuple(picks), tuple(dict.fromkeys(units[i].passage
                                                                                   for i in members))))
    return Draft(tuple(units), tuple(sections))


def _uncovered(groups: list[tuple[str, list[int]]], passages: Sequence[Passage], units: list[Unit],
               quoted: Counter[str]) -> bool:
    """Some organisation of some theme has no quotation yet."""
    return any(quoted[_author(passages[units[i].passage])] == 0 for _, members in groups for i in members)


def compose_summary(question: str, passages: Sequence[Passage], embed: Embed, *, notice: str | None = None,
                    abstain_reason: str | None = None) -> Answer:
    """The offline draft summary as Markdown with numbered sources and a closing bibliography."""
    from assistant.answer.labels import OFFLINE_BACKEND

    passages = list(passages)
    zh = _zh(question)
    draft = plan(question, passages, embed)
    numbers: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    title = question.strip().rstrip("?？.。")
    body: list[str] = []
    for n, section in enumerate(draft.sections, start=1):
        body += [f"### {section.label or ('主题 ' if zh else 'Theme ') + str(n)}", ""]
        orgs = ", ".join(short_name(a) for a in section.organisations)
        body += [f"*{'涉及机构' if zh else 'Addressed by'}: {orgs}*", ""]
        for i in section.quotes:
            unit = draft.units[i]
            p = passages[unit.passage]
            n = numbers.setdefault(unit.passage, len(numbers) + 1)
            quotes.setdefault(unit.passage, []).append(bare(unit.text))
            body += [f"> “{bare(unit.text)}” — {short_name(_author(p))} ({years_label([p])}) [{n}]", ""]
    quoted = [passages[i] for i in sorted(numbers, key=numbers.__getitem__)]
    lines = [f"## {'摘要草稿' if zh else 'Draft summary'}: {title}", "", f"**{_lead(quoted, zh, abstain_reason)}**", ""]
    if not draft.sections:
        lines.append("没有可以引用的完整句子。" if zh else "No whole sentence of the sources can be quoted on this.")
    lines += body
    sources = [Source(n=numbers[i], passage=passages[i],
                      quotes=[Quote(n=numbers[i], text=q, verified=bool(quote_spans(passages[i].text, q)))
                              for q in quotes[i]]) for i in sorted(numbers, key=numbers.__getitem__)]
    if sources:
        lines += [BIBLIOGRAPHY, "", *[f"- [{s.n}] {s.passage.citation()}" for s in sources]]
    all_quotes = [q for s in sources for q in s.quotes]
    verification = Verification(citations_given=len(sources), citations_valid=len(sources),
                                quotes_total=len(all_quotes), quotes_verified=sum(q.verified for q in all_quotes))
    return Answer(question=question, text="\n".join(lines).rstrip(), sources=sources, mode="summary",
                  backend=OFFLINE_BACKEND, abstained=bool(abstain_reason), notice=notice, verification=verification)


def _lead(quoted: list[Passage], zh: bool, abstain_reason: str | None) -> str:
    """Who, how many statements, which years: from the citations only."""
    if abstain_reason:
        return (f"语料库似乎没有涵盖这个主题（{abstain_reason}）；以下引文仅供参考。" if zh else
                f"The corpus does not seem to cover this. {abstain_reason} "
                "The quotations below are for reference only.")
    by_author: dict[str, list[Passage]] = {}
    for p in quoted:
        by_author.setdefault(_author(p), []).append(p)
    statements = len({p.statement_id for p in quoted})
    orgs = "; ".join(f"{short_name(a)} ({years_label(own)})" for a, own in by_author.items())
    if zh:
        return f"{len(by_author)} 个机构的 {statements} 份声明（{years_label(quoted)}）：{orgs}。"
    org_word = "organisation" if len(by_author) == 1 else "organisations"
    st_word = "statement" if statements == 1 else "statements"
    return f"From {statements} {st_word} by {len(by_author)} {org_word}, {years_label(quoted)}: {orgs}."


def outline(question: str, passages: Sequence[Passage], embed: Embed) -> str:
    """The themes of the offline draft as a plan for the LLM: one line per theme, its label and the numbers of
    the sources (1-based, as the prompt numbers them) that speak to it; '' when there is no theme."""
    draft = plan(question, passages, embed)
    return "\n".join(f"{n}. {s.label or 'theme ' + str(n)} — sources " + ", ".join(f"[{i + 1}]" for i in s.passages)
                     for n, s in enumerate(draft.sections, start=1))
