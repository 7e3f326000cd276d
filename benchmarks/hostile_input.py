"""Hostile input at scale: does any parser grow super-linearly on text built to hurt it?

    python -m benchmarks.hostile_input [--mb 10] [--small-fraction 0.1] [--factor 3] [--only CASE] [--json]

For every ingest format, pathological files of a given size (long lines, deep HTML nesting, millions of blank
lines, unclosed quotes, one huge paragraph, repeated attribution lines, many tiny cells) are parsed at two
sizes by ``assistant.index.sync.parse_files`` (the real ingest path, no embedding).  Each parse runs in its
own child process, so its peak RSS is its own and a runaway parse is stopped by ``--timeout``.  A case is
flagged when its time ratio exceeds ``--factor`` times the size ratio (linear growth gives about the size
ratio; quadratic growth gives its square), when it times out, or when a parse fails with anything but a
clear IngestError (``parse_files`` reports those as "could not read (ExceptionName ...)").
Exit 1 when any case is flagged.  tests/faults/test_hostile_scaling.py runs a short form.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "AI systems must be tested by independent experts before they are released to the public. "


def _fill(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """``head`` + ``unit`` repeated to about ``size`` bytes (UTF-8) + ``tail``."""
    count = max(1, (size - len(head) - len(tail)) // max(1, len(unit.encode())))
    return head + unit * count + tail


def _pdf(size: int) -> bytes:
    """A text-layer PDF (Helvetica, 50 lines a page) holding one paragraph of about ``size`` bytes."""
    line = "(" + SENTENCE[:80] + ") Tj T*\n"
    per_page = 50
    pages = max(1, size // (len(line) * per_page))
    content = ("BT /F1 9 Tf 11 TL 40 800 Td\n" + line * per_page + "ET").encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               ("<< /Type /Pages /Kids [" + " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
                + f"] /Count {pages} >>").encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i in range(pages):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> "
                       f">> /Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


_ATTRIBUTION = "\n\n由 Cabinet Office, Government of Japan 在 Social Principles of Human centric AI发表, Dec 27, 2019\n"
_PRINCIPLE = "原则: IDAIS Oxford, Oct 31, 2023\n\n作者:IDAIS (International Dialogues on AI Safety)\n\n"

# case name -> (file suffix, builder of about `size` bytes, share of --mb used: the PDF parser is slower per byte)
CASES: dict[str, tuple[str, Callable[[int], str | bytes], float]] = {
    "jsonl-long-line": (".jsonl", lambda n: '{"author": "Org", "text": "' + _fill(SENTENCE, n) + '"}\n', 1.0),
    "jsonl-unclosed-quotes": (".jsonl", lambda n: _fill('{"author": "Org", "text": "' + SENTENCE + "\n", n), 1.0),
    "jsonl-blank-lines": (".jsonl", lambda n: _fill("\n", n, '{"author": "Org", "text": "' + SENTENCE + '"}\n'), 1.0),
    "csv-unclosed-quote": (".csv", lambda n: _fill(SENTENCE + "\n", n, 'text,author\n"' + SENTENCE + "\n"), 1.0),
    "csv-tiny-cells": (".csv", lambda n: _fill("a," * 999 + "a\n", n, "text," + ",".join(f"c{i}" for i in range(999))
                                              + "\n"), 1.0),
    "csv-long-line": (".csv", lambda n: "text,author\n" + _fill(SENTENCE, n) + ",Org\n", 1.0),
    "md-huge-paragraph": (".md", lambda n: _fill(SENTENCE, n, "# Title\n\n"), 1.0),
    "md-blank-lines": (".md", lambda n: _fill("\n", n, "# Title\n\n" + SENTENCE + "\n"), 1.0),
    "md-long-lines": (".md", lambda n: _fill(SENTENCE * 200 + "\n\n", n, "# Title\n\n"), 1.0),
    "md-tiny-table-cells": (".md", lambda n: _fill("|" + "a|" * 200 + "\n", n, "|" + "h|" * 200 + "\n|" + "-|" * 200
                                                   + "\n"), 1.0),
    "txt-huge-paragraph": (".txt", lambda n: _fill(SENTENCE, n), 1.0),
    "txt-blank-lines": (".txt", lambda n: _fill("\n", n, SENTENCE + "\n"), 1.0),
    "export-repeated-attribution": (".txt", lambda n: _fill(_ATTRIBUTION, n, _PRINCIPLE + SENTENCE), 1.0),
    "export-repeated-principle": (".txt", lambda n: _fill(_PRINCIPLE, n), 1.0),
    "export-statements": (".txt", lambda n: _fill(SENTENCE * 3 + _ATTRIBUTION, n, _PRINCIPLE), 1.0),
    "html-deep-nesting": (".html", lambda n: _fill("<div>" * 500 + SENTENCE + "</div>" * 500, n, "<html><body>",
                                                   "</body></html>"), 1.0),
    "html-unclosed-tags": (".html", lambda n: _fill("<div><p><span>" + SENTENCE, n, "<html><body>"), 1.0),
    "html-tiny-cells": (".html", lambda n: _fill("<tr>" + "<td>a</td>" * 100 + "</tr>", n,
                                                 "<html><body><table>", "</table></body></html>"), 1.0),
    "html-huge-paragraph": (".html", lambda n: _fill(SENTENCE, n, "<html><body><p>", "</p></body></html>"), 1.0),
    "pdf-huge-paragraph": (".pdf", _pdf, 0.25),
}


def measure_one(case: str, size: int) -> dict:
    """Build ``case`` at ``size`` bytes, parse it once in this process; seconds, peak RSS and the outcome."""
    from assistant.index.sync import IngestReport, parse_files
    from benchmarks.common import peak_rss_mib

    suffix, build, _ = CASES[case]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"hostile{suffix}"
        warm = build(2000)  # first a tiny file of the same shape: lazy imports and caches are not timed
        path.write_bytes(warm if isinstance(warm, bytes) else warm.encode())
        parse_files([path], IngestReport())
        data = build(size)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        report = IngestReport()
        start = time.perf_counter()
        parsed = parse_files([path], report)
        seconds = time.perf_counter() - start
    crashed = [e for e in report.errors if ": error: could not read (" in e]
    return {"case": case, "bytes": path.stat().st_size if path.exists() else len(data), "seconds": seconds,
            "peak_rss_mb": peak_rss_mib(),  # this child's own
            "statements": sum(len(s) for _, s in parsed), "errors": [e[-200:] for e in report.errors[:3]],
            "crashed": crashed[:1]}


def run_child(case: str, size: int, timeout: float) -> dict:
    """One measurement in a child process: its RSS is its own, and a runaway parse is stopped."""
    try:
        run = subprocess.run([sys.executable, "-m", "benchmarks.hostile_input", "--child", case, str(size)],
                             cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"case": case, "bytes": size, "seconds": float("inf"), "timeout": True, "crashed": []}
    if run.returncode != 0:
        return {"case": case, "bytes": size, "seconds": float("nan"), "crashed": [run.stderr[-400:]]}
    return json.loads(run.stdout)


def run_here(case: str, size: int, timeout: float) -> dict:
    """One measurement in this process (the short form in tests: no child start-up per case; the peak RSS
    is then the process's so far, and there is no timeout).  The faster of two runs: a loaded machine's
    pauses hit small parses hardest."""
    del timeout
    first = measure_one(case, size)
    return first if first["seconds"] > 1.0 else min(first, measure_one(case, size), key=lambda r: r["seconds"])


def compare(case: str, mb: float, fraction: float, factor: float, timeout: float, in_process: bool = False) -> dict:
    """The case at ``fraction`` of its size and at full size: the ratios and whether it is flagged."""
    run = run_here if in_process else run_child
    full = int(mb * 1e6 * CASES[case][2])
    small = run(case, max(1000, int(full * fraction)), timeout)
    big = run(case, full, timeout)
    size_ratio = big["bytes"] / small["bytes"]
    time_ratio = big["seconds"] / max(small["seconds"], 0.02)  # a floor: a parse of a few ms is timer noise
    reasons = []
    if big.get("timeout") or small.get("timeout"):
        reasons.append(f"over the {timeout:g} s timeout")
    elif time_ratio > factor * size_ratio:
        reasons.append(f"time x{time_ratio:.1f} for size x{size_ratio:.1f} (super-linear)")
    reasons += [f"crash: {c}" for c in small.get("crashed", []) + big.get("crashed", [])]
    return {"case": case, "small": small, "big": big, "size_ratio": size_ratio, "time_ratio": time_ratio,
            "flagged": reasons}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=10.0, help="full size of each file in MB (default 10)")
    parser.add_argument("--small-fraction", type=float, default=0.1, help="the small size as a share of --mb")
    parser.add_argument("--factor", type=float, default=3.0,
                        help="flag a time ratio above this many times the size ratio (default 3)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per parse")
    parser.add_argument("--only", action="append", choices=sorted(CASES), help="run only these cases")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--in-process", action="store_true",
                        help="parse in this process (faster for small sizes; RSS is the process's, no timeout)")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "BYTES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure_one(args.child[0], int(args.child[1]))))
        return 0
    results = []
    for case in args.only or list(CASES):
        result = compare(case, args.mb, args.small_fraction, args.factor, args.timeout, args.in_process)
        results.append(result)
        if not args.json:
            small, big = result["small"], result["big"]
            print(f"{case:28s} {small['bytes'] / 1e6:6.2f} MB {small['seconds']:7.3f} s | {big['bytes'] / 1e6:6.2f} MB "
                  f"{big['seconds']:7.3f} s | time x{result['time_ratio']:5.1f} size x{result['size_ratio']:4.1f} | "
                  f"peak RSS {big.get('peak_rss_mb', float('nan')):6.0f} MB | statements {big.get('statements', '-')}"
                  + (f" | FLAGGED: {'; '.join(result['flagged'])}" if result["flagged"] else ""), flush=True)
    flagged = [r for r in results if r["flagged"]]
    if args.json:
        print(json.dumps({"mb": args.mb, "factor": args.factor, "results": results, "flagged": len(flagged)}))
    else:
        print(f"{len(results)} cases, {len(flagged)} flagged")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
