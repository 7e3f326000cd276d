"""Unit tests of the UI's HTML and Markdown (no browser, no models)."""

from __future__ import annotations

import re

import pytest

from assistant.index.rows import statement_from_passages, stitch
from assistant.index.store import StoredPassage
from core.model import Answer, Filters, Passage, Quote, Source, Verification
from ui.browse import start_examples, statement_html
from ui.cards import (
    answer_message,
    linked_markdown,
    markdown_text,
    quote_spans,
    safe_href,
    source_card,
    sources_panel,
)
from ui.export import conversation_markdown, export_files, last_answer_markdown
from ui.session import Conversation, Turn, user_message
from ui.settings_view import settings_html

HOSTILE_TEXT = ('Robots must be audited. <script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2"> '
                "done & dusted.")


def passage(**kw) -> Passage:
    base = dict(id="s1:0", statement_id="s1", text="Governments should act now. States must cooperate on AI safety.",
                author="Org A", document="Doc A", date="2024-05-10", section="Part 1", url="https://example.org/a")
    base.update(kw)
    return Passage(**base)


def hostile_source(verified: bool = True) -> Source:
    p = passage(text=HOSTILE_TEXT, author='Evil <img src=x onerror="window.__pwned=3"> Org',
                document="<script>alert(1)</script>Doc", section='"><svg onload=alert(1)>', url="javascript:alert(1)",
                date_text="<b>soon</b>", date=None)
    quote = "Robots must be audited." if verified else "<i>made up</i>"
    return Source(n=1, passage=p, quotes=[Quote(1, quote, verified)])


def answer(sources: list[Source] | None = None, text: str = "“States must cooperate on AI safety.” [1]") -> Answer:
    if sources is None:
        sources = [Source(1, passage(), [Quote(1, "States must cooperate on AI safety.", True)])]
    return Answer(question="What should states do?", text=text, sources=sources,
                  verification=Verification(1, 1, 1, 1))


# ---------------------------------------------------------------- escaping


def test_card_escapes_every_field():
    html = source_card(hostile_source(), turn=0)
    for raw in ("<script", "<img", "<svg", "<b>", 'onerror="', "javascript:alert(1)\""):
        assert raw not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;" in html
    assert 'href="javascript' not in html and "<a " not in html  # a javascript: URL never becomes a link
    assert "not a web link" in html and "javascript:alert(1)" in html  # but it is shown, as text
    assert "done &amp; dusted." in html


def test_card_marks_the_quote_inside_the_passage():
    html = source_card(Source(1, passage(), [Quote(1, "States must cooperate on AI safety.", True)]), turn=2)
    assert 'id="charter-src-2-1"' in html
    assert "<mark>States must cooperate on AI safety.</mark>" in html
    assert "Governments should act now." in html
    assert "Org A" in html and "<cite>Doc A</cite>" in html and "2024-05-10" in html and "Part 1" in html
    assert '<a href="https://example.org/a" target="_blank" rel="noopener noreferrer nofollow">' in html
    assert "unverified" not in html.lower()


def test_unverified_quote_is_marked_visibly_and_escaped():
    html = source_card(hostile_source(verified=False), turn=0)
    assert "charter-card-unverified" in html and "Unverified quote" in html
    assert "&lt;i&gt;made up&lt;/i&gt;" in html and "<mark>" not in html


def test_quote_spans_tolerate_spacing_quotes_and_ellipsis():
    text = "We call on states to act.\n\nThey  must “cooperate” on safety and share results."
    spans = quote_spans(text, '“they must "cooperate" on safety … share results.”')
    assert [text[a:b] for a, b in spans] == ["They  must “cooperate” on safety", "share results."]
    assert quote_spans(text, "not there at all") == []


@pytest.mark.parametrize("url,ok", [
    ("https://example.org/x?a=1", True), ("http://example.org", True), ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False), (" javascript:alert(1)", False), ("data:text/html,<b>", False),
    ("//evil.example/x", False), ("https://exa mple.org", False), ("java\nscript:alert(1)", False), ("", False),
    ("vbscript:x", False), ("https:///nohost", False),
])
def test_safe_href_only_allows_http(url, ok):
    assert (safe_href(url) is not None) is ok


