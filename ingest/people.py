"""People versus organisations: a byline's names, and whether a name is an institution.

A paper's byline ("Yichen He∗1 Guanhua Huang∗1 Peiyuan Feng1") lists people;
a policy document's "author" is usually an institution.  Charter cites the
organisation in ``author`` and the people in ``authors``, so the two must not be
mixed up: a person presented as "what 1 organisation says" misleads the reader.
"""

from __future__ import annotations

import re

# words that make a name an institution, not a person (English; CJK names of institutions end in these)
ORGANISATION_WORDS = frozenset("""
    office ministry government institute institution university council commission inc ltd llc corp
    corporation company association committee agency group lab labs laboratory foundation department
    centre center society academy board authority partnership organisation organization federation
    union forum network alliance consortium bureau parliament congress assembly administration
    secretariat school college research team project initiative unesco oecd nations org
""".split())
_CJK_ORG_ENDINGS = ("部", "局", "院", "会", "委员会", "办公室", "中心", "大学", "研究所", "公司", "联盟", "协会")
# markers between names in bylines: footnote symbols, affiliation digits, separators
_SEPARATORS = re.compile(r"\s*(?:[∗*†‡§¶♠♣♥♦⋆]+\d*|\d+(?:,\d+)*|,|;|\band\b|&|·)\s*")
_NAME_TOKEN = re.compile(r"^(?:[A-Z][a-zA-Z'’.\-]*|[a-z]{1,3}|[A-Z]\.)$")


def looks_like_organisation(name: str) -> bool:
    """True when ``name`` carries an institution word (or a CJK institution ending)."""
    words = {w.casefold() for w in re.findall(r"[A-Za-z]+", name)}
    if words & ORGANISATION_WORDS:
        return True
    stripped = name.strip()
    return bool(stripped) and stripped.endswith(_CJK_ORG_ENDINGS)


def split_people(text: str) -> list[str]:
    """The personal names in a byline or an author field; organisations and noise left out.

    A name is two to five capitalised words ("Weinan E", "Anna van der Berg");
    names are cut at commas, "and", semicolons and footnote or affiliation marks."""
    names: list[str] = []
    for part in _SEPARATORS.split(text):
        words = part.split()
        if not 2 <= len(words) <= 5 or not all(_NAME_TOKEN.match(w) for w in words):
            continue
        if not words[0][:1].isupper() or looks_like_organisation(part):
            continue
        name = " ".join(words)
        if name not in names:
            names.append(name)
    return names
