"""End-to-end tests of the web UI: the real ``charter serve`` in a subprocess,
driven by real headless Chromium through Playwright, plus ``gradio_client``.

One store is ingested once for the whole run (the seed statements of the
default corpus plus a hostile statement); one server serves the module; a second, cold server (empty
store) measures first-start time.  Chromium is Debian's ``/usr/bin/chromium``
(never ``playwright install``); without it these tests skip.
"""

from __future__ import annotations

import json
import os
import re
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
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "What do the IDAIS statements ask governments to do?"
HOSTILE_AUTHOR = "Quokka Robotics Board"
HOSTILE = {
    "id": "hostile-quokka-1",
    "text": ("Quokka Robotics Board rule: every zoo robot must be audited by keepers each month. "
             "<script>window.__pwned=1</script> Audits are public. <img src=x onerror=\"window.__pwned=2\"> "
             "Keepers & robots share the log."),
    "author": HOSTILE_AUTHOR,
    "document": 'Zoo Robot Audit Rules <img src=x onerror="window.__pwned=4">',
    "section": '"><svg onload="window.__pwned=5">',
    "date": "2025-02-01",
    "url": "javascript:alert(1)",
    "lang": "en",
}
UPLOAD_GOOD = {"text": "The Moonbase Council recommends that every lunar AI system keeps a human operator on call.",
               "author": "Moonbase Council", "document": "Lunar AI Charter", "date": "2025-03-01",
               "url": "https://example.org/lunar"}
TIMINGS: dict[str, float] = {}


# ---------------------------------------------------------------- server plumbing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def offline_env(store: Path) -> dict[str, str]:
    """The test's own environment: its store, no LLM, no user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "OPENAI_"))}
    env.update(CHARTER_STORE=str(store), CHARTER_LLM_BACKEND="none", CHARTER_CONFIG=str(store.parent / "none.toml"),
               PYTHONUNBUFFERED="1")
    return env


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class Server:
    """``charter serve`` in a subprocess on a free port; times its start."""

    def __init__(self, store: Path, log: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "serve", "--port", str(self.port)],
            env={**offline_env(store), **env}, cwd=store.parent, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )
        self.http_after = self._wait_http()

    def _wait_http(self, timeout: float = 90) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"charter serve exited:\n{self.log.read_text()}")
            if http_ok(self.url):
                return time.perf_counter() - self.started
            time.sleep(0.1)
        raise TimeoutError(f"no HTTP 200 from {self.url}:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ui-fixtures")
    (folder / "hostile.jsonl").write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    (folder / "moonbase.jsonl").write_text(json.dumps(UPLOAD_GOOD) + "\n" + json.dumps({"author": "No Text"}) + "\n",
                                           encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def store(tmp_path_factory, fixtures_dir) -> Path:
    """The seed statements of the default corpus + the hostile statement, ingested once per test session
    (the questions below are about the seed statements; the cold start reads the whole default corpus)."""
    path = tmp_path_factory.mktemp("ui-store") / "store"
    subprocess.run([sys.executable, "-m", "ui.cli", "ingest", "-q", str(REPO / "corpus" / SEED_FILE),
                    str(fixtures_dir / "hostile.jsonl")], env=offline_env(path), cwd=path.parent, check=True,
                   capture_output=True, timeout=300)
    return path


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(store, browser, tmp_path_factory) -> Iterator[Server]:
    """The app on the shared store (warm start), with its start-up time measured."""
    srv = Server(store, tmp_path_factory.mktemp("ui-log") / "serve.log")
    try:
        page = browser.new_page()
        page.goto(srv.url)
        page.wait_for_selector("#charter-chat", state="visible")
        TIMINGS["warm_chat_visible_s"] = time.perf_counter() - srv.started
        wait_ready(page)
        TIMINGS["warm_http_200_s"] = srv.http_after
        TIMINGS["warm_chat_ready_s"] = time.perf_counter() - srv.started
        page.close()
        yield srv
    finally:
        srv.stop()
        print(f"\nUI start-up timings: {json.dumps(TIMINGS)}")


@pytest.fixture
def page(browser, server):
    """A fresh browser context (own session, own conversation) on the app."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    pg.goto(server.url)
    wait_ready(pg)
    yield pg
    context.close()


