"""The Charter web app: layout, wiring and ``launch``.

``build_app(charter)`` returns the ``gr.Blocks``; ``launch`` is what
``charter serve`` calls.  Conversation state lives in ``gr.State`` (per
browser session); the only shared object is the Runtime (models, store,
start-up status), which holds no conversation.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, TypedDict

import gradio as gr

import ui  # noqa: F401 - sets the telemetry switches before gradio is imported
from assistant.service import Charter
from assistant.settings import Settings
from ui.api import make_api
from ui.browse import ALL
from ui.cards import EMPTY_PANEL
from ui.chat import MODES, ChatHandlers
from ui.compare_view import TABLE_CSS
from ui.map_tab import map_tab
from ui.runtime import Runtime
from ui.session import Conversation
from ui.settings_view import settings_html
from ui.theme import CSS, SCROLL_JS, make_theme
from ui.upload import FILE_TYPES, add_files
from ui.widgets import (
    CatalogWidgets,
    backend_html,
    browse_pick,
    cited_statements,
    open_statement,
    refresh,
    status_html,
)

log = logging.getLogger("charter.ui")
N_EXAMPLES = 5


class _Visibility(TypedDict):
    """The keyword Gradio's event listeners take to hide an endpoint from API clients."""

    api_visibility: Literal["public", "private", "undocumented"]


PRIVATE: _Visibility = {"api_visibility": "private"}  # UI plumbing: only /ask and /search are offered to API clients

INTRO = """**Charter** answers questions about AI-governance statements with **verbatim quotes** and numbered
sources. New here? Click one of these questions (they are built from what the store holds), then open the
sources on the right, try the filters, or browse the corpus."""


# ---------------------------------------------------------------- layout


def _filters(runtime: Runtime, w: dict[str, Any]) -> None:
    """Organisation, document, years, language and number of sources."""
    with gr.Accordion("Filters: organisation, document, years, language, number of sources", open=False,
                      elem_id="charter-filters"):
        with gr.Row():
            w["authors"] = gr.Dropdown([], multiselect=True, label="Organisation", elem_id="charter-f-authors")
            w["documents"] = gr.Dropdown([], multiselect=True, label="Document", elem_id="charter-f-documents")
        with gr.Row():
            w["since"] = gr.Dropdown([("any", "")], value="", label="From year", elem_id="charter-f-since",
                                     min_width=100)
            w["until"] = gr.Dropdown([("any", "")], value="", label="To year", elem_id="charter-f-until", min_width=100)
            w["lang"] = gr.Dropdown([("any", "")], value="", label="Language", elem_id="charter-f-lang", min_width=100)
        settings = runtime.charter.settings
        w["k"] = gr.Slider(1, 20, value=settings.retrieval.top_k, step=1, label="Number of sources",
                           elem_id="charter-f-k", info="Each mode starts from its own default: "
                           f"Ask {settings.retrieval.top_k}, Summary {settings.answer.summary_k}, "
                           f"Compare {settings.answer.compare_k} per organisation.")


def _export(w: dict[str, Any]) -> None:
    """Downloads of the conversation / last answer, and the answer as copyable Markdown."""
    with gr.Accordion("Export and copy", open=False, elem_id="charter-export"):
        with gr.Row():
            w["dl_conv"] = gr.DownloadButton("Download the conversation (.md)", interactive=False,
                                             elem_id="charter-dl-conv")
            w["dl_last"] = gr.DownloadButton("Download the last answer (.md)", interactive=False,
                                             elem_id="charter-dl-last")
        w["last_md"] = gr.Textbox(label="Last answer as Markdown (with its numbered sources)", lines=8, max_lines=20,
                                  interactive=False, buttons=["copy"], elem_id="charter-last-md")


