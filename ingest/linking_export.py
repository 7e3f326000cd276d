"""Parser for text exports of linking-ai-principles.org pages.

An export is a sequence of statements, each a text block and its
attribution, separated by blank lines.  The site writes attributions in a few
templates, in its Chinese or English interface::

    <text>                                   <text>
    原则: <DOCUMENT>, <DATE>                  Principle: <DOCUMENT>, <DATE>

    作者:<ORG>                                Published by <ORG>

    <text>                                   <text>

    由 <ORG> 在 <DOCUMENT>发表, <DATE>        Published by <ORG> in <DOCUMENT>, <DATE>

and an older layout puts the attribution *before* the text::

    <heading>
    Publisher: <ORG>
    <text>

A text may be preceded by a heading (``· (4) Security``, ``(preamble)`` or a
plain short line such as ``7 Privacy``), which becomes ``section``.

The parse runs in three passes, each simple on its own:

1. every line is classified by its own shape (``_classify_line``);
2. shapes that depend on their neighbours are resolved: ``Principle:`` is an
   attribution only when an author line follows it, and a ``Published by``
   line after it is that author (``_resolve_context``);
3. lines are grouped into blocks and attributions, and each attribution
   claims the blocks that belong to it (``_Assembler``).

Anything that cannot be attributed is reported as a ``ParseIssue`` warning
with its line, never dropped silently or glued to a neighbour.  A file in
which no statement parses raises ``IngestError`` (so a dispatcher cannot
mistake a wrong-format file for an empty one); the message names the file and
the first problem found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.model import IngestError, ParseIssue, ParseResult, Statement
from ingest.dates import parse_date
from ingest.language import detect_lang, is_mostly_cjk

# ---------------------------------------------------------------- line kinds
BLANK = "blank"
TEXT = "text"
HEADING = "heading"
FURNITURE = "furniture"
RELATED = "related"  # 由 … 在 …发表 / Published by … in …
MAIN = "main"  # 原则: / Principle: (confirmed only when an author follows)
AUTHOR = "author"  # 作者: / the Published by line after a main line
PUBLISHED_BY = "published_by"  # not yet known: related or author
PUBLISHER = "publisher"  # older layout, attribution before the text
CUT_OFF = "cut_off"  # an attribution a listing page cut short ("Published by Org in Some Doc…")

# ---------------------------------------------------------------- patterns
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
    r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = rf"\d{{1,2}}(?:st|nd|rd|th)?(?:\s*[-–]\s*(?:{_MONTH}\s+)?\d{{1,2}}(?:st|nd|rd|th)?)?"
_DATE = (
    rf"(?:{_MONTH}\s+{_DAY},?\s+\d{{4}}"
    rf"|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH},?\s+\d{{4}}"
    r"|\d{4}(?:-\d{2}){0,2}"
    r"|\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?)"
)
_NOTE = r"(?:\s*[(（]\s*(?:unconfirmed|未确认|未经确认)\s*[)）])?"
# "<body>, <date>" at the very end of a line; the body is as short as possible
# so that a date containing a comma ("Oct 31, 2023") is taken whole.
_TRAILING_DATE_RE = re.compile(rf"^(?P<body>.*?)\s*[,，]\s*(?P<date>{_DATE}{_NOTE})\s*$")

_RELATED_ZH_RE = re.compile(r"^由\s+(?P<body>.+)发表\s*(?:[,，]\s*(?P<date>.*\S))?\s*$")
_BLANK_RUN_RE = re.compile(r"\n(?:[^\S\n]*\n)+")
_MAIN_RE = re.compile(r"^(?:原则|Principle)\s*[:：]\s*(?P<rest>\S.*)$")
_AUTHOR_ZH_RE = re.compile(r"^作者\s*[:：]\s*(?P<org>\S.*)$")
_PUBLISHED_BY_RE = re.compile(r"^Published [Bb]y\s+(?P<rest>\S.*)$")
_PUBLISHER_RE = re.compile(r"^(?:Publisher|发布者)\s*[:：]\s*(?P<org>\S.*)$")
_MARKER_HEADING_RE = re.compile(r"^[·•]\s*(?P<name>\S.*)$")
_PAREN_HEADING_RE = re.compile(r"^[(（][^()（）]{1,60}[)）]$")
_SENTENCE_END_RE = re.compile(r"[.!?。！？]$")
_HEADING_END_RE = re.compile(r"[.!?。！？;；:：,，、…\"”’]$")
_WORD_RE = re.compile(r"[A-Za-z]+")
_ATTRIBUTION_START_RE = re.compile(r"^(?:Published [Bb]y\s|由\s|(?:原则|Principle|作者|Publisher|发布者)\s*[:：])")
_CUT_END_RE = re.compile(r"(?:…|\.\.\.|\s(?:in|by)|\s在)\s*$")

_FURNITURE = frozenset({
    "related principles", "相关原则", "principles", "原则", "原则列表",
    "principle list", "list of principles",
})
_MAX_HEADING_CHARS = 80
_MAX_HEADING_WORDS = 12
_MAX_ZH_DATE_CHARS = 40
_MAX_TITLE_CHARS = 200  # a heading paragraph that ends in a full stop is still a heading (the site's layout)
_MAX_TITLE_WORDS = 30

# Words that make a phrase look like an organisation / a document title; used
# to choose where "Published by <ORG> in <DOCUMENT>" splits.
_ORG_WORDS = frozenset("""
    office ministry government institute institution university council commission
    inc ltd llc corp corporation company association committee agency group lab labs
    laboratory foundation department centre center society academy board authority
    partnership organisation organization federation union forum network alliance
    consortium bureau parliament congress assembly administration secretariat school
    college members etc team