# ---------------------------------------------------------------- page helpers


def wait_ready(page, timeout: float = 120_000) -> None:
    """The chat is visible and the store is ready (examples filled from it)."""
    page.wait_for_selector("#charter-chat", state="visible", timeout=timeout)
    page.wait_for_selector("#charter-status [data-phase=ready]", timeout=timeout)
    page.wait_for_selector("#charter-example-0 >> visible=true", timeout=timeout)


def verdicts(page) -> int:
    return page.locator("#charter-chat .charter-verdict", has_text="citations valid").count()


def ask(page, question: str, timeout: float = 120_000) -> None:
    """Type a question, send it and wait until its final answer is in the chat."""
    before = verdicts(page)
    page.fill("#charter-question textarea", question)
    page.click("#charter-send")
    page.wait_for_function(
        "n => document.querySelectorAll('#charter-chat .charter-verdict').length > n && "
        "[...document.querySelectorAll('#charter-chat .charter-verdict')]"
        ".every(v => v.textContent.includes('citations valid'))",
        arg=before, timeout=timeout)


def last_bot_message(page):
    return page.locator("#charter-chat .message-row.bot-row").last


def pick(page, dropdown: str, label: str) -> None:
    """Choose an option of a Gradio dropdown by (the start of) its label."""
    box = page.locator(f"{dropdown} input[role=combobox]")
    box.click()
    box.fill(label[:40])
    listbox = box.get_attribute("aria-controls")
    page.locator(f"[id='{listbox}'] [role=option]", has_text=label).first.click()
    page.locator("#charter-header h1").click()  # close the list (Escape would keep it from reopening)


def open_accordion(page, title: str) -> None:
    page.get_by_text(title, exact=True).click()


def marker_targets(page) -> list[str]:
    return page.eval_on_selector_all("#charter-chat a.charter-cite", "els => els.map(e => e.getAttribute('href'))")


def assert_markers_have_cards(page) -> None:
    hrefs = marker_targets(page)
    assert hrefs, "the answer has no [n] links"
    missing = page.evaluate(
        "hrefs => hrefs.filter(h => !document.getElementById(h.slice(1))?.closest('#charter-sources'))", hrefs)
    assert not missing, f"[n] links without a source card: {missing}"


def screenshot(page, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))


def save_small_png(page, path: Path, limit: int = 300_000) -> None:
    """A README screenshot under ~300 KB (palette PNG when the plain one is larger)."""
    screenshot(page, path)
    if path.stat().st_size > limit:
        from PIL import Image

        Image.open(path).convert("RGB").quantize(colors=128).save(path, optimize=True)


# ---------------------------------------------------------------- tests


def test_ask_streams_an_answer_with_linked_sources(page, server, tmp_path):
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not re.match(r"^(https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:)", r.url) else None)
    page.evaluate("""() => { window.__seen = []; new MutationObserver(() => {
        const t = document.querySelector('#charter-chat')?.innerText || '';
        if (t.includes('Searching the statements') || t.includes('writing…')) window.__seen.push('partial');
      }).observe(document.querySelector('#charter-chat'), {subtree: true, childList: true, characterData: true}); }""")
    ask(page, QUESTION)
    assert page.evaluate("window.__seen.length") > 0, "no partial update was shown before the final answer"
    answer = last_bot_message(page).inner_text()
    assert "IDAIS" in answer and "quotes verified" in answer
    assert_markers_have_cards(page)

    cards = page.locator("#charter-sources .charter-card")
    assert cards.count() >= 2
    first = cards.first
    assert first.locator("mark").count() >= 1, "the quote is not highlighted in its passage"
    assert "IDAIS" in first.locator(".charter-author").inner_text()
    assert re.search(r"\d{4}-\d{2}-\d{2}", first.locator(".charter-meta").inner_text())
    assert page.locator("#charter-backend").inner_text().startswith("Answers by: offline quotes")

    page.set_viewport_size({"width": 1360, "height": 1180})
    page.evaluate("window.scrollTo(0, 0)")
    readme_shot = REPO / "docs" / "screenshot.png"
    if os.environ.get("CHARTER_UPDATE_SCREENSHOT") or not readme_shot.exists():  # no binary churn on every run
        save_small_png(page, readme_shot)
    save_small_png(page, tmp_path / "readme.png")
    page.set_viewport_size({"width": 1360, "height": 900})

    href = marker_targets(page)[-1]
    page.locator(f'#charter-chat a.charter-cite[href="{href}"]').first.click()
    page.wait_for_function("h => location.hash === h", arg=href)
    box = page.locator(href).bounding_box()
    assert box and 0 <= box["y"] < 900, "clicking [n] did not bring its card into view"

    screenshot(page, tmp_path / "ask.png")
    assert not outside, f"the page fetched from outside this machine: {outside}"


