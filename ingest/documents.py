"""Prose documents -> statements: Markdown, plain text, HTML and PDF.

A charter or guideline is a document with headings and paragraphs.  Each
paragraph becomes one statement, cited by the document title, the path of
headings above it (``Principles > 3. Safety``) and the line (or PDF page) where
it starts, so a quote can be found again in the original.  Hard-wrapped lines
are joined back into one paragraph (with no space between CJK characters) so
that quotes read as the author wrote them.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ingest.reader import read_bytes, read_text
from core.model import IngestError, ParseIssue, ParseResult, Statement
from ingest.tabular import json_safe, normalise_date, statement_from_record

# CJK ideographs, kana, Hangul and full-width punctuation: no spaces between them.
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•·]|\d{1,3}[.)]|[a-zA-Z][.)]|\(\w{1,4}\))\s+")


# ------------------------------------------------------------------ blocks


@dataclass
class _Block:
    """A heading (level > 0) or a paragraph (level 0) with its start line."""

    text: str
    line: int | None
    level: int = 0


@dataclass
class _Meta:
    """Document-wide fields: from front matter, HTML <head> or PDF metadata."""

    fields: dict[str, Any] = field(default_factory=dict)
    title_block: int | None = None  # index of the H1 used as the document title


class _HeadingPath:
    """The headings above the current paragraph, deepest last."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str, bool]] = []  # (level, title, shown)

    def push(self, level: int, title: str, shown: bool = True) -> None:
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title, shown))

    def path(self) -> str | None:
        titles = [title for _, title, shown in self._stack if shown]
        return " > ".join(titles) or None


def _join_lines(lines: Iterable[str], markdown: bool = False) -> str:
    """Unwrap hard-wrapped lines; list items (and Markdown hard breaks) keep a newline."""
    out = ""
    newline_next = False
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        hard = markdown and (raw.endswith("  ") or line.endswith("\\"))
        if markdown and line.endswith("\\"):
            line = line[:-1].rstrip()
        if out:
            out += "\n" if newline_next or _LIST_ITEM.match(line) else _gap(out, line)
        out += line
        newline_next = hard
    return out


def _gap(before: str, after: str) -> str:
    """What joins two wrapped lines: nothing between CJK characters, else a space."""
    if re.match(f"[{_CJK}]", before[-1]) and re.match(f"[{_CJK}]", after[0]):
        return ""
    return " "


def _squash(text: str) -> str:
    """Collapse whitespace runs (HTML and PDF text), none between CJK characters."""
    return _SPACES.sub(" ", _CJK_GAP.sub("", text)).strip()


def _statements(
    blocks: list[_Block], meta: _Meta, source: str, issues: list[ParseIssue]
) -> ParseResult:
    """Attach document, heading path and front-matter fields to each paragraph."""
    template = dict(meta.fields)
    template["document"] = _document_title(blocks, meta) or Path(source).stem
    headings = _HeadingPath()
    statements: list[Statement] = []
    for index, block in enumerate(blocks):
        if block.level:
            headings.push(block.level, block.text, shown=index != meta.title_block)
            continue
        record = {**template, "text": block.text, "section": headings.path()}
        stmt, found = statement_from_record(record, source, block.line)
        issues.extend(found)
        if stmt is not None:
            statements.append(stmt)
    if not statements:
        issues.append(ParseIssue(source, None, "no paragraphs of text found"))
    return ParseResult(statements, issues)


def _document_title(blocks: list[_Block], meta: _Meta) -> str | None:
    """The given title, else the first H1; an H1 that is the title is no section.

    An H1 that differs from a front-matter or <title> title stays in the path.
    """
    title = meta.fields.get("document")
    for index, block in enumerate(blocks):
        if block.level == 1:
            if title is None or _same_title(block.text, title):
                meta.title_block = index
                return title or block.text
            break
    return title


def _same_title(heading: str, title: str) -> bool:
    """'Principles' matches '<title>Principles | Example Org</title>'."""
    a, b = heading.casefold().strip(), title.casefold().strip()
    return a == b or b.startswith(a + " ") or b.endswith(" " + a)


# ------------------------------------------------------------- front matter

_FM_DROP = frozenset({"text", "id", "section", "page", "line", "extra"})


