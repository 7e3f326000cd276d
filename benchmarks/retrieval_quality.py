"""Retrieval quality of the fusion weights around the defaults, on the dev questions.

    python benchmarks/retrieval_quality.py [--store DIR]

Each row changes one weight of assistant.settings.FusionWeights and prints
recall@5 / MRR@10 / abstention accuracy, so a change of weights is a measured
choice, not a guess.  The store (default: a cache folder) is built once.
"""

from __future__ import annotations

from common import DEV, bench_charter, store_arguments

VARIANTS = {
    "defaults": {},
    "no second view": {"second": 0.0},
    "second view 0.5": {"second": 0.5},
    "no BM25": {"bm25": 0.0},
    "BM25 0.2": {"bm25": 0.2},
    "no year": {"year": 0.0},
    "year 1.0": {"year": 1.0},
    "no mentions": {"mention": 0.0},
    "mentions 2.0": {"mention": 2.0},
    "no diversity": {"doc_penalty": 0.0},
    "diversity 1.0": {"doc_penalty": 1.0},
}


def main() -> None:
    parser = store_arguments(__doc__)
    args = parser.parse_args()
    from assistant.evaluate import evaluate_retriever, load_questions

    charter = bench_charter(args)
    questions = load_questions(DEV)
    base = charter.settings.retrieval.fusion
    print(f"{'variant':<18} {'recall@5':>8} {'MRR@10':>7} {'nDCG@10':>8} {'abstain':>8}")
    for name, change in VARIANTS.items():
        charter.retriever.fusion = base.model_copy(update=change)
        r = evaluate_retriever(charter, questions, 5, "hybrid")
        print(f"{name:<18} {r['recall@5']:>8.3f} {r['mrr@10']:>7.3f} {r['ndcg@10']:>8.3f} "
              f"{r['abstention_accuracy']:>8.3f}")
    charter.retriever.fusion = base
    for method in ("dense", "bm25"):
        r = evaluate_retriever(charter, questions, 5, method)
        print(f"{method + ' alone':<18} {r['recall@5']:>8.3f} {r['mrr@10']:>7.3f} {r['ndcg@10']:>8.3f} "
              f"{r['abstention_accuracy']:>8.3f}")


if __name__ == "__main__":
    main()
