"""Edges of publishing: the cell-by-cell comparison of ``reproduce``, controlled tables
without a key or with text columns, bad count tables, and M-61's repair step when no single
cell protects a suppressed one.

Oracles: the rules as their docstrings state them, worked by hand in the comments, and for
secondary suppression an independent rank test of recoverability: a suppressed cell is
recoverable iff adding its unit vector to the suppressed columns of the margin equations
does not raise their rank.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from rapport_cost.core.publish.compare import Difference, compare_tables
from rapport_cost.core.publish.sdc import (
    SUPPRESSED,
    WATERMARK,
    ControlledTable,
    control_count_table,
    control_table,
    primary_suppression,
    recoverable_cells,
    suppress_secondary,
    with_margins,
)
from rapport_cost.core.publish.tables import describe

# ------------------------------------------------------------------ compare_tables


def test_missing_key_columns_are_the_only_difference_reported() -> None:
    pub = pd.DataFrame({"site": ["a"], "mean": [1.0]})
    rep = pd.DataFrame({"unit": ["a"], "mean": [1.0]})
    assert compare_tables("t", pub, rep, key=["site"], columns={"*": {}}) == [
        Difference("t", "-", "site", "key column", "missing", "-")
    ]


def test_every_kind_of_difference_is_listed() -> None:
    pub = pd.DataFrame(
        {
            "site": ["a", "b", "c"],
            "mean": [10.0, 20.0, float("nan")],
            "label": ["A", "B", "C"],
            "only_published": [1, 2, 3],
        }
    )
    rep = pd.DataFrame(
        {
            "site": ["a", "b", "d"],
            "mean": [10.0 + 5e-7, "NaN", 4.0],  # within 1e-6 + 1e-9·10; text "NaN"
            "label": ["A", "b", "D"],
            "only_reproduced": [1, 2, 3],
        }
    )
    diffs = compare_tables(
        "t", pub, rep, key=["site"], columns={"*": {}, "only_reproduced": {"abs": 0.5}}
    )
    assert diffs == [
        # a column named in the tolerances but not published (named columns come first)
        Difference("t", "-", "only_reproduced", "missing", "column", "-"),
        # "*" stands for every published column not named: only_published is not reproduced
        Difference("t", "-", "only_published", "column", "missing", "-"),
        # a = 10 vs 10.0000005 is within tolerance; b's mean 20 vs "NaN" is not
        Difference("t", "b", "mean", 20.0, "NaN", "abs 1e-06 + rel 1e-09"),
        Difference("t", "b", "label", "B", "b", "equal text"),
        # c is not reproduced; d is reproduced but not published
        Difference("t", "c", "-", "row", "missing", "-"),
        Difference("t", "d", "-", "missing", "row", "-"),
    ]


def test_nan_published_and_nan_reproduced_as_text_match() -> None:
    # A blank published cell is NaN; "nan" reproduced as text is a number, also NaN: equal.
    pub = pd.DataFrame({"site": ["a"], "mean": [float("nan")], "sd": ["NaN"]})
    rep = pd.DataFrame({"site": ["a"], "mean": ["nan"], "sd": [float("nan")]})
    assert compare_tables("t", pub, rep, key=["site"], columns={"*": {}}) == []


# ---------------------------------------------------------------- controlled tables


def test_a_table_without_its_key_names_rows_by_index_and_keeps_text() -> None:
    table = pd.DataFrame(
        {"n": [5, SUPPRESSED], "label": ["unit one", "unit two"], "mean": [1.5, 2.5]},
        index=["u1", "u2"],
        dtype=object,
    )
    suppressed = pd.DataFrame(
        {"n": [False, True], "label": [False, False], "mean": [False, False]}, index=table.index
    )
    ct = ControlledTable(
        table, suppressed, policy="suppress_lt5", notes=(), key="site", count_columns=("n",)
    )
    assert ct.suppressed_cells() == [{"row": "u2", "column": "n"}]
    out = ct.with_nulls()
    assert out["n"].dtype == "Int64"
    assert out["n"].isna().tolist() == [False, True]
    assert out["label"].tolist() == ["unit one", "unit two"]  # text stays text
    assert out["mean"].dtype == np.float64  # numbers in an object column become floats


def test_policy_none_publishes_a_count_table_unchanged_with_the_watermark() -> None:
    table = pd.DataFrame(with_margins([[1, 2], [3, 40]], "both"), index=["x", "y", "total"])
    ct = control_count_table(table, policy="none", margins="both")
    assert ct.table.to_numpy().tolist() == [[1, 2, 3], [3, 40, 43], [4, 42, 46]]
    assert not ct.suppressed.to_numpy().any()
    assert ct.watermark == WATERMARK


def test_a_table_may_have_one_total_row_only() -> None:
    per_unit = pd.DataFrame({"site": ["a", "all", "all"], "women": [10, 10, 10]})
    with pytest.raises(ValueError, match=r"at most one total row 'all'\. Got 2"):
        control_table(per_unit, policy="nhsd2018", counts=["women"], statistics=[])


# --------------------------------------------------------------------- bad counts


@pytest.mark.parametrize(
    ("counts", "match"),
    [
        (np.array(["1", "2"]), "counts must be numeric counts. Got dtype <U1"),
        (np.array([1, None], dtype=object), "numeric counts. Got dtype object"),
        (np.array([1.0, -1.0]), "counts must be whole numbers >= 0"),
        (np.array([1.5, 2.0]), "counts must be whole numbers >= 0"),
        (np.array([np.nan]), "counts must be whole numbers >= 0"),
    ],
)
def test_counts_must_be_whole_numbers(counts: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        primary_suppression(counts, policy="nhsd2018")


def test_a_bad_count_is_shown_as_a_number() -> None:
    with pytest.raises(ValueError, match=r"Got 1\.5 instead\."):
        primary_suppression(np.array([1.5, 2.0]), policy="nhsd2018")


def test_tables_with_margins_need_their_shape() -> None:
    with pytest.raises(ValueError, match="The 'margins' parameter must be one of"):
        with_margins([[1, 2]], "diagonal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"inner must be 2-D\. Got 1 dimension"):
        with_margins([1, 2], "both")
    with pytest.raises(ValueError, match=r"table must be 2-D\. Got 1 dimension"):
        suppress_secondary([1, 2, 3], [False, True, False], "row_totals")
    with pytest.raises(ValueError, match=r"row totals needs >= 2 columns\. Got 1"):
        suppress_secondary([[1], [2]], [[False], [True]], "row_totals")
    with pytest.raises(ValueError, match=r"column totals needs >= 2 rows\. Got 1"):
        recoverable_cells([[1, 2]], [[False, True]], "column_totals")
    table = with_margins([[1, 2]], "row_totals")
    with pytest.raises(ValueError, match=r"primary must be a bool array of shape \(1, 3\)"):
        suppress_secondary(table, [[0, 1, 0]], "row_totals")
    with pytest.raises(ValueError, match=r"suppressed must be a bool array of shape \(1, 3\)"):
        recoverable_cells(table, [[True, False]], "row_totals")


# ------------------------------------------------------------ secondary suppression


def recoverable_by_rank(table: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed cells fixed by the 'both' margin equations, by a rank test."""
    n_rows, n_cols = table.shape
    eqs = []
    for i in range(n_rows):  # each row: its parts minus its total
        row = np.zeros((n_rows, n_cols))
        row[i, :-1], row[i, -1] = 1.0, -1.0
        eqs.append(row.reshape(-1))
    for j in range(n_cols):
        col = np.zeros((n_rows, n_cols))
        col[:-1, j], col[-1, j] = 1.0, -1.0
        eqs.append(col.reshape(-1))
    a = np.array(eqs)[:, mask.reshape(-1)]
    rank = np.linalg.matrix_rank(a)
    out = []
    for k, (i, j) in enumerate(zip(*np.nonzero(mask), strict=True)):
        unit = np.zeros(a.shape[1])
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            out.append((int(i), int(j)))
    return out


