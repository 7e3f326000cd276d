"""The corpus browser and the "Start here" examples, both built from what the
store holds (the catalog), never from a list written for the seed corpus."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from core.model import CITATION_FIELDS, Passage, Source, Statement, StatementSummary
from ui.cards import esc, link_html, meta_line, waie_note

if TYPE_CHECKING:
    from assistant.service import Catalog

ALL = "(all)"


# ---------------------------------------------------------------- start here


@dataclass
class Example:
    """A guided question: what the button says and what it asks, in which mode."""

    label: str
    question: str
    mode: str = "ask"
    targets: list[str] = field(default_factory=list)


def short_name(name: str, limit: int = 48) -> str:
    """'IDAIS (International Dialogues on AI Safety)' -> 'IDAIS': the name people type."""
    head = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip() or name
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


# words that make a name an organisation's (a person's name has none of them)
_ORG_WORDS = re.compile(
    r"\b(office|government|ministry|minister|department|council|commission|committee|parliament|assembly|"
    r"agency|authority|board|bureau|administration|association|institute|institution|university|college|"
    r"academy|school|foundation|society|federation|union|alliance|partnership|network|forum|group|center|"
    r"centre|lab|labs|laboratory|initiative|organi[sz]ation|corporation|company|inc|ltd|llc|gmbh|co|"
    r"international|national|global|world|united|nations|republic|kingdom|state|states|city|federal|"
    r"ai|data|digital|technology|technologies|tech|research|ethics|dialogues?|project|consortium|"
    r"declaration|conference|summit|regulator|bank|fund|team|body|bodies)\b", re.IGNORECASE)
_ORG_CJK = re.compile(r"(部|局|委|会|院|所|办|署|厅|中心|政府|公司|集团|大学|学会|协会|联盟|机构|组织|论坛)")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_PERSON_PART = re.compile(r"^(?:[A-Z][\w'’.-]*\.?\s+){1,3}[A-Z][\w'’-]+$")


def is_person_name(name: str) -> bool:
    """A name that looks like one or more people's ("Yichen He", "A. Smith and B. Jones", "Li Wei et al.")
    rather than an organisation's: no organisation word, no acronym, every part two to four capitalised words
    (Latin) or two to four Han characters.  Doubtful names count as people: a "Start here" question
    passes over an organisation rather than risk putting a person's name in a question."""
    text = name.strip()
    if not text or _ORG_WORDS.search(text) or _ACRONYM.search(text) or _ORG_CJK.search(text):
        return False
    if re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", text):
        return True
    parts = [p for p in re.split(r"\s*(?:,|;|&|\band\b|\bet al\.?)\s*", text) if p.strip()]
    return bool(parts) and all(_PERSON_PART.match(p.strip()) for p in parts)


def start_examples(catalog: Catalog) -> list[Example]:
    """Up to five steps from the most frequent organisations, documents and years (never from a person's name:
    a PDF's author field often names its writers, and "What does Yichen He call on governments to do?" is
    no question for a newcomer)."""
    authors = [a for a, _ in catalog.authors.most_common() if a and a != "Unknown" and not is_person_name(a)]
    known = {d for a, docs in catalog.documents_by_author.items() if a in authors for d in docs}
    documents = [d for d, _ in catalog.documents.most_common() if d and d in known]
    years = sorted((y for y in catalog.years if y.isdigit()), reverse=True)
    out: list[Example] = []
    if authors:
        a = short_name(authors[0])
        out.append(Example(f"1 · Ask: what does {a} call on governments to do?",
                           f"What does {a} call on governments to do?"))
    if documents:
        d = short_name(documents[0], 60)
        out.append(Example(f"2 · One document: the main commitments of {d}", f"What are the main commitments of {d}?"))
    if years:
        out.append(Example(f"3 · By year: what was said about AI risks in {years[0]}?",
                           f"What was said about the risks of AI in {years[0]}?"))
    if len(authors) >= 2:
        a, b = authors[0], authors[1]
        out.append(Example(f"4 · Compare {short_name(a)} and {short_name(b)} on international cooperation",
                           "international cooperation on AI", mode="compare", targets=[a, b]))
    if authors:
        a = short_name(authors[min(1, len(authors) - 1)])
        out.append(Example(f"5 · Draft a summary of what {a} says about AI safety",
                           f"What does {a} say about AI safety?", mode="summary"))
    return out


