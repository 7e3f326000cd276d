"""What the store holds, by organisation, document, year and language, and
which of those names a question mentions.

Built from the store's metadata (never from a fixed list), so "Start here"
examples, filters and name matching follow whatever corpus the user loaded.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from assistant.index.rows import statement_countries
from assistant.retrieval.aliases import (
    PLACES,
    body_mentions,
    place_mentions,
    place_name_spellings,
    stored_body_mentions,
)
from assistant.retrieval.lexical import STOPWORDS
from core.model import Filters, Passage
from core.text import CJK_RUN, HAN_RUN, has_cjk

if TYPE_CHECKING:
    from assistant.index.base import Store

# words too common in names of AI-governance bodies and texts to identify one
GENERIC_NAME_WORDS = frozenset(
    """ai artificial intelligence principles principle ethics ethical guidelines guideline guidance responsible
    trustworthy statement statements framework code recommendation recommendations report policy policies
    strategy national international global council committee commission group institute association
    organisation organization government ministry department office agency authority board foundation
    university research center centre society union data digital technology technologies systems system
    development use human rights future new inc ltd corporation company plc llc limited corp gmbh ag co""".split()
)
GENERIC_ACRONYMS = frozenset({"AI", "ML", "IT", "ICT", "AGI", "R&D", "EU", "UN", "US", "UK"})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z&]*[A-Z]\b|\b[A-Z]{1,4}\d{1,3}\b")  # "OECD", "DeepMind", "G20"
# how ``Catalog.absent_years`` joins the organisations and the years ("OpenAI in 2024"), for telling its items
YEAR_ABSENCE_MARK = " in "
YEAR_ABSENCE = re.compile(r" in (?:19|20)\d\d(?:, (?:19|20)\d\d)*$")
_LISTED_BODIES = 4  # a year's absence names at most this many organisations
PLACE_ONLY_SHARE = 0.5  # weight of a place-only match next to an outright name
# how the catalog counts a statement whose citation lacks the field
UNKNOWN_AUTHOR = "Unknown"
NO_DATE = "n.d."
UNKNOWN_LANG = "?"


def _whole(name: str) -> re.Pattern[str]:
    """``name`` as whole words; an all-capitals short form ("US", "OECD") keeps its case."""
    flags = 0 if name.isupper() else re.IGNORECASE
    return re.compile(rf"(?<![\w]){re.escape(name.strip())}(?![\w])", flags)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


@dataclass
class Mentions:
    """Organisations and documents a question names (exact stored names).

    ``by_place`` holds the names matched only through a place word ("German"
    -> every German body): when the question also names a body outright
    ("vzbv"), those broad matches should count for less than the named one.
    """

    authors: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    by_place: set[str] = field(default_factory=set)
    # the organisations whose statements come from a place the question names (their source's "country"),
    # whatever their names: only for telling a year that place's bodies carry, not for ranking
    by_country: set[str] = field(default_factory=set)
    # the documents named by words of their own, beyond their organisation's name: "IBM's Principles for Trust"
    # names that text, "What did IBM say?" matches "IBM AI Ethics" only through IBM (``Catalog.absent_years``)
    titled: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.authors or self.documents)

    def strength(self, author: str | None, document: str | None) -> float:
        """1 for a passage whose organisation or document the question names
        outright, less for one matched only through a place the question
        names beside outright names, 0 for one not named."""
        named = [n for n, pool in ((author, self.authors), (document, self.documents)) if n and n in pool]
        if not named:
            return 0.0
        if all(n in self.by_place for n in named) and self.specific():
            return PLACE_ONLY_SHARE
        return 1.0

    def specific(self) -> bool:
        return bool((self.authors | self.documents) - self.by_place)


@dataclass
class Catalog:
    """Counts and names of what is stored."""

    statements: int
    passages: int
    authors: Counter
    documents: Counter
    years: Counter
    languages: Counter
    documents_by_author: dict[str, Counter]
    embedding_model: str = ""
    years_by_author: dict[str, Counter] = field(default_factory=dict)
    authors_by_country: dict[str, list[str]] = field(default_factory=dict)  # "Italy" -> its organisations

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (the snapshot persists the catalog beside the store)."""
        return {"statements": self.statements, "passages": self.passages, "authors": dict(self.authors),
                "documents": dict(self.documents), "years": dict(self.years), "languages": dict(self.languages),
                "documents_by_author": {a: dict(c) for a, c in self.documents_by_author.items()},
                "embedding_model": self.embedding_model,
                "years_by_author": {a: dict(c) for a, c in self.years_by_author.items()},
                "authors_by_country": self.authors_by_country}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Catalog:
        return cls(int(data["statements"]), int(data["passages"]), Counter(data["authors"]),
                   Counter(data["documents"]), Counter(data["years"]), Counter(data["languages"]),
                   {a: Counter(c) for a, c in data["documents_by_author"].items()}, str(data["embedding_model"]),
                   {a: Counter(c) for a, c in data["years_by_author"].items()},
                   {c: list(a) for c, a in data.get("authors_by_country", {}).items()})

    @classmethod
    def from_store(cls, store: Store) -> Catalog:
        rows = store.all_passages()
        return cls.from_passages([row.passage() for row in rows], store.embedder.model_id, statement_countries(rows))

    @classmethod
    def from_passages(cls, passages: list[Passage], embedding_model: str = "",
                      countries: dict[str, list[str]] | None = None) -> Catalog:
        """Counts per statement (its first passage speaks for it), from the typed citation fields; ``countries``:
        statement id -> the countries its source gives (``rows.statement_countries``)."""
        seen: set[str] = set()
        authors: Counter[str] = Counter()
        documents: Counter[str] = Counter()
        years: Counter[str] = Counter()
        languages: Counter[str] = Counter()
        by_author: dict[str, Counter[str]] = defaultdict(Counter)
        years_by_author: dict[str, Counter[str]] = defaultdict(Counter)
        for p in passages:
            if p.statement_id in seen:
                continue
            seen.add(p.statement_id)
            author = p.author or UNKNOWN_AUTHOR
            authors[author] += 1
            if p.document:
                documents[p.document] += 1
                by_author[author][p.document] += 1
            years[str(p.year) if p.year is not None else NO_DATE] += 1
            years_by_author[author][str(p.year) if p.year is not None else NO_DATE] += 1
            languages[p.lang or UNKNOWN_LANG] += 1
        by_country: dict[str, set[str]] = defaultdict(set)
        for p in passages:
            for country in (countries or {}).get(p.statement_id, ()):
                by_country[country].add(p.author or UNKNOWN_AUTHOR)
        return cls(len(seen), len(passages), authors, documents, years, languages, dict(by_author), embedding_model,
                   dict(years_by_author), {c: sorted(a) for c, a in sorted(by_country.items())})

    def absent_years(self, years: set[int], mentions: Mentions) -> list[str]:
        """"ORG in YEAR" for a question that names years and organisations (or one of their documents) outright,
        when no statement of those organisations carries any of those years.

        A document named outright speaks for its organisation ("the Rome Call for AI Ethics in 2024" asks about
        the Pontifical Academy's texts of 2024).  An undated statement could be of any year, but only the text
        it belongs to can say so: it keeps a year open only when the question names one of that organisation's
        documents outright ("Kakao's Algorithm Ethics in 2020"), not when it asks what the organisation said in
        a year ("What did Kakao say in 2023?"), which a text the corpus lacks answers far more often.

        A question that names bodies only by their place ("What did Japan say in 2025?", "北京…2023年") asks about
        that place's bodies together: the year is absent when none of them carries it."""
        documents = mentions.documents - mentions.by_place
        named = set(mentions.authors - mentions.by_place)
        named |= self.authors_of(documents)
        if not named:  # named only by a place ("What did Japan say in 2025?"): that place's bodies together,
            named = set(mentions.authors) | mentions.by_country  # by their names and by their statements' country
        if not years or not named:
            return []
        for author in named:
            held = self.years_by_author.get(author, Counter())
            if any(str(y) in held for y in years):
                return []
            if NO_DATE in held and documents & mentions.titled & set(self.documents_by_author.get(author, ())):
                return []
        names = sorted(named)
        if len(names) > _LISTED_BODIES:  # a place's many bodies: the first few, and how many more
            names = [*names[:_LISTED_BODIES - 1], f"{len(names) - _LISTED_BODIES + 1} more organisations"]
        return [f"{' / '.join(names)}{YEAR_ABSENCE_MARK}{', '.join(map(str, sorted(years)))}"]

    def authors_of(self, documents: set[str]) -> set[str]:
        """The organisations with a stored statement of one of these documents."""
        return {a for a, docs in self.documents_by_author.items() if documents & docs.keys()}

    def fits(self, document: str, mentions: Mentions, years: set[int]) -> bool:
        """Could ``document`` be the text a question names in other words (a Chinese title matched by meaning,
        ``names.py``), given the bodies and years it names beside the title?  Not when the question names bodies
        (outright or by their place: "英国2021年的《国家人工智能战略》") and none of them wrote it, nor when it
        names years and the document's bodies carry none of them (an undated one could be of any year).  A place
        names its bodies by their names and by their statements' country (``Mentions.by_country``)."""
        bodies = self.authors_of({document})
        named = mentions.authors | mentions.by_country
        if named and not bodies & named:
            return False
        if years:
            held = Counter[str]()
            for author in bodies:
                held.update(self.years_by_author.get(author, Counter()))
            if held and NO_DATE not in held and not any(str(y) in held for y in years):
                return False
        return True

    def stats(self) -> dict[str, Any]:
        return {
            "statements": self.statements,
            "passages": self.passages,
            "embedding_model": self.embedding_model,
            "authors": dict(self.authors.most_common()),
            "documents": dict(self.documents.most_common()),
            "years": dict(sorted(self.years.items(), reverse=True)),
            "languages": dict(self.languages.most_common()),
        }

    # ---- filters -----------------------------------------------------------------------------
    def resolve(self, names: list[str], kind: str) -> list[str]:
        """Stored names that a user's partial name stands for ("Japan" -> "Cabinet Office, Government of Japan")."""
        pool = self.authors if kind == "author" else self.documents
        out: list[str] = []
        for name in names:
            if name in pool:
                out.append(name)
                continue
            patterns = [_whole(name)] + [_whole(s) for place in place_mentions(name)
                                         for s in place_name_spellings(place)]
            out.extend(stored for stored in pool if any(p.search(stored) for p in patterns))
        return list(dict.fromkeys(out)) or list(names)  # unknown names still filter (to nothing)

    def resolve_filters(self, filters: Filters | None) -> Filters | None:
        if not filters:
            return None
        return replace(
            filters,
            authors=self.resolve(filters.authors, "author"),
            documents=self.resolve(filters.documents, "document"),
        )

    # ---- mentions ----------------------------------------------------------------------------
    def mentions(self, question: str) -> Mentions:
        """Stored organisations and documents the question names, in any of the ways people do.

        ``_names_match`` decides for each name, but only names that could match are asked (``_candidates``):
        asking all of them cost ~10-25 ms per question on the default corpus, and grows with the store."""
        # Latin names glued to Chinese ("OpenAI在2024年…", "OECD的…"): Python counts Han as word characters
        latin = CJK_RUN.sub(" ", question)
        q_words = _proper_words(latin, first_too=latin != question)
        q_acronyms = set(_ACRONYM.findall(latin)) - GENERIC_ACRONYMS
        places = place_mentions(question)
        rare = self.rare_words
        candidates = self._candidates(question, q_words, q_acronyms, places)
        found = Mentions()
        for kind, pool in (("authors", self.authors), ("documents", self.documents)):
            # "Google" names Google LLC and Google AI, not "AI at Google: our principles": naming that text
            # outright would keep every year open for the undated statements of its body (``absent_years``)
            words = self.author_words if kind == "authors" else rare
            for name in candidates:
                if name not in pool:
                    continue
                how = _names_match(name, question, q_words, q_acronyms, places, words)
                if how:
                    getattr(found, kind).add(name)
                    if how == "place":
                        found.by_place.add(name)
        for spellings in body_mentions(question).values():  # bodies named in Chinese (aliases.BODIES): outright
            named = self._authors_spelled(spellings)  # (联合国教科文组织 is UNESCO, not any body of the UN's place)
            found.authors |= named
            found.by_place -= named
        named = {author for author in stored_body_mentions(question) if author in self.authors}  # 西班牙电信
        found.authors |= named
        found.by_place -= named
        low = question.casefold()
        for full, names in self._name_index.by_full.items():  # organisations written out (``full_name``)
            if full in low and re.search(rf"(?<!\w){re.escape(full)}(?!\w)", low):
                found.authors |= names
        _drop_inner_names(found, low)
        asked = _words(CJK_RUN.sub(" ", question))
        for document in found.documents:
            own = _words(document) - GENERIC_NAME_WORDS - STOPWORDS
            own -= {w for author in self.authors_of({document}) for w in _words(author)}
            if has_cjk(document) or own & asked:
                found.titled.add(document)
        for place in places:
            written = {s.casefold() for s in (place, *PLACES.get(place, ())) if not has_cjk(s)}
            for country, bodies in self.authors_by_country.items():
                if country.casefold() in written or country.startswith(place):  # "United States of America"
                    found.by_country |= set(bodies)
        return found

    def _authors_spelled(self, spellings: tuple[str, ...]) -> set[str]:
        """The stored organisations whose names hold one of these English spellings as whole words (an
        all-capital short form in its case: "WHO" is not "who")."""
        found = set()
        for spelling in spellings:
            pattern = re.compile(rf"(?<!\w){re.escape(spelling)}(?!\w)",
                                 0 if spelling.isupper() or any(c.isdigit() for c in spelling) else re.IGNORECASE)
            found |= {a for a in self.authors if pattern.search(a)}
        return found

    def _candidates(self, question: str, q_words: set[str], q_acronyms: set[str], places: set[str]) -> set[str]:
        """The names ``_names_match`` can say yes to, each of its tests looked up instead of run: an acronym
        the question uses (or a lower-case one, searched), a rare word of the name among the question's
        words, a Chinese run of the name (few names have one), a 《title》 (then every name), a place."""
        index = self._name_index
        if any(len(t) >= 3 for t in re.findall(r"《([^》]+)》", question)):
            return set(index.names)
        found = set(index.lower_acronyms) | set(index.han)
        for acronym in q_acronyms | set(_WORD.findall(CJK_RUN.sub(" ", question))):  # "(DeepMind)": "DeepMind"
            found |= index.by_acronym.get(acronym, set())
        for word in q_words:
            found |= index.by_rare.get(word, set())
        for place in places:
            found |= self._by_place(place)
        return found

    @cached_property
    def _name_index(self) -> _NameIndex:
        index = _NameIndex(names=list(dict.fromkeys([*self.authors, *self.documents])))
        rare = self.author_words
        for name in index.names:
            for acronym in _name_acronyms(name):
                index.by_acronym.setdefault(acronym, set()).add(name)
                if acronym.islower():
                    index.lower_acronyms.add(name)
            for word in _words(name) & rare:
                index.by_rare.setdefault(word, set()).add(name)
            if any(len(run) >= 3 for run in HAN_RUN.findall(name)):
                index.han.add(name)
        for name in self.authors:  # organisations only: many document names are generic ("AI Principles")
            if (full := full_name(name)) is not None:
                index.by_full.setdefault(full, set()).add(name)
                # a company written without its legal form, when that leaves a name of six letters or more
                # ("microsoft", "vodafone"; not "ibm", "sage")
                if len(short := without_legal_form(full)) >= 6 and short != full:
                    index.by_full.setdefault(short, set()).add(name)
        return index

    def _by_place(self, place: str) -> set[str]:
        """Names holding a spelling of ``place`` (as ``_names_match`` tests it), worked out once per place."""
        index = self._name_index
        if place not in index.by_place:
            spellings = [s for s in place_name_spellings(place) if not has_cjk(s)]
            patterns = [re.compile(rf"(?<![\w]){re.escape(s.casefold())}(?![\w])") for s in spellings]
            index.by_place[place] = {n for n in index.names if any(p.search(n.casefold()) for p in patterns)}
        return index.by_place[place]

    @cached_property
    def rare_words(self) -> set[str]:
        """Name words that single out a few organisations or documents (once per catalog, not per question)."""
        df: Counter[str] = Counter()
        for name in list(self.authors) + list(self.documents):
            df.update(_words(name))
        return {w for w, n in df.items()
                if n <= 3 and w not in GENERIC_NAME_WORDS and w not in STOPWORDS and len(w) > 2}

    @cached_property
    def author_words(self) -> set[str]:
        """The rare words plus the stored organisations' family names (``_family_words``), which name
        organisations, not documents; united once per catalog, not per question."""
        return self.rare_words | _family_words(self.authors)


