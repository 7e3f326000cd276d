"""The snapshot's vectors read row by row from their .npy file (``row_matrix.py``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.retrieval.row_matrix import RowMatrix

MATRIX = np.arange(7 * 3, dtype=np.float32).reshape(7, 3) / 10


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("rows") / "m.npy"
    np.save(path, MATRIX)
    return RowMatrix(path)


@given(positions=st.lists(st.integers(min_value=0, max_value=6), max_size=12))
def test_rows_read_from_the_file_are_numpys_own_indexing(saved, positions):
    """Any order, repeats and runs of consecutive rows: the same rows as indexing the array in memory."""
    want = MATRIX[np.asarray(positions, dtype=np.int64)]
    assert np.array_equal(saved.rows(positions), want)
    assert np.array_equal(RowMatrix(array=MATRIX).rows(positions), want)


def test_shape_dtype_and_bounds(saved):
    assert saved.shape == (7, 3) and len(saved) == 7 and saved.dtype == np.float32
    with pytest.raises(IndexError):
        saved.rows([7])
    assert saved.rows([]).shape == (0, 3)


def test_a_version_2_header_and_a_non_matrix_file(tmp_path):
    path = tmp_path / "v2.npy"
    with path.open("wb") as handle:
        np.lib.format.write_array(handle, MATRIX, version=(2, 0))
    assert np.array_equal(RowMatrix(path).rows([6, 0]), MATRIX[[6, 0]])
    np.save(tmp_path / "flat.npy", np.zeros(4, dtype=np.float32))
    with pytest.raises(ValueError, match="2-D"):
        RowMatrix(tmp_path / "flat.npy")


def test_without_pread_the_file_is_read_through_a_memory_map(tmp_path, monkeypatch):
    path = tmp_path / "m.npy"
    np.save(path, MATRIX)
    monkeypatch.delattr("os.pread")
    matrix = RowMatrix(path)
    assert np.array_equal(matrix.rows([3, 1, 3]), MATRIX[[3, 1, 3]]) and matrix.shape == (7, 3)



@pytest.fixture(params=["preadv", "pread"])
def reads(request, monkeypatch):
    """Each test below runs with ``os.preadv`` and, as on macOS before 11, without it (``os.pread`` only)."""
    if request.param == "pread":
        monkeypatch.delattr("os.preadv", raising=False)
    return request.param


def test_rows_in_any_order_with_either_read(saved, reads):
    for positions in ([], [4], [0, 1, 2], [6, 5, 4], [2, 2, 3, 0], [1, 3, 5, 6], list(range(7))[::-1] * 2):
        assert np.array_equal(saved.rows(positions), MATRIX[np.asarray(positions, dtype=np.int64)])


def test_a_truncated_file_is_an_error_not_zeros(tmp_path, reads):
    path = tmp_path / "m.npy"
    np.save(path, MATRIX)
    matrix = RowMatrix(path)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size - 2 * MATRIX.shape[1] * 4)
    with pytest.raises(OSError, match="short read"):
        matrix.rows([6])