""".split())
_DOC_WORDS = frozenset("""
    principles principle guidelines guideline guide guidance declaration statement
    strategy charter framework code recommendation recommendations report act plan
    consensus initiative ethics ethical policy directive tenets standard standards
    manifesto convention regulation law proposal paper roadmap agenda toolkit
    checklist commitments commitment pledge resolution vision blueprint rules
    considerations norms specification opinion communique
""".split())
_HEAD_SKIP_WORDS = frozenset({"the", "a", "an", "our", "draft", "ai", "new"})
_OPENERS = {"(": ")", "[": "]", "{": "}", "（": "）", "【": "】", "《": "》", "“": "”"}


# ---------------------------------------------------------------- data
@dataclass
class _Line:
    """One input line with its classification and the fields it carries."""

    number: int
    raw: str  # the line as written, trailing whitespace removed
    kind: str
    fields: dict[str, str | None] = field(default_factory=dict)

    @property
    def stripped(self) -> str:
        return self.raw.strip()


@dataclass
class _Block:
    """Consecutive text lines, or one heading line (``section`` set)."""

    line: int
    lines: list[str]
    section: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()

    @property
    def is_heading(self) -> bool:
        return self.section is not None


@dataclass
class _Attribution:
    """Who/what/when for a statement, and the line it was read from."""

    line: int
    author: str | None
    document: str | None = None
    date_text: str | None = None


#: what grouping yields: a text block, an attribution, ``(PUBLISHER, attribution)`` or the FURNITURE marker
_Item = _Block | _Attribution | tuple[str, _Attribution] | str


# ---------------------------------------------------------------- public API
def looks_like_export(text: str) -> bool:
    """True when ``text`` carries this export's attribution lines.

    Used to route ``.txt`` files between this parser and a plain-text loader,
    so ordinary prose must stay False: one unmistakable line (a Chinese
    attribution, a confirmed ``Principle:``/author pair, or ``Published by …
    in …, <date>``) suffices, weaker shapes must appear at least twice.
    """
    strong = weak = 0
    # a run of blank lines sniffs as one: the answer never depends on their count, and a flood of them (10 MB
    # of newlines) made one object per line, 2.3 GB (benchmarks/hostile_input.py, txt-blank-lines)
    lines = _resolve_context(_classify_lines(_BLANK_RUN_RE.sub("\n\n", text)))
    if _is_single_publisher_page(lines):
        return True
    for line in lines:
        if line.kind == MAIN or (line.kind == RELATED and (
                line.fields.get("zh") or line.fields.get("date"))):
            strong += 1
        elif line.kind in (RELATED, PUBLISHER, AUTHOR) and not line.fields.get("main_line"):
            weak += 1  # a lone "作者：…" or "Publisher: …" also occurs in prose
    return strong >= 1 or weak >= 2


def _is_single_publisher_page(lines: list[_Line]) -> bool:
    """A page holding one statement in the older layout: a heading as its first line, then
    ``Publisher: ORG``, then text (blank lines between or not)."""
    shown = [line for line in lines if line.kind != BLANK]
    return (len(shown) >= 3 and shown[1].kind == PUBLISHER and shown[2].kind == TEXT
            and (shown[0].kind == HEADING or (shown[0].kind == TEXT and _is_heading_like(shown[0].raw))))


def parse_export(text: str, source: str) -> ParseResult:
    """Parse one export file into finalized statements plus warnings.

    Raises IngestError naming ``source`` when no statement at all can be read.
    """
    lines = _resolve_context(_classify_lines(text))
    assembler = _Assembler(source)
    for item in _group(lines):
        assembler.feed(item)
    result = assembler.finish()
    if not result.statements:
        raise IngestError(source, _no_statement_message(result.issues),
                          result.issues[0].line if result.issues else None)
    return result


def split_org_document(body: str) -> tuple[str, str | None]:
    """Split ``<ORG> in <DOCUMENT>`` where either side may contain " in ".

    Every " in " outside brackets and quotes is a candidate; the one whose
    left side reads most like an organisation and whose right side reads most
    like a document title wins (the earliest on a tie).  Without a valid
    candidate the whole text is the organisation.
    """
    best: tuple[int, str, str] | None = None
    for start in _separator_positions(body, " in "):
        left, right = body[:start].strip(), body[start + 4:].strip()
        if not left or not right or not (_balanced(left) and _balanced(right)):
            continue
        score = _split_score(left, right)
        if best is None or score > best[0]:
            best = (score, left, right)
    if best is None:
        return body.strip(), None
    return best[1], best[2]


def split_trailing_date(text: str) -> tuple[str, str | None]:
    """Split ``<body>, <date>`` into body and date as written (or None).

    A date is recognised by its shape at the end of the line; failing that,
    the part after the last comma counts only if it parses as a date.
    """
    match = _TRAILING_DATE_RE.match(text)
    if match:
        return match.group("body").strip(), match.group("date").strip()
    body, comma, tail = _rpartition_comma(text)
    if comma and parse_date(tail)[0] is not None:
        return body.strip(), tail.strip()
    return text.strip(), None


def _rpartition_comma(text: str) -> tuple[str, str, str]:
    """``str.rpartition`` on the last ASCII or full-width comma."""
    position = max(text.rfind(","), text.rfind("，"))
    if position < 0:
        return text, "", ""
    return text[:position], text[position], text[position + 1:]


# ---------------------------------------------------------------- pass 1
def _classify_lines(text: str) -> list[_Line]:
    """Classify every line by its own shape (1-based numbers)."""
    raw_lines = text.lstrip("\ufeff").split("\n")
    return [_classify_line(i, raw.rstrip()) for i, raw in enumerate(raw_lines, start=1)]


def _classify_line(number: int, raw: str) -> _Line:
    """The kind of one line, ignoring its neighbours."""
    s = raw.strip()
    if not s:
        return _Line(number, raw, BLANK)
    if _normalise_furniture(s) in _FURNITURE:
        return _Line(number, raw, FURNITURE)
    for parse in (_parse_cut_off, _parse_related_zh, _parse_main, _parse_author_zh,
                  _parse_published_by, _parse_publisher, _parse_heading):
        line = parse(number, raw, s)
        if line is not None:
            return line
    return _Line(number, raw, TEXT)


def _normalise_furniture(s: str) -> str:
    return s.lower().rstrip(":：").strip()


def _parse_cut_off(number: int, raw: str, s: str) -> _Line | None:
    """An attribution line that stops short: ends in an ellipsis or a dangling "in"/"在", or a
    Chinese ``由 … 在 …`` without its closing 发表.  Its statement cannot be cited; it is skipped."""
    if not _ATTRIBUTION_START_RE.match(s):
        return None
    zh_open = s.startswith("由") and " 在 " in s and "发表" not in s
    if _CUT_END_RE.search(s) or zh_open:
        return _Line(number, raw, CUT_OFF)
    return None


def _parse_related_zh(number: int, raw: str, s: str) -> _Line | None:
    """``由 <ORG> 在 <DOCUMENT>发表, <DATE>`` (the space after 由 is required,
    so that sentences starting with 由于 are not taken for attributions)."""
    match = _RELATED_ZH_RE.match(s)
    if not match:
        return None
    date = match.group("date")
    if date and (len(date) > _MAX_ZH_DATE_CHARS or not re.search(r"\d", date)):
        return None
    author, document = _split_zh_body(match.group("body"))
    return _Line(number, raw, RELATED,
                 {"author": author, "document": document, "date": date, "zh": "1"})


def _split_zh_body(body: str) -> tuple[str, str | None]:
    """``<ORG> 在 <DOCUMENT>``: first 在 outside brackets, spaced if possible."""
    for separator in (" 在 ", "在"):
        for start in _separator_positions(body, separator):
            left, right = body[:start].strip(), body[start + len(separator):].strip()
            if left and right and _balanced(left) and _balanced(right):
                return left, right
    return body.strip(), None


def _parse_main(number: int, raw: str, s: str) -> _Line | None:
    """``原则: <DOCUMENT>, <DATE>`` / ``Principle: …`` (a candidate only)."""
    match = _MAIN_RE.match(s)
    if not match:
        return None
    document, date = split_trailing_date(match.group("rest"))
    return _Line(number, raw, MAIN, {"document": document, "date": date,
                                     "zh": "1" if s.startswith("原则") else None})


def _parse_author_zh(number: int, raw: str, s: str) -> _Line | None:
    match = _AUTHOR_ZH_RE.match(s)
    if not match:
        return None
    return _Line(number, raw, AUTHOR, {"author": match.group("org").strip(), "zh": "1"})


def _parse_published_by(number: int, raw: str, s: str) -> _Line | None:
    """``Published by …``: related or author is decided in pass 2."""
    match = _PUBLISHED_BY_RE.match(s)
    if not match:
        return None
    body, date = split_trailing_date(match.group("rest"))
    return _Line(number, raw, PUBLISHED_BY,
                 {"rest": match.group("rest").strip(), "body": body, "date": date})


def _parse_publisher(number: int, raw: str, s: str) -> _Line | None:
    match = _PUBLISHER_RE.match(s)
    if not match:
        return None
    return _Line(number, raw, PUBLISHER, {"author": match.group("org").strip()})


def _parse_heading(number: int, raw: str, s: str) -> _Line | None:
    """``· name`` / ``• name`` (marker dropped) or a parenthesised line."""
    match = _MARKER_HEADING_RE.match(s)
    if match:
        return _Line(number, raw, HEADING, {"section": match.group("name").strip()})
    if _PAREN_HEADING_RE.match(s):
        return _Line(number, raw, HEADING, {"section": s})
    return None


# ---------------------------------------------------------------- pass 2
def _resolve_context(lines: list[_Line]) -> list[_Line]:
    """Settle the kinds that depend on neighbouring lines (in place)."""
    for index, line in enumerate(lines):
        if line.kind == MAIN:
            _resolve_main(lines, index)
    for line in lines:
        if line.kind == PUBLISHED_BY:
            _as_related_en(line)
    return lines


def _resolve_main(lines: list[_Line], index: int) -> None:
    """A main line counts only if an author line (without a date) follows it;
    otherwise it is body text that happens to start with ``Principle:``."""
    following = _next_non_blank(lines, index)
    is_author = following is not None and (
        following.kind == AUTHOR
        or (following.kind == PUBLISHED_BY and following.fields["date"] is None))
    if following is None or not is_author:
        lines[index].kind, lines[index].fields = TEXT, {}
        return
    if following.kind == PUBLISHED_BY:
        following.kind = AUTHOR
        following.fields = {"author": following.fields["rest"]}
    following.fields["main_line"] = str(lines[index].number)


def _as_related_en(line: _Line) -> None:
    """Turn a free ``Published by`` line into a related attribution, unless it
    reads like a prose sentence (no date and a full stop at the end)."""
    body, date = line.fields["body"] or "", line.fields["date"]
    if date is None and _SENTENCE_END_RE.search(body):
        line.kind, line.fields = TEXT, {}
        return
    author, document = split_org_document(body)
    line.kind = RELATED
    line.fields = {"author": author, "document": document, "date": date}


def _next_non_blank(lines: list[_Line], index: int) -> _Line | None:
    # indexed, not ``lines[index + 1:]``: a slice copies the rest of the file for every main line, which was
    # quadratic on a file of repeated "原则:" lines (benchmarks/hostile_input.py: 0.9 MB took 10 s)
    for position in range(index + 1, len(lines)):
        if lines[position].kind != BLANK:
            return lines[position]
    return None


# ---------------------------------------------------------------- pass 3
def _group(lines: list[_Line]) -> list[_Item]:
    """Blocks of text, headings, attributions and furniture markers, in order.

    A main line and its author line become one attribution (placed at the
    main line); a publisher attribution comes as ``(PUBLISHER, attribution)``
    because, unlike the others, it precedes its text.
    """
    items: list[_Item] = []
    main_lines = {int(main): ln for ln in lines
                  if ln.kind == AUTHOR and (main := ln.fields.get("main_line"))}
    current: _Block | None = None
    for line in lines:
        if line.kind == TEXT:
            if current is None:
                current = _Block(line.number, [])
                items.append(current)
            current.lines.append(line.raw)
            continue
        current = None
        items.extend(_items_for(line, main_lines))
    return _split_plain_headings(items)


def _items_for(line: _Line, main_lines: dict[int, _Line]) -> list[_Item]:
    """The grouped items one non-text line contributes."""
    if line.kind == HEADING:
        return [_Block(line.number, [line.fields["section"] or ""], line.fields["section"])]
    if line.kind == FURNITURE:
        return [FURNITURE]
    if line.kind == RELATED:
        return [_Attribution(line.number, line.fields["author"], line.fields["document"],
                             line.fields["date"])]
    if line.kind == MAIN:
        author_line = main_lines[line.number]
        return [_Attribution(line.number, author_line.fields["author"],
                             line.fields["document"], line.fields["date"])]
    if line.kind == AUTHOR and not line.fields.get("main_line"):
        return [_Attribution(line.number, line.fields["author"])]
    if line.kind == PUBLISHER:
        return [(PUBLISHER, _Attribution(line.number, line.fields["author"]))]
    if line.kind == CUT_OFF:
        return [(CUT_OFF, _Attribution(line.number, None))]
    return []  # blank lines, and author lines already merged into their main line


def _split_plain_headings(items: list[_Item]) -> list[_Item]:
    """A multi-line text block whose first line is a short title-like line
    (``7 Privacy``) is a heading followed by the text.  This wins over the
    Chinese/English pair rule, as it does for blank-separated blocks: a pair's
    Chinese half is a sentence and ends with punctuation."""
    out: list[_Item] = []
    for item in items:
        if (isinstance(item, _Block) and not item.is_heading and len(item.lines) > 1
                and _is_heading_like(item.lines[0])):
            title = item.lines[0].strip()
            out.append(_Block(item.line, [title], title))
            out.append(_Block(item.line + 1, item.lines[1:]))
        else:
            out.append(item)
    return out


def _is_heading_like(text: str) -> bool:
    """Short single line with no sentence punctuation at its end."""
    s = text.strip()
    return ("\n" not in s and 0 < len(s) <= _MAX_HEADING_CHARS
            and len(s.split()) <= _MAX_HEADING_WORDS and not _HEADING_END_RE.search(s))


def _is_language_pair(first: str, second: str) -> bool:
    """A Chinese paragraph with its English counterpart (either order)."""
    return is_mostly_cjk(first) != is_mostly_cjk(second)


class _Assembler:
    """Walks grouped items and lets each attribution claim its blocks.

    ``pending`` holds the blocks seen since the last attribution; an older-
    layout publisher stays *open* and collects the blocks after it until the
    next attribution or page furniture.
    """

    def __init__(self, source: str):
        self.source = source
        self.statements: list[Statement] = []
        self.issues: list[ParseIssue] = []
        self.pending: list[_Block] = []
        self.publisher: tuple[_Attribution, _Block | None] | None = None

    def feed(self, item: _Item) -> None:
        if isinstance(item, _Block):
            self.pending.append(item)
        elif isinstance(item, _Attribution):
            self._attribution(item)
        elif isinstance(item, tuple) and item[0] == CUT_OFF:
            self._cut_off(item[1])
        elif isinstance(item, tuple):
            self._publisher(item[1])
        else:  # furniture: a hard boundary between statements
            self._close_publisher(self.pending)
            self.pending = []

    def finish(self) -> ParseResult:
        self._close_publisher(self.pending)
        self.pending = []
        return ParseResult(self.statements, self.issues)

    def _attribution(self, attribution: _Attribution) -> None:
        """An attribution after its text: it takes the last text (with its
        heading); earlier blocks go to an open publisher or are reported."""
        claimed, rest = _claim_tail(self.pending)
        self.pending = []
        self._close_publisher(rest)
        if not claimed:
            self._warn(attribution.line, "attribution has no text before it; skipped")
            return
        self._emit(attribution, claimed)

    def _cut_off(self, attribution: _Attribution) -> None:
        """A cut-off attribution takes its text like any other, and both are skipped with a warning:
        a statement without its organisation, document and date would be a fragment record."""
        claimed, rest = _claim_tail(self.pending)
        self.pending = []
        self._close_publisher(rest)
        what = f"; statement skipped: {_preview(claimed[-1].text)!r}" if claimed else ""
        self._warn(attribution.line, f"attribution is cut off (incomplete line){what}")

    def _publisher(self, attribution: _Attribution) -> None:
        """``Publisher:`` opens a statement whose text follows; a heading
        just before it is its section."""
        heading, rest = _claim_heading(self.pending, self.publisher is not None)
        self.pending = []
        self._close_publisher(rest)
        self.publisher = (attribution, heading)

    def _close_publisher(self, blocks: list[_Block]) -> None:
        """Give ``blocks`` to the open publisher (or report them) and close it."""
        if self.publisher is None:
            self._report_orphans(blocks)
            return
        attribution, heading = self.publisher
        self.publisher = None
        claimed = ([heading] if heading else []) + blocks
        if not claimed:
            self._warn(attribution.line, "publisher line has no text after it; skipped")
            return
        self._emit(attribution, claimed)

    def _emit(self, attribution: _Attribution, blocks: list[_Block]) -> None:
        self.statements.append(_statement(attribution, blocks, self.source))

    def _report_orphans(self, blocks: list[_Block]) -> None:
        for block in blocks:
            what = "heading" if block.is_heading else "text block"
            self._warn(block.line, f"{what} has no attribution; skipped: "
                                   f"{_preview(block.text)!r}")

    def _warn(self, line: int, message: str) -> None:
        self.issues.append(ParseIssue(self.source, line, message))


def _claim_tail(blocks: list[_Block]) -> tuple[list[_Block], list[_Block]]:
    """Split ``blocks`` into (what the next attribution owns, the rest).

    It owns the last text block, the block before it if the two are a
    Chinese/English pair, and a heading just before those.  A heading with no
    text after it is owned alone (its name becomes the text).
    """
    if not blocks:
        return [], []
    if blocks[-1].is_heading:
        return blocks[-1:], blocks[:-1]
    start = len(blocks) - 1
    if start > 0 and _is_pair_partner(blocks[start - 1], blocks[start]):
        start -= 1
    if start > 0 and (_is_heading_block(blocks[start - 1])
                      or (start == 1 and _is_title_paragraph(blocks[0], blocks[1:]))):
        return [_as_heading(blocks[start - 1])] + blocks[start:], blocks[:start - 1]
    return blocks[start:], blocks[:start]


def _is_title_paragraph(first: _Block, rest: list[_Block]) -> bool:
    """The site's layout: a heading paragraph, a blank line, the text, the attribution.  A first
    paragraph is that heading, however it is punctuated ("1. Be transparent."), when it is one line
    and much shorter than the text under it, or opens with a numbered label ("Article 7:", "第七条");
    a lost paragraph of text is as long as its neighbours and has no label."""
    text = first.text
    body = sum(len(b.text) for b in rest)
    return ("\n" not in text and len(text) <= _MAX_TITLE_CHARS and len(text.split()) <= _MAX_TITLE_WORDS
            and (len(text) * 2 <= body or bool(_NUMBERED_LABEL_RE.match(text.strip()))))


# A paragraph that opens with a numbered label ("Article 7:", "Principle 4.", "第七条", "3.", "(b)",
# "§ 2") is a provision's heading, however long: a lost paragraph of text does not start that way.
_NUMBERED_LABEL_RE = re.compile(
    r"^(?:(?:article|art\.|principle|section|chapter|clause|rule|part|recommendation|provision|§)\s*"
    r"[0-9ivxlc]+[a-z]?\b|第[0-9一二三四五六七八九十百零〇]+[条章节款项部分]|"
    r"\(?[0-9]{1,3}[.)]\s|\([a-z]\)\s|[a-z][.)]\s)", re.IGNORECASE)


def _is_pair_partner(first: _Block, second: _Block) -> bool:
    """``first`` is the other-language half of a statement ending in ``second``."""
    return (not _is_heading_block(first)) and _is_language_pair(first.text, second.text)


def _is_heading_block(block: _Block) -> bool:
    return block.is_heading or _is_heading_like(block.text)


def _as_heading(block: _Block) -> _Block:
    """The block as a heading (a plain short line takes its text as name)."""
    return block if block.is_heading else _Block(block.line, block.lines, block.text)


def _claim_heading(blocks: list[_Block], publisher_open: bool
                   ) -> tuple[_Block | None, list[_Block]]:
    """The heading a ``Publisher:`` line owns, and the blocks before it.

    A short last block is a heading unless an open publisher would then be
    left without any text.
    """
    if not blocks:
        return None, []
    last = blocks[-1]
    if last.is_heading:
        return last, blocks[:-1]
    if _is_heading_like(last.text) and (not publisher_open or len(blocks) > 1):
        return _as_heading(last), blocks[:-1]
    return None, blocks


def _statement(attribution: _Attribution, blocks: list[_Block], source: str) -> Statement:
    """Build the finalized record from an attribution and its blocks."""
    body = [b for b in blocks if not b.is_heading]
    # a heading standing alone is the statement's text, not also its section
    section = blocks[0].section if blocks[0].is_heading and body else None
    body = body or blocks[:1]
    text = "\n".join(b.text for b in body)
    date, date_text = parse_date(attribution.date_text)
    return Statement(
        text=text, author=attribution.author, document=attribution.document,
        date=date, date_text=date_text, section=section, lang=detect_lang(text),
        source=source, line=body[0].line,
    ).finalize()


# ---------------------------------------------------------------- helpers
def _separator_positions(text: str, separator: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(separator), text)]


def _balanced(text: str) -> bool:
    """Brackets nest and close, and straight double quotes pair up."""
    stack: list[str] = []
    closers = set(_OPENERS.values())
    for char in text:
        if char in _OPENERS:
            stack.append(_OPENERS[char])
        elif char in closers:
            if not stack or stack.pop() != char:
                return False
    return not stack and text.count('"') % 2 == 0


def _split_score(left: str, right: str) -> int:
    """How plausible ``left`` is as an organisation and ``right`` as a title."""
    left_words = [w.lower() for w in _WORD_RE.findall(left)]
    right_words = [w.lower() for w in _WORD_RE.findall(right)]
    score = _count(left_words, _ORG_WORDS) - _count(left_words, _DOC_WORDS)
    score += _count(right_words, _DOC_WORDS) - _count(right_words, _ORG_WORDS)
    if left.endswith(")") or (left_words and left_words[-1] in _ORG_WORDS):
        score += 2
    head = next((w for w in right_words if w not in _HEAD_SKIP_WORDS), None)
    if head in _DOC_WORDS:
        score += 2
    if right[:1].islower():
        score -= 1
    if ":" in left:
        score -= 2
    return score


def _count(words: list[str], vocabulary: frozenset[str]) -> int:
    return sum(1 for w in words if w in vocabulary)


def _preview(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _no_statement_message(issues: list[ParseIssue]) -> str:
    if not issues:
        return "no attributed statement found (not a linking-ai-principles export?)"
    return f"no attributed statement found; first problem: {issues[0].message}"