def _front_matter(lines: list[str], source: str, issues: list[ParseIssue]) -> tuple[_Meta, int]:
    """Read a ``---`` YAML block at the top; return the meta and the body start."""
    if not lines or lines[0].strip() != "---":
        return _Meta(), 0
    end = next((i for i in range(1, min(len(lines), 200))
                if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return _Meta(), 0
    parsed = _parse_yaml("\n".join(lines[1:end]), source, issues)
    if parsed is None:
        return _Meta(), 0
    return _Meta(_meta_fields(parsed, source, issues)), end + 1


def _parse_yaml(block: str, source: str, issues: list[ParseIssue]) -> dict[str, Any] | None:
    """PyYAML when installed (it usually is, via langchain-core), else key: value."""
    try:
        import yaml
    except ModuleNotFoundError:
        return _parse_simple_yaml(block)
    try:
        value = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        issues.append(ParseIssue(source, line, "front matter is not valid YAML; ignored"))
        return {}
    return value if isinstance(value, dict) else None


def _parse_simple_yaml(block: str) -> dict[str, Any] | None:
    """Flat ``key: value`` pairs, quotes removed: enough for title/author/date."""
    out: dict[str, Any] = {}
    for line in block.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip() or key.startswith((" ", "\t", "-")):
            continue
        out[key.strip()] = value.strip().strip("'\"") or None
    return out or None


def _meta_fields(parsed: dict[str, Any], source: str, issues: list[ParseIssue]) -> dict[str, Any]:
    """Map front-matter keys to record fields; ``title`` is the document."""
    fields: dict[str, Any] = {}
    for key, value in parsed.items():
        name = str(key).strip().lower()
        value = _plain(value)
        if name in _FM_DROP:
            issues.append(ParseIssue(source, 1, f"front-matter key {key!r} ignored"))
        elif name == "title":
            fields["document"] = value
        elif name == "date":
            fields["date"] = value
        elif json_safe(value):
            fields[str(key)] = value
        else:
            issues.append(ParseIssue(source, 1, f"front-matter key {key!r} is not JSON-safe"))
    return _presolve_date(fields, source, issues)


def _plain(value: Any) -> Any:
    """YAML dates -> ISO strings, recursively, so they are JSON-safe."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _presolve_date(fields: dict[str, Any], source: str, issues: list[ParseIssue]) -> dict[str, Any]:
    """Normalise the document date once, not once per paragraph."""
    if fields.get("date") in (None, ""):
        fields.pop("date", None)
        return fields
    iso, written = normalise_date(fields["date"])
    if iso is None:
        issues.append(ParseIssue(source, 1, f"date {written!r} not understood; kept as text"))
    fields["date"], fields["date_text"] = iso, fields.get("date_text") or written
    return fields


# ---------------------------------------------------------------- Markdown

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_THEMATIC = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")


def load_markdown(path: Path) -> ParseResult:
    """Load a ``.md`` / ``.markdown`` file."""
    text, _ = read_text(path)
    return parse_markdown(text, str(path))


def parse_markdown(text: str, source: str) -> ParseResult:
    """Paragraphs of Markdown text under their heading path."""
    issues: list[ParseIssue] = []
    lines = text.split("\n")
    meta, start = _front_matter(lines, source, issues)
    blocks = _line_blocks(lines, start, markdown=True)
    return _statements(blocks, meta, source, issues)


def _line_blocks(lines: list[str], start: int, markdown: bool) -> list[_Block]:
    """Split lines into headings and paragraphs (Markdown or plain text rules)."""
    blocks: list[_Block] = []
    para: list[tuple[int, str]] = []
    fence: tuple[str, int, list[str]] | None = None

    def flush() -> None:
        if para:
            text = _join_lines((_QUOTE.sub("", l) if markdown else l for _, l in para),
                               markdown)
            blocks.append(_Block(_inline(text) if markdown else text, para[0][0]))
            para.clear()

    for index in range(start, len(lines)):
        line, number = lines[index], index + 1
        if fence is not None:
            if line.strip().startswith(fence[0]) and not line.strip().strip(fence[0][0]):
                _add_code(blocks, fence)
                fence = None
            else:
                fence[2].append(line)
            continue
        if markdown and (match := _FENCE.match(line)):
            flush()
            fence = (match.group(1), number + 1, [])
        elif not line.strip() or (markdown and _COMMENT.match(line)):
            flush()
        elif heading := _atx_heading(line, number, markdown):
            flush()
            blocks.append(heading)
        elif para and _SETEXT.match(line):
            level = 1 if line.strip().startswith("=") else 2
            text = _join_lines((l for _, l in para), markdown)
            blocks.append(_Block(_inline(text) if markdown else text, para[0][0], level))
            para.clear()
        elif _THEMATIC.match(line):
            flush()
        else:
            para.append((number, line))
    flush()
    if fence is not None:
        _add_code(blocks, fence)
    return blocks


def _atx_heading(line: str, number: int, markdown: bool) -> _Block | None:
    """``## Title`` -> a heading block (also honoured in plain text files)."""
    match = _ATX.match(line)
    if not match or not (match.group(2) or "").strip():
        return None
    text = match.group(2).strip()
    return _Block(_inline(text) if markdown else text, number, len(match.group(1)))


def _add_code(blocks: list[_Block], fence: tuple[str, int, list[str]]) -> None:
    """A fenced block is kept verbatim as one paragraph (if it has any text)."""
    text = "\n".join(fence[2]).strip("\n")
    if text.strip():
        blocks.append(_Block(text, fence[1]))


_INLINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links: their text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links
    (re.compile(r"<(https?://[^>]+)>"), r"\1"),  # autolinks
    (re.compile(r"`([^`]+)`"), r"\1"),  # inline code
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *italic*
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),  # _italic_
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # strikethrough
)


