"""How often Charter says "not covered" when it should, and when it should not; and the fit of the coverage score.

    python benchmarks/abstention.py [--store DIR] [--fit]

Questions: the dev questions (../shared/eval/dev_questions.jsonl, split in two
halves by a hash of their id) and ``benchmarks/data/coverage_questions.jsonl``
(written before any tuning: 52 questions about real texts the corpus lacks, of
several kinds, English and Chinese, and 40 answerable look-alikes that name
stored texts and organisations, in English and Chinese; each marked ``tune`` or
``held`` by a hash of the question), and the blind sets ``benchmarks/data/coverage_unseen*.jsonl`` (about 70
questions each, written blind to the code before a round of tuning, held out in that round and tuned on in the
next; see ``benchmarks/data/README.md``).  ``HELD_OUT`` names the newest: never tuned on, its figures are the ones
reported.

It prints, per half: the share of unanswerable questions abstained (recall),
the share of abstentions that were right (precision) and the share of
answerable questions wrongly refused, per kind; then the precision/recall
curve of the calibrated score over the operating points.  With ``--fit`` it
fits the score's logistic regression on the tuning halves only and prints the
weights to paste into ``assistant/retrieval/abstain.py``; held-out failures
are never printed with ``--fit``, so they cannot steer the fit.
Also: how many stored names, asked about by name, are taken for absent texts.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
from common import DEV, ROOT, bench_charter, store_arguments

OWN = ROOT / "benchmarks" / "data" / "coverage_questions.jsonl"
# each blind set by its name ("unseen", "unseen2", ...); the newest is held out: written before this round of
# tuning and never looked at while tuning
UNSEEN = {p.stem.removeprefix("coverage_"): p for p in (ROOT / "benchmarks" / "data").glob("coverage_unseen*.jsonl")}
HELD_OUT = "unseen11"
SETS = ("dev", "own", *sorted(UNSEEN, key=lambda name: int(name.removeprefix("unseen") or 1)))
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def tunable(row: dict) -> bool:
    """May the settings be fitted on this question?  The tuning halves, and the unseen sets of earlier rounds
    (each looked at after the round it was held out in); never the held-out halves nor ``HELD_OUT``."""
    return row["split"] == "tune" or (row["set"] in UNSEEN and row["set"] != HELD_OUT)


def dev_split(qid: str) -> str:
    """The dev questions carry no split: a hash of the id fixes one, the same for every run."""
    return "tune" if hashlib.sha1(qid.encode()).digest()[0] % 2 == 0 else "held"


def load() -> list[dict]:
    rows = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            rows.append({**q, "set": "dev", "split": dev_split(q["id"])})
    for name, path in (("own", OWN), *UNSEEN.items()):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append({**json.loads(line), "set": name})
    return rows


def run(charter, questions: list[dict]) -> list[dict]:
    out = []
    for q in questions:
        r = charter.retriever.search(q["question"])
        out.append({**q, "abstained": r.abstain, "missing": r.missing, "reason": r.reason,
                    "features": r.signals.features() if r.signals else None, "unanswerable": not q["gold"]})
    return out


def figures(rows: list[dict], abstained: list[bool] | None = None) -> tuple[float, float, float, int, int]:
    """(recall on unanswerable, precision of abstentions, answerable wrongly refused, n unanswerable, n answerable)."""
    flags = abstained if abstained is not None else [r["abstained"] for r in rows]
    un = [f for f, r in zip(flags, rows) if r["unanswerable"]]
    an = [f for f, r in zip(flags, rows) if not r["unanswerable"]]
    refused = [r["unanswerable"] for f, r in zip(flags, rows) if f]
    return (sum(un) / max(len(un), 1), sum(refused) / len(refused) if refused else 1.0,
            sum(an) / max(len(an), 1), len(un), len(an))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method with an L2 penalty (not on the bias); returns [bias, *weights]."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    penalty = np.eye(xb.shape[1]) * l2
    penalty[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + penalty @ w
        hess = xb.T @ (xb * (p * (1 - p))[:, None]) + penalty
        w -= np.linalg.solve(hess, grad)
    return w


def main() -> None:
    parser = store_arguments(__doc__)
    parser.add_argument("--fit", action="store_true", help="fit the score on the tuning halves and print weights")
    parser.add_argument("--errors", action="store_true", help="print the errors on the questions one may tune on")
    args = parser.parse_args()
    from assistant.retrieval.abstain import calibration_for
    from assistant.retrieval.coverage import missing_titles

    charter = bench_charter(args)
    rows = run(charter, load())
    print(f"{'set':<7} {'split':<5} {'unanswerable abstained':>22} {'precision':>9} {'answerable refused':>18}")
    for s in SETS:
        for split in ("tune", "held"):
            part = [r for r in rows if r["set"] == s and r["split"] == split]
            if not part:
                continue
            rec, prec, fr, nu, na = figures(part)
            print(f"{s:<7} {split:<5} {rec:>14.3f} (n={nu:<3}) {prec:>9.3f} {fr:>10.3f} (n={na:<3})")
    print("\nper kind (the questions one may tune on):")
    kinds = sorted({r.get("kind", "?") for r in rows})
    for kind in kinds:
        part = [r for r in rows if r.get("kind") == kind and tunable(r)]
        if part:
            print(f"  {kind:<22} n={len(part):<3} abstained {sum(r['abstained'] for r in part) / len(part):.2f}")
    print(f"\nper kind, held out (coverage_{HELD_OUT}.jsonl; to report, never to tune on):")
    for kind in kinds:
        part = [r for r in rows if r.get("kind") == kind and r["set"] == HELD_OUT]
        if part:
            print(f"  {kind:<22} n={len(part):<3} abstained {sum(r['abstained'] for r in part) / len(part):.2f}")
    tune = [r for r in rows if tunable(r) and r["features"] is not None and not r["missing"]]
    if args.fit or args.errors:
        print("\nerrors on the questions one may tune on (never the held-out ones):")
        for r in rows:
            if tunable(r) and r["abstained"] != r["unanswerable"]:
                print(f"  {'missed' if r['unanswerable'] else 'refused'} {r['id']}: {r['question'][:90]} "
                      f"| {r['reason']} | {np.round(r['features'], 2).tolist() if r['features'] else ''}")
    weights = calibration_for(charter.store)
    if args.fit:  # the curve of the weights just fitted
        x = np.array([r["features"] for r in tune])
        y = np.array([float(r["unanswerable"]) for r in tune])
        w = fit_logistic(x, y)
        print(f"\nfitted on {len(tune)} tuning questions the name check left to the score: "
              f"bias {w[0]:.4f}, weights {tuple(round(float(v), 4) for v in w[1:])}")
        weights = (float(w[0]), tuple(float(v) for v in w[1:]))
    if weights is None:
        print("\nno calibration for this store's embedders: the per-model floors decide")
    else:
        print("\nprecision/recall of the calibrated score (questions the name check did not already settle):")
        for split in ("tune", "held"):
            part = [r for r in rows if r["split"] == split and r["features"] is not None]
            bias, coef = weights
            for t in THRESHOLDS:
                flags = [bool(r["missing"]) or 1 / (1 + np.exp(-(bias + np.dot(coef, r["features"])))) >= t
                         for r in part]
                rec, prec, fr, nu, na = figures(part, flags)
                print(f"  {split:<5} abstain_above {t:.1f}: recall {rec:.3f}  precision {prec:.3f}  "
                      f"answerable refused {fr:.3f}")
    index = charter.retriever.index
    names = list(index.catalog.documents) + list(index.catalog.authors)
    flagged = [n for n in names if missing_titles(f"What does the {n} say about accountability?",
                                                  index.corpus_text, index.statement_names)]
    print(f"\nstored names taken for absent texts: {len(flagged)}/{len(names)}")
    for n in flagged:
        print(f"    flagged: {n}")


if __name__ == "__main__":
    main()

