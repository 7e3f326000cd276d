"""How deep the answer to a paraphrase question sits: is it within reach of any re-ranking at all?

    python benchmarks/paraphrase_depth.py [--store DIR]

For every answerable question of the paraphrase sets one may tune on (``paraphrase_questions.jsonl``,
``paraphrase_unseen.jsonl`` .. ``paraphrase_unseen4.jsonl``; not the held-out ``paraphrase_unseen5.jsonl``), the
rank of the first passage holding its gold, up to 100, through each method of ``Charter.search``: ``hybrid`` (the
default), ``dense`` (the first view alone) and ``bm25``.  It prints recall at 5, 10, 20, 50 and 100 per method, and
the share whose answer is in any method's first 100.

Why: re-ranking reorders what the first stage finds, so recall@100 of the candidates bounds what any re-ranker
(a cross-encoder, an LLM, a learned fusion) could reach at 5.  Paraphrase recall@5 stays far below the issue's
0.75 on every blind set; this says whether the fusion or the first stage (the packaged embedding models) is short.
"""

from __future__ import annotations

import json

from common import ROOT, bench_charter, store_arguments

FILES = [ROOT / "benchmarks" / "data" / f"paraphrase_{name}.jsonl"
         for name in ("questions", "unseen", "unseen2", "unseen3", "unseen4")]
DEPTHS = (5, 10, 20, 50, 100)
METHODS = ("hybrid", "dense", "bm25")


def gold_rank(charter, question: dict, method: str) -> int | None:
    """1-based rank of the first passage holding a gold substring among the first 100, or None."""
    passages = charter.search(question["question"], k=max(DEPTHS), method=method).passages
    return next((i + 1 for i, p in enumerate(passages) if any(g in p.text for g in question["gold"])), None)


def main() -> None:
    args = store_arguments(__doc__).parse_args()
    charter = bench_charter(args)
    questions = [q for path in FILES for q in map(json.loads, path.read_text(encoding="utf-8").splitlines())
                 if q.get("gold")]
    ranks = {m: [gold_rank(charter, q, m) for q in questions] for m in METHODS}
    print(f"{len(questions)} paraphrase questions; share whose answer is within the first k")
    print("method   " + "".join(f"  @{k:<5}" for k in DEPTHS))
    for method in METHODS:
        print(f"{method:<8} " + "".join(f"  {sum(1 for r in ranks[method] if r and r <= k) / len(questions):.3f}"
                                        for k in DEPTHS))
    anywhere = sum(1 for i in range(len(questions)) if any(ranks[m][i] for m in METHODS)) / len(questions)
    print(f"in some method's first {max(DEPTHS)}: {anywhere:.3f}")


if __name__ == "__main__":
    main()
