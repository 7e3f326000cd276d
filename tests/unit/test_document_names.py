"""Chinese renderings of stored English document names (``retrieval/document_names.py``): a title is the document
one of whose renderings shares most of its character pairs, whatever the variant people write."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from assistant.retrieval.document_names import DocumentNames, dice, fold_title

TABLE = {
    "Code of Practice on Zed Disinformation": ("反泽德虚假信息行为准则", "泽德虚假信息行为守则"),
    "Quorrel Design: A Vision for Humane Systems": ("奎雷尔式设计：以人为本系统的愿景",),
    "Responsible Use of AI at Vexo": ("维克索负责任使用人工智能的方法",),
    "Responsible use of AI": ("负责任使用人工智能方法论",),
    "Zorblax AI Principles": ("佐布拉克斯人工智能原则", "佐布拉克斯AI原则"),
    "A title the store does not hold": ("未存储的标题",),
}


@pytest.fixture(scope="module")
def names() -> DocumentNames:
    return DocumentNames(["Code of Practice on Zed Disinformation", "Zorblax AI Principles", "No renderings",
                          "Quorrel Design: A Vision for Humane Systems", "Responsible Use of AI at Vexo",
                          "Responsible use of AI"], TABLE)


def test_folding_takes_out_what_renderings_vary_in():
    assert fold_title("关于佐布拉克斯的AI原则") == fold_title("佐布拉克斯人工智能原则")
    assert fold_title("OpenAI章程") == "openai章程"  # the "ai" inside a name stays
    assert dice("abcd", "abcd") == 1.0 and dice("abcd", "wxyz") == 0.0


@pytest.mark.parametrize("title, document", [
    ("反泽德虚假信息行为准则", "Code of Practice on Zed Disinformation"),  # a rendering itself
    ("泽德虚假信息行为准则", "Code of Practice on Zed Disinformation"),  # a variant of one
    ("关于佐布拉克斯的AI原则", "Zorblax AI Principles"),
    ("泽德人工智能风险管理框架", None),  # shares a name and generic words only
    ("未存储的标题", None),  # rendered, but no stored document has that name
])
def test_a_title_names_the_document_it_renders(names, title, document):
    assert names.document_of(title, 0.8) == document
    assert names.document_of(title, None) is None  # the check off


def test_a_rendering_written_out_without_title_marks_names_its_document(names):
    question = "反泽德虚假信息行为准则对政治广告有什么要求？"
    assert names.written_in(question) == {"Code of Practice on Zed Disinformation"}
    generic = DocumentNames(["Zed Ethics"], {"Zed Ethics": ("人工智能伦理原则",)})
    assert generic.written_in("人工智能伦理原则有哪些？") == set()  # generic words only: many texts' name


def test_the_shipped_renderings_are_of_names_and_well_formed():
    text = resources.files("assistant.retrieval").joinpath("data/document_names_zh.json").read_text(encoding="utf-8")
    table = json.loads(text)
    assert len(table) >= 200
    for english, renderings in table.items():
        assert english and 1 <= len(renderings) <= 4, english
        assert all(r and not any(c in r for c in "《》\"“”") for r in renderings), english


def test_beside_its_body_a_main_title_names_the_document(names):
    """People cite a title without its subtitle beside its author; alone, a main title is too often a phrase."""
    quorrel = "Quorrel Design: A Vision for Humane Systems"
    assert names.document_of("奎雷尔式设计", 0.8) is None  # alone: the full rendering is too far
    assert names.document_of("奎雷尔式设计", 0.8, among={quorrel}) == quorrel
    assert names.document_of("奎雷尔式设计", 0.8, among={"Zorblax AI Principles"}) is None


def test_beside_its_body_its_own_documents_come_first(names):
    """Another company's title renders closer, but the question names this body: its own document is meant."""
    title = "负责任使用人工智能的方法"
    assert names.document_of(title, 0.8) == "Responsible use of AI"
    # its rendering holds the owner's name the question writes outside the title (维克索《…》): still close enough
    assert names.document_of(title, 0.8, among={"Responsible Use of AI at Vexo"}) == "Responsible Use of AI at Vexo"