def test_a_suppressed_zero_total_is_protected_when_no_single_cell_does() -> None:
    # One row of three zeros with both margins: published [[0, 0, 0, 0], [0, 0, 0, 0]]; the
    # grand total (1, 3) is suppressed. Its row gives it as 0 + 0 + 0. By hand (M-61):
    # * step 2 has nothing to add (every part of its lines is 0, and it is the total);
    # * step 3: (1, 3) is determined; no single member of its lines (0, 3), (1, 0),
    #   (1, 1), (1, 2) undetermines it (each is determined by its column in turn), so the
    #   first in the order (zeros, value, position) is taken: (0, 3);
    # * now (0, 3) is determined by row 0; again no single member of row 0 helps, so
    #   (0, 0) is taken, and step 2 adds (1, 0), the total of column 0 whose only
    #   suppressed member is (0, 0).
    # The four corners (0, 0), (0, 3), (1, 0), (1, 3) form a cycle: none is determined.
    table = with_margins([[0, 0, 0]], "both")
    primary = np.zeros(table.shape, dtype=bool)
    primary[1, 3] = True
    assert recoverable_by_rank(table, primary) == [(1, 3)]
    mask = suppress_secondary(table, primary, "both")
    expect = np.zeros(table.shape, dtype=bool)
    expect[[0, 0, 1, 1], [0, 3, 0, 3]] = True
    assert_array_equal(mask, expect)
    assert recoverable_by_rank(table, mask) == []
    assert recoverable_cells(table, mask, "both") == []


def test_describe_nothing_is_nan() -> None:
    out = describe(np.empty(0))
    assert list(out) == ["mean_cost_per_woman", "sd", "median", "q1", "q3", "share_zero_cost"]
    assert all(math.isnan(v) for v in out.values())