def _inline(text: str) -> str:
    """Markdown inline markup -> the text a reader sees (quotes must match it)."""
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    return text


# -------------------------------------------------------------- plain text

_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S")
_ROMAN = re.compile(r"^[IVXLC]+\.\s+\S")
_CN_PART = re.compile(r"^第[一二三四五六七八九十百零〇\d]+[编章部]")
_CN_SECTION = re.compile(r"^第[一二三四五六七八九十百零〇\d]+节")
_SENTENCE_END = tuple(".,;:!?。，；：！？、")


def load_plain_text(path: Path) -> ParseResult:
    """Load a ``.txt`` file that is not the linking export format."""
    text, _ = read_text(path)
    return parse_plain_text(text, str(path))


def parse_plain_text(text: str, source: str) -> ParseResult:
    """Paragraphs of plain text; short title-like lines are taken as headings."""
    issues: list[ParseIssue] = []
    lines = text.split("\n")
    meta, start = _front_matter(lines, source, issues)
    blocks = _guess_headings(_line_blocks(lines, start, markdown=False))
    return _statements(blocks, meta, source, issues)


def _guess_headings(blocks: list[_Block]) -> list[_Block]:
    """Promote one-line, unpunctuated paragraphs with text under them to headings.

    Plain text has no markup, but charters still have titles and numbered
    sections; without them every citation would lack its section.  The first
    block, if title-like, is the document title.  A run of short lines at the
    same level is a list, not headings, so it stays text: a wrong guess may cost
    a section name but never loses a paragraph.
    """
    levels = [_candidate_level(b, i) for i, b in enumerate(blocks)]
    out: list[_Block] = []
    for i, block in enumerate(blocks):
        level = levels[i]
        after = (blocks[i + 1].level or levels[i + 1]) if i + 1 < len(blocks) else None
        before = levels[i - 1] if i > 0 else 0
        is_heading = level and after is not None and not (after and after <= level) \
            and before != level
        out.append(_Block(block.text, block.line, level) if is_heading else block)
    return out


def _candidate_level(block: _Block, index: int) -> int:
    """The heading level a paragraph would have if it is a heading, else 0."""
    if block.level or not _title_like(block.text):
        return 0
    level = _heading_level(block.text)
    return 1 if index == 0 and level == 2 else level  # '第一章 总则' is no title


def _title_like(text: str) -> bool:
    """A single short line that does not end like a sentence."""
    if "\n" in text or len(text) > 80 or text.endswith(_SENTENCE_END):
        return False
    if _NUMBERED.match(text) or _ROMAN.match(text) or _CN_PART.match(text) \
            or _CN_SECTION.match(text):
        return True
    if _LIST_ITEM.match(text):
        return False
    return text[0].isupper() or bool(re.match(f"[{_CJK}]", text[0]))


