"""HTML (``.html``, ``.htm``) -> statements: the page's main text under its headings.

The main content is found by trafilatura (2.3.1, Apache-2.0), a maintained
boilerplate remover: on ``../shared/docs/flag_day.html`` (a saved Wikipedia page)
the hand-written walker kept 60 statements, 22 of them under three words (the
language menu, category links) and the reference list; with trafilatura and
reference lists removed first, 13 statements remain, the article's paragraphs
and its infobox table, none of them a fragment.  Small pages
trafilatura finds no main text in fall back to the walker below (scripts,
navigation, footers and hidden parts dropped).  Title, author, date, canonical
URL and language come from the markup (author and date through trafilatura's
metadata when the markup has none).  A paragraph under three words is dropped
unless it is a heading.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from core.model import ParseIssue, ParseResult
from ingest.language import is_mostly_cjk
from ingest.prose import MIN_WORDS, Block, Meta, presolve_date, squash, statements_from_blocks, word_count
from ingest.reader import read_text

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
    h1 = soup.find("h1")
    if not meta.fields.get("document") and h1 is not None and squash(h1.get_text(" ")):
        meta.fields["document"] = squash(h1.get_text(" "))  # no <title>: the page's first heading names it
    blocks = _main_blocks(text, meta, source, issues)
    if blocks is None:
        _drop_chrome(soup)
        root = soup.find("main") or _only(soup.find_all("article")) or soup.body or soup
        walker = _HtmlWalker()
        walker.walk(root)
        walker.flush()
        blocks = walker.blocks
    # a menu entry, a tag or a caption is no statement, unless the page marks it a heading
    blocks = [b for b in blocks if b.level or word_count(b.text) >= MIN_WORDS or is_mostly_cjk(b.text)]
    result = statements_from_blocks(blocks, meta, source, issues)
    for stmt in result.statements:
        stmt.lang = stmt.lang or page_lang
    return result


# class or id of reference lists and footnotes, which are not the page's statements (MediaWiki, WordPress ...)
_REFERENCES = re.compile(r"\b(?:references?|reflist|mw-references-wrap|footnotes?|citations?|catlinks|navbox)\b",
                         re.IGNORECASE)


def _main_blocks(html: str, meta: Meta, source: str, issues: list[ParseIssue]) -> list[Block] | None:
    """The page's main content as blocks, found by trafilatura; None when it finds none."""
    import trafilatura
    from lxml import etree
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    for element in tree.xpath("//*[@class or @id]"):
        marks = f"{element.get('class', '')} {element.get('id', '')}"
        if _REFERENCES.search(marks) and element.getparent() is not None:
            element.drop_tree()  # keeps the element's tail: remove() would drop the text after a [1]
    xml = trafilatura.extract(tree, output_format="xml", include_tables=True, include_links=False,
                              include_comments=False, with_metadata=True)
    if not xml:
        return None
    doc = etree.fromstring(xml.encode("utf-8"))
    for key, name in (("author", "author"), ("date", "date")):
        if doc.get(key) and not meta.fields.get(name):
            meta.fields.update(presolve_date({name: doc.get(key)}, source, issues) if name == "date"
                               else {name: doc.get(key)})
    if not meta.fields.get("author") and doc.get("sitename"):
        meta.fields["author"] = doc.get("sitename")  # the organisation: the publishing site when no author is named
    main = doc.find("main")
    if main is None:
        return None
    lines = html.split("\n")
    blocks: list[Block] = []
    for element in main:
        _xml_blocks(element, blocks, lines)
    return blocks if any(not b.level for b in blocks) else None


def _xml_blocks(element: Any, blocks: list[Block], lines: list[str]) -> None:
    """One element of trafilatura's XML -> blocks: headings, paragraphs, list items, table rows."""
    tag = element.tag
    if tag == "head":
        text = squash("".join(element.itertext()))
        level = int(str(element.get("rend", "h2"))[1:] or 2) if str(element.get("rend", "")).startswith("h") else 2
        if text:
            blocks.append(Block(text, _line_of(text, lines), level))
    elif tag == "list":
        for item in element.iter("item"):
            _add_paragraph(squash("".join(item.itertext())), blocks, lines)
    elif tag == "table":
        rows = [" | ".join(squash("".join(cell.itertext())) for cell in row.iter("cell"))
                for row in element.iter("row")]
        rows = [r for r in rows if r.strip(" |")]
        if rows:
            blocks.append(Block("\n".join(rows), _line_of(rows[0].split(" | ")[0], lines)))
    else:
        _add_paragraph(squash("".join(element.itertext())), blocks, lines)