def _family_words(authors: Iterable[str]) -> set[str]:
    """Words that begin two or more organisations' names followed only by generic words or short forms: the
    company's name, "Google" of "Google LLC" and "Google AI".  Too frequent among the stored names to be rare,
    such a word still names that family of bodies outright ("What did Google publish in 2025?")."""
    family: Counter[str] = Counter()
    for author in authors:
        words = _WORD.findall(re.sub(r"\([^()]*\)", " ", author))
        rest = words[1:]
        if words and all(w.lower() in GENERIC_NAME_WORDS or (w.isupper() and len(w) <= 5) for w in rest):
            family[words[0].lower()] += 1
    return {w for w, n in family.items() if n >= 2 and len(w) > 2 and w not in GENERIC_NAME_WORDS
            and w not in STOPWORDS and not place_mentions(w.capitalize())}


@dataclass
class _NameIndex:
    """The stored names by what ``_names_match`` looks for in them (built once per catalog)."""

    names: list[str]
    by_acronym: dict[str, set[str]] = field(default_factory=dict)
    lower_acronyms: set[str] = field(default_factory=set)  # names with a lower-case short form ("vzbv")
    by_rare: dict[str, set[str]] = field(default_factory=dict)
    han: set[str] = field(default_factory=set)  # names with a Chinese run of 3+ characters
    by_full: dict[str, set[str]] = field(default_factory=dict)  # organisations by their ``full_name``
    by_place: dict[str, set[str]] = field(default_factory=dict)  # filled per place as questions name them


