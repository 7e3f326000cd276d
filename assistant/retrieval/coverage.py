"""Does the corpus hold the texts a question names?

Dense similarity alone cannot tell "about a topic the corpus discusses" from
"about a specific text the corpus lacks": a question on fines under an act that
is not in the store still lands close to statements on regulation.  So what a
question names is extracted and looked up in what the store holds:

- a capitalised title ending in a word that names a text or an event ("AI
  Basic Act", "Frontier Safety Framework", "AI Index Report");
- a title in quotation marks ("'Proceed with Caution'"), and a capitalised name
  before a lower-case kind of text ("the AI Verify toolkit");
- a code of a bill, order or standard ("SB 1047", "NIST AI 600-1", "Bill C-27");
- a Chinese 《title》 (the way Chinese writes every title of a law or document);
- a text described as an organisation's ("DeepMind's 2024 paper on evaluating
  frontier models", "the WHO's regulatory considerations"): held only when a
  word that says which of its texts stands in a stored name of that
  organisation (``owned_texts``), so a later or other text of a stored body is
  not taken for the one the corpus holds.

A Latin title is held when one stored name (organisation + document) holds all
its distinctive words, places aside ("EU High-Level Expert Group Ethics
Guidelines" names the HLEG's guidelines, whose stored name lacks "EU"), or when
the whole title stands in a stored text.  Unlike a looser rule that accepted
the title's last two words anywhere in the corpus, this keeps "Frontier Safety
Framework" absent although "safety framework" occurs in some statement.

A Chinese title is held when it stands in a stored name or text, when jieba's
distinctive words of it all stand in one stored name, or, for the Chinese name
of a stored English document (《阿西洛马人工智能原则》 = "Asilomar AI
Principles"), when the cross-lingual embedding of the title singles out one
stored name (``names.py``; a law's title only a law's name).  A title of
generic words only names no text in particular, unless it is a law's
(《人工智能法》).

A year no statement of the named body carries is ``Catalog.absent_years``'s to
judge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from assistant.retrieval.aliases import PLACES
from assistant.retrieval.catalog import GENERIC_NAME_WORDS, full_name, without_legal_form
from assistant.retrieval.corpus_text import CorpusText, is_word_char
from assistant.retrieval.lexical import STOPWORDS
from assistant.retrieval.names import is_law_title
from core.text import fold_for_names as fold
from core.text import has_cjk

__all__ = ["Named", "OwnedText", "check_titles", "fold", "has_phrase", "missing_titles", "named_codes", "named_names",
           "named_quoted", "named_titles", "named_zh_titles", "owned_texts", "unknown_bodies", "unknown_names"]

Text = str | CorpusText  # the stored names and texts (``corpus_text.py``), or a plain string in tests

# the last word of a title that names a text or an event
TITLE_HEADS = (
    "Act", "Acts", "Law", "Laws", "Bill", "Regulation", "Regulations", "Directive", "Declaration", "Convention",
    "Treaty", "Summit", "Accord", "Pact", "Order", "Charter", "Agreement", "Protocol", "Resolution", "Code",
    "Framework", "Strategy", "Plan", "Principles", "Guidelines", "Recommendation", "Statement", "Initiative",
    "Compact", "Process", "Commitments", "Blueprint", "Roadmap", "Measures", "Provisions", "Rules",
    "Report", "Standard", "Guidance", "Guide", "Profile", "Pledge", "Manifesto", "Letter", "Paper", "Norms",
    "Policy", "Call", "Index", "Vision", "Oath", "Tenets", "Opinion", "Study",
)
# the last word of the name of a body (an organisation, a programme of several members)
BODY_HEADS = frozenset(
    "Institute Institution Partnership Forum Foundation Commission Council Agency Office Ministry University "
    "Association Society Centre Center Alliance Group Lab Labs Laboratory Board Committee Authority Parliament "
    "Assembly Network Coalition Consortium Organisation Organization Union Academy Observatory Body Panel Bureau "
    "Department Secretariat Court".split()
)
_CAP_WORD = re.compile(r"^(?:[A-Z][\w\-’'.&/]*|AI|[A-Z]{2,}[\w-]*)$")
# joins inside one name ("Code of Practice on Disinformation"); "and" is left out: it mostly joins two names
_JOINS = frozenset({"of", "on", "for", "the", "de", "du", "in", "la", "des", "&"})
# capitalised words that are no part of a name: a date ends it ("the Paris AI Action Summit in February 2025")
_NOT_NAMES = frozenset(
    "January February March April May June July August September October November December Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday I".split()
)

_QUESTION_WORDS = frozenset(
    "Did Does Do Is Are Was Were What Which Who Whom Whose How Why When Where Can Could Should Would Will Has Have "
    "Had Under According In On For From Compare Contrast Describe Explain List Tell Show Give "
    "Summarise Summarize".split()
)
_CONNECTORS = frozenset({"the", "of", "on", "for", "and", "de", "du", "in", "to"})
# words that say nothing about which text is meant: "Artificial Intelligence" titles are all about AI
_GENERIC = _CONNECTORS | {"ai", "artificial", "intelligence", "a", "an"}
_HEADS = frozenset(h.lower() for h in TITLE_HEADS)
# place spellings: a stored name often omits the country its body belongs to
_PLACE_WORDS = frozenset(fold(w) for canonical, others in PLACES.items() for s in (canonical, *others)
                         for w in s.split())
# a place word -> the word and every Latin spelling of the places it is part of ("eu": "european union", "europe")
_PLACE_WORD_SPELLINGS = {word: {word} | {fold(s) for c, o in PLACES.items() for s in (c, *o) if s.isascii()
                                         and word in fold(" ".join((c, *o))).split()}
                         for word in _PLACE_WORDS}
# a bill, order or standard by its code: "SB 1047", "EO 14110", "ISO 42001", "NIST AI 600-1", "Bill C-27",
# "PL 2338/2023" (not a year alone: "GDPR 2016"; not "COVID-19", whose letters are a word)
_CODE = re.compile(
    r"(?<![\w-])((?:[A-Z]{2,5}/)?[A-Z]{1,5})[ -]?((?!(?:19|20)\d\d(?![\d-]))\d{2,5}(?:[-/]\d{1,4})?)(?![\w-])"
)
_CODE_WORDS = frozenset({"COVID", "G", "Q", "V", "WW", "MP", "GPT", "CO", "H"})
# a code written in lower case ("sb 24-205", "nist ai 600-1"): a number in parts, or a bill's or an order's prefix
_LOWER_CODE = re.compile(
    r"(?<![\w-])(?:([a-z]{2,5})[ -]?((?!(?:19|20)\d\d[-/](?:19|20)?\d\d(?![\d-]))\d{1,5}[-/]\d{1,4})"
    r"|(sb|hb|ab|hr|eo)[ -]?((?!(?:19|20)\d\d(?![\d-]))\d{2,5}))(?![\w-])"
)
# a kind of text and its number, in any case: "directive 3000.09", "Executive Order 14110", "resolution 78/265"
# (not a year alone: "the Online Safety Act 2023")
_NUMBERED_KINDS = frozenset("directive order resolution bill act law regulation decree decision standard".split())
_NUMBERED = re.compile(
    rf"(?<![\w-])({'|'.join(sorted(_NUMBERED_KINDS))})\s+(?:no\.?\s*)?"
    r"((?!(?:19|20)\d\d(?![\d./-]))\d{2,5}(?:[./-]\d{1,4})*)(?![\w-])", re.IGNORECASE)
ZH_TITLE = re.compile(r"《([^》]{2,40})》")
# a title in quotation marks: opens on a capital, not an apostrophe inside a word ("Lords' report" opens none)
_QUOTED = re.compile(r"(?<!\w)['‘\"“]([A-Z][^'’\"”‘“]{4,120}?)['’\"”](?!\w)")
# a name in the possessive: "the Partnership on AI's", "DeepMind's", "the House of Lords'"
_POSSESSIVE = re.compile(r"((?:[A-Z][\w&.\-]*\s+(?:(?:of|on|for|the)\s+)*)*[A-Z][\w&.\-]*)(?:[’']s\b|(?<=s)[’'](?!\w))")
# lower-case words that name a kind of text ("Microsoft's guidelines for chatbot developers", "the WHO's
# regulatory considerations"), and words that end what describes it ("... say", "... require")
DOC_WORDS = frozenset(h.lower() for h in TITLE_HEADS) | frozenset(
    """methodology toolkit toolbox update updates considerations playbook whitepaper consensus assessment card
    guidebook handbook review revision edition version system-card evaluation evaluations paper papers
    reports documents document statements""".split()
)
_DESCRIBED = re.compile(r"((?:[A-Z][\w\-]*\s+)+)(" + "|".join(sorted(DOC_WORDS, key=len, reverse=True))
                       + r")\b")
_DESCRIPTION_ENDS = frozenset(
    """say says said ask asks asked require requires required recommend recommends recommended define defines
    defined describe describes described propose proposes proposed set sets list lists mean means call calls
    called state states stated test tests tested grade graded warn warns warned include includes included
    conclude concludes concluded suggest suggests suggested contain contains demand demands and or but when
    which who that whether how what why where is are was were do does did""".split()
)


@dataclass(frozen=True)
class Named:
    """A text the question names, and how: a Latin ``title``, a ``code`` or a Chinese ``zh`` title."""

    text: str
    kind: str


def _spans(question: str) -> list[list[str]]:
    """Runs of capitalised words, joined by "of", "on", "for"...: the proper names a question uses."""
    cleaned = re.sub(r"[’']s\b", "", question)
    spans: list[list[str]] = []
    for sentence in re.split(r"[.?!;:,()\"“”‘’]\s*|\s+[-–—]\s+|\n", cleaned):
        run: list[str] = []
        for word in sentence.split():
            if _CAP_WORD.match(word) and word not in _NOT_NAMES and not (not run and word in _QUESTION_WORDS):
                run.append(word)
            elif run and word.lower() in _JOINS and (run[-1].lower() not in _JOINS
                                                     or (word.lower() == "the" and run[-1] != "the")):
                # one join, or a join and "the": "Recommendation on the Ethics of Neurotechnology"
                run.append(word.lower())
            else:
                spans.append(run)
                run = []
        spans.append(run)
    out = []
    for run in spans:
        while run and run[-1] in _JOINS:
            run = run[:-1]
        while run and (run[0] in _QUESTION_WORDS or run[0].lower() in _JOINS):
            run = run[1:]
        if len(run) >= 2:
            out.append(run)
    return out


def named_titles(question: str) -> list[str]:
    """Capitalised names holding a word that names a text or event ("Paris AI Action Summit", "AI Basic Act",
    "Code of Practice on Disinformation")."""
    return [" ".join(run) for run in _spans(question) if any(w in TITLE_HEADS for w in run)]


_HEAD_WORD = re.compile(r"\b(?:" + "|".join(TITLE_HEADS) + r")\b")
CITED_TITLES = 500  # the most cited titles kept: each is embedded once per store, on the first question needing them


def cited_titles(texts: Iterable[str]) -> list[str]:
    """The titles the stored texts themselves cite ("General Data Protection Regulation", "Universal
    Declaration of Human Rights"), most cited first: a Chinese question asking how stored principles cite
    《世界人权宣言》 asks about something they hold (``asks_about_citing``), as the English title is found in
    the texts word for word.  Names of two words or more, not "This Declaration"."""
    counts: dict[str, int] = {}
    for text in texts:
        if _HEAD_WORD.search(text):
            for title in set(named_titles(text)):
                words = title.split()
                # a sentence's first word glued on: "As the Universal …", "Respect the Universal …"
                while words and (words[0].lower() in STOPWORDS or (len(words) > 1 and words[1] == "the")):
                    words = words[1:]
                if len(words) >= 2 and words[0] not in ("This", "These", "Our"):
                    counts[" ".join(words)] = counts.get(" ".join(words), 0) + 1
    return sorted(counts, key=lambda t: (-counts[t], t))[:CITED_TITLES]


# a question on how texts cite, follow or mention another text: 如何引用《世界人权宣言》, 提到了《通用数据保护条例》
_CITING = re.compile("|".join("""提到 提及 引用 援引 援用 参照 参考 谈到 说到 涉及 呼应
                               遵守 遵循 符合 对照 依据 根据 一致 相符 衔接 接轨""".split()))


def asks_about_citing(question: str) -> bool:
    """Does a Chinese question ask how stored texts cite, follow or mention the text it names?"""
    return bool(_CITING.search(question))


def years_beside(question: str, title: str) -> set[int]:
    """Years written right before or after a 《title》 (1988年《隐私法》, 《…》（2019年）): the title's own year."""
    t = re.escape(title)
    found = re.findall(rf"((?:19|20)\d\d)\s*年?\s*(?:版|发布的|通过的|颁布的|的)?\s*《{t}》", question)
    found += re.findall(rf"《{t}》\s*[（(]?\s*((?:19|20)\d\d)", question)
    return {int(y) for y in found}


# a law's or an event's name in a question written in lower case ("under the colorado ai act", "nyc local law 144",
# "the seoul summit", "bengio's testimony"): up to four words before the word naming a law, an accord, a report or a
# speech, those after the last stop word, pronoun or verb of ``_LOWER_SKIP``
_LOWER_LAW = re.compile(r"(?<![\w\-])((?:[a-z][a-z0-9\-]*\s+){1,4})"
                        r"(act|bill|law|summit|declaration|convention|treaty|accord|pact|communique|conference|report"
                        r"|study|essay|speech|testimony|book)(?![\w\-])(?!\s+(?:as|like|upon)\b)")  # "act as": a verb
_LOWER_SKIP = frozenset("what which whose how why when where who does do did is are was were under in on of for by "
                        "to from with about into per the a an this that these those its their any every each some "
                        "no and or must should obey follow they we it you he she our your his her them us".split())


def named_lower_laws(question: str) -> list[str]:
    """Names of laws, accords, reports and speeches in a question written in lower case, where capitals cannot mark
    a name: the words before "act", "bill", "law", "summit", "declaration", "report", "speech", "testimony" and the
    like after the last stop word, when one of them is not generic ("colorado ai act", "data protection law",
    "seoul summit", "bengio testimony"; not "the ai act", "a law").  Only for a
    question with at most its first word capitalised (acronyms aside); ``check_titles`` says which of them the
    store lacks."""
    words = re.findall(r"[A-Za-z][\w\-’']*", question)
    if sum(1 for w in words[1:] if w[0].isupper() and not w.isupper()) > 0:
        return []
    found = []
    for m in _LOWER_LAW.finditer(re.sub(r"[’']s\b", "", question.lower())):  # "bengio's testimony"
        before = m.group(1).split()
        after_stop = [i for i, w in enumerate(before) if w in _LOWER_SKIP]
        before = before[after_stop[-1] + 1:] if after_stop else before
        if any(w not in _GENERIC for w in before):
            found.append(" ".join([*before, m.group(2)]))
    return found


def _used(word: str, corpus_text: Text) -> bool:
    """Does the corpus use the word, or another form of it ("reporting": "report", "regulating": "regulate")?"""
    forms = {word}
    for suffix in ("ing", "ed", "es", "s", "ers", "er"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            forms |= {word[:-len(suffix)], word[:-len(suffix)] + "e"}
    return any(has_phrase(form, corpus_text) for form in forms)


def named_names(question: str) -> list[str]:
    """Capitalised names of two words or more without such a word: organisations, places, programmes."""
    return [" ".join(run) for run in _spans(question) if not any(w in TITLE_HEADS for w in run)]


def named_codes(question: str) -> list[str]:
    """Codes of bills, orders and standards, such as "SB 1047", and numbered texts ("directive 3000.09")."""
    found = []
    for m in _CODE.finditer(question):
        letters, number = m.group(1), m.group(2)
        # one letter is a code only when a hyphen joins it to its number ("C-27", not "Article 5 of G 20")
        if letters in _CODE_WORDS or (len(letters) == 1 and "-" not in m.group(0)):
            continue
        found.append(f"{letters} {number}")
    for m in _LOWER_CODE.finditer(question):
        letters, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if letters.upper() not in _CODE_WORDS and not any(number in code for code in found):
            found.append(f"{letters.upper()} {number}")
    found += [f"{m.group(1)} {m.group(2)}" for m in _NUMBERED.finditer(question)
              if not any(m.group(2) in code for code in found)]
    return found


def named_zh_titles(question: str) -> list[str]:
    """Chinese 《titles》, and names of laws written without them (``named_zh_laws``)."""
    return [t.strip() for t in ZH_TITLE.findall(question) if t.strip()] + named_zh_laws(question)


# where a law's name written without 《》 starts or ends: particles, prepositions, punctuation, dates; 是 but
# not in 是否 / 是不是 (asking words)
_ZH_NAME_CUT = re.compile(
    r"[的了在对和与及里中把被将就从向为由等，、。？！?!：:；;（）()“”\"'‘’\s]|是(?!否|不是)|\d+年|\d+月"
)
# the ends of a law's name; 规定 alone is as often the verb ("对…规定了哪些义务")
_ZH_LAW_ENDS = r"(?:条例|办法|法案|法规|管理规定|若干规定|暂行规定|实施规定|治理规定)"
_ZH_LAW_NAME_END = re.compile(_ZH_LAW_ENDS + "$")
_ZH_LAW_NAME_START = re.compile(rf"^(.{{6,}}?{_ZH_LAW_ENDS})")  # the name first, then what is asked of it
_ZH_ASKING = re.compile(r"什么|哪些|怎么|如何|是否|是不是|有没有")
# words after which a law's name starts: what a question asks one to do about a law ("数据处理需要符合国际法吗",
# "必须遵守…"), never a word of its name
_ZH_OBLIGATION = frozenset("要 需要 必须 应 应当 应该 须 符合 遵守 遵循 依照 按照 依据 违反 适用".split())


def named_zh_laws(question: str) -> list[str]:
    """Names of laws a Chinese question writes without 《》 ("深度合成管理规定里…", "…出台的人脸识别技术应用安全管理
    办法，", "国家人工智能倡议法设立了…"): a run of eight or more characters between particles that ends as a law's
    name does (``_zh_law_name``)."""
    text = ZH_TITLE.sub("，", question)
    found = []
    for part in (seg for cut in _ZH_NAME_CUT.split(text) for seg in _obligation_split(cut)):
        name = None
        if len(part) >= 8 and not _ZH_ASKING.search(part):
            name = _zh_law_name(part)
        if len(part) >= 8 and name is None:
            # the name, then what the question asks of it ("…评估办法规定哪些情形…", "…标识办法要求显式标识加")
            start = _ZH_LAW_NAME_START.match(part)
            name = start.group(1) if start and not _ZH_ASKING.search(start.group(1)) else None
        if name and len(name) >= 8 and re.fullmatch(r"[\u4e00-\u9fff0-9A-Za-z]+", name) and has_cjk(name):
            found.append(name)
    return found


def _obligation_split(part: str) -> list[str]:
    """``part`` cut at its words of obligation (``_ZH_OBLIGATION``), as at a particle: "需要符合国际法" asks about
    compliance with international law and names no law "需要符合国际法"; a part of eight characters or fewer
    names no law and is returned whole."""
    if len(part) < 8:
        return [part]
    from assistant.retrieval.lexical import chinese_words

    segments, current = [], ""
    for word in chinese_words(part):
        if word in _ZH_OBLIGATION:
            segments.append(current)
            current = ""
        else:
            current += word
    return [*segments, current]


def _zh_law_name(part: str) -> str | None:
    """The law's name ``part`` ends with, or starts with when a verb follows it: one of the endings of
    ``_ZH_LAW_NAME_END``, or 法 as a word of its own or a word's last character (倡议/法, 保护法) as jieba cuts the
    part, so that 算法, 方法 and 依法 (words ending in 法 that name no law) end none."""
    if _ZH_LAW_NAME_END.search(part):
        return part
    from assistant.retrieval.lexical import chinese_words

    name = ""
    for word in chinese_words(part):
        name += word
        if word == "法" or (len(word) >= 3 and word.endswith("法")):
            return name
    return None


def named_described(question: str) -> list[str]:
    """A capitalised name followed by a lower-case word naming a kind of text ("the AI Verify toolkit", "the
    HUDERIA methodology"): the name says which text, the word what kind.  The name alone is returned ("AI
    Verify"), and only one with a word beyond places and generic words: a stored body's name before the kind
    of text ("the Royal Society report") is held although its document's name lacks the word "report"."""
    cleaned = re.sub(r"[’']s\b", "", question)
    found = []
    for m in _DESCRIBED.finditer(cleaned):
        words = m.group(1).split()
        if not cleaned[:m.start(1)].strip() or cleaned[:m.start(1)].rstrip()[-1] in ".?!;:":
            words = words[1:]  # a sentence's first word is capitalised whatever it is ("Corporate guidelines")
        while words and (words[0] in _QUESTION_WORDS or words[0] in ("The", "A", "An")):
            words = words[1:]
        if words and _distinctive([fold(w) for w in words]):
            found.append(" ".join(words))
    return found


def named_quoted(question: str) -> list[str]:
    """Titles in quotation marks of three words or more: a quoted title is a text's own name whatever its words.
    A quotation is a title when it is written like one ("'Proceed with Caution'": half its longer words
    capitalised) or stands beside a word naming a kind of text ("the white paper 'A pro-innovation approach to
    AI regulation'"); not a quoted phrase of a statement ('which text says "AI must be fair by design"?')."""
    found = []
    for m in _QUOTED.finditer(question):
        title = m.group(1).strip(" ,.:;?!")
        if len(title.split()) < 3:
            continue
        longer = [w for w in re.findall(r"[^\W\d_][\w\-]*", title) if len(w) >= 4]
        title_case = bool(longer) and 2 * sum(w[0].isupper() for w in longer) >= len(longer)
        around = re.findall(r"[\w\-]+", question[:m.start()])[-3:] + re.findall(r"[\w\-]+", question[m.end():])[:1]
        if title_case or any(w.lower() in DOC_WORDS for w in around):
            found.append(title)
    return found


def named(question: str) -> list[Named]:
    """Everything the question names as a text, in order of kind (a title inside a quoted one once)."""
    quoted = named_quoted(question)
    titles = [t for t in named_titles(question) if not any(t in q for q in quoted)]
    described = [t for t in named_described(question) if not any(t in n for n in quoted + titles)]
    return ([Named(t, "title") for t in quoted + titles + described]
            + [Named(c, "code") for c in named_codes(question)]
            + [Named(t, "zh") for t in named_zh_titles(question)])


def _distinctive(words: list[str]) -> list[str]:
    return [w for w in words if w not in _GENERIC and w not in _PLACE_WORDS and w not in GENERIC_NAME_WORDS]


@dataclass(frozen=True)
class OwnedText:
    """A text the question describes as an organisation's: "the Partnership on AI's framework for responsible
    practices for synthetic media" -> owner "Partnership on AI", ``before`` [] (the describing words before the
    last word naming a kind of text), ``after`` ["practices", "synthetic", "media"]; ``text`` as the question
    words it, for the answer to say which text the corpus lacks."""

    owner: str
    before: list[str]
    after: list[str]
    text: str
    kind: str = ""  # the word naming the kind of text ("framework", "paper")


# a word naming a kind of text after one of these is the topic, not the owner's text: "Microsoft's position on facial
# recognition laws", "boston dynamics view on robot laws"
_TOPIC_PREPOSITIONS = frozenset(
    "on about regarding concerning for of under against toward towards around with in to".split())


def _topic_start(words: list[str], within: int) -> int:
    """How many of the first ``within`` words after an owner may name its text: those before a preposition."""
    return next((i for i, w in enumerate(words[:within]) if w in _TOPIC_PREPOSITIONS), min(within, len(words)))


def owned_texts(question: str) -> list[OwnedText]:
    """Texts a question describes as an organisation's (``OwnedText``): only when a word naming a kind of text
    (``DOC_WORDS``) follows the possessive within a few words; the describing words kept are those that could
    single a text out (no year, no generic word)."""
    found = []
    for m in _POSSESSIVE.finditer(question):
        owner = m.group(1).split()
        while owner and (owner[0] in _QUESTION_WORDS or owner[0] in ("The", "A", "An")):
            owner = owner[1:]
        if not owner:
            continue
        rest = re.split(r"[,.;:?!()\[\]'‘’\"“”]", question[m.end():], maxsplit=1)[0]
        raw = re.findall(r"[\w\-]+", rest)
        words = [w.lower() for w in raw]
        heads = [i for i, w in enumerate(words[:_topic_start(words, 6)]) if w in DOC_WORDS]
        if not heads:
            continue
        last = heads[-1]
        while last + 1 < len(words) and words[last + 1] in DOC_WORDS:
            last += 1
        end = last + 1
        if end < len(words) and words[end] in {"on", "for", "of", "about", "to", "in"}:
            while end < min(len(words), last + 8) and words[end] not in _DESCRIPTION_ENDS:
                end += 1

        name = " ".join(owner)
        own = set(fold(name).split())
        found.append(OwnedText(name, _describing(words[:last], own), _describing(words[last + 1:end], own),
                               f"{name}’s {' '.join(raw[:end])}", words[last]))
    return found


_POSSESSIVE_PRONOUNS = frozenset("its their his her".split())
def lower_owned_texts(question: str, authors: Sequence[str]) -> list[OwnedText]:
    """Texts a question written in lower case describes as a stored organisation's ("council of europe framework
    convention on ai", "the ieee's guide for ..."), where no capital marks the owner: a stored organisation's
    whole name or its short form in brackets (``authors``: folded, longest first; "deepmind") followed within a
    few words by a word naming a kind of text.
    Only for a question with at most its first word capitalised (acronyms aside), like ``named_lower_laws``."""
    words = re.findall(r"[A-Za-z][\w\-’']*", question)
    if not authors or sum(1 for w in words[1:] if w[0].isupper() and not w.isupper()) > 0:
        return []
    text = fold(question)
    found: list[OwnedText] = []
    for author in _owner_spellings(authors):
        if len(author) < 6 or not has_phrase(author, text) or any(author in o.owner for o in found):
            continue
        at = text.find(author)
        rest = re.split(r"[,.;:?!()\[\]\"“”—–]", text[at + len(author):], maxsplit=1)[0]
        raw = re.findall(r"[\w\-]+", re.sub(r"^[’']s?\b", "", rest.strip()))
        heads = [i for i, w in enumerate(raw[:_topic_start(raw, 5)]) if w in DOC_WORDS]
        if not heads:
            continue
        last, own = heads[-1], set(author.split())
        # the owner as a verb's subject ("google rewrote its ai principles"): its text's words follow the pronoun
        start = max((i + 1 for i, w in enumerate(raw[:last]) if w in _POSSESSIVE_PRONOUNS), default=0)
        end = last + 1
        if end < len(raw) and raw[end] in {"on", "for", "of", "about", "to", "in"}:
            while end < min(len(raw), last + 8) and raw[end] not in _DESCRIPTION_ENDS:
                end += 1
        # a word naming a kind of text before the last one describes it here ("framework convention")
        named = raw[start:last]
        before = [w for w in named if w in DOC_WORDS and w not in _GENERIC_KINDS] + _describing(named, own)
        text = f"{author}’s {' '.join(raw[start:end])}" if start else f"{author} {' '.join(raw[:end])}"
        found.append(OwnedText(author, before, _describing(raw[last + 1:end], own), text, raw[last]))
    return found


def _owner_spellings(authors: Sequence[str]) -> list[str]:
    """Each folded organisation name as stored, then without its bracketed short forms (``catalog.full_name``)
    and without its legal form, then each short form: "deepmind technologies limited (deepmind)" is asked about
    as "deepmind technologies" and "deepmind" too, "microsoft corporation" as "microsoft"."""
    found: dict[str, None] = dict.fromkeys(authors)
    for author in authors:
        if (full := full_name(author)) is not None:
            found.setdefault(full)
            found.setdefault(without_legal_form(full))
        for inner in re.findall(r"\(([^()]+)\)", author):
            found.setdefault(inner.strip())
    return [a for a in found if a]


# kinds of text whose name a text of that kind carries: an open letter is called a letter, a treaty a treaty
# (unlike a "report" or "guidance", which name texts of many titles)
_SPECIFIC_KINDS = frozenset("letter convention treaty pact pledge manifesto oath act law bill accord".split())
# words naming a kind of text that say nothing of which one ("the council of europe's documents on ...")
_GENERIC_KINDS = frozenset("paper papers reports documents document statements update updates".split())


def _describing(words: list[str], own: set[str]) -> list[str]:
    """The words that could say which text is meant: no year, no generic word, not the owner's own name."""
    return [w for w in _distinctive(words) if w not in DOC_WORDS and w not in STOPWORDS and w not in own
            and not w.isdigit() and len(w) > 2]


def _owned_phrases(question: str) -> list[str]:
    """The text after each possessive up to the next punctuation: where an owned text's description stands."""
    return [re.split(r"[,.;:?!()]", question[m.end():], maxsplit=1)[0] for m in _POSSESSIVE.finditer(question)]


def owned_text_held(owned_text: OwnedText, names: list[str], authors: Sequence[str] = ()) -> bool | None:
    """Is the text an organisation is asked about among its stored documents?  None when the owner is not
    stored, or is a place ("Singapore's framework" may be any of its bodies' texts), so other checks decide.

    The words before the kind of text say which text most closely ("regulatory considerations on AI for
    health": "regulatory"), so they decide when there are any, all of them in one stored name, else those
    after it, any of them.  Held when no such word is left (“Google's principles”) or they (their first five
    letters, for "guidelines for developers" ~ "developer") stand in a stored name of that owner: in its
    document's part, when ``authors`` (the folded organisation names, longest first) tell where that starts
    ("UNESCO's guidance on education" is not held by the word "Educational" in UNESCO's own name)."""
    describing = owned_text.before or owned_text.after
    words = [w for w in re.findall(r"[\w\-&.]+", fold(owned_text.owner)) if w.strip(".")]
    owner_words = _distinctive(words)
    if owner_words:
        owned = [n for n in names if all(has_phrase(w, n) for w in owner_words)]
    elif len(words) >= 2:  # a name of generic and place words only: "Council of Europe", whole
        owned = [n for n in names if has_phrase(" ".join(words), n)]
    else:
        return None
    if not owned:
        return None
    documents = [_document_part(n, authors) for n in owned]
    if not describing:
        # nothing says which of its texts, so any is meant ("Google's principles"), unless the kind of text is
        # one of a kind no stored name of the owner is ("the Future of Life Institute letter calling for ...")
        return owned_text.kind not in _SPECIFIC_KINDS or any(has_phrase(owned_text.kind, n) for n in documents)
    # the words before the kind of text are its title's own ("frontier safety framework"): one stored document
    # must hold them all; the words after it describe ("guidelines for chatbot developers"): any one will do
    def holds(w: str, n: str) -> bool:
        return re.search(rf"(?<!\w){re.escape(fold(w)[:5])}", n) is not None

    if owned_text.before:
        return any(all(holds(w, n) for w in owned_text.before) for n in documents)
    # only words after the kind of text, which may run into the question's own verb ("2018 whitepaper on
    # responsible AI in government expect ..."): a stored document of the owner named by that kind is it
    return any(holds(w, n) for w in describing for n in documents) or any(
        has_phrase(owned_text.kind, n) for n in documents)


def _document_part(name: str, authors: Sequence[str]) -> str:
    """The document's part of an "author document" name (the whole name when no author opens it)."""
    return next((name[len(a) + 1:] for a in authors if name.startswith(a + " ")), name)


def has_phrase(phrase: str, text: Text) -> bool:
    r"""``phrase`` as whole words in ``text`` (what the regex ``(?<!\w)phrase(?!\w)`` matches), found by
    ``find`` and a look at the characters either side: ``text`` may be the whole corpus, and a regex walks
    all of it from the start (~50 ms a title at 150,000 passages), where ``find`` jumps between occurrences."""
    if isinstance(text, CorpusText):
        return text.has_phrase(phrase)
    start = text.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        if (start == 0 or not is_word_char(text[start - 1])) and (end == len(text) or not is_word_char(text[end])):
            return True
        start = text.find(phrase, start + 1)
    return False


def title_held(title: str, corpus_text: Text, names: list[str]) -> bool:
    """A Latin title is held when one stored name holds its distinctive words, or a stored text holds it whole."""
    words = [w for w in re.findall(r"[\w\-&.]+", fold(title)) if w.strip(".")]
    # a leading hyphenated modifier is no part of the name: "the Vatican-backed Rome Call", "EU-funded"
    while len(words) > 2 and re.fullmatch(r"[\w.]+-(?:backed|led|funded|based|sponsored|endorsed|run|made)", words[0]):
        words = words[1:]
    distinctive = [w for w in words if w not in _GENERIC and w not in _PLACE_WORDS]
    places = [w for w in words if w in _PLACE_WORDS and w not in _GENERIC]
    if distinctive and all(w in _HEADS for w in distinctive) and places:
        # nothing but the kind of text beside a place ("Africa Declaration on AI"): the place says which text,
        # in any of its spellings ("EU Guidelines": a European body's guidelines)
        if any(all(has_phrase(w, name) for w in distinctive)
               and all(any(has_phrase(s, name) for s in _PLACE_WORD_SPELLINGS[p]) for p in places) for name in names):
            return True
    elif distinctive and any(all(has_phrase(w, name) for w in distinctive) for name in names):
        return True
    # the whole title in a stored text ("the Universal Declaration of Human Rights"), its leading place aside
    # unless the place is what says which text ("Africa Declaration on AI" is not the Hambach one)
    while words and words[0] in _PLACE_WORDS and not (distinctive and all(w in _HEADS for w in distinctive)):
        words = words[1:]
    return len(words) >= 2 and has_phrase(" ".join(words), corpus_text)


def code_held(code: str, corpus_text: Text) -> bool:
    """A code is held when it occurs with or without its space; a kind of text and its number ("directive
    3000.09") when its number does anywhere."""
    letters, number = fold(code).split()
    if letters in _NUMBERED_KINDS:
        return has_phrase(number, corpus_text)
    return any(has_phrase(f"{letters}{sep}{number}", corpus_text) for sep in (" ", "-", ""))



# words of a Chinese title that do not say which text is meant
ZH_GENERIC = frozenset(
    """人工智能 人工 智能 原则 伦理 准则 指南 指引 法 法案 规定 办法 框架 报告 宣言 声明 倡议 建议 建议书 治理 安全
    管理 服务 的 关于 和 与 及 全球 国际 国家 新一代 发展 负责任 可信 未来 共同 愿景 规范 战略 计划 标准 试行 暂行
    问题 道德 使用 应用 系统 技术 数据 信息 研究 政策 共识 公约 条例 行动 章程 议程""".split()
)


# a version or edition number in a title: it says which text of a series ("2.0", "1.1" of "Ver. 1.1")
_VERSION = re.compile(r"(?<![\d.])\d+(?:\.\d+)+(?![\d.])")


def zh_title_words(title: str) -> list[str]:
    """The words (by jieba) of a Chinese title that single a text out (Latin words kept whole), and its version
    number (《国家人工智能战略2.0》: "2.0", which the tokenizer cuts into single digits)."""
    from assistant.retrieval.lexical import tokenize

    words = [w for w in dict.fromkeys(tokenize(title)) if w not in ZH_GENERIC and len(w) > 1]
    return words + [v for v in _VERSION.findall(title) if v not in words]


def generic_zh_title(title: str) -> bool:
    """Of generic words only (《章程》, 《人工智能伦理原则》), and not a law's title (《人工智能法》: one law's)."""
    return not zh_title_words(title) and not is_law_title(title)


def zh_title_held(title: str, corpus_text: Text, names: list[str],
                  similar_name: Callable[[str], bool] | None, *, pinned: bool = False) -> bool:
    """A Chinese title is held when it stands in a stored name or text, when its distinctive words all stand in
    one stored name, or when a stored name stands out as its translation.  A title of generic words only
    (《章程》, 《人工智能伦理原则》) names no text in particular, unless it is a law's (《人工智能法》) or the question
    pins it to a year with no stored body (``pinned``: "英国2021年的《国家人工智能战略》" is one text): then a stored
    name must stand out as its translation or hold it, not a stored text use it as a phrase in passing."""
    folded = fold(title)
    if folded in corpus_text and not pinned:
        return True
    words = [fold(w) for w in zh_title_words(title)]
    # one short word in a stored name (《为人类治理人工智能》's 人类 in 以人类为中心的…) is too little: two, or a name's
    # own (蒙特利尔, 阿西洛马)
    telling = len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 3)
    if telling and any(all(w in name for w in words) for name in names):
        return True
    if generic_zh_title(title) and not pinned:
        return True
    if pinned and any(folded in name for name in names):
        return True
    # a law's title of generic words only (《人工智能法》) is still one law's name, and a code of principles on
    # the same subject is not its translation (names.py): held only when a stored law's name stands out for it
    return similar_name is not None and similar_name(title)


def check_titles(question: str, corpus_text: Text, names: list[str],
                 similar_name: Callable[[str], bool] | None = None, *,
                 pinned: bool = False, authors: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """(titles and codes the question names that the corpus lacks, those it holds).

    ``corpus_text`` (the stored names and texts) and ``names`` (one
    "author document" string per stored statement) come already passed through
    ``core.text.fold_for_names``: the retriever prepares them once per store,
    not per question.  ``similar_name`` says whether a Chinese title is the
    translation of a stored name (None: only the lexical checks); ``pinned``, whether the question pins its
    titles to a year and names no stored body (``zh_title_held``); ``authors``, the folded organisation names,
    longest first (``owned_text_held``).
    """
    missing: list[str] = []
    held: list[str] = []
    for item in named(question):
        if item.kind == "title":
            ok = title_held(item.text, corpus_text, names)
        elif item.kind == "code":
            ok = code_held(item.text, corpus_text)
        elif generic_zh_title(item.text) and not pinned:
            continue  # names no text in particular: neither a text the store lacks nor one it holds
        else:
            ok = zh_title_held(item.text, corpus_text, names, similar_name, pinned=pinned)
        inside = item.kind == "code" and any(re.sub(r"\W", "", item.text) in re.sub(r"\W", "", m) for m in missing)
        # a numbered text's name ends in its kind ("NYC Local Law" + "Law 144"): reported whole, once
        named_by = next((i for i, m in enumerate(missing) if item.kind == "code" and not inside
                         and m.endswith(" " + item.text.split()[0])), None)
        # a stored title that the number follows ("Executive Order" + "Order 14179") names a text of that series,
        # the numbered one: held or not by its number alone
        kind, _, number = item.text.partition(" ")
        series = next((h for h in held if item.kind == "code" and h.endswith(" " + kind)
                       and f"{h} {number}".lower() in question.lower()), None)
        if ok:
            held.append(item.text)
        elif series is not None:
            held.remove(series)
            missing.append(f"{series} {number}")
        elif named_by is not None:
            missing[named_by] += " " + item.text.split(maxsplit=1)[1]
        elif not inside:  # "Bill C-27" is reported once, not also as its code
            missing.append(item.text)
    # a law named in lower case by a word no stored name or text uses ("the colorado ai act"); one named by words
    # the corpus uses is as often a description ("under state law", "financial reporting law"): left to the score
    for law in named_lower_laws(question):
        if any(w not in _GENERIC and not _used(fold(w), corpus_text) for w in law.split()[:-1]):
            missing.append(law)
    for owned in owned_texts(question) + lower_owned_texts(question, authors):
        found = owned_text_held(owned, names, authors)
        if found is False and not any(owned.owner in m for m in missing):
            missing.append(owned.text)
            # a stored title inside that description ("Google's 2023 AI Principles progress update") is the
            # text the missing one builds on, not a second object the question also asks about
            held = [h for h in held if not any(h in phrase for phrase in _owned_phrases(question))]
    # one text found twice ("europe framework convention" in lower case, and as the Council of Europe's): once, whole
    return [m for m in missing if not any(m != other and m in other for other in missing)], held


def missing_titles(question: str, corpus_text: Text, names: list[str],
                   similar_name: Callable[[str], bool] | None = None) -> list[str]:
    """Titles and codes the question names that the corpus does not hold (see ``check_titles``)."""
    return check_titles(question, corpus_text, names, similar_name)[0]


def unknown_names(question: str, corpus_text: Text, names: list[str]) -> list[str]:
    """Proper names of two words or more (no title word) that neither a stored name nor a stored text holds:
    weaker evidence than an absent title ("Global Partnership on AI" may be named in passing), so the
    calibrated score weighs their count instead of vetoing."""
    return [n for n in named_names(question) if not title_held(n, corpus_text, names)]


# a text said to come from the name that follows or precedes: "published by the AI Futures Project",
# "Tortoise Media 发布的…"
_AUTHORED_BY = r"(?:published|released|issued|written|produced|authored|drafted|compiled)\s+by\s+(?:the\s+)?"
_ZH_AUTHORED = r"\s*(?:发布|发表|推出|出台|撰写|编写|编制)"


def unknown_bodies(question: str, corpus_text: Text, names: list[str]) -> list[str]:
    """Names of bodies ("Ada Lovelace Institute", "Global Partnership on AI") that no stored name or text holds,
    when the question asks what that body said ("the X's report", "did X recommend"): its central object is then
    a text the store cannot hold, however close its topic.  A body named in passing is left to the score.  A name
    the question says a text was published by ("... published by the AI Futures Project", "Tortoise Media
    发布的…") is a body whatever its last word."""
    found = []
    for name in named_names(question):
        words = name.split()
        authored = re.search(_AUTHORED_BY + re.escape(name) + r"\b", question) \
            or re.search(re.escape(name) + _ZH_AUTHORED, question)
        if not (authored or any(w in BODY_HEADS for w in words)) or title_held(name, corpus_text, names):
            continue
        if authored:
            found.append(name)
            continue
        spoken = rf"{re.escape(words[-1])}(?:[’']s\b|\s+(?:say|says|said|recommend|recommends|recommended|publish|" \
                 rf"publishes|published|propose|proposes|proposed|state|states|stated|warn|warns|warned|call|calls|" \
                 rf"called|conclude|concludes|concluded)\b)"
        if re.search(spoken, question):
            found.append(name)
    return found

