"""``charter eval``: retrieval quality on a gold question file.

Schema (one JSON object per line): ``id``, ``question``, ``gold`` (verbatim
substrings; a retrieved passage containing one is a hit; ``[]`` means the
corpus cannot answer), optional ``kind``, ``lang`` and ``split`` (the figures
are then also given per split, e.g. the half a setting was tuned on and the held-out half).

recall@k: per answerable question, the share of its gold substrings found in
the top k passages, averaged.  MRR@10: reciprocal rank of the first passage
holding any gold substring.  nDCG@10: binary gains, each gold substring counted
once at the first passage holding it (capped at 1 when one passage holds
several).  Abstention accuracy: on all questions, whether the system abstained
exactly when the gold says it cannot answer.  Abstention precision: the share
of refusals that were right; abstention recall: the share of unanswerable
questions refused; wrongly refused: the share of answerable questions refused.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.labels import OFFLINE_BACKEND
from assistant.answer.quality import AnswerQuality
from assistant.evaluate_modes import evaluate_compare, evaluate_summary, format_modes
from assistant.evaluated import Evaluated
from core.model import Mode, Passage

if TYPE_CHECKING:
    from assistant.retrieval.retriever import Method


def load_questions(path: Path) -> list[dict[str, Any]]:
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}:{n}: not valid JSON ({err.msg})") from None
        if not isinstance(q, dict) or "question" not in q or "gold" not in q:
            raise ValueError(f"{path}:{n}: a question needs 'question' and 'gold'")
        if not isinstance(q["gold"], list) or not all(isinstance(g, str) and g for g in q["gold"]):
            raise ValueError(f"{path}:{n}: 'gold' must be a list of non-empty strings ([] when unanswerable)")
        questions.append(q)
    return questions


def question_metrics(gold: list[str], passages: list[Passage], k: int) -> dict[str, float]:
    """recall@k, reciprocal rank@10 and nDCG@10 of one answerable question."""
    texts = [p.text for p in passages]
    recall = sum(any(g in t for t in texts[:k]) for g in gold) / len(gold)
    rr = next((1.0 / (i + 1) for i, t in enumerate(texts[:10]) if any(g in t for g in gold)), 0.0)
    found: set[str] = set()
    dcg = 0.0
    for i, t in enumerate(texts[:10]):
        new = {g for g in gold if g in t} - found
        if new:
            dcg += len(new) / math.log2(i + 2)
            found |= new
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(gold), 10)))
    # one passage may hold several gold substrings, which beats the one-per-rank ideal: cap at 1
    return {"recall": recall, "rr": rr, "ndcg": min(1.0, dcg / ideal) if ideal else 0.0}


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def evaluate_retriever(charter: Evaluated, questions: list[dict[str, Any]], k: int, method: Method) -> dict[str, Any]:
    per_q: list[dict[str, Any]] = []
    started = time.perf_counter()
    for q in questions:
        result = charter.retriever.search(q["question"], k=max(k, 10), method=method)
        row: dict[str, Any] = {"id": q.get("id"), "kind": q.get("kind", "?"), "abstained": result.abstain}
        row["abstention_correct"] = result.abstain == (not q["gold"])
        row["unanswerable"] = not q["gold"]
        if q.get("split"):
            row["split"] = str(q["split"])
        if q["gold"]:
            row.update(question_metrics(q["gold"], result.passages, k))
        per_q.append(row)
    seconds = time.perf_counter() - started
    answerable = [r for r in per_q if "recall" in r]
    by_kind: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in per_q:
        groups[r["kind"]].append(r)
    for kind, rows in sorted(groups.items()):
        ans = [r for r in rows if "recall" in r]
        entry: dict[str, Any] = {"n": len(rows)}
        if ans:
            entry.update({f"recall@{k}": _mean([r["recall"] for r in ans]), "mrr@10": _mean([r["rr"] for r in ans]),
                          "ndcg@10": _mean([r["ndcg"] for r in ans])})
        entry["abstention_accuracy"] = _mean([float(r["abstention_correct"]) for r in rows])
        by_kind[kind] = entry
    return {
        "retriever": method,
        "n_questions": len(questions),
        "n_answerable": len(answerable),
        f"recall@{k}": _mean([r["recall"] for r in answerable]),
        "mrr@10": _mean([r["rr"] for r in answerable]),
        "ndcg@10": _mean([r["ndcg"] for r in answerable]),
        "abstention_accuracy": _mean([float(r["abstention_correct"]) for r in per_q]),
        **abstention_metrics(per_q),
        "by_kind": by_kind,
        "by_split": split_metrics(per_q, k),
        "seconds_per_question": round(seconds / max(len(questions), 1), 3),
        "misses": [r["id"] for r in answerable if r["recall"] < 1.0],
    }


def abstention_metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Abstention precision (share of refusals that were right), recall (share of
    unanswerable questions refused) and the share of answerable questions wrongly refused."""
    refused = [r for r in rows if r["abstained"]]
    unanswerable = [r for r in rows if r["unanswerable"]]
    answerable = [r for r in rows if not r["unanswerable"]]
    return {
        "abstention_precision": _mean([float(r["unanswerable"]) for r in refused]) if refused else 1.0,
        "abstention_recall": _mean([float(r["abstained"]) for r in unanswerable]) if unanswerable else 1.0,
        "wrongly_refused": _mean([float(r["abstained"]) for r in answerable]),
    }


