"""The "Map" tab: who speaks to what, as a heatmap with an accessible table beside it.

A topic (or nothing: the whole store) and a choice of themes (found in the texts, or a published framework, or
the reader's own framework file) give ``Charter.map``'s consensus map.  The Plotly heatmap shows a cell's quote
on hover; the table beside it holds the same counts as text, each filled cell a disclosure that opens on its
quote and citation (a click, or Enter), so the map reads without a mouse and without colour.  The map also
downloads as Markdown and as CSV.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.service import map_csv, map_markdown, plotly_heatmap
from ui.export import write_markdown
from ui.runtime import Runtime

if TYPE_CHECKING:
    from assistant.service import ConsensusMap

DISCOVERED = "Themes found in the texts"
FRAMEWORKS = {DISCOVERED: None, "Fjeld et al. 2020: eight themes": "fjeld2020",
              "Corrêa et al. 2023: 17 principles": "waie17", "My framework file (JSON)": "file"}
BY = {"Organisations": "author", "Documents": "document"}
MAP_CSS = """
#charter-map-side, #charter-map-main { min-width: 0 !important; }
#charter-map-table { max-height: 78vh; max-width: 100%; overflow: auto; }
/* width 0 + min-width 100%: the table scrolls inside its column instead of widening the column */
.charter-map-scroll { width: 0; min-width: 100%; overflow-x: auto; }
#charter-map-table table { border-collapse: collapse; font-size: .85rem; }
#charter-map-table th, #charter-map-table td { border: 1px solid var(--border-color-primary); padding: .2rem .35rem;
  vertical-align: top; }
#charter-map-table thead th { position: sticky; top: 0; background: var(--block-background-fill); }
#charter-map-table th[scope=row] { text-align: left; font-weight: 500; min-width: 10rem; }
#charter-map-table td.filled { background: rgba(99, 102, 241, .12); }
#charter-map-table details > summary { cursor: pointer; }
#charter-map-table .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
#charter-map-table blockquote { margin: .3rem 0; min-width: 16rem; font-size: .8rem; }
"""
EMPTY = '<div class="charter-empty">Draw a map to see who speaks to what.</div>'


def map_tab(runtime: Runtime) -> dict[str, Any]:
    """The tab's widgets, wired; call inside ``gr.Tab``."""
    w: dict[str, Any] = {}
    gr.Markdown("Which organisations speak to which themes, and where they converge. Leave the topic empty for "
                "the whole store. Hover a cell (or open it in the table) for its quote.")
    with gr.Row():
        w["topic"] = gr.Textbox(label="Topic (optional)", placeholder="e.g. safety testing of frontier models",
                                scale=3, elem_id="charter-map-topic")
        w["framework"] = gr.Dropdown(list(FRAMEWORKS), value=DISCOVERED, label="Themes", scale=2,
                                     elem_id="charter-map-framework")
        w["by"] = gr.Radio(list(BY), value="Organisations", label="Rows", scale=1, elem_id="charter-map-by")
    w["file"] = gr.File(label='Framework file: [{"name": ..., "description": ...}, ...]', file_types=[".json"],
                        visible=False, elem_id="charter-map-file")
    w["draw"] = gr.Button("Draw the map", variant="primary", elem_id="charter-map-draw")
    w["status"] = gr.Markdown("", elem_id="charter-map-status")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420, elem_id="charter-map-main"):
            w["plot"] = gr.Plot(label="Organisations × themes", elem_id="charter-map-plot")
        with gr.Column(scale=2, min_width=320, elem_id="charter-map-side"):
            w["table"] = gr.HTML(EMPTY, elem_id="charter-map-table", js_on_load=None)
    with gr.Row():
        w["dl_md"] = gr.DownloadButton("Download the map (.md)", interactive=False, elem_id="charter-map-dl-md")
        w["dl_csv"] = gr.DownloadButton("Download its cells (.csv)", interactive=False, elem_id="charter-map-dl-csv")

    w["framework"].change(lambda choice: gr.update(visible=FRAMEWORKS.get(choice) == "file"), w["framework"],
                          w["file"], show_progress="hidden", api_visibility="private")
    inputs = [w["topic"], w["framework"], w["file"], w["by"]]
    outputs = [w["plot"], w["table"], w["status"], w["dl_md"], w["dl_csv"]]
    opts: dict[str, Any] = dict(concurrency_limit=2, concurrency_id="map", api_visibility="private")
    w["draw"].click(lambda *a: draw(runtime, *a), inputs, outputs, **opts)
    w["topic"].submit(lambda *a: draw(runtime, *a), inputs, outputs, **opts)
    return w