def _heading_level(text: str) -> int:
    """Depth from the numbering: 'Annex' 2, '3. Safety' 3, '3.1 Data' 4."""
    numbered = _NUMBERED.match(text)
    if numbered:
        return 2 + numbered.group(1).count(".") + 1
    if _ROMAN.match(text) or _CN_PART.match(text):
        return 3
    if _CN_SECTION.match(text):
        return 4
    return 2


# -------------------------------------------------------------------- HTML

_HTML_DROP = ("script", "style", "noscript", "template", "nav", "footer", "aside",
              "form", "svg", "iframe", "button", "select", "head", "title", "menu",
              "dialog", "canvas", "object")
_HTML_BLOCK = frozenset({
    "address", "article", "blockquote", "body", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "hr", "html", "li", "main",
    "ol", "p", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul",
})
_HTML_CELL = frozenset({"td", "th"})
_HTML_DATE_META = ("citation_publication_date", "dc.date", "dcterms.date", "date",
                   "article:published_time", "dcterms.issued")


def load_html(path: Path) -> ParseResult:
    """Load an ``.html`` / ``.htm`` file."""
    text, _ = read_text(path)
    return parse_html(text, str(path))


def parse_html(text: str, source: str) -> ParseResult:
    """Main text of an HTML page: paragraphs under their headings.

    BeautifulSoup on the standard html.parser tolerates real-world markup and
    reports the source line of every tag, which the citation needs.
    """
    from bs4 import BeautifulSoup

    issues: list[ParseIssue] = []
    soup = BeautifulSoup(text, "html.parser")
    meta = _html_meta(soup, source, issues)
    page_lang = meta.fields.pop("lang", None)
    _drop_chrome(soup)
    root = soup.find("main") or _only(soup.find_all("article")) or soup.body or soup
    walker = _HtmlWalker()
    walker.walk(root)
    walker.flush()
    result = _statements(walker.blocks, meta, source, issues)
    for stmt in result.statements:
        stmt.lang = stmt.lang or page_lang
    return result


def _only(tags: list[Any]) -> Any:
    """The single match, or None when there are none or several."""
    return tags[0] if len(tags) == 1 else None


def _html_meta(soup: Any, source: str, issues: list[ParseIssue]) -> _Meta:
    """Title, author, date, canonical URL and page language from the markup."""
    fields: dict[str, Any] = {}
    if soup.title and soup.title.get_text(strip=True):
        fields["document"] = _squash(soup.title.get_text())
    named = {}
    for tag in soup.find_all("meta"):
        key = (tag.get("name") or tag.get("property") or "").strip().lower()
        if key and tag.get("content") and key not in named:
            named[key] = str(tag["content"]).strip()
    if named.get("author"):
        fields["author"] = named["author"]
    date = next((named[k] for k in _HTML_DATE_META if named.get(k)), None)
    if date:
        fields["date"] = date[:10] if re.match(r"^\d{4}-\d{2}-\d{2}T", date) else date
    canonical = soup.find("link", rel="canonical")
    url = (canonical.get("href") if canonical else None) or named.get("og:url")
    if url:
        fields["url"] = url
    html = soup.find("html")
    if html is not None and html.get("lang"):
        fields["lang"] = str(html["lang"]).split("-")[0].strip().lower() or None
    return _Meta(_presolve_date(fields, source, issues))


def _drop_chrome(soup: Any) -> None:
    """Remove scripts, styles, navigation, footers and hidden or site-header parts."""
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        hidden = tag.has_attr("hidden") or tag.get("aria-hidden") == "true" \
            or tag.get("role") in ("navigation", "banner", "contentinfo")
        site_header = tag.name == "header" and tag.find_parent(("article", "main")) is None
        if hidden or site_header:
            tag.decompose()