def split_metrics(rows: list[dict[str, Any]], k: int) -> dict[str, dict[str, Any]]:
    """The headline figures per ``split`` (e.g. "tune" / "held") when the question file marks one."""
    out: dict[str, dict[str, Any]] = {}
    for split in sorted({r["split"] for r in rows if "split" in r}):
        part = [r for r in rows if r.get("split") == split]
        ans = [r for r in part if "recall" in r]
        out[split] = {"n": len(part), "n_answerable": len(ans), f"recall@{k}": _mean([r["recall"] for r in ans]),
                      "mrr@10": _mean([r["rr"] for r in ans]), **abstention_metrics(part)}
    return out


def check_answers(charter: Evaluated, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Answer every question and count valid citations and verified quotes."""
    given = valid = quotes = verified = 0
    quality = AnswerQuality()
    for q in questions:
        started = time.perf_counter()
        answer = charter.answerer.answer(q["question"])
        seconds = time.perf_counter() - started
        v = answer.verification
        given, valid = given + v.citations_given, valid + v.citations_valid
        quotes, verified = quotes + v.quotes_total, verified + v.quotes_verified
        if q["gold"]:
            if answer.backend != OFFLINE_BACKEND:  # the quality figures are the offline answer's
                started = time.perf_counter()
                answer = charter.answerer.answer(q["question"], offline=True)
                seconds = time.perf_counter() - started
            quality.add(q, answer, seconds)
    return {
        **quality.report(),
        "backend": charter.answerer.backend_label,
        "citations_given": given,
        "citations_valid": valid,
        "citation_validity": round(valid / given, 4) if given else 1.0,
        "quotes": quotes,
        "quotes_verified": verified,
        "quote_validity": round(verified / quotes, 4) if quotes else 1.0,
    }


def evaluate_file(charter: Evaluated, path: Path, *, k: int = 5, retrievers: list[Method] | None = None,
                  with_answers: bool = True, mode: Mode = "ask") -> dict[str, Any]:
    """The report of ``charter eval``: the first retriever's figures at the top level,
    every retriever's under ``retrievers``; ``mode`` summary adds the drafts' figures, and compare reads a
    compare question file and reports only its figures (``evaluate_modes.py``)."""
    if mode == "compare":
        return evaluate_compare(charter, path)
    questions = load_questions(path)
    runs = [evaluate_retriever(charter, questions, k, m) for m in (retrievers or ["hybrid"])]
    report = dict(runs[0])
    report["k"] = k
    keys = (f"recall@{k}", "mrr@10", "ndcg@10", "abstention_accuracy", "abstention_precision", "abstention_recall",
            "wrongly_refused")
    report["retrievers"] = {r["retriever"]: {key: r[key] for key in keys} for r in runs}
    if with_answers and mode == "summary":
        report["summary"] = evaluate_summary(charter, questions)
    elif with_answers:
        report["answers"] = check_answers(charter, questions)
    return report


def format_report(report: dict[str, Any]) -> str:

    if report.get("mode") == "compare":
        return "\n".join(format_modes(report))
    k = report["k"]
    lines = [
        f"questions: {report['n_questions']} ({report['n_answerable']} answerable)   retriever: {report['retriever']}",
        f"recall@{k}: {report[f'recall@{k}']:.3f}   MRR@10: {report['mrr@10']:.3f}   "
        f"nDCG@10: {report['ndcg@10']:.3f}   "
        f"abstention accuracy: {report['abstention_accuracy']:.3f}",
        f"abstention precision: {report['abstention_precision']:.3f}   recall (unanswerable refused): "
        f"{report['abstention_recall']:.3f}   answerable wrongly refused: {report['wrongly_refused']:.3f}",
        *(f"  split {name:<6} n={e['n']:<3} recall@{k} {e[f'recall@{k}']:.3f}   MRR@10 {e['mrr@10']:.3f}   "
          f"abstention precision {e['abstention_precision']:.3f}   recall {e['abstention_recall']:.3f}   "
          f"wrongly refused {e['wrongly_refused']:.3f}" for name, e in report.get("by_split", {}).items()),
        "",
        f"{'kind':<12} {'n':>3} {f'recall@{k}':>9} {'MRR@10':>7} {'nDCG@10':>8} {'abstain':>8}",
    ]
    for kind, e in report["by_kind"].items():
        lines.append(
            f"{kind:<12} {e['n']:>3} {e.get(f'recall@{k}', float('nan')):>9.3f} {e.get('mrr@10', float('nan')):>7.3f} "
            f"{e.get('ndcg@10', float('nan')):>8.3f} {e['abstention_accuracy']:>8.3f}"
        )
    if len(report["retrievers"]) > 1:
        lines += ["", "side by side:"]
        for name, r in report["retrievers"].items():
            lines.append(f"  {name:<7} recall@{k} {r[f'recall@{k}']:.3f}   MRR@10 {r['mrr@10']:.3f}   "
                         f"nDCG@10 {r['ndcg@10']:.3f}   abstention {r['abstention_accuracy']:.3f}")
    if "answers" in report:
        a = report["answers"]
        lines += ["", f"answers ({a['backend']}): citations valid {a['citations_valid']}/{a['citations_given']}, "
                      f"quotes verified {a['quotes_verified']}/{a['quotes']}"]
        if "gold_quoted" in a:
            lines.append(f"offline answers: gold quoted {a['gold_quoted']:.3f}   cut quotes {a['cut_quotes']}   "
                         f"repeated quotes {a['repeated_quotes']}   p50 {a['answer_p50_ms']:.0f} ms")
    if report.get("misses"):
        lines.append(f"not fully found: {', '.join(map(str, report['misses']))}")
    lines += format_modes(report)
    return "\n".join(lines)