# where the newest answer's start, the chat box and the "Conversation" label stand on the page
CHAT_GEOMETRY = """() => {
  const chat = document.getElementById('charter-chat');
  const box = chat.querySelector('.bubble-wrap');
  const marks = chat.querySelectorAll('.charter-answer-top');
  const mark = marks[marks.length - 1].closest('.message-row') || marks[marks.length - 1];
  const label = chat.querySelector('[data-testid=block-label]');
  const r = (el) => { const b = el.getBoundingClientRect(); return {top: b.top, bottom: b.bottom, height: b.height}; };
  const texts = [...chat.querySelectorAll('.message-row')].map(r).filter(
    (m) => m.bottom > r(box).top && m.top < r(box).bottom);
  return {box: r(box), answer: r(mark), label: label ? {...r(label), text: label.innerText} : null,
          scrollTop: box.scrollTop, scrollHeight: box.scrollHeight, clientHeight: box.clientHeight,
          firstVisibleTop: texts.length ? Math.max(texts[0].top, r(box).top) : null};
}"""


def test_a_new_answer_shows_from_its_start_and_the_label_covers_no_text(page, tmp_path):
    """The chat box is kept at the start of the newest answer (its lead), not scrolled to its end, and the
    "Conversation" label sits above the messages instead of over the first line."""
    questions = [QUESTION, "What do the statements say about the risks of advanced AI?",
                 "What should the international community do about AI safety?"]
    geometry: dict = {}
    for question in questions:
        ask(page, question)
        page.wait_for_timeout(400)  # the scroll happens on the next animation frame
        geometry = page.evaluate(CHAT_GEOMETRY)
        if geometry["scrollHeight"] > geometry["clientHeight"] + 200:
            break
    assert geometry["scrollHeight"] > geometry["clientHeight"] + 200, f"answers never overflowed the box: {geometry}"
    box, answer = geometry["box"], geometry["answer"]
    # the newest answer begins inside the upper part of the box ...
    assert box["top"] - 2 <= answer["top"] <= box["top"] + 0.4 * geometry["clientHeight"], geometry
    # ... and the box is not at its end (where Gradio's autoscroll would have left it)
    assert geometry["scrollTop"] + geometry["clientHeight"] < geometry["scrollHeight"] - 40, geometry
    label = geometry["label"]
    assert label and "Conversation" in label["text"] and label["height"] > 0, "the chat lost its label"
    assert label["bottom"] <= box["top"] + 1, f"the label overlaps the messages: {geometry}"
    assert geometry["firstVisibleTop"] is None or label["bottom"] <= geometry["firstVisibleTop"] + 1, geometry
    screenshot(page, tmp_path / "scrolled.png")


def test_filter_by_organisation(page, tmp_path):
    open_accordion(page, "Filters: organisation, document, years, language, number of sources")
    pick(page, "#charter-f-authors", "Cyberspace Administration of China")
    ask(page, "What does it propose for AI governance?")
    authors = page.locator("#charter-sources .charter-card .charter-author").all_inner_texts()
    assert authors and set(authors) == {"Cyberspace Administration of China"}
    screenshot(page, tmp_path / "filter.png")


