"""A consensus map drawn: an interactive Plotly heatmap for the web app, a matplotlib PNG for the command line.

Colour is the number of statements a row has on a theme; hovering a cell (or clicking it, in the app) shows its
quote and citation.  Row and column labels carry their totals (how many themes a row speaks to, how many rows
speak to a theme), so where the texts converge reads off the axes.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from assistant.themes.consensus import ConsensusMap

ROW_CHARS = 38  # a row label is cut to this many characters (the full name is in the hover text)
HOVER_WIDTH = 70


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def axis_labels(m: ConsensusMap) -> tuple[list[str], list[str]]:
    matrix = m.matrix()
    rows = [f"{_short(name, ROW_CHARS)} ({int((matrix[r] > 0).sum())})" for r, name in enumerate(m.rows)]
    cols = [f"{_short(t.label, 28)} ({int((matrix[:, j] > 0).sum())})" for j, t in enumerate(m.themes)]
    return rows, cols


def plotly_heatmap(m: ConsensusMap) -> Any:
    import plotly.graph_objects as go

    matrix = m.matrix()
    rows, cols = axis_labels(m)
    hover = [["" for _ in m.themes] for _ in m.rows]
    quote = [["" for _ in m.themes] for _ in m.rows]
    for c in m.cells:
        wrapped = "<br>".join(textwrap.wrap(" ".join(c.quote.split()), HOVER_WIDTH))
        hover[c.row][c.theme] = (f"<b>{m.rows[c.row]}</b> · {m.themes[c.theme].label}<br>"
                                 f"{c.count} statement(s)<br><br>“{wrapped}”<br>— "
                                 + "<br>".join(textwrap.wrap(c.citation(), HOVER_WIDTH)))
        quote[c.row][c.theme] = c.quote
    z = np.where(matrix > 0, matrix, np.nan)
    figure = go.Figure(go.Heatmap(
        z=z.tolist(), x=cols, y=rows, text=hover, customdata=quote, hovertemplate="%{text}<extra></extra>",
        colorscale="Blues", zauto=False, zmin=0, zmax=max(1, int(matrix.max(initial=0))), showscale=True,
        colorbar={"title": "statements"}, xgap=1, ygap=1, hoverongaps=False))
    what = f"“{m.topic}”" if m.topic else "the whole store"
    figure.update_layout(
        title={"text": f"Who speaks to what: {what}"}, height=max(360, 120 + 18 * len(m.rows)),
        margin={"l": 10, "r": 10, "t": 60, "b": 10}, xaxis={"side": "top", "tickangle": -30},
        yaxis={"autorange": "reversed", "automargin": True}, plot_bgcolor="#f4f4f4")
    return figure


def save_png(m: ConsensusMap, path: str, *, max_rows: int = 40) -> None:
    """The map as a PNG; with more than ``max_rows`` rows, those speaking to the most themes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = m.matrix()
    rows, cols = axis_labels(m)
    order = sorted(range(len(rows)), key=lambda r: (-int((matrix[r] > 0).sum()), m.rows[r].casefold()))[:max_rows]
    shown = matrix[order] if len(order) else np.zeros((0, len(cols)))
    height = max(3.0, 1.6 + 0.28 * len(order))
    width = max(6.0, 3.5 + 0.55 * len(cols))
    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    image = ax.imshow(np.where(shown > 0, shown, np.nan), aspect="auto", cmap="Blues", vmin=0)
    ax.set_xticks(range(len(cols)), cols, rotation=40, ha="left", fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(order)), [rows[r] for r in order], fontsize=8)
    ax.set_facecolor("#f4f4f4")
    what = f"“{m.topic}”" if m.topic else "the whole store"
    more = f" (top {len(order)} of {len(rows)} rows)" if len(order) < len(rows) else ""
    ax.set_title(f"Who speaks to what: {what}{more}", fontsize=10, pad=12)
    fig.colorbar(image, ax=ax, label="statements", shrink=0.6)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