def _proper_words(question: str, first_too: bool = False) -> set[str]:
    """Capitalised words that are not the first word of a sentence: the names (``first_too``: also the first,
    for the Latin words of a Chinese question, where a capital says it is a name wherever it stands)."""
    words: set[str] = set()
    for sentence in re.split(r"[.?!;:]\s+|\n", question):
        for word in _WORD.findall(sentence)[0 if first_too else 1:]:
            if word[0].isupper():
                words.add(word.lower())
    return words


def _drop_inner_names(found: Mentions, question: str) -> None:
    """A written-out name inside a longer one the question also writes out is part of that one: "the European
    Commission for the Efficiency of Justice" names that body, not also the "European Commission (EC)"."""
    fulls = {n: f for n in found.authors if (f := full_name(n)) is not None and f in question}
    found.authors -= {n for n, f in fulls.items() if any(f != g and f in g for g in fulls.values())}


def full_name(name: str) -> str | None:
    """A name without its bracketed short forms, case-folded, when two words or more are left: "European
    Commission (EC)" -> "european commission".  A question that writes it out names that body, although neither
    its short form nor a word rare among the stored names ("european", "commission") is in the question."""
    full = " ".join(re.sub(r"\([^()]*\)", " ", name).split()).casefold()
    return full if len(full.split()) >= 2 and not has_cjk(full) else None