def _chat_tab(runtime: Runtime) -> dict[str, Any]:
    """Start here, mode and filters, the chat, the sources panel, export."""
    w: dict[str, Any] = {}
    with gr.Accordion("Start here", open=True, elem_id="charter-start"):
        gr.Markdown(INTRO)
        with gr.Row(elem_id="charter-examples"):
            w["buttons"] = [gr.Button(visible=False, size="sm", elem_classes="charter-example",
                                      elem_id=f"charter-example-{i}") for i in range(N_EXAMPLES)]
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            with gr.Row():
                w["mode"] = gr.Radio(MODES, value="ask", label="Mode", elem_id="charter-mode", scale=2)
                w["targets"] = gr.Dropdown([], multiselect=True,
                                           label="Compare (two or more organisations or documents)",
                                           visible=False, elem_id="charter-targets", scale=3)
            _filters(runtime, w)
            w["chatbot"] = gr.Chatbot(
                label="Conversation", elem_id="charter-chat", height=520, buttons=["copy", "copy_all"],
                autoscroll=False, latex_delimiters=[], sanitize_html=True, allow_tags=False, feedback_options=None,
                placeholder="Answers appear here, each quote followed by its source number [n].",
            )
            with gr.Row():
                w["question"] = gr.Textbox(
                    show_label=False, scale=6, elem_id="charter-question", lines=1, max_lines=4,
                    placeholder="Ask about AI-governance statements, e.g. What do governments commit to?")
                w["send"] = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="charter-send")
                w["clear"] = gr.Button("New conversation", scale=1, min_width=120, elem_id="charter-clear")
            _export(w)
        with gr.Column(scale=2, min_width=320):
            gr.Markdown("### Sources")
            w["sources"] = gr.HTML(EMPTY_PANEL, elem_id="charter-sources", js_on_load=None)
            w["open_source"] = gr.Dropdown([], label="Open a cited statement in full", elem_id="charter-open-source")
            w["source_view"] = gr.HTML("", elem_id="charter-source-view", js_on_load=None)
    return w


def _browse_tab() -> dict[str, Any]:
    w: dict[str, Any] = {}
    w["overview"] = gr.HTML("", elem_id="charter-overview", js_on_load=None)
    with gr.Row():
        w["b_author"] = gr.Dropdown([ALL], value=ALL, label="Organisation", elem_id="charter-b-author")
        w["b_year"] = gr.Dropdown([ALL], value=ALL, label="Year", elem_id="charter-b-year")
        w["b_document"] = gr.Dropdown([ALL], value=ALL, label="Document", elem_id="charter-b-document")
    w["b_statement"] = gr.Dropdown([], label="Statement", elem_id="charter-b-statement")
    w["statement_view"] = gr.HTML('<div class="charter-empty">Pick a statement to read its full text.</div>',
                                  elem_id="charter-statement-view", js_on_load=None)
    return w


def _upload_tab() -> dict[str, Any]:
    w: dict[str, Any] = {}
    gr.Markdown("Add statement files to the corpus (the same formats and checks as `charter ingest`: "
                + ", ".join(f"`{t}`" for t in FILE_TYPES) + "). Re-adding an unchanged file changes nothing.")
    w["files"] = gr.File(file_count="multiple", file_types=FILE_TYPES, label="Files to add", elem_id="charter-files")
    w["add"] = gr.Button("Add to the corpus", variant="primary", elem_id="charter-add")
    w["report"] = gr.Textbox(label="Ingest report", lines=8, max_lines=30, interactive=False, elem_id="charter-report")
    return w