def test_summary_and_compare_modes(page, tmp_path):
    page.locator("#charter-mode label", has_text="Draft a summary").click()
    ask(page, "What do the statements say about AI safety?")
    assert "Draft summary" in last_bot_message(page).inner_text()
    assert_markers_have_cards(page)

    page.locator("#charter-mode label", has_text="Compare").click()
    page.wait_for_selector("#charter-targets", state="visible")
    pick(page, "#charter-targets", "IDAIS (International Dialogues on AI Safety)")
    pick(page, "#charter-targets", "Cyberspace Administration of China")
    ask(page, "international cooperation on AI")
    bot = last_bot_message(page)
    assert bot.locator("table").count() == 1, "compare mode did not answer with a table"
    assert bot.locator("table a.charter-cite").count() >= 2
    header = bot.locator("table th").all_inner_texts()
    assert any("IDAIS" in h for h in header) and any("Cyberspace" in h for h in header)
    assert_markers_have_cards(page)
    screenshot(page, tmp_path / "compare.png")


def test_export_conversation_and_last_answer(page, tmp_path):
    ask(page, QUESTION)
    ask(page, "And what about China?")
    open_accordion(page, "Export and copy")
    page.wait_for_selector("#charter-dl-conv:not([disabled])")
    with page.expect_download() as info:
        page.click("#charter-dl-conv")
    whole = Path(info.value.path()).read_text(encoding="utf-8")
    assert whole.startswith("# Charter conversation")
    assert f"## Question 1: {QUESTION}" in whole and "## Question 2: And what about China?" in whole
    assert whole.count("**Sources**") == 2 and re.search(r"^\[1\] IDAIS", whole, re.M)
    with page.expect_download() as info:
        page.click("#charter-dl-last")
    last = Path(info.value.path()).read_text(encoding="utf-8")
    assert "And what about China?" in last and QUESTION not in last and "**Sources**" in last
    assert "**Sources**" in page.locator("#charter-last-md textarea").input_value()


def test_hostile_statement_is_shown_as_text_and_runs_nothing(page, tmp_path):
    ask(page, f"What does the {HOSTILE_AUTHOR} say about auditing zoo robots?")
    card = page.locator("#charter-sources .charter-card", has_text=HOSTILE_AUTHOR).first
    text = card.inner_text()
    assert "<script>window.__pwned=1</script>" in text
    assert '<img src=x onerror="window.__pwned=2">' in text
    assert "javascript:alert(1)" in text and "not a web link" in text
    dangerous = 'a[href^="javascript"], #charter-sources img, #charter-sources svg, #charter-chat img'
    assert page.locator(dangerous).count() == 0

    # open it in full: from the chat's cited-statement picker, then in the corpus browser
    pick(page, "#charter-open-source", HOSTILE_AUTHOR)
    page.wait_for_selector("#charter-source-view .charter-statement")
    assert "<script>window.__pwned=1</script>" in page.locator("#charter-source-view").inner_text()
    page.get_by_role("tab", name="Browse the corpus").click()
    pick(page, "#charter-b-author", HOSTILE_AUTHOR)
    pick(page, "#charter-b-statement", HOSTILE_AUTHOR)
    view = page.locator("#charter-statement-view .charter-statement")
    view.wait_for()
    full = view.inner_text()
    assert '<img src=x onerror="window.__pwned=2">' in full and "Zoo Robot Audit Rules <img" in full
    screenshot(page, tmp_path / "hostile.png")
    page.wait_for_timeout(300)  # give any injected handler its chance to run
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_upload_adds_files_with_the_ingest_messages(page, fixtures_dir, tmp_path):
    page.get_by_role("tab", name="Add files").click()
    page.wait_for_selector("#charter-files", state="visible")
    # the tab mounts its file input as it opens: a file set on the input it replaces is lost (seen 2 runs in 6,
    # the name never showing), so the file is set again on the mounted one
    for attempt in range(3):
        page.set_input_files("#charter-files input[type=file]", str(fixtures_dir / "moonbase.jsonl"))
        try:
            page.wait_for_selector("#charter-files :text('moonbase.jsonl')", timeout=30_000)
            break
        except sync_api.TimeoutError:
            if attempt == 2:
                raise
    page.click("#charter-add")
    page.wait_for_function("() => (document.querySelector('#charter-report textarea')?.value || '').includes('Added')",
                           timeout=60_000)
    report = page.locator("#charter-report textarea").input_value()
    assert "Added: moonbase.jsonl (1 new statement," in report
    # the bad record is named with its line and the same message as `charter ingest`
    assert "Added in part: moonbase.jsonl — error at line 2: record has no 'text'" in report
    assert "/tmp/gradio" not in report  # the upload's temporary path is not shown
    screenshot(page, tmp_path / "upload.png")

    page.get_by_role("tab", name="Chat").click()
    ask(page, "What does the Moonbase Council recommend for lunar AI systems?")
    authors = page.locator("#charter-sources .charter-card .charter-author").all_inner_texts()
    assert "Moonbase Council" in authors


