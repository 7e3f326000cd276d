"""Who a compare question compares: organisations or documents it names, else the picker's, else the top two.

"Compare Japan and China on security" names two places; statements are attributed to ministries and agencies,
so each place becomes one target standing for every stored organisation the catalog matches through it
("Japan" -> the Cabinet Office, ... ).  An organisation named outright ("OECD", "IDAIS", a Chinese name) is a
target of its own; a document named outright is one only when its organisation is not already a target.
The question wins over the picker, and the picker over the retrieval's top two organisations; ``Targets.how``
says which, so the answer can tell the user (a silent choice once compared IDAIS and Japan for "Japan and China").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.answer.labels import short_name
from assistant.retrieval.aliases import place_mentions, place_spellings
from assistant.retrieval.catalog import Catalog
from core.model import Filters, Passage
from core.text import has_cjk

MIN_TARGETS = 2


@dataclass(frozen=True)
class Target:
    """One column of a comparison: a label and the stored names it stands for."""

    label: str
    authors: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()

    def filters(self, base: Filters | None) -> Filters:
        """The user's filters narrowed to this target's organisations or documents."""
        base = base or Filters()
        return Filters(authors=list(self.authors) or list(base.authors),
                       documents=list(self.documents) or list(base.documents),
                       since=base.since, until=base.until, lang=base.lang)


@dataclass
class Targets:
    """The chosen targets and where they came from: "question", "picker" or "top" (plus a line saying so)."""

    targets: list[Target] = field(default_factory=list)
    how: str = "question"
    ignored: list[str] = field(default_factory=list)  # picker targets the question overrode

    def describe(self, zh: bool = False) -> str:
        names = ", ".join(t.label for t in self.targets)
        if zh:
            where = {"question": "问题中点名的", "picker": "所选的",
                     "top": "未指定比较对象：按相关度取前两个机构"}[self.how]
            return f"比较对象（{where}）：{names}。"
        where = {"question": "named in the question", "picker": "chosen in the picker",
                 "top": "no targets given: the two organisations most relevant to the question"}[self.how]
        line = f"Compared ({where}): {names}."
        if self.ignored:
            line += f" The picker's {', '.join(self.ignored)} were not used."
        return line


def _position(question: str, keys: Sequence[str]) -> int:
    """Where the question first names one of ``keys`` (case-folded), or its end."""
    low = question.casefold()
    found = [low.find(k.casefold()) for k in keys if k and k.casefold() in low]
    return min(found) if found else len(question)


def _name_keys(name: str) -> list[str]:
    """Parts of a stored name a question may use: its acronyms, bracketed short form, CJK runs, long words."""
    keys = re.findall(r"\b[A-Z][A-Za-z&]*[A-Z]\b", name) + re.findall(r"\(([^()]{2,15})\)", name)
    keys += re.findall(r"\b[A-Z][A-Z0-9]*\d[A-Z0-9]*\b", name)  # "G7"
    keys += [run for run in re.findall(r"[\u4e00-\u9fff]{2,}", name)]
    keys += [w for w in re.findall(r"[^\W\d_]{5,}", name) if not has_cjk(w)]
    return keys


def _short_forms(question: str, catalog: Catalog) -> set[str]:
    """Organisations named by a short form with a digit ("G7", "G20", "Group of Twenty (G20)"), which the
    catalog's acronym rule (capitals only) does not see; the short form must stand in the question as written."""
    found = set()
    for author in catalog.authors:
        forms = set(re.findall(r"\b[A-Z][A-Z0-9]*\d[A-Z0-9]*\b", author))
        if any(re.search(rf"(?<![\w]){re.escape(f)}(?![\w])", question) for f in forms):
            found.add(author)
    return found


def from_question(question: str, catalog: Catalog) -> list[Target]:
    """The targets a question names, in the order it names them."""
    mentions = catalog.mentions(question)
    found: list[tuple[int, Target]] = []
    covered: set[str] = set()
    for place in sorted(place_mentions(question)):
        authors = tuple(sorted(a for a in mentions.by_place if a in catalog.authors
                               and any(s.casefold() in a.casefold() for s in place_spellings(place))))
        if authors:
            found.append((_position(question, place_spellings(place)), Target(place, authors=authors)))
            covered.update(authors)
    for author in sorted((mentions.authors - mentions.by_place) | _short_forms(question, catalog) - covered):
        found.append((_position(question, _name_keys(author)), Target(short_name(author), authors=(author,))))
        covered.add(author)
    named_docs = mentions.documents - mentions.by_place
    by_author = {d: a for a, docs in catalog.documents_by_author.items() for d in docs}
    for document in sorted(named_docs):
        if by_author.get(document) not in covered:
            found.append((_position(question, _name_keys(document)), Target(document, documents=(document,))))
    found.sort(key=lambda pt: pt[0])
    return [t for _, t in found]


def from_picker(names: Sequence[str], catalog: Catalog) -> list[Target]:
    """The picker's names (stored organisations or documents, or parts of their names)."""
    out: list[Target] = []
    for name in names:
        authors = [a for a in catalog.resolve([name], "author") if a in catalog.authors]
        if authors:
            out.append(Target(short_name(name) if name in catalog.authors else name, authors=tuple(authors)))
            continue
        documents = [d for d in catalog.resolve([name], "document") if d in catalog.documents]
        out.append(Target(name, documents=tuple(documents or [name])))
    return out


def top_organisations(passages: Sequence[Passage], n: int = MIN_TARGETS,
                      exclude: Sequence[Target] = ()) -> list[Target]:
    """The first ``n`` distinct organisations in retrieval order (not already among ``exclude``)."""
    taken = {a for t in exclude for a in t.authors}
    out: list[Target] = []
    for p in passages:
        if p.author and p.author not in taken:
            taken.add(p.author)
            out.append(Target(short_name(p.author), authors=(p.author,)))
        if len(out) >= n:
            break
    return out


def choose(question: str, picker: Sequence[str] | None, catalog: Catalog) -> Targets:
    """The question's targets when it names two or more, else the picker's; "top" (to be filled from the
    retrieval) when neither gives two.  A question naming one target keeps it and adds the picker's or the top."""
    named = from_question(question, catalog)
    picked = from_picker(picker or [], catalog)
    if len(named) >= MIN_TARGETS:
        covered = {a for n in named for a in n.authors} | {d for n in named for d in n.documents}
        ignored = [t.label for t in picked if not set(t.authors + t.documents) <= covered]
        return Targets(named, "question", ignored)
    if len(picked) >= MIN_TARGETS:
        return Targets(picked, "picker")
    return Targets(named or picked, "top")

