"""Look of the app: system fonts only (no font is fetched from anywhere) and
the styles of source cards, markers and the corpus browser."""

from __future__ import annotations

import gradio as gr

SANS = ["system-ui", "-apple-system", "'Segoe UI'", "Roboto", "'Noto Sans'", "'Noto Sans CJK SC'", "Arial",
        "sans-serif"]
MONO = ["ui-monospace", "'SFMono-Regular'", "Menlo", "Consolas", "'DejaVu Sans Mono'", "monospace"]


def make_theme() -> gr.themes.Base:
    """Gradio's default look with plain font names: a string is a system font,
    so the theme emits no @font-face and no Google Fonts stylesheet."""
    return gr.themes.Default(primary_hue="indigo", neutral_hue="slate", font=SANS, font_mono=MONO)


CSS = """
#charter-chat .bubble-wrap { margin-top: 2.4rem; height: calc(100% - 2.4rem); padding-top: .4rem; }
#charter-header h1 { margin: 0; font-size: 1.6rem; }
#charter-header p { margin: 0.15rem 0 0; opacity: 0.8; }
.charter-statusline {
  font-size: 0.9rem; padding: 0.3rem 0.6rem; border-radius: 6px; background: var(--block-background-fill);
  border: 1px solid var(--border-color-primary);
}
.charter-statusline.is-busy { border-color: #d97706; }
.charter-statusline.is-error { border-color: #dc2626; color: #b91c1c; }
.charter-statusline progress { vertical-align: middle; width: 10rem; margin-left: .5rem; }
.charter-panel { max-height: 72vh; overflow-y: auto; padding-right: .3rem; }
.charter-turn-title { font-size: 0.95rem; margin: 0 0 .5rem; }
details.charter-turn > summary { cursor: pointer; margin: .6rem 0; font-weight: 600; opacity: .8; }
.charter-card {
  border: 1px solid var(--border-color-primary); border-left: 4px solid #6366f1; border-radius: 8px;
  padding: .6rem .8rem; margin: 0 0 .7rem; background: var(--block-background-fill); scroll-margin-top: 1rem;
}
.charter-card:target { outline: 3px solid #f59e0b; }
.charter-card-unverified { border-left-color: #dc2626; }
.charter-card-head { font-weight: 600; }
.charter-num { color: #4f46e5; margin-right: .25rem; }
.charter-badge-unverified {
  margin-left: .5rem; font-size: .75rem; color: #fff; background: #dc2626; border-radius: 4px; padding: 0 .35rem;
}
.charter-meta { font-size: .85rem; opacity: .85; margin: .15rem 0 .4rem; }
#charter-sources .charter-passage, .charter-passage {
  margin: .2rem 0 0; padding: .3rem .6rem; border-left: 2px solid var(--border-color-primary); white-space: pre-wrap;
  font-size: .9rem; line-height: 1.45;
}
.charter-passage mark, .charter-empty mark { background: #fde68a; color: inherit; padding: 0 .1rem; }
.charter-unverified { margin-top: .4rem; color: #b91c1c; font-size: .85rem; font-weight: 600; }
.charter-quoted, .charter-also, .charter-attribution, .charter-fileinfo {
  margin-top: .35rem; font-size: .8rem; opacity: .85;
}
.charter-link { margin-top: .35rem; font-size: .85rem; overflow-wrap: anywhere; }
.charter-nolink code { white-space: pre-wrap; }
.charter-empty { opacity: .75; font-size: .9rem; padding: .5rem; }
#charter-chat a.charter-cite, a.charter-cite {
  font-weight: 700; color: #4f46e5; text-decoration: none; padding: 0 .1rem;
}
#charter-chat a.charter-cite:hover { text-decoration: underline; }
.charter-cite-missing { color: #b91c1c; }
.charter-unverified-inline {
  color: #b91c1c; background: #fee2e2; border-radius: 3px; padding: 0 .2rem; font-style: italic;
}
.charter-verdict { opacity: .7; }
.charter-backend { font-size: .85rem; opacity: .85; }
.charter-example { flex: 1 1 280px !important; text-align: left !important; justify-content: flex-start !important; }
.charter-statement { padding: .4rem .2rem; }
.charter-fulltext {
  white-space: pre-wrap; line-height: 1.5; margin: .6rem 0; padding: .6rem .8rem; border-left: 3px solid #6366f1;
  background: var(--block-background-fill);
}
.charter-citation { font-size: .9rem; margin-top: .4rem; }
.charter-facets { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.charter-facet ul { list-style: none; padding-left: 0; margin: .2rem 0; }
.charter-facet ul ul { padding-left: 1.4rem; }
.charter-count {
  display: inline-block; min-width: 2.2rem; text-align: right; margin-right: .4rem;
  font-variant-numeric: tabular-nums; opacity: .75;
}
.charter-settings td { padding: .15rem .8rem .15rem 0; vertical-align: top; }
"""


# The chat shows each new answer from its start.  Gradio's autoscroll (off in app.py) keeps the chat box at the
# end of the newest message, so a long answer opened on its last quote, its lead and first quotes scrolled away.
# Each answer bubble starts with an empty ``charter-answer-top charter-turn-N`` marker (cards.answer_message);
# when a marker of a new turn appears, the chat box scrolls to put the question above it at the top.  While the
# answer is still too short for that (the "Searching…" placeholder), the box cannot scroll so far yet: it goes as
# far as it can and tries again as the answer grows, until the question stands at the top once.
SCROLL_JS = """
<script>
(() => {
  let shown = null, settled = false;
  const place = () => {
    const chat = document.getElementById("charter-chat");
    if (!chat) return;
    const marks = chat.querySelectorAll(".charter-answer-top");
    if (!marks.length) { shown = null; return; }
    const mark = marks[marks.length - 1];
    const turn = [...mark.classList].find((c) => c.startsWith("charter-turn-"));
    if (!turn) return;
    if (turn !== shown) { shown = turn; settled = false; }
    if (settled) return;
    const box = chat.querySelector(".bubble-wrap");
    if (!box) return;
    const rows = chat.querySelectorAll(".message-row");
    const bubble = mark.closest(".message-row");
    const index = [...rows].indexOf(bubble);
    const top = index > 0 ? rows[index - 1] : (bubble || mark);
    const want = box.scrollTop + top.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    const most = box.scrollHeight - box.clientHeight;
    box.scrollTop = Math.max(0, Math.min(want, most));
    settled = want <= most + 1;
  };
  new MutationObserver(() => requestAnimationFrame(place)).observe(document.documentElement,
    { childList: true, subtree: true });
})();
</script>
"""