# ---------------------------------------------------------------- overview


def _counts(title: str, items: list[tuple[str, int]]) -> str:
    rows = "".join(f"<li><span class=\"charter-count\">{n}</span> {esc(name)}</li>" for name, n in items)
    return f"<div class=\"charter-facet\"><h4>{esc(title)}</h4><ul>{rows}</ul></div>"


def overview_html(catalog: Catalog) -> str:
    """Counts by organisation (with its documents), year and language."""
    orgs = []
    for author, n in catalog.authors.most_common():
        docs = catalog.documents_by_author.get(author, Counter())
        inner = "".join(f"<li><span class=\"charter-count\">{c}</span> {esc(d)}</li>" for d, c in docs.most_common())
        orgs.append(f"<li><details><summary><span class=\"charter-count\">{n}</span> {esc(author)}</summary>"
                    f"<ul>{inner}</ul></details></li>")
    years = sorted(catalog.years.items(), reverse=True)
    return (
        f"<div class=\"charter-overview\"><p><b>{catalog.statements}</b> statements, "
        f"<b>{catalog.passages}</b> passages, "
        f"<b>{len(catalog.authors)}</b> organisations, <b>{len(catalog.documents)}</b> documents.</p>"
        f"<div class=\"charter-facets\"><div class=\"charter-facet\"><h4>By organisation</h4>"
        f"<ul>{''.join(orgs)}</ul></div>"
        f"{_counts('By year', years)}{_counts('By language', catalog.languages.most_common())}</div></div>"
    )


def filter_statements(statements: list[StatementSummary], author: str | None, year: str | None,
                      document: str | None) -> list[StatementSummary]:
    """The statements matching the browser's three pickers ('(all)' or empty = any)."""
    def keep(s: StatementSummary) -> bool:
        return ((not author or author == ALL or s.author == author)
                and (not year or year == ALL or s.year == year)
                and (not document or document == ALL or s.document == document))

    return [s for s in statements if keep(s)]


# ---------------------------------------------------------------- one statement


def plain_citation(p: Passage) -> str:
    """Author, Document (date), section, p. N. URL — as text, no Markdown."""
    parts = [p.author or "Unknown author", p.document or "", p.date or p.date_text or "",
             f"section “{p.section}”" if p.section else "", f"p. {p.page}" if p.page else ""]
    text = ", ".join(x for x in parts if x)
    return text + (f". {p.url}" if p.url else "")


def as_passage(statement: Statement) -> Passage:
    """The statement as one passage, so it is shown and cited like a source card."""
    citation = {name: getattr(statement, name) for name in CITATION_FIELDS}
    return Passage(id=f"{statement.id}:0", statement_id=statement.id, text=statement.text, **citation)


def statement_html(statement: Statement | None, passages: int = 1) -> str:
    """Full text and citation of one statement; every field escaped."""
    if statement is None:
        return '<div class="charter-empty">No such statement in the store.</div>'
    passage = as_passage(statement)
    source = Source(n=0, passage=passage)
    where = PurePath(statement.source or "").name
    return (
        f'<article class="charter-statement" data-statement="{esc(passage.statement_id)}">'
        f'<h3 class="charter-author">{esc(passage.author or "Unknown author")}</h3>'
        f'<div class="charter-meta">{meta_line(passage)}</div>'
        f'<div class="charter-fulltext">{esc(passage.text)}</div>'
        f"{link_html(passage.url)}"
        f'<div class="charter-citation"><b>Cite as:</b> {esc(plain_citation(passage))}</div>'
        f'<div class="charter-fileinfo">File: {esc(where)} · {passages} passage(s) · '
        f'id {esc(passage.statement_id)}</div>'
        f"{waie_note(source)}</article>"
    )
