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


def test_two_views_must_clear_their_floors_by_a_margin():
    """Both views just above their floors (an off-topic question's usual place) is not close enough."""
    from assistant.retrieval.abstain import TWO_VIEW_MARGIN, Floors, close_enough
    from assistant.settings import Settings

    tuning = Settings().retrieval
    floors = Floors(0.80, 0.18)
    just_above = (0.80 + 0.2 * tuning.dense_spread, 0.18 + 0.2 * tuning.second_spread)  # margin 0.4
    well_above = (0.80 + TWO_VIEW_MARGIN * tuning.dense_spread, 0.18 + TWO_VIEW_MARGIN * tuning.second_spread)
    assert close_enough(*just_above, floors, tuning)  # the old rule: above both floors
    assert not close_enough(*just_above, floors, tuning, TWO_VIEW_MARGIN)
    assert close_enough(*well_above, floors, tuning, TWO_VIEW_MARGIN)
    assert close_enough(0.80, None, Floors(0.80, None), tuning)  # one view alone keeps its floor
