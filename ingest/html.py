"""HTML (``.html``, ``.htm``) -> statements: the page's main text under its headings.

Title, author, date, canonical URL and language come from the markup; scripts,
navigation, footers and hidden parts are dropped before the text is read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from core.model import ParseIssue, ParseResult
from ingest.prose import Block, Meta, presolve_date, squash, statements_from_blocks
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
    _drop_chrome(soup)
    root = soup.find("main") or _only(soup.find_all("article")) or soup.body or soup
    walker = _HtmlWalker()
    walker.walk(root)
    walker.flush()
    result = statements_from_blocks(walker.blocks, meta, source, issues)
    for stmt in result.statements:
        stmt.lang = stmt.lang or page_lang
    return result


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
        self.blocks: list[Block] = []
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
            text = squash(tag.get_text(" "))
            if text:
                self.blocks.append(Block(text, tag.sourceline, int(name[1])))
        elif name == "pre":
            self.flush()
            text = tag.get_text().strip("\n")
            if text.strip():
                self.blocks.append(Block(text, tag.sourceline))
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
        text = squash("".join(self._parts))
        if text:
            self.blocks.append(Block(text, self._line))
        self._parts, self._line = [], None