class _HtmlWalker:
    """Walks the tree, cutting paragraphs at block elements and headings."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self._parts: list[str] = []
        self._line: int | None = None

    def walk(self, node: Any) -> None:
        from bs4 import NavigableString
        from bs4.element import PreformattedString

        for child in node.children:
            if isinstance(child, PreformattedString):
                continue  # comments, doctype, CDATA, processing instructions
            if isinstance(child, NavigableString):
                self._add(str(child), node)
            else:
                self._element(child)

    def _element(self, tag: Any) -> None:
        name = tag.name
        if re.fullmatch(r"h[1-6]", name):
            self.flush()
            text = _squash(tag.get_text(" "))
            if text:
                self.blocks.append(_Block(text, tag.sourceline, int(name[1])))
        elif name == "pre":
            self.flush()
            text = tag.get_text().strip("\n")
            if text.strip():
                self.blocks.append(_Block(text, tag.sourceline))
        elif name in _HTML_BLOCK:
            self.flush()
            self.walk(tag)
            self.flush()
        elif name in _HTML_CELL or name == "br":
            self._parts.append(" ")
            self.walk(tag)
        else:
            self.walk(tag)

    def _add(self, text: str, parent: Any) -> None:
        if self._line is None and text.strip():
            self._line = parent.sourceline
        self._parts.append(text)

    def flush(self) -> None:
        text = _squash("".join(self._parts))
        if text:
            self.blocks.append(_Block(text, self._line))
        self._parts, self._line = [], None


# --------------------------------------------------------------------- PDF


def load_pdf(path: Path) -> ParseResult:
    """Load a ``.pdf``: one statement per page of extractable text."""
    source = str(path)
    data = read_bytes(path)
    reader = _open_pdf(data, source)
    meta = _pdf_meta(reader, Path(source).stem)
    issues: list[ParseIssue] = []
    statements: list[Statement] = []
    for number, page in enumerate(reader.pages, start=1):
        text = _page_text(page, number, source, issues)
        if not text:
            continue
        record = {**meta, "text": text, "page": number}
        stmt, found = statement_from_record(record, source, None)
        issues.extend(found)
        if stmt is not None:
            statements.append(stmt)
    if not statements:
        issues.append(ParseIssue(source, None, "no extractable text (scanned? it needs OCR)"))
    return ParseResult(statements, issues)


def _open_pdf(data: bytes, source: str) -> Any:
    """A PdfReader, or an IngestError for non-PDF, truncated, corrupt or locked files."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    if b"%PDF-" not in data[:1024]:
        raise IngestError(source, "not a PDF file (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        raise IngestError(source, "truncated or corrupt PDF (no %%EOF marker at the end)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(source, "encrypted PDF: it needs a password")
        len(reader.pages)  # forces the page tree to be read now
    except IngestError:
        raise
    except DependencyError as exc:
        raise IngestError(source, f"encrypted PDF that pypdf cannot open here: {exc}") from None
    except Exception as exc:  # pypdf raises many types for broken files
        raise IngestError(source, f"corrupt PDF: {exc}") from None
    return reader


def _pdf_meta(reader: Any, stem: str) -> dict[str, Any]:
    """Title (or the file stem) and author from the PDF's document information."""
    try:
        info = reader.metadata
    except Exception:  # a broken info dictionary should not lose the text
        info = None
    title = (info.title or "").strip() if info else ""
    author = (info.author or "").strip() if info else ""
    return {"document": title or stem, "author": author or None}


def _page_text(page: Any, number: int, source: str, issues: list[ParseIssue]) -> str:
    """Extracted text of one page, unwrapped; a broken page is reported, not fatal."""
    try:
        raw = page.extract_text() or ""
    except Exception as exc:
        issues.append(ParseIssue(source, None, f"page {number}: text not extractable ({exc})",
                                 "error"))
        return ""
    return _unwrap_pdf(raw)


def _unwrap_pdf(raw: str) -> str:
    """Join a PDF's layout lines where a sentence obviously continues.

    A line is joined to the next when it does not end a sentence and the next
    starts in lower case (or both sides are CJK); headings and list items,
    which start with a capital or a number, keep their own line.
    """
    lines = [line.strip() for line in raw.replace("\r", "\n").split("\n")]
    out = ""
    for line in lines:
        if not line:
            if out and not out.endswith("\n\n"):
                out += "\n\n"
            continue
        if not out or out.endswith("\n"):
            out += line
        elif _continues(out, line):
            out += _gap(out, line) + line
        else:
            out += "\n" + line
    return _SPACES_IN_LINE.sub(" ", out).strip()


_SPACES_IN_LINE = re.compile(r"[ \t]+")
_ENDS_SENTENCE = tuple(".!?:;。！？；：")


def _continues(before: str, after: str) -> bool:
    """True when ``after`` carries on the sentence that ``before`` ended with."""
    if before.endswith(_ENDS_SENTENCE):
        return False
    if _gap(before, after) == "":
        return True
    return after[0].islower() or before.endswith((",", "-", "–", "，", "、"))