def test_two_sessions_keep_separate_conversations(browser, server):
    contexts = [browser.new_context() for _ in range(2)]
    try:
        a, b = (c.new_page() for c in contexts)
        for p in (a, b):
            p.goto(server.url)
            wait_ready(p)
        for p, q in ((a, QUESTION), (b, "What does the Cabinet Office of Japan say about security?")):
            p.fill("#charter-question textarea", q)
        a.click("#charter-send")
        b.click("#charter-send")  # both at once
        for p in (a, b):
            p.wait_for_selector("#charter-chat .charter-verdict:has-text('citations valid')", timeout=60_000)
        ask(a, "And what about China?")
        chat_a, chat_b = a.locator("#charter-chat").inner_text(), b.locator("#charter-chat").inner_text()
        assert QUESTION in chat_a and "And what about China?" in chat_a and "Cabinet Office of Japan" not in chat_a
        assert "Cabinet Office of Japan" in chat_b and QUESTION not in chat_b and "And what about China?" not in chat_b
        assert b.locator("#charter-chat .charter-verdict").count() == 1
    finally:
        for c in contexts:
            c.close()


def test_gradio_client_ask_and_search(server):
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    answer = client.predict(QUESTION, api_name="/ask")
    assert isinstance(answer, dict) and answer["sources"] and "[1]" in answer["text"]
    assert answer["sources"][0]["passage"]["author"] and "**Sources**" in answer["markdown"]
    json.dumps(answer)
    result = client.predict("international cooperation on AI safety", 3, api_name="/search")
    assert isinstance(result, dict) and 1 <= len(result["passages"]) <= 3
    assert {"text", "author", "score"} <= set(result["passages"][0])


