"""Summary and Compare in the real app, driven by Debian's headless Chromium: the draft summary's sections and
bibliography, the compare table's targets taken from the question over the picker, columns that stay readable at
1280 px and at a phone's width, and "New conversation" clearing the picked targets.  Screenshots for the README
go to docs/summary.png and docs/compare.png (rewritten when missing or with CHARTER_UPDATE_SCREENSHOT=1)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    from test_ui_browser import (
        CHROMIUM,
        CHROMIUM_ARGS,
        REPO,
        SEED_FILE,
        Server,
        ask,
        last_bot_message,
        offline_env,
        pick,
        save_small_png,
        sync_api,
        wait_ready,
    )
except ImportError:  # tests/ imported as a package
    from tests.ui.test_ui_browser import (
        CHROMIUM,
        CHROMIUM_ARGS,
        REPO,
        SEED_FILE,
        Server,
        ask,
        last_bot_message,
        offline_env,
        pick,
        save_small_png,
        sync_api,
        wait_ready,
    )

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IDAIS = "IDAIS (International Dialogues on AI Safety)"
JAPAN = "Cabinet Office, Government of Japan"
MIN_COLUMN_PX = 150  # about 25 characters a line: narrower than this a column is no longer readable
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def seeds_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("themes-store") / "store"
    subprocess.run([sys.executable, "-m", "ui.cli", "ingest", "-q", str(REPO / "corpus" / SEED_FILE)],
                   env=offline_env(path), cwd=path.parent, check=True, capture_output=True, timeout=300)
    return path


@pytest.fixture(scope="module")
def app(seeds_store, tmp_path_factory) -> Iterator[Server]:
    server = Server(seeds_store, tmp_path_factory.mktemp("themes-log") / "serve.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(app.url)
    wait_ready(pg)
    yield pg
    context.close()


def show_answer(page, bot) -> None:
    """The page scrolled to the chat, and the chat to the start of the last answer (for the screenshots)."""
    page.locator("#charter-chat").evaluate("e => e.scrollIntoView({block: 'start'})")
    bot.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.locator("#charter-chat").evaluate("e => e.scrollIntoView({block: 'start'})")


def shot(page, name: str, tmp_path: Path) -> None:
    target = REPO / "docs" / name
    if os.environ.get("CHARTER_UPDATE_SCREENSHOT") or not target.exists():
        save_small_png(page, target)
    save_small_png(page, tmp_path / name)


def column_widths(bot) -> list[float]:
    """The rendered widths of the table's columns (its header cells), in CSS pixels."""
    return bot.locator("table tr").first.locator("th").evaluate_all(
        "cells => cells.map(c => c.getBoundingClientRect().width)")


def test_summary_is_a_draft_with_sections_and_a_bibliography(page, tmp_path):
    page.locator("#charter-mode label", has_text="Draft a summary").click()
    ask(page, "What do the statements say about AI safety?")
    bot = last_bot_message(page)
    text = bot.inner_text()
    assert "Draft summary" in text and "Bibliography" in text and "Addressed by" in text
    assert bot.locator("h3").count() >= 1, "no theme section"
    assert bot.locator("blockquote a.charter-cite").count() >= 2
    page.set_viewport_size({"width": 1280, "height": 1000})
    show_answer(page, bot)
    shot(page, "summary.png", tmp_path)


def test_compare_table_from_the_question_readable_on_desktop_and_phone(page, tmp_path):
    page.locator("#charter-mode label", has_text="Compare").click()
    page.wait_for_selector("#charter-targets", state="visible")
    pick(page, "#charter-targets", IDAIS)
    pick(page, "#charter-targets", JAPAN)
    ask(page, "Compare Japan and China on security")
    bot = last_bot_message(page)
    assert "named in the question" in bot.inner_text()
    assert "The picker's IDAIS were not used" in bot.inner_text()  # the picked Cabinet Office is Japan's
    header = bot.locator("table th").all_inner_texts()
    assert [h.strip() for h in header[1:]] == ["Japan", "China"]
    assert bot.locator("table a.charter-cite").count() >= 1
    widths = column_widths(bot)
    assert len(widths) == 3 and min(widths[1:]) >= MIN_COLUMN_PX, widths
    page.set_viewport_size({"width": 1280, "height": 1000})
    show_answer(page, bot)
    shot(page, "compare.png", tmp_path)

    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    widths = column_widths(bot)
    assert min(widths[1:]) >= MIN_COLUMN_PX, f"a column is squeezed at phone width: {widths}"
    table = bot.locator("table").bounding_box()
    bubble = bot.bounding_box()
    assert table and bubble and table["width"] <= bubble["width"] + 1, "the table spills out of its bubble"
    save_small_png(page, tmp_path / "compare-phone.png")


def test_new_conversation_clears_the_compare_targets(page):
    page.locator("#charter-mode label", has_text="Compare").click()
    page.wait_for_selector("#charter-targets", state="visible")
    pick(page, "#charter-targets", IDAIS)
    pick(page, "#charter-targets", JAPAN)
    tokens = page.locator("#charter-targets .token")
    assert tokens.count() == 2
    page.click("#charter-clear")
    page.wait_for_function("() => document.querySelectorAll('#charter-targets .token').length === 0")
    # and a compare without targets now takes the two most relevant organisations, saying so
    ask(page, "international cooperation on AI safety")
    assert "no targets given" in last_bot_message(page).inner_text()
