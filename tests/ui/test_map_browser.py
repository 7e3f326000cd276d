"""The Map tab end to end: the real ``charter serve`` in a subprocess on the seed statements, driven by Debian's
headless Chromium through Playwright (never ``playwright install``; without /usr/bin/chromium this skips).

It draws a map, checks the heatmap is a real Plotly plot whose hover shows a cell's quote, that the table
beside it holds the same counts with each quote behind a disclosure, that the Markdown and CSV downloads
carry the map, and saves the screenshot the README shows (docs/map.png).
"""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed (/usr/bin/chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SEED_FILE = "ai-safety-statements.linking-ai-principles.zh.txt"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _env(store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OPENAI_"))}
    env.update(CHARTER_STORE=str(store), CHARTER_LLM_BACKEND="none", CHARTER_CONFIG=str(store.parent / "none.toml"),
               PYTHONUNBUFFERED="1")
    return env


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("map-store") / "store"
    subprocess.run([sys.executable, "-m", "ui.cli", "ingest", "-q", str(REPO / "corpus" / SEED_FILE)],
                   env=_env(store), cwd=store.parent, check=True, capture_output=True, timeout=300)
    port = _port()
    log = store.parent / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--no-ingest"],
                            env=_env(store), cwd=store.parent, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while not _up(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"charter serve did not come up:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def page(server):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 1000}, accept_downloads=True)
        pg = context.new_page()
        pg.goto(server)
        pg.wait_for_selector("#charter-status [data-phase=ready]", timeout=120_000)
        yield pg
        browser.close()


def test_map_tab_draws_a_heatmap_with_quotes_a_table_and_downloads(page):
    page.get_by_role("tab", name="Map").click()
    page.wait_for_selector("#charter-map-draw", state="visible")
    page.locator("#charter-map-framework input").click()
    page.get_by_role("option", name="Fjeld et al. 2020: eight themes").click()
    page.click("#charter-map-draw")
    page.wait_for_selector("#charter-map-plot .js-plotly-plot .heatmaplayer", timeout=180_000)
    page.wait_for_selector("#charter-map-table table tbody tr", timeout=30_000)

    # the table: one row per organisation, a column per theme, totals
    heads = page.locator("#charter-map-table table").first.locator("thead th").all_inner_texts()
    assert heads[0] == "Organisation" and heads[1] == "Privacy" and heads[-1] == "Themes"
    rows = page.locator("#charter-map-table table").first.locator("tbody tr")
    assert rows.count() == 3  # IDAIS, the Cabinet Office of Japan, the CAC
    filled = page.locator("#charter-map-table td.filled")
    assert filled.count() >= 3
    first = filled.first
    assert not first.locator("blockquote").is_visible()
    first.locator("summary").click()  # a click opens the cell's quote
    quote = first.locator("blockquote")
    assert quote.is_visible() and "“" in quote.inner_text() and "—" in quote.inner_text()
    assert "statements from 3 organisations" in page.inner_text("#charter-map-status")

    # the table scrolls inside its column: the page itself is no wider than the window
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.evaluate("window.scrollTo(0, 0); document.querySelector('.charter-map-scroll').scrollLeft = 0")

    # hovering a filled heatmap cell shows its quote
    box = page.locator("#charter-map-plot .nsewdrag").first.bounding_box()
    assert box
    shown = ""
    for fx in (0.06, 0.19, 0.31, 0.44, 0.56, 0.69, 0.81, 0.94):
        for fy in (0.17, 0.5, 0.83):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(150)
            hover = page.locator("#charter-map-plot .hoverlayer")
            shown = (hover.first.text_content() or "") if hover.count() else ""
            if "“" in shown:
                break
        if "“" in shown:
            break
    assert "statement(s)" in shown and "“" in shown, shown
    page.screenshot(path=str(REPO / "docs" / "map.png"), full_page=True)

    # downloads: the Markdown brief and the CSV of the cells
    with page.expect_download() as md_download:
        page.click("#charter-map-dl-md")
    md = Path(md_download.value.path()).read_text(encoding="utf-8")
    assert md.startswith("# Consensus map: the whole store") and "| Organisation | 1. Privacy |" in md
    with page.expect_download() as csv_download:
        page.click("#charter-map-dl-csv")
    cells = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text(encoding="utf-8"))))
    assert len(cells) == filled.count()
    assert {c["theme"] for c in cells} <= set(heads[1:-1])