def test_markdown_text_cannot_form_tags_links_images_or_math():
    out = markdown_text('<script>x</script> ![t](http://evil/x.png) [c](javascript:alert(1)) $x$ a & b')
    assert "<" not in out and "](" not in out.replace("\\](", "")
    assert "\\[c\\]" in out and "&#36;x&#36;" in out and "a &amp; b" in out


def test_markers_link_to_cards_and_unknown_numbers_stay_text():
    md = linked_markdown("A [1] and [2, 3] and [9] <b>x</b>", turn=4, known={1, 2, 3})
    assert md.count('class="charter-cite"') == 3
    for n in (1, 2, 3):
        assert f'href="#charter-src-4-{n}"' in md
    assert "charter-cite-missing" in md and "#charter-src-4-9" not in md
    assert "&lt;b&gt;x&lt;/b&gt;" in md


def test_answer_message_keeps_blockquotes_and_shows_verification():
    msg = answer_message(answer(text="> “States must cooperate on AI safety.” [1]"), turn=0)
    marker, _, rest = msg.partition("\n\n")  # the empty marker the page scrolls to (a new answer from its start)
    assert marker == '<span class="charter-answer-top charter-turn-0"></span>'
    assert rest.startswith("> “States must cooperate")
    assert 'href="#charter-src-0-1"' in msg and "citations valid 1/1" in msg


def test_sources_panel_keeps_earlier_answers_as_link_targets():
    a0, a1 = answer(), answer()
    html = sources_panel([("first <q>", a0), ("second", a1)])
    assert 'id="charter-src-0-1"' in html and 'id="charter-src-1-1"' in html
    assert html.index("charter-src-1-1") < html.index("charter-src-0-1")  # newest first
    assert "first &lt;q&gt;" in html


def test_user_message_is_escaped():
    assert "<img" not in user_message('<img src=x onerror="alert(1)">', "ask", [])
    assert "Compare: topic — A; B" == user_message("topic", "compare", ["A", "B"])


# ---------------------------------------------------------------- export


def conversation_with(*answers: Answer) -> Conversation:
    return Conversation([Turn(f"Question {i}", a, "ask", Filters(authors=["Org A"], since=2020), [])
                         for i, a in enumerate(answers, 1)])


def test_export_has_question_answer_and_numbered_bibliography():
    conv = conversation_with(answer(), answer(text="Second [1]"))
    md = conversation_markdown(conv)
    assert md.startswith("# Charter conversation")
    assert "## Question 1: Question 1" in md and "## Question 2: Question 2" in md
    assert "**Sources**" in md and "[1] Org A, *Doc A*, 2024-05-10, section “Part 1”. https://example.org/a" in md
    assert "_Filters — organisations: Org A · years: 2020–…_" in md
    last = last_answer_markdown(conv)
    assert "Second [1]" in last and "Question 1" not in last and "[1] Org A" in last


def test_export_keeps_waie_attribution():
    waie = Source(1, passage(id="waie-12:0", statement_id="waie-12", source="Worldwide AI Ethics dataset"),
                  [Quote(1, "Governments should act now.", True)])
    md = conversation_markdown(conversation_with(answer([waie], "“Governments should act now.” [1]")))
    assert "Worldwide AI Ethics dataset" in md and "CC BY-NC 4.0" in md
    assert "Worldwide AI Ethics" in source_card(waie, 0)  # the card carries it too


def test_export_files_are_written_per_call():
    conv = conversation_with(answer())
    whole, last = export_files(conv)
    again, _ = export_files(conv)
    text = whole.read_text(encoding="utf-8")
    assert whole.suffix == ".md" and text.startswith("# Charter conversation") and "## Question 1" in text
    assert "**Sources**" in last.read_text(encoding="utf-8")
    assert whole.parent != again.parent  # two sessions can never overwrite each other's file
    assert export_files(Conversation()) == (None, None)


# ---------------------------------------------------------------- browser, examples, settings