# a company's legal form at the end of its stored name, which people leave out ("microsoft" for "Microsoft
# Corporation", "vodafone" for "Vodafone Group plc")
_LEGAL_FORM = re.compile(r"(?:,?\s+(?:corporation|corp\.?|inc\.?|incorporated|llc|ltd\.?|limited|plc|s\.a\.?|ag|gmbh"
                         r"|co\.,?|company|group|n\.v\.|a/s|ab|oyj|asa))+$")


def without_legal_form(full: str) -> str:
    """A ``full_name`` without the company's legal form at its end: "microsoft corporation" -> "microsoft"."""
    return _LEGAL_FORM.sub("", full)


def _name_acronyms(name: str) -> set[str]:
    """"OECD" in "... (OECD)", and lower-case short forms in brackets such as "(vzbv)"."""
    found = set(_ACRONYM.findall(name))
    for inner in re.findall(r"\(([^()]{2,15})\)", name):
        if " " not in inner.strip():
            found.add(inner.strip())
    return found - GENERIC_ACRONYMS


def _names_match(
    name: str, question: str, q_words: set[str], q_acronyms: set[str], places: set[str], rare: set[str]
) -> Literal["name", "place", None]:
    """How the question names ``name``: outright ("name"), only through a place
    it mentions ("place"), or not at all (None)."""
    for acronym in _name_acronyms(name):
        # a short form not all in capitals ("vzbv", "DeepMind") is looked for as a whole word, in its case
        if acronym in q_acronyms or (not acronym.isupper()
                                     and re.search(rf"(?<!\w){re.escape(acronym)}(?!\w)", CJK_RUN.sub(" ", question))):
            return "name"
    own_rare = _words(name) & rare
    if own_rare and len(own_rare & q_words) >= min(2, len(own_rare)):
        return "name"
    if any(run in question for run in HAN_RUN.findall(name) if len(run) >= 3):
        return "name"
    for title in re.findall(r"《([^》]+)》", question):
        if len(title) >= 3 and title in name:
            return "name"
    low = name.casefold()
    for place in places:
        for spelling in place_name_spellings(place):
            if has_cjk(spelling):
                continue
            if spelling.isupper():  # a short form in capitals only in its case: "UN", not the Spanish "un"
                if re.search(rf"(?<!\w){re.escape(spelling)}(?!\w)", name):
                    return "place"
                continue
            folded = spelling.casefold()
            if folded in low and re.search(rf"(?<![\w]){re.escape(folded)}(?![\w])", low):
                return "place"
    return None