def test_llm_answer_streams_and_the_key_stays_on_the_server(browser, store, tmp_path):
    """With an (stub) LLM: the answer grows in the page while it streams, an
    invented quote is flagged on its card, and the API key never reaches the browser."""
    try:
        from openai_stub import OpenAIStub, Reply
    except ImportError:  # tests/ imported as a package
        from tests.openai_stub import OpenAIStub, Reply

    secret = "sk-ui-test-SECRET-4242"

    def respond(request) -> Reply:
        found = re.search(r'<source n="1"[^>]*>\n(.*?)\n</source>', request.message_text("user"), re.S)
        sentence = re.split(r"(?<=[.!?])\s", found.group(1).strip())[0] if found else "nothing"
        text = (f"The first source says “{sentence}” [1]. It also says “robots shall rule the moon” [1].")
        slow = "cooperation" in request.message_text("user")  # streams for seconds: the next question comes first
        return Reply(text, chunks=re.findall(r"\S+\s*", text), delay=0.3 if slow else 0.04)

    with OpenAIStub(api_key=secret) as stub:
        stub.responder = respond
        srv = Server(store, tmp_path / "llm.log", CHARTER_LLM_BACKEND="openai", OPENAI_BASE_URL=stub.base_url,
                     OPENAI_API_KEY=secret, CHARTER_LLM_MODEL="stub-model-1")
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.goto(srv.url)
            wait_ready(page)
            assert "stub-model-1" in page.locator("#charter-backend").inner_text()
            page.evaluate("""() => { window.__lengths = []; new MutationObserver(() => {
                const bots = document.querySelectorAll('#charter-chat .bot-row');
                if (bots.length) window.__lengths.push(bots[bots.length - 1].innerText.length);
              }).observe(document.querySelector('#charter-chat'),
                         {subtree: true, childList: true, characterData: true}); }""")
            ask(page, QUESTION)
            lengths = page.evaluate("window.__lengths")
            assert len(set(lengths)) >= 4, f"the answer did not grow while streaming: {lengths}"
            assert "stub-model-1" in last_bot_message(page).inner_text()
            assert_markers_have_cards(page)
            assert page.locator("#charter-sources .charter-unverified").count() >= 1, \
                "the invented quote is not flagged"
            assert page.locator("#charter-chat .charter-unverified-inline").count() >= 1
            screenshot(page, tmp_path / "llm.png")
            # a follow-up sent while an answer still streams (a user who types fast) is answered after it, on
            # the conversation that holds the earlier turn, never dropped (Gradio's default drops such a click)
            page.fill("#charter-question textarea", "What does it say about cooperation?")
            page.click("#charter-send")
            page.wait_for_function("() => document.querySelectorAll('#charter-chat .bot-row').length === 2")
            page.fill("#charter-question textarea", "And what about China?")
            page.click("#charter-send")
            page.wait_for_function(
                "() => [...document.querySelectorAll('#charter-chat .charter-verdict')]"
                ".filter(v => v.textContent.includes('citations valid')).length === 3", timeout=120_000)
            chat = page.locator("#charter-chat").inner_text()
            assert chat.index(QUESTION) < chat.index("about cooperation?") < chat.index("And what about China?")
            answered = [r for r in stub.requests if "<source n=" in r.message_text("user")]  # not follow-up rewrites
            assert len(answered) == 3, "a question was dropped or asked twice"
            page.get_by_role("tab", name="Settings").click()
            settings = page.locator("#charter-settings").inner_text()
            assert stub.base_url in settings and "stub-model-1" in settings and "set (never shown)" in settings
            seen = page.content() + urllib.request.urlopen(srv.url + "config").read().decode()
            assert secret not in seen
            screenshot(page, tmp_path / "llm-settings.png")
        finally:
            srv.stop()
    assert secret not in srv.log.read_text()


def test_cold_start_ingests_the_default_corpus_and_says_so(browser, tmp_path):
    """Empty store: the page comes up before the ingest ends and shows its
    progress; the console shows it too.  Start-up timings are recorded."""
    srv = Server(tmp_path / "store", tmp_path / "cold.log")
    try:
        page = browser.new_page()
        page.goto(srv.url)
        page.wait_for_selector("#charter-chat", state="visible")
        TIMINGS["cold_http_200_s"] = srv.http_after
        TIMINGS["cold_chat_visible_s"] = time.perf_counter() - srv.started
        seen: list[str] = []
        deadline = time.monotonic() + 120
        # two steps: ready on the corpus's first files (the seeds), then the rest of it with progress
        while time.monotonic() < deadline:
            seen.append(page.locator("#charter-status").inner_text())
            if seen[-1].startswith("Ready:") and any("passages stored" in s for s in seen):
                break
            page.wait_for_timeout(250)
        wait_ready(page)
        TIMINGS["cold_ready_s"] = time.perf_counter() - srv.started
        assert any("default corpus" in s and "passages stored" in s for s in seen), seen
        final = page.locator("#charter-status").inner_text()
        first = next(int(m.group(1)) for s in seen if (m := re.search(r"first (\d+) statements", s)))
        assert int(re.search(r"Ready: (\d+) statements", final).group(1)) > first  # the whole corpus, not the seeds
        log = srv.log.read_text()
        assert "ingesting the default corpus" in log and "passages embedded" in log
        page.close()
    finally:
        srv.stop()
