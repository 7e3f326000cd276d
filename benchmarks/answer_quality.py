"""Answer quality of the offline answer, per split: what ``charter eval`` reports under "answers", for the
question sets the answer selection was tuned and held out on.

    python benchmarks/answer_quality.py [--store DIR] [--no-docs]

Sets (answerable questions only):
- ``../shared/eval/dev_questions.jsonl`` in two halves by id: ``dev_odd`` (tuned on), ``dev_even`` (held out);
- ``benchmarks/questions/{tune,holdout}*.jsonl``: ``bq_tune`` / ``bq_held``;
- ``benchmarks/data/answer_questions.jsonl`` (corpus, ../shared/docs/pasa.pdf and flag_day.html), written
  before any tuning and split by a hash of the question: ``own_tune`` / ``own_held``.
The store holds the default corpus plus, unless ``--no-docs``, the files of ../shared/docs (the questions on
them need it; the others are asked of the same store).

Figures (offline, default settings; own_* over corpus + WAIE + ../shared/docs, the rest over corpus + WAIE;
"before" is the selection of commit c947673: six sentences, plain word overlap, a long sentence cut at its head):

| split | before | after |
|---|---|---|
| dev_odd (tuned on, 17) | 0.814 | 0.931 |
| dev_even (held out, 20) | 0.750 | 0.775 |
| bq_tune (tuned on, 9) | 0.889 | 0.889 |
| bq_held (held out, 11) | 0.545 | 0.727 |
| own_tune (tuned on, 22) | 0.909 | 1.000 |
| own_held (held out, 20) | 0.800 | 0.900 |

cut_quotes 0 and repeated_quotes 0 before and after.  Of dev_even's misses, three questions (and half of a
fourth) have no gold phrase in the five retrieved passages at all: 0.825 is the most any selection can reach
there with the retriever's top five.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from common import DEV, ROOT, SHARED, bench_charter, store_arguments


def question_sets() -> list[tuple[str, dict[str, Any]]]:
    """(split, question) for every answerable question of the sets above."""
    from assistant.evaluate import load_questions

    out: list[tuple[str, dict[str, Any]]] = []
    for q in load_questions(DEV):
        out.append(("dev_even" if int(str(q["id"]).lstrip("q") or 0) % 2 == 0 else "dev_odd", q))
    for path in sorted((ROOT / "benchmarks" / "questions").glob("*.jsonl")):
        split = "bq_held" if path.stem.startswith("holdout") else "bq_tune"
        out += [(split, q) for q in load_questions(path)]
    own = ROOT / "benchmarks" / "data" / "answer_questions.jsonl"
    for q in load_questions(own):
        half = q.get("split") or ("tune" if hashlib.sha1(q["question"].encode()).digest()[0] % 2 == 0 else "held")
        out.append((f"own_{half}", q))
    return [(split, q) for split, q in out if q["gold"]]


def main() -> None:
    parser = store_arguments(__doc__)
    parser.add_argument("--no-docs", action="store_true", help="do not add ../shared/docs to the store")
    args = parser.parse_args()
    from assistant.answer.quality import AnswerQuality

    charter = bench_charter(args)
    docs = SHARED / "docs"
    if not args.no_docs and docs.is_dir():
        charter.ingest([docs], progress=False)
    charter.answerer.answer("warm-up question about AI safety")
    splits: dict[str, AnswerQuality] = {}
    overall = AnswerQuality()
    for split, q in question_sets():
        started = time.perf_counter()
        answer = charter.answerer.answer(q["question"], offline=True)
        seconds = time.perf_counter() - started
        splits.setdefault(split, AnswerQuality()).add(q, answer, seconds)
        overall.add(q, answer, seconds)
    rows = {name: quality.report() for name, quality in sorted(splits.items())}
    for name, r in rows.items():
        print(f"{name:<9} n={len(splits[name].gold):<3} gold_quoted {r['gold_quoted']:.3f}   cut {r['cut_quotes']}   "
              f"repeated {r['repeated_quotes']}   answer p50 {r['answer_p50_ms']:.0f} ms   missed {r['gold_missed']}")
    total = overall.report()
    print(json.dumps({k: v for k, v in total.items() if k != "gold_missed"}))


if __name__ == "__main__":
    main()