def build_app(charter: Charter, runtime: Runtime | None = None, *, start: bool = True) -> gr.Blocks:
    """The whole UI.  With ``start``, also starts the Runtime (store, models,
    first-start ingest) in the background; ``launch`` starts it only once the
    server listens, so the page is up sooner."""
    runtime = runtime or Runtime(charter)
    chat = ChatHandlers(runtime)
    # delete_cache: Gradio's copies of uploads and exports older than a day go, checked hourly
    with gr.Blocks(title="Charter — AI-governance statements, quoted", analytics_enabled=False,
                   delete_cache=(3600, 86400)) as demo:
        conversation = gr.State(Conversation())
        examples = gr.State([])
        timer = gr.Timer(1.0)
        with gr.Row(elem_id="charter-header"):
            gr.HTML("<h1>Charter</h1><p>What AI-governance statements say, in their own words, with sources.</p>",
                    js_on_load=None)
            with gr.Column(scale=1):
                status = gr.HTML(status_html(runtime.status), elem_id="charter-status", js_on_load=None)
                backend = gr.HTML(backend_html("…"), elem_id="charter-backend", js_on_load=None)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat", elem_id="charter-tab-chat"):
                c = _chat_tab(runtime)
            with gr.Tab("Browse the corpus", id="browse", elem_id="charter-tab-browse"):
                b = _browse_tab()
            with gr.Tab("Map", id="map", elem_id="charter-tab-map"):
                map_tab(runtime)
            with gr.Tab("Add files", id="upload", elem_id="charter-tab-upload"):
                u = _upload_tab()
            with gr.Tab("Settings", id="settings", elem_id="charter-tab-settings"):
                settings_box = gr.HTML(settings_html(charter.settings, "…"), js_on_load=None,
                                       elem_id="charter-settings")
        widgets = CatalogWidgets(
            status=status, backend=backend, settings=settings_box, authors=c["authors"], documents=c["documents"],
            since=c["since"], until=c["until"], lang=c["lang"], targets=c["targets"], examples=examples,
            overview=b["overview"], b_author=b["b_author"], b_year=b["b_year"], b_document=b["b_document"],
            b_statement=b["b_statement"], timer=timer, buttons=c["buttons"])
        _wire(demo, runtime, chat, conversation, widgets, c, b, u)
        ask, search = make_api(runtime)
        answers = charter.settings.ui.concurrency  # one limit for every answer, chosen by benchmarks/load.py
        gr.api(ask, api_name="ask", concurrency_limit=answers, concurrency_id="answers")
        gr.api(search, api_name="search", concurrency_limit=answers, concurrency_id="answers")
    if start:
        runtime.start()
    return demo


