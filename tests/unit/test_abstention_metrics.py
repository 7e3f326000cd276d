"""The abstention figures `charter eval` prints, on hand-made rows (no store, no model)."""

from __future__ import annotations

from assistant.evaluate import abstention_metrics, split_metrics


def _row(unanswerable: bool, abstained: bool, split: str, recall: float | None = None) -> dict:
    row = {"unanswerable": unanswerable, "abstained": abstained, "split": split}
    if recall is not None:
        row.update({"recall": recall, "rr": recall, "ndcg": recall})
    return row


ROWS = [
    _row(True, True, "tune"), _row(True, False, "tune"), _row(False, True, "tune", 0.0),
    _row(False, False, "tune", 1.0), _row(True, True, "held"), _row(False, False, "held", 1.0),
]


def test_precision_recall_and_wrong_refusals():
    m = abstention_metrics(ROWS)
    assert m["abstention_recall"] == 0.6667  # 2 of 3 unanswerable refused
    assert m["abstention_precision"] == 0.6667  # 2 of 3 refusals right
    assert m["wrongly_refused"] == 0.3333  # 1 of 3 answerable refused


def test_no_refusal_is_precise_and_nothing_unanswerable_is_recalled():
    assert abstention_metrics([_row(False, False, "x", 1.0)]) == {
        "abstention_precision": 1.0, "abstention_recall": 1.0, "wrongly_refused": 0.0}


def test_figures_per_split():
    by_split = split_metrics(ROWS, 5)
    assert set(by_split) == {"held", "tune"}
    assert by_split["held"]["abstention_recall"] == 1.0 and by_split["held"]["wrongly_refused"] == 0.0
    assert by_split["tune"]["n"] == 4 and by_split["tune"]["recall@5"] == 0.5