def draw(runtime: Runtime, topic: str, choice: str, file: str | None, by_label: str) -> tuple[Any, ...]:
    """The map for the tab's inputs: (figure, table, status, Markdown file, CSV file)."""
    framework = FRAMEWORKS.get(choice)
    if framework == "file":
        if not file:
            return None, EMPTY, "Choose a framework file first.", gr.update(), gr.update()
        framework = file
    runtime.wait_ready()
    try:
        result = runtime.charter.map(topic.strip() or None, framework, by=BY.get(by_label, "author"))
    except ValueError as err:  # a framework file that is not a list of named themes
        return None, EMPTY, f"**Cannot use that framework:** {html.escape(str(err))}", gr.update(), gr.update()
    if not result.themes:
        return (None, EMPTY, "Nothing in the store is close enough to this topic to map.",
                gr.update(value=None, interactive=False), gr.update(value=None, interactive=False))
    stem = f"charter-map-{topic.strip() or 'whole-store'}"
    md = write_markdown(map_markdown(result), stem)
    csv = _write_csv(map_csv(result), stem)
    who = "organisations" if result.by == "author" else "documents"
    status = (f"{result.statements} statements from {len(result.rows)} {who}, {len(result.themes)} themes "
              f"({result.unassigned} statements on none); drawn in {result.seconds:.1f} s.")
    return (plotly_heatmap(result), table_html(result), status, gr.update(value=str(md), interactive=True),
            gr.update(value=str(csv), interactive=True))


def _write_csv(text: str, stem: str) -> Path:
    path = write_markdown(text, stem)  # a fresh folder per call, pruned like the chat's exports
    target = path.with_suffix(".csv")
    path.rename(target)
    return target


def table_html(m: ConsensusMap) -> str:
    """The map as an HTML table: a caption, header cells with scopes, counts as text, quotes behind disclosures,
    row and column totals, and the counts by year below."""
    e = html.escape
    matrix = m.matrix()
    who = "Organisation" if m.by == "author" else "Document"
    head = "".join(f'<th scope="col">{e(t.label)}</th>' for t in m.themes)
    body = []
    for r, name in enumerate(m.rows):
        cells = []
        for j, theme in enumerate(m.themes):
            cell = m.cell(r, j)
            if cell is None:
                cells.append('<td><span class="sr-only">none</span></td>')
                continue
            cells.append(
                f'<td class="filled"><details><summary aria-label="{e(name)} on {e(theme.label)}: '
                f'{cell.count} statements">{cell.count}</summary><blockquote>“{e(" ".join(cell.quote.split()))}”'
                f"<br>— {e(cell.citation())}</blockquote></details></td>")
        body.append(f'<tr><th scope="row">{e(name)}</th>{"".join(cells)}<td>{int((matrix[r] > 0).sum())}</td></tr>')
    totals = "".join(f"<td>{int(x)}</td>" for x in (matrix > 0).sum(axis=0))
    what = f"“{e(m.topic)}”" if m.topic else "the whole store"
    table = (f"<table><caption>Statements per {who.lower()} and theme: {what}. "
             f"Open a number for its quote.</caption><thead><tr><th scope=\"col\">{who}</th>{head}"
             f'<th scope="col">Themes</th></tr></thead><tbody>{"".join(body)}</tbody>'
             f'<tfoot><tr><th scope="row">{who}s</th>{totals}<td></td></tr></tfoot></table>')
    if m.years:
        rows = "".join(f'<tr><th scope="row">{y}</th>' + "".join(f"<td>{c or ''}</td>" for c in counts) + "</tr>"
                       for y, counts in zip(m.years, m.year_counts))
        table += (f"<details><summary>By year</summary><table><caption>Statements per year and theme</caption>"
                  f'<thead><tr><th scope="col">Year</th>{head}</tr></thead><tbody>{rows}</tbody></table></details>')
    return f'<style>{MAP_CSS}</style><div class="charter-map-scroll">{table}</div>'

