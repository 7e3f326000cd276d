"""Names a question uses that no stored text mentions at all.

The title checks (``coverage.py``) find a text the question names when it is
written like a title.  People more often name what they ask about in passing:
"the executive order President Biden signed", "the BRICS leaders' statement",
"the system card released with gpt-4", "the IMF's estimate".  Each of these
uses a name (a capitalised word inside a sentence, an acronym, a word with
digits) that no stored passage, organisation or document name contains
anywhere.  Then the store cannot hold the text asked about, however close the
topic of its nearest statements: a passage on labour markets is no answer to
what the IMF said about them.  The answer says so ("The stored texts never
mention BRICS") and shows the nearest statements under that label.

What is not taken for such a name:

- a capitalised word that opens a sentence, and every capitalised word of a
  question written in title case ("What Does The OECD Say About Hiring"),
  unless it is an acronym or carries digits;
- months, days, question words, ordinals and decades ("1990s", "2nd");
- a word alone in brackets: an abbreviation beside the name it shortens
  ("二十国集团妇女会议（W20）") says nothing the name does not;
- a word close in spelling to a word of a stored name (a typo of "Asilomar");
- a spelling of a place the corpus spells otherwise ("Japanese" where the
  store says "Japan": ``aliases.PLACES``);
- a word that translates a Chinese word of a stored name: "the Venice
  statement" names "IDAIS 威尼斯", which no lexical rule can see (the
  cross-lingual second view tells it, ``names.ChineseNameWords``).

A Chinese question names bodies and countries in Chinese: a name of
``aliases.BODIES`` (国家互联网信息办公室) or a country's Chinese name (赞比亚, from
pycountry's translations) counts as unmentioned when neither it nor any of its
English spellings ("Cyberspace Administration of China", "CAC"; "Zambia") is
stored.  A foreign person's name written in Chinese (杰弗里·辛顿) is mentioned
only when a stored text writes it so; so is a person's name without an
interpunct (李开复) when the question asks what that person said or wrote
(``aliases.chinese_person_names``).

The corpus text's word list (``corpus_text.py``) answers "never mentioned"
without a scan, so the check costs microseconds a question at any store size.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection

from assistant.retrieval.aliases import (
    PLACES,
    body_mentions,
    chinese_person_names,
    country_mentions,
    transliterated_names,
)
from assistant.retrieval.corpus_text import CorpusText
from assistant.retrieval.coverage import has_phrase
from assistant.retrieval.lexical import STOPWORDS
from core.text import fold_for_names as fold

__all__ = ["lower_case_persons", "name_words", "unmentioned"]

Text = str | CorpusText

# a Latin word, with inner hyphens, dots and apostrophes ("gpt-4", "U.S.", "Secretary-General")
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:[-.’'][A-Za-z0-9\u00c0-\u024f]+)*")  # Latin, accents too
_POSSESSIVE = re.compile(r"[’']s?$")
_CONTRACTION = re.compile(r"[’'](?:d|ll|ve|re|m)$", re.IGNORECASE)  # "I'd", "We'll": the pronoun is no name
# what may stand between the start of a sentence and its first word
_SENTENCE_START = re.compile(r"(?:^|[.?!:;\n。？！：；]|\s[-–—])[\s\"“‘'(\[*_]*$")
_NOT_NAMES = frozenset(
    """january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday i ai ok""".split()
)
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th|s)$", re.I)
_ROMAN = re.compile(r"[IVXLC]+$")
# a question in title case: this share of all its words capitalised, short ones too (a question naming a long
# title has many capitalised words, but its own words, "what are the main ... in the", stay lower case)
_TITLE_CASE_SHARE = 0.75
_TITLE_CASE_WORDS = 4
# every spelling of a place -> its Latin spellings ("japanese" -> "japan", "japanese")
_PLACE_SPELLINGS = {fold(spelling): [fold(s) for s in (canonical, *others) if s.isascii()]
                    for canonical, others in PLACES.items() for spelling in (canonical, *others)}
# how close a word must be to a stored name's word to be taken for a typo of it (difflib's ratio)
_TYPO_RATIO = 0.84
_IN_CAPITALS = re.compile(r"[A-Z][A-Z0-9&]*[A-Z0-9]")  # "RAND", "G20"; not "GPT-4" nor "U.S."


def _glossed(question: str, start: int, end: int) -> bool:
    """Is the word alone in brackets, an abbreviation beside the name it shortens ("（W20）", "(GPAI)")?"""
    return bool(re.search(r"[(（\[]\s*$", question[:start])) and bool(re.match(r"\s*[)）\]]", question[end:]))


def name_words(question: str) -> list[str]:
    """The words of ``question`` written as names: acronyms ("BRICS"), words with digits ("gpt-4", "W20") and
    capitalised words inside a sentence ("Biden"); possessives trimmed, each once, in order."""
    words = list(_WORD.finditer(question))
    latin = [m.group() for m in words if m.group()[0].isalpha()]
    title_case = (len(latin) >= _TITLE_CASE_WORDS
                  and sum(w[0].isupper() for w in latin) >= _TITLE_CASE_SHARE * len(latin))
    found: list[str] = []
    for m in words:
        word = _CONTRACTION.sub("", _POSSESSIVE.sub("", m.group()))
        letters = "".join(ch for ch in word if ch.isalpha())
        if not letters or word.lower() in _NOT_NAMES or _ORDINAL.match(word) or _glossed(question, m.start(), m.end()):
            continue
        has_digit = any(ch.isdigit() for ch in word)
        acronym = len(letters) >= 2 and letters.isupper() and not _ROMAN.fullmatch(letters)
        capitalised = word[0].isupper() and not title_case and not _SENTENCE_START.search(question[:m.start()])
        if (has_digit or acronym or capitalised) and word not in found:
            found.append(word)
    return found


# a person's work and whose it is, in lower case: "the 2023 essay by yoshua bengio", "a speech given by ..."
_WORK_BY = re.compile(r"(?<![\w-])(?:essay|book|memoir|speech|testimony|remarks|interview|op-ed|lecture|keynote|talk"
                      r"|blog post|podcast)s?\s+(?:(?:given|delivered|written|published)\s+)?by\s+"
                      r"([a-z][\w\-’']*(?:\s+[a-z][\w\-’']*){1,2})")


def lower_case_persons(question: str) -> list[str]:
    """Persons named in lower case as the author of a speech, an essay, a book ("the essay by yoshua bengio"):
    two or three words after "… by", up to the first common word.  Capitals mark such a name elsewhere
    (``name_words``); here only the work before it does, so a body ("a report by the oecd") is not taken."""
    found = []
    for m in _WORK_BY.finditer(question):
        words = []
        for word in m.group(1).split():
            if word in STOPWORDS:
                break
            words.append(_POSSESSIVE.sub("", word))
        if len(words) >= 2:
            found.append(" ".join(words))
    return found


def _spellings(word: str) -> list[str]:
    """The folded ways a stored text may write ``word``: whole, hyphens as spaces or dropped, and for a
    capitalised word with a lower-case suffix ("Vatican-backed", "EU-funded") its name part alone."""
    folded = fold(word).strip(".")
    out = [folded]
    if "-" in folded:
        out += [folded.replace("-", " "), folded.replace("-", "")]
        head, _, tail = word.partition("-")
        if tail[:1].islower():
            out.append(fold(head))
    if "." in folded:
        out.append(folded.replace(".", ""))
    return out


def _mentioned(word: str, corpus_text: Text, capitals: Collection[str] | None = None) -> bool:
    """Any spelling of the word in the corpus; for a place, any spelling of the place ("Japanese": "Japan").  A
    word in capitals ("RAND") only as a stored text writes it in capitals, when ``capitals`` lists those: the
    corpus text is case-folded, and "a wide rand of cultures" does not mention RAND."""
    places = _PLACE_SPELLINGS.get(fold(word), [])
    if capitals is not None and _IN_CAPITALS.fullmatch(word):
        return word in capitals or any(has_phrase(s, corpus_text) for s in places if len(s) > 3)  # not "us"
    return any(has_phrase(spelling, corpus_text) for spelling in _spellings(word) + places)


def unmentioned(question: str, corpus_text: Text, stored_name_words: Collection[str],
                translated: Callable[[str], bool] | None = None,
                capitals: Collection[str] | None = None) -> list[str]:
    """The name words of ``question`` (``name_words``) that the stored names and texts never contain.

    ``corpus_text``: every stored name and text, folded (``core.text.fold_for_names``);
    ``stored_name_words``: the folded words of the stored organisation and document names, for typos;
    ``translated``: is a word the translation of a Chinese word of a stored name (asked only of a word the
    names and texts lack); ``capitals``: the words in capitals the stored texts and names write so (None: the
    case-folded corpus text decides for them too)."""
    found = []
    for word in name_words(question):
        if _mentioned(word, corpus_text, capitals):
            continue
        folded = fold(word)
        if len(folded) >= 5 and difflib.get_close_matches(folded, stored_name_words, n=1, cutoff=_TYPO_RATIO):
            continue
        if translated is not None and translated(word):
            continue
        found.append(word)
    # a body or a country named in Chinese (aliases.BODIES, aliases.countries_in_chinese) that neither its Chinese
    # nor any English spelling of it is stored as; a country inside a body's name is the body's ("新加坡金融管理局")
    bodies = body_mentions(question)
    countries = {name: spellings for name, spellings in country_mentions(question).items()
                 if not any(name in body for body in bodies)}
    for name, spellings in (bodies | countries).items():
        if fold(name) not in corpus_text and not any(_mentioned(s, corpus_text) for s in spellings):
            found.append(f"{name} ({spellings[-1]})")
    # a foreign person's name written in Chinese (杰弗里·辛顿): no English spelling can be derived, so it is
    # mentioned only when a stored text writes it so
    for name in transliterated_names(question):
        if fold(name) not in corpus_text and fold(name.replace("·", "")) not in corpus_text:
            found.append(name)
    # a person named in lower case as a work's author ("the essay by yoshua bengio"): when no word of the name is
    # ever mentioned
    for name in lower_case_persons(question):
        if not any(_mentioned(word, corpus_text) for word in name.split()):
            found.append(name)
    # a person named in Chinese without an interpunct, asked what they said or wrote (李开复在《…》里): the same
    for name in chinese_person_names(question):
        if (fold(name) not in corpus_text and not any(name in other for other in found)
                and not _glossed_as_stored(question, name, corpus_text)):
            found.append(name)
    return found


def _glossed_as_stored(question: str, name: str, corpus_text: Text) -> bool:
    """Is the Chinese ``name`` glossed in brackets by a Latin spelling the stored texts use (毛利人（te ao
    Māori）, 辛顿（Hinton）)?  The gloss says who or what it is in the texts' own language."""
    gloss = re.search(rf"{re.escape(name)}\s*[（(]\s*([^）)]+)[）)]", question)
    return gloss is not None and has_phrase(fold(gloss.group(1).strip()), corpus_text)