def _wire(demo: gr.Blocks, runtime: Runtime, chat: ChatHandlers, conversation: gr.State, widgets: CatalogWidgets,
          c: dict[str, Any], b: dict[str, Any], u: dict[str, Any]) -> None:
    """Connect the events; each handler gets only what it needs."""
    do_refresh = lambda: refresh(runtime, widgets)  # noqa: E731
    demo.load(do_refresh, None, widgets.outputs(), show_progress="hidden", **PRIVATE)
    widgets.timer.tick(do_refresh, None, widgets.outputs(), show_progress="hidden", **PRIVATE)

    ask_inputs = [c["question"], conversation, c["mode"], c["targets"], c["authors"], c["documents"], c["since"],
                  c["until"], c["lang"], c["k"]]
    ask_outputs = [c["chatbot"], c["sources"], conversation, c["question"], c["last_md"], c["dl_conv"], c["dl_last"]]
    answer_opts = dict(show_progress="minimal", concurrency_limit=runtime.charter.settings.ui.concurrency,
                       concurrency_id="answers", **PRIVATE)

    def after_answer(event) -> None:
        event.then(cited_statements, conversation, c["open_source"], show_progress="hidden", **PRIVATE)

    # a question sent while the previous answer is still finishing (its verdict already shown, the turn not
    # yet stored) runs right after it, on the updated conversation; Gradio's default would drop the click
    for send in (c["question"].submit, c["send"].click):
        after_answer(send(chat.respond, ask_inputs, ask_outputs, trigger_mode="always_last", **answer_opts))
    for i, button in enumerate(widgets.buttons):
        picked = button.click(lambda ex, i=i: chat.pick_example(i, ex), widgets.examples,
                              [c["question"], c["mode"], c["targets"], c["k"]], show_progress="hidden", **PRIVATE)
        after_answer(picked.then(chat.respond, ask_inputs, ask_outputs, **answer_opts))
    clear_outputs = ask_outputs[:3] + [c["question"], c["last_md"], c["dl_conv"], c["dl_last"], c["targets"]]
    for trigger in (c["clear"].click, c["chatbot"].clear):
        trigger(chat.new_conversation, None, clear_outputs, show_progress="hidden", **PRIVATE).then(
            cited_statements, conversation, c["open_source"], show_progress="hidden", **PRIVATE)
    c["mode"].change(chat.mode_changed, c["mode"], [c["targets"], c["question"], c["k"]], show_progress="hidden",
                     **PRIVATE)
    c["open_source"].change(lambda sid: open_statement(runtime, sid) if sid else "", c["open_source"], c["source_view"],
                            show_progress="hidden", **PRIVATE)

    pickers = [b["b_author"], b["b_year"], b["b_document"]]
    for picker in pickers:
        picker.input(lambda a, y, d: browse_pick(runtime, a, y, d), pickers, [b["b_document"], b["b_statement"]],
                     show_progress="hidden", **PRIVATE)
    b["b_statement"].change(lambda sid: open_statement(runtime, sid), b["b_statement"], b["statement_view"],
                            show_progress="hidden", **PRIVATE)

    # Gradio finds the progress tracker by a gr.Progress() default: the call in the default is its API.
    def upload(files: list[str] | None,
               progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008 - Gradio's progress API, see above
        return add_files(runtime, files, progress)

    u["add"].click(upload, u["files"], u["report"], concurrency_limit=1, concurrency_id="ingest", **PRIVATE).then(
        do_refresh, None, widgets.outputs(), show_progress="hidden", **PRIVATE)


# ---------------------------------------------------------------- launch


def auth_pair(settings) -> tuple[str, str] | None:
    """Gradio's (user, password) from ``settings.ui.auth`` ("user:password"), or None."""
    if not settings.ui.auth:
        return None
    user, sep, password = settings.ui.auth.get_secret_value().partition(":")
    if not sep or not user or not password:
        raise ValueError("CHARTER_AUTH must look like user:password")
    return user, password


def launch_options(settings: Settings) -> dict[str, Any]:
    """Look and limits of the page, for ``Blocks.launch`` (Gradio 6 takes them there).

    ``max_file_size`` is ``upload_max_mb`` in bytes: Gradio's upload route then refuses a bigger file
    while it arrives (413; the part already received is deleted), so it never lands in the upload
    folder for the handler to refuse later.  The handler keeps its own check all the same."""
    return {"theme": make_theme(), "css": CSS + TABLE_CSS, "head": SCROLL_JS,
            "footer_links": ["api"], "max_file_size": int(settings.ui.upload_max_mb * 1e6), "show_error": False,
            "ssr_mode": False, "pwa": False, "mcp_server": False}


def _console_logging() -> None:
    """Start-up progress goes to the console even when nobody configured logging."""
    logger = logging.getLogger("charter")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def launch(charter: Charter, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           ingest_if_empty: bool = True, *, block: bool = True) -> gr.Blocks:
    """Serve the app (what ``charter serve`` runs); with ``block=False`` return once it listens."""
    _console_logging()
    try:
        auth = auth_pair(charter.settings)
    except ValueError as err:
        raise SystemExit(f"charter: {err}") from None
    runtime = Runtime(charter, ingest_if_empty=ingest_if_empty)
    demo = build_app(charter, runtime, start=False)
    limits = charter.settings.ui
    demo.queue(default_concurrency_limit=limits.concurrency, max_size=limits.queue_max)
    log.info("Charter: starting on http://%s:%s%s", host, port, " (login required)" if auth else "")
    demo.launch(server_name=host, server_port=port, share=share, auth=auth, prevent_thread_lock=True,
                **launch_options(charter.settings))
    runtime.start()
    if block:
        demo.block_thread()
    return demo