def test_statement_view_stitches_overlapping_passages_and_escapes():
    full = "First sentence here. <script>window.__pwned=1</script> Second part follows. Third."
    rows = [StoredPassage("s:0", full[:40], {"statement_id": "s", "chunk": 0, "start": 0, "author": "<b>A</b>",
                                             "url": "javascript:alert(1)"}),
            StoredPassage("s:1", full[30:], {"statement_id": "s", "chunk": 1, "start": 30})]
    assert stitch(rows) == full
    statement = statement_from_passages(rows)
    assert statement is not None and statement.id == "s" and statement.text == full and statement.author == "<b>A</b>"
    html = statement_html(statement, len(rows))
    assert "<script" not in html and "<b>A" not in html and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    assert "2 passage(s) · id s" in html
    assert "No such statement in the store." in statement_html(statement_from_passages([]))


def test_start_examples_come_from_the_catalog():
    from collections import Counter

    from assistant.service import Catalog

    catalog = Catalog(3, 4, Counter({"Zed Council (ZC)": 2, "Other Body": 1}),
                      Counter({"Zed Rules": 2, "Other Doc": 1}), Counter({"2031": 2, "n.d.": 1}), Counter({"en": 3}),
                      {"Zed Council (ZC)": Counter({"Zed Rules": 2}), "Other Body": Counter({"Other Doc": 1})})
    examples = start_examples(catalog)
    text = " ".join(e.question + e.label for e in examples)
    assert "Zed Council" in text and "Zed Rules" in text and "2031" in text and "IDAIS" not in text
    compare = [e for e in examples if e.mode == "compare"]
    assert compare and compare[0].targets == ["Zed Council (ZC)", "Other Body"]


def test_settings_never_show_secrets():
    from assistant.settings import Settings

    s = Settings(openai_api_key="sk-secret-123", openai_base_url="http://user:pw@127.0.0.1:9/v1", auth="me:hunter2",
                 llm_model="tiny-model")
    html = settings_html(s, "LLM: tiny-model at http://127.0.0.1:9/v1")
    assert "sk-secret-123" not in html and "hunter2" not in html and "pw@" not in html
    assert "http://127.0.0.1:9/v1" in html and "tiny-model" in html and "set (never shown)" in html
    assert re.search(r"Login</td><td><code>required", html)


def test_verifier_flags_reach_the_chat_and_the_card():
    # as assistant.answer.verify leaves it: the flagged span in the text, the quote on the source it claimed
    source = Source(1, passage(), [Quote(1, "States must cooperate on AI safety.", True),
                                   Quote(1, "robots <b>rule</b> the moon", False)])
    a = answer([source], text="It says “States must cooperate on AI safety.” [1]. It also says "
                              "*⚠ unverified quote: robots <b>rule</b> the moon* [1].")
    a.verification = Verification(2, 2, 2, 1, unverified_quotes=["robots <b>rule</b> the moon"])
    msg = answer_message(a, 0)
    assert ('<span class="charter-unverified-inline">⚠ unverified quote: '
            'robots &lt;b&gt;rule&lt;/b&gt; the moon</span>') in msg
    panel = sources_panel([("q", a)])
    assert "charter-card-unverified" in panel and "robots &lt;b&gt;rule&lt;/b&gt; the moon" in panel
    # a card whose quotes all verified carries no flag
    clean = sources_panel([("q", answer())])
    assert "charter-card-unverified" not in clean


def test_start_examples_never_put_a_persons_name_in_a_question():
    from collections import Counter

    from assistant.service import Catalog
    from ui.browse import is_person_name

    catalog = Catalog(9, 9, Counter({"Yichen He, Guanhua Huang": 5, "Jane Q. Doe": 4, "Zed Council (ZC)": 2,
                                     "Cabinet Office, Government of Japan": 1}),
                      Counter({"A Paper": 5, "Zed Rules": 2}), Counter({"2025": 5}), Counter({"en": 9}),
                      {"Yichen He, Guanhua Huang": Counter({"A Paper": 5}),
                       "Zed Council (ZC)": Counter({"Zed Rules": 2})})
    text = " ".join(e.question + e.label + " ".join(e.targets) for e in start_examples(catalog))
    assert "Yichen" not in text and "Doe" not in text and "A Paper" not in text
    assert "Zed Council" in text and "Cabinet Office" in text
    assert is_person_name("N. K. Corrêa et al.") and is_person_name("张三")
    assert not is_person_name("Amnesty International, Access Now")
    assert not is_person_name("国家新一代人工智能治理专业委员会")