def _add_paragraph(text: str, blocks: list[Block], lines: list[str]) -> None:
    if text:
        blocks.append(Block(text, _line_of(text, lines)))


def _line_of(text: str, lines: list[str]) -> int | None:
    """The source line where the text's first words stand (the citation's line); None if markup splits them."""
    probe = " ".join(text.split()[:4])[:40]
    if len(probe) < 4:
        return None
    for number, line in enumerate(lines, start=1):
        if probe in line:
            return number
    return None


def _only(tags: list[Any]) -> Any:
    """The single match, or None when there are none or several."""
    return tags[0] if len(tags) == 1 else None


def _html_meta(soup: Any, source: str, issues: list[ParseIssue]) -> Meta:
    """Title, author, date, canonical URL and page language from the markup."""
    fields: dict[str, Any] = {}
    if soup.title and soup.title.get_text(strip=True):
        fields["document"] = squash(soup.title.get_text())
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
    return Meta(presolve_date(fields, source, issues))


def _drop_chrome(soup: Any) -> None:
    """Remove scripts, styles, navigation, footers and hidden or site-header parts."""
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    for tag in soup.find_all(True):
        # not ``tag.decomposed``: on a tag never decomposed, bs4 looks the attribute up as a child tag
        # name, a search of the whole subtree per tag (minutes on a page nested 50,000 deep)
        if vars(tag).get("_decomposed", False):
            continue
        hidden = tag.has_attr("hidden") or tag.get("aria-hidden") == "true" \
            or tag.get("role") in ("navigation", "banner", "contentinfo")
        site_header = tag.name == "header" and tag.find_parent(("article", "main")) is None
        if hidden or site_header:
            tag.decompose()


class _HtmlWalker:
    """Walks the tree, cutting paragraphs at block elements and headings."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._parts: list[str] = []
        self._line: int | None = None

    def walk(self, node: Any) -> None:
        """Depth first with a stack of its own, not by recursion: a page nested thousands of tags deep
        must not exhaust Python's stack."""
        from bs4 import NavigableString
        from bs4.element import PreformattedString

        todo: list[tuple[str, Any, Any]] = [("children", node, None)]
        while todo:
            kind, item, parent = todo.pop()
            if kind == "flush":
                self.flush()
            elif kind == "children":
                todo.extend(("node", child, item) for child in reversed(list(item.children)))
            elif isinstance(item, PreformattedString):
                continue  # comments, doctype, CDATA, processing instructions
            elif isinstance(item, NavigableString):
                self._add(str(item), parent)
            else:
                todo.extend(reversed(self._element(item)))

    def _element(self, tag: Any) -> list[tuple[str, Any, Any]]:
        """What to do for one tag: its heading or preformatted block now, then the steps returned, in order."""
        name = tag.name
        if re.fullmatch(r"h[1-6]", name):
            self.flush()
            text = squash(tag.get_text(" "))
            if text:
                self.blocks.append(Block(text, tag.sourceline, int(name[1])))
            return []
        if name == "pre":
            self.flush()
            text = tag.get_text().strip("\n")
            if text.strip():
                self.blocks.append(Block(text, tag.sourceline))
            return []
        if name in _HTML_BLOCK:
            self.flush()
            return [("children", tag, None), ("flush", None, None)]
        if name in _HTML_CELL or name == "br":
            self._parts.append(" ")
        return [("children", tag, None)]

    def _add(self, text: str, parent: Any) -> None:
        if self._line is None and text.strip():
            self._line = parent.sourceline
        self._parts.append(text)

    def flush(self) -> None:
        text = squash("".join(self._parts))
        if text:
            self.blocks.append(Block(text, self._line))
        self._parts, self._line = [], None
