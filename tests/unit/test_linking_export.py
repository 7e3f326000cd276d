"""The linking-ai-principles.org export parser, variant by variant."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.model import IngestError, ParseResult, Statement
from ingest.linking_export import (
    looks_like_export,
    parse_export,
    split_org_document,
    split_trailing_date,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "export"
REPO = Path(__file__).resolve().parents[2]
SEED_NAME = "000_cf294546b16b7ec8.txt"
# the default corpus holds the seed under a descriptive name; ../shared keeps the original
SEED_PLACES = [REPO / "corpus" / "ai-safety-statements.linking-ai-principles.zh.txt",
               REPO.parent / "shared" / "seeds" / SEED_NAME]


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parse_fixture(name: str) -> ParseResult:
    return parse_export(fixture_text(name), name)


def fields(s: Statement) -> tuple:
    return (s.line, s.author, s.document, s.date, s.date_text, s.section)


def line_at(text: str, number: int) -> str:
    return text.split("\n")[number - 1].strip()


# ------------------------------------------------------------------ the seed
@pytest.fixture(scope="module")
def seed_text() -> str:
    for place in SEED_PLACES:
        if place.exists():
            return place.read_text(encoding="utf-8")
    pytest.skip(f"seed file {SEED_NAME} not found in {[str(p) for p in SEED_PLACES]}")


@pytest.fixture(scope="module")
def seed(seed_text: str) -> ParseResult:
    return parse_export(seed_text, SEED_NAME)


IDAIS = "IDAIS (International Dialogues on AI Safety)"
SEED_EXPECTED = [
    (2, IDAIS, "IDAIS 牛津", "2023-10-31", "Oct 31, 2023", None),
    (10, "Cabinet Office, Government of Japan",
     "以人类为中心的人工智能的社会原则(Social Principles of Human centric AI)",
     "2018-12-27", "Dec 27, 2018", "(4) Security"),
    (15, "Cyberspace Administration of China", "全球人工智能治理倡议",
     "2023-10-18", "October 18, 2023", None),
    (20, IDAIS, "IDAIS 牛津", "2023-10-31", "Oct 31, 2023", None),
    (25, IDAIS, "IDAIS 北京", "2024-05-10", "May 10, 2024", None),
    (31, IDAIS, "IDAIS 威尼斯", "2024-09-05", "Sept 5, 2024",
     "Consensus Statement on AI Safety as a Global Public Good"),
]


def test_seed_has_six_statements_and_no_issues(seed: ParseResult) -> None:
    assert len(seed.statements) == 6
    assert seed.issues == []


@pytest.mark.parametrize("index", range(len(SEED_EXPECTED)))
def test_seed_statement_fields(seed: ParseResult, index: int) -> None:
    assert fields(seed.statements[index]) == SEED_EXPECTED[index]


@pytest.mark.parametrize("index", range(len(SEED_EXPECTED)))
def test_seed_text_is_verbatim_line(seed: ParseResult, seed_text: str, index: int) -> None:
    statement = seed.statements[index]
    assert statement.text == line_at(seed_text, statement.line)


def test_seed_first_text_keeps_its_opening_quote(seed: ParseResult) -> None:
    text = seed.statements[0].text
    assert text.startswith('"Coordinated global action')
    assert text.endswith("in this vein.")
    assert "原则" not in text


@pytest.mark.parametrize("index", range(len(SEED_EXPECTED)))
def test_seed_records_are_complete(seed: ParseResult, index: int) -> None:
    statement = seed.statements[index]
    assert statement.source == SEED_NAME
    assert statement.lang == "en"
    assert len(statement.id) == 20


def test_seed_ids_are_unique_and_stable(seed: ParseResult, seed_text: str) -> None:
    again = parse_export(seed_text, "some/other/folder/" + SEED_NAME)
    assert [s.id for s in again.statements] == [s.id for s in seed.statements]
    assert len({s.id for s in seed.statements}) == 6


def test_crlf_line_endings_parse_the_same(seed: ParseResult, seed_text: str) -> None:
    crlf = parse_export(seed_text.replace("\n", "\r\n"), SEED_NAME)
    assert [fields(s) + (s.text,) for s in crlf.statements] == [
        fields(s) + (s.text,) for s in seed.statements
    ]


# ------------------------------------------------------------------ fixtures
FIXTURE_EXPECTED = {
    "zh_related.txt": [
        (5, "Ministry of Digital Affairs, Republic of Examplia",
         "关于可信人工智能的指导意见 (Guidance on Trustworthy AI)", "2022-03-14", "Mar 14, 2022",
         "3 透明度"),
        (9, "中国人工智能产业发展联盟（AIIA）",
         "人工智能行业自律公约 (Industry Self-Discipline Convention on AI)", "2019", "2019", None),
        (13, "Data Trust Council", "Model Audit Charter", "2017-01-03", "Jan 3-8, 2017", None),
    ],
    "zh_main.txt": [
        (2, "Example Standards Institute", "示例治理原则 (Example Governance Principles)",
         "2024-09-05", "Sept 5, 2024", None),
        (11, "Example Standards Institute", "示例治理原则 (Example Governance Principles)",
         "2024-09-05", "Sept 5, 2024", None),
    ],
    "zh_en_pair.txt": [
        (3, "示例数字治理研究院 (Example Institute of Digital Governance)",
         "示例人工智能宪章 (Example AI Charter)", "2023", "2023",
         "第一条 以人为本 (Article 1 People First)"),
    ],
    "en_main.txt": [
        (3, "Centre for AI in Society", "Charter for Honest Machines", "2019-03", "March 2019", None),
        (13, "Office for Responsible Technology", "Accountability Framework for Public Sector AI",
         "2020-10-02", "Oct 2, 2020", "(preamble)"),
        (19, "Partnership on AI; Members include Apple, Amazon, etc.", "Tenets",
         "2016-09-28", "Sep 28, 2016", "7 Privacy"),
    ],
    "en_related.txt": [
        (5, "Ministry of Science and ICT (MSIT), Korea Information Society Development "
            "Institute (KISDI)", "Ethics Guidelines for AI in the Republic of Korea",
         "2020-11-27", "Nov 27, 2020", "(2) Human oversight"),
        (9, '"Future in Life" Institute', "Asilomar AI Principles", "2017-01-03",
         "Jan 3-8, 2017", None),
        (13, "Centre for AI in Society",
         'Guidelines on the Use of AI in Healthcare: "Ethics in Practice"', "2021", "2021", None),
        (17, "Government of Canada", "Directive on AI in Government", "2019-04-01",
         "Apr 1, 2019 (unconfirmed)", None),
        (21, "Example Standards Institute", "Draft Principles for Fair Scoring", None, None, None),
    ],
    "old_layout.txt": [
        (3, "Example Robotics Association", None, None, None, "Safety first"),
        (8, "Open Models Foundation", None, None, None, "Openness"),
        (12, "Example Robotics Association", None, None, None, None),  # a heading alone is text, not section
    ],
}


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTED))
def test_fixture_statements(name: str) -> None:
    result = parse_fixture(name)
    assert [fields(s) for s in result.statements] == FIXTURE_EXPECTED[name]
    assert result.issues == []


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTED))
def test_fixture_texts_are_verbatim(name: str) -> None:
    """Every line of a statement's text is a line of the file, and the text
    starts on the line the record names."""
    text = fixture_text(name)
    file_lines = {line.strip() for line in text.split("\n")}
    for statement in parse_fixture(name).statements:
        assert statement.text == statement.text.strip()
        assert set(statement.text.split("\n")) <= file_lines
        assert line_at(text, statement.line).endswith(statement.text.split("\n")[0])


@pytest.mark.parametrize(
    ("name", "index", "text"),
    [
        ("zh_related.txt", 1, "机器应当服务于人，而不是取代人的判断。任何自动化决定都应当可以由人复核。"),
        ("zh_main.txt", 0, "人工智能的发展应当以增进人类共同福祉为目标，尊重人的尊严与权利。\n"
                           "The development of AI should aim to advance the common well-being of "
                           "humanity and respect human dignity and rights."),
        ("zh_en_pair.txt", 0, "人工智能系统的设计和使用应当始终把人的安全与尊严放在首位，不得以效率为由牺牲基本权利。\n"
                              "AI systems must be designed and used with human safety and dignity "
                              "first, and efficiency is never a reason to give up basic rights."),
        ("en_main.txt", 0, "Principle: be honest about what a system can and cannot do."),
        ("en_main.txt", 1, "Principle: every deployment needs a named person who answers for it."),
        ("en_related.txt", 4, "Fairness"),
        ("old_layout.txt", 0, "Robots working next to people must slow down when a person comes close."),
        ("old_layout.txt", 1, "Training data sources should be listed so that others can check them.\n"
                              "A second paragraph that still belongs to the same statement."),
        ("old_layout.txt", 2, "Short note"),
    ],
)
def test_statement_text(name: str, index: int, text: str) -> None:
    assert parse_fixture(name).statements[index].text == text


@pytest.mark.parametrize(
    ("name", "index", "lang"),
    [
        ("zh_related.txt", 0, "en"),
        ("zh_related.txt", 1, "zh"),
        ("zh_en_pair.txt", 0, "zh"),
        ("en_main.txt", 2, "en"),
    ],
)
def test_statement_language(name: str, index: int, lang: str) -> None:
    assert parse_fixture(name).statements[index].lang == lang


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTED))
def test_page_furniture_is_never_a_statement(name: str) -> None:
    furniture = {"Related Principles", "相关原则", "Principles", "原则列表"}
    for statement in parse_fixture(name).statements:
        assert statement.text not in furniture
        assert statement.section not in furniture


# ------------------------------------------------------------------ problems
def test_unattributed_and_textless_blocks_are_reported() -> None:
    result = parse_fixture("problems.txt")
    assert [fields(s) for s in result.statements] == [
        (3, "Example Ethics Board", "Code of Practice for Assistants", "2021-05", "May 2021", None),
    ]
    assert result.statements[0].text == (
        "This paragraph is properly attributed and must not absorb the one above.")
    assert [(i.line, i.severity, i.source) for i in result.issues] == [
        (1, "warning", "problems.txt"),
        (7, "warning", "problems.txt"),
        (9, "warning", "problems.txt"),
    ]
    assert "no attribution" in result.issues[0].message
    assert "no text" in result.issues[1].message
    assert "cut-off export" in result.issues[2].message


@pytest.mark.parametrize("name", ["nothing.txt", "not_export.txt"])
def test_file_without_any_statement_raises(name: str) -> None:
    with pytest.raises(IngestError) as caught:
        parse_fixture(name)
    assert caught.value.source == name
    assert name in str(caught.value)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "相关原则\n\nRelated Principles\n"])
def test_empty_export_raises(text: str) -> None:
    with pytest.raises(IngestError, match="empty.txt"):
        parse_export(text, "empty.txt")


# ------------------------------------------------------------------ tricky lines
TRICKY_PUBLISHED_BY = [
    ("Ministry of Science and ICT (MSIT), Korea Information Society Development Institute "
     "(KISDI) in Ethics Guidelines for AI in the Republic of Korea, Nov 27, 2020",
     "Ministry of Science and ICT (MSIT), Korea Information Society Development Institute (KISDI)",
     "Ethics Guidelines for AI in the Republic of Korea", "Nov 27, 2020"),
    ("Partnership on AI; Members include Apple, Amazon, etc. in Tenets, Sep 28, 2016",
     "Partnership on AI; Members include Apple, Amazon, etc.", "Tenets", "Sep 28, 2016"),
    ('"Future in Life" Institute in Asilomar AI Principles, Jan 3-8, 2017',
     '"Future in Life" Institute', "Asilomar AI Principles", "Jan 3-8, 2017"),
    ('Centre for AI in Society in Guidelines on the Use of AI in Healthcare: "Ethics in Practice", 2021',
     "Centre for AI in Society", 'Guidelines on the Use of AI in Healthcare: "Ethics in Practice"',
     "2021"),
    ("Government of Canada in Directive on AI in Government, Apr 1, 2019 (unconfirmed)",
     "Government of Canada", "Directive on AI in Government", "Apr 1, 2019 (unconfirmed)"),
    ("Institute for AI in Medicine in Principles for AI in Clinical Care, 2020",
     "Institute for AI in Medicine", "Principles for AI in Clinical Care", "2020"),
    ("Standing Committee of the National People's Congress in Law on AI in the People's "
     "Republic of China (Draft), March 2023",
     "Standing Committee of the National People's Congress",
     "Law on AI in the People's Republic of China (Draft)", "March 2023"),
    ('"AI in Society" Working Group in Statement on AI in Education, 2021',
     '"AI in Society" Working Group', "Statement on AI in Education", "2021"),
    ("Women in AI (WAI) in Ethics Charter, 2020", "Women in AI (WAI)", "Ethics Charter", "2020"),
    ("UNESCO in Recommendation on the Ethics of AI in Education in Africa, 2022",
     "UNESCO", "Recommendation on the Ethics of AI in Education in Africa", "2022"),
    ("Personal Data Protection Commission (PDPC), Singapore in A compact guide for the use of "
     "AI in Singapore, Jan 08, 2019",
     "Personal Data Protection Commission (PDPC), Singapore",
     "A compact guide for the use of AI in Singapore", "Jan 08, 2019"),
    ("Centre for Data Ethics and Innovation (CDEI) in Interim report: Review into bias in "
     "algorithmic decision-making, Jul 25, 2019",
     "Centre for Data Ethics and Innovation (CDEI)",
     "Interim report: Review into bias in algorithmic decision-making", "Jul 25, 2019"),
    ("Google in Artificial Intelligence at Google: Our Principles, Jun 7, 2018",
     "Google", "Artificial Intelligence at Google: Our Principles", "Jun 7, 2018"),
    ("Example Lab (Research in Robotics) in Safety Code, Sept 5, 2024",
     "Example Lab (Research in Robotics)", "Safety Code", "Sept 5, 2024"),
    ("Microsoft in Responsible AI Principles", "Microsoft", "Responsible AI Principles", None),
]


@pytest.mark.parametrize(("rest", "author", "document", "date_text"), TRICKY_PUBLISHED_BY)
def test_published_by_line_splits_on_structure(
        rest: str, author: str, document: str, date_text: str | None) -> None:
    text = f"Some statement text.\n\nPublished by {rest}\n"
    [statement] = parse_export(text, "tricky.txt").statements
    assert (statement.author, statement.document, statement.date_text) == (
        author, document, date_text)


@pytest.mark.parametrize(
    ("body", "author", "document"),
    [
        ("Acme Inc", "Acme Inc", None),  # no " in " at all
        ('"Made in Europe" Alliance', '"Made in Europe" Alliance', None),  # only inside quotes
        ("Board (in formation)", "Board (in formation)", None),  # only inside brackets
        ("Data Office in Open Data Plan", "Data Office", "Open Data Plan"),
    ],
)
def test_split_org_document(body: str, author: str, document: str | None) -> None:
    assert split_org_document(body) == (author, document)


@pytest.mark.parametrize(
    ("text", "body", "date"),
    [
        ("IDAIS 牛津, Oct 31, 2023", "IDAIS 牛津", "Oct 31, 2023"),
        ("Tenets, Sep 28, 2016", "Tenets", "Sep 28, 2016"),
        ("Report, One, Two, March 2019", "Report, One, Two", "March 2019"),
        ("Plan，2021", "Plan", "2021"),
        ("Directive, Apr 1, 2019 (unconfirmed)", "Directive", "Apr 1, 2019 (unconfirmed)"),
        ("AI Strategy 2030", "AI Strategy 2030", None),
        ("Guidelines, Part One", "Guidelines, Part One", None),
    ],
)
def test_split_trailing_date(text: str, body: str, date: str | None) -> None:
    assert split_trailing_date(text) == (body, date)


@pytest.mark.parametrize(
    ("line", "author", "document", "date"),
    [
        ("由 Cabinet Office, Government of Japan 在 社会原则(Social Principles)发表, Dec 27, 2018",
         "Cabinet Office, Government of Japan", "社会原则(Social Principles)", "2018-12-27"),
        ("由 示例委员会 在 伦理规范发表，Oct 31, 2023", "示例委员会", "伦理规范", "2023-10-31"),
        ("由 Example Group 在 Code (in draft)发表, March 2019",
         "Example Group", "Code (in draft)", "2019-03"),
        ("由 Example Group 在 Code发表", "Example Group", "Code", None),
    ],
)
def test_chinese_related_line(line: str, author: str, document: str, date: str | None) -> None:
    [statement] = parse_export(f"正文。\n\n{line}\n", "zh.txt").statements
    assert (statement.author, statement.document, statement.date) == (author, document, date)


@pytest.mark.parametrize("colon", [":", "：", ": ", "： "])
def test_chinese_main_accepts_both_colons(colon: str) -> None:
    text = f"正文。\n原则{colon}文件, 2020\n\n作者{colon}某机构\n"
    [statement] = parse_export(text, "zh.txt").statements
    assert (statement.text, statement.author, statement.document, statement.date) == (
        "正文。", "某机构", "文件", "2020")


def test_principle_line_without_author_is_body_text() -> None:
    """'Principle:' followed by a dated 'Published by … in …' is the text of
    a related statement, not a main attribution."""
    text = ("Principle: humans decide.\n\n"
            "Published by Centre for AI in Society in Oversight Code, 2020\n")
    [statement] = parse_export(text, "p.txt").statements
    assert (statement.text, statement.author, statement.document) == (
        "Principle: humans decide.", "Centre for AI in Society", "Oversight Code")


def test_main_author_line_keeps_in_inside_org() -> None:
    text = "Text.\nPrinciple: Code, 2020\n\nPublished by Centre for AI in Society\n"
    [statement] = parse_export(text, "p.txt").statements
    assert (statement.author, statement.document) == ("Centre for AI in Society", "Code")


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("· (4) Security", "(4) Security"),
        ("• Fairness", "Fairness"),
        ("(preamble)", "(preamble)"),
        ("7 Privacy", "7 Privacy"),
        ("第三条 透明", "第三条 透明"),
    ],
)
@pytest.mark.parametrize("separator", ["\n", "\n\n"])
def test_heading_before_text_becomes_section(heading: str, section: str, separator: str) -> None:
    text = f"{heading}{separator}The body sentence.\n\nPublished by Org in Code, 2020\n"
    [statement] = parse_export(text, "h.txt").statements
    assert (statement.section, statement.text) == (section, "The body sentence.")
    assert statement.line == 1 + separator.count("\n")


@pytest.mark.parametrize(("heading", "name"), [("· Openness", "Openness"), ("(preamble)", "(preamble)")])
def test_heading_alone_is_the_text(heading: str, name: str) -> None:
    """A heading-only statement: its name is the text, and is not copied into section too."""
    [statement] = parse_export(f"{heading}\n\nPublished by Org in Code, 2020\n", "h.txt").statements
    assert (statement.text, statement.section, statement.line) == (name, None, 1)


def test_sentence_is_not_taken_for_a_heading() -> None:
    text = "First sentence ends here.\nSecond line.\n\nPublished by Org in Code, 2020\n"
    [statement] = parse_export(text, "h.txt").statements
    assert (statement.section, statement.text) == (None, "First sentence ends here.\nSecond line.")


def test_text_followed_by_text_is_not_glued() -> None:
    text = "Orphan paragraph here.\n\nOwned paragraph here.\n\nPublished by Org in Code, 2020\n"
    result = parse_export(text, "o.txt")
    assert [s.text for s in result.statements] == ["Owned paragraph here."]
    assert [i.line for i in result.issues] == [1]


# ------------------------------------------------------------------ sniffing
@pytest.mark.parametrize(
    "name",
    ["zh_related.txt", "zh_main.txt", "zh_en_pair.txt", "en_main.txt", "en_related.txt",
     "problems.txt", "nothing.txt", "old_layout.txt"],
)
def test_looks_like_export_for_exports(name: str) -> None:
    assert looks_like_export(fixture_text(name)) is True


def test_looks_like_export_for_seed(seed_text: str) -> None:
    assert looks_like_export(seed_text) is True


@pytest.mark.parametrize(
    "text",
    [
        fixture_text("not_export.txt"),
        "",
        "# Title\n\nSome prose about AI principles.\n\n- a list item\n- another\n",
        "Published by Penguin in 2019, this book became a classic.\n",
        "The statement was published by the Commission in Brussels, 2019.\n",
        "Publisher: Springer\n\nA single bibliographic line is not an export.\n",
        "由于数据不足，本文未发表。\n",
        "作者：张三\n\n这是一篇普通的文章。\n",
        "原则：简单明了。这是本文的指导思想。\n",
    ],
)
def test_looks_like_export_rejects_prose(text: str) -> None:
    assert looks_like_export(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "Body.\n\n由 某机构 在 某原则发表, 2020\n",
        "Body.\n原则: 某原则, 2020\n\n作者:某机构\n",
        "Body.\nPrinciple: Code, 2020\n\nPublished by Org\n",
        "Body.\n\nPublished by Org in Code, May 2021\n",
        "H\nPublisher: A\nBody.\n\nH2\nPublisher: B\nBody two.\n",
    ],
)
def test_looks_like_export_accepts_each_attribution_kind(text: str) -> None:
    assert looks_like_export(text) is True
