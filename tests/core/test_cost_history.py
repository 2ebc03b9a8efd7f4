"""Tests of the cost history check (R ccostr's layout) and its reader.

The bad-input cases, one per rule, are the corpus in tests/invalid/cost_history (run by
tests/test_invalid_cost_history.py); here: a good file round-trips to the arrays typed in from
it, typed (Parquet-like) columns are accepted, encodings are read, and the conversion to the
kernel's women and lines.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from rapport_cost.core.analyses.follow_up.history import history_lines
from rapport_cost.core.inputs.cost_history import CostHistory, validate_cost_history
from rapport_cost.errors import LogError
from rapport_cost.fileio.cost_history import read_cost_history

TOY = Path(__file__).parents[1] / "reference" / "ccostr" / "toy.csv"


def load_cost_history(path: Path) -> CostHistory:
    """Read and check a cost history, as the API will."""
    file = read_cost_history(path)
    return validate_cost_history(file.frame, file.source, file.rows)


def test_the_toy_round_trips() -> None:
    h = load_cost_history(TOY)
    # ccostr's README table: A ×3, B, C ×2, D.
    assert_array_equal(h.person, [0, 0, 0, 1, 2, 2, 3])
    assert_array_equal(h.start, [1, 30, 88, 18, 1, 67, 43])
    assert_array_equal(h.stop, [1, 82, 88, 198, 5, 88, 44])
    assert_array_equal(h.cost, [550, 1949, 45, 4245, 23, 567, 300])
    assert_array_equal(h.delta, [False, False, True, True])
    assert_array_equal(h.surv, [343, 903, 445, 652])
    assert_array_equal(h.rows, [2, 3, 4, 5, 6, 7, 8])
    assert h.ids.tolist() == ["A", "B", "C", "D"]
    assert h.n_people == 4


def test_typed_columns_are_accepted_and_extra_columns_ignored() -> None:
    frame = pd.DataFrame(
        {
            "id": [7, 7, 9],
            "start": [0.0, 1.0, 0.0],
            "stop": [1.0, 2.0, 0.0],
            "cost": [10.0, 0.0, 5.0],
            "delta": [1, 1, 0],
            "surv": [2.0, 2.0, 0.5],
            "note": ["", "", "x"],
        }
    )
    h = validate_cost_history(frame, "x.parquet")
    assert_array_equal(h.delta, [True, False])
    assert_array_equal(h.surv, [2.0, 0.5])


def test_every_problem_is_reported_at_once() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "a"],
            "start": ["0", "5"],
            "stop": ["1", "2"],
            "cost": ["-1", "3"],
            "delta": ["1", "0"],
            "surv": ["4", "4"],
        }
    )
    with pytest.raises(LogError) as err:
        validate_cost_history(frame, "h.csv", rows=[2, 4])
    assert [(p.line, p.field, p.code) for p in err.value.problems] == [
        (2, "cost", "bad_cost"),
        (4, "stop", "stop_before_start"),
        (4, "delta", "delta_varies"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_excel_encodings_are_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "h.csv"
    path.write_text("id,start,stop,cost,delta,surv\nRenée,0,1,10,1,2\n", encoding=encoding)
    h = load_cost_history(path)
    assert h.ids.tolist() == ["Renée"]


def test_history_lines() -> None:
    # Complete (delta = 1): death at surv, never censored; censored (0): at surv.
    h = load_cost_history(TOY)
    lines = history_lines(h)
    assert lines.death.tolist() == [math.inf, math.inf, 445.0, 652.0]
    assert lines.censoring.tolist() == [343.0, 903.0, math.inf, math.inf]
    assert_array_equal(lines.cost, h.cost)
    # span_offset = 1: each span [s, e] also puts 1/(e − s + 1) of its cost at s. The span of
    # A's second row, [30, 82], puts 1949/53 at 30 and 1949·52/53 over the span.
    lines = history_lines(h, span_offset=1.0)
    assert lines.cost.size == 7 + 5  # five rows are spans: A 30–82, B, C 1–5 and 67–88, D
    extra = lines.row == 1
    assert sorted(lines.cost[extra]) == pytest.approx([1949 / 53, 1949 * 52 / 53])
    assert np.bincount(lines.row, weights=lines.cost) == pytest.approx(h.cost)
    with pytest.raises(ValueError, match="span_offset"):
        history_lines(h, span_offset=-1.0)
