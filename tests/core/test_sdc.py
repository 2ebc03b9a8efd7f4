"""Statistical disclosure control (M-60 S-1 to S-4, §8 T17).

Every expected value below is worked out by hand from the rules, in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport_cost.core.publish.sdc import (
    SUPPRESSED,
    WATERMARK,
    ControlledTable,
    Margins,
    Policy,
    RecoverableCell,
    control_count,
    control_count_table,
    control_table,
    primary_suppression,
    recoverable_cells,
    round5,
    suppress_secondary,
    with_margins,
)

S = SUPPRESSED


def mask_of(shape: tuple[int, int], cells: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    for i, j in cells:
        mask[i, j] = True
    return mask


# ---------------------------------------------------------------- count rules (S-1, S-2, T17)


def test_T17_nhsd2018_counts() -> None:
    # M-60
    counts = [0, 3, 7, 8, 12, 13, 23, 150, 152, 153]
    expected = [0, S, S, 10, 10, 15, 25, 150, 150, 155]
    assert [control_count(x, policy="nhsd2018") for x in counts] == expected


def test_T17_total_is_rounded_from_unrounded_values() -> None:
    # M-60: 0 + 3 + 7 + 8 + 12 + 23 + 150 = 203 -> 205.
    # Summing the controlled cells instead would give 0 + 10 + 10 + 25 + 150 = 195.
    table = with_margins([[0], [3], [7], [8], [12], [23], [150]], "column_totals")
    assert table[-1, 0] == 203
    out = control_count_table(pd.DataFrame(table), policy="nhsd2018", margins="column_totals")
    assert list(out.table[0]) == [0, S, S, 10, 10, 25, 150, 205]
    assert list(out.suppressed[0]) == [False, True, True, False, False, False, False, False]


@pytest.mark.parametrize(
    ("x", "expected"),
    # S-2: 5 * floor(x/5 + 0.5): remainder 1-2 down, 3-4 up
    [(0, 0), (2, 0), (3, 5), (8, 10), (10, 10), (12, 10), (13, 15), (152, 150), (153, 155)],
)
def test_round5(x: int, expected: int) -> None:
    assert round5(x) == expected
    assert round5(np.int64(x)) == expected


def test_round5_rejects_non_counts() -> None:
    with pytest.raises(TypeError):
        round5(12.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=">= 0"):
        round5(-3)


def test_suppress_lt5_and_none_count_rules() -> None:
    # S-3: suppress_lt5 hides 1-4 and does not round; none changes nothing.
    counts = [0, 1, 4, 5, 7, 13, 153]
    assert [control_count(x, policy="suppress_lt5") for x in counts] == [0, S, S, 5, 7, 13, 153]
    assert [control_count(x, policy="none") for x in counts] == counts


def test_primary_suppression_mask() -> None:
    counts = np.array([[0, 1, 4], [5, 7, 8]])
    assert primary_suppression(counts, policy="nhsd2018").tolist() == [
        [False, True, True],
        [True, True, False],
    ]
    assert primary_suppression(counts, policy="suppress_lt5").tolist() == [
        [False, True, True],
        [False, False, False],
    ]
    assert not primary_suppression(counts, policy="none").any()


def test_unknown_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="'policy' parameter must be one of"):
        control_count(3, policy="round10")  # type: ignore[arg-type]


# ---------------------------------------------------------------- secondary suppression (S-4)


def test_secondary_one_column_with_total() -> None:
    # [3, 12, 20 | 35]: 3 is primary; the column has one *, so its smallest other
    # non-zero part, 12, goes too. Then x0 + x1 = 15 has two unknowns.
    table = [[3], [12], [20], [35]]
    primary = mask_of((4, 1), [(0, 0)])
    got = suppress_secondary(table, primary, "column_totals")
    assert got.tolist() == [[True], [True], [False], [False]]


def test_secondary_ties_go_to_the_first_position() -> None:
    # [2, 7, 7, 9 | 25]: 2 is primary; the two 7s tie, the first one is taken.
    table = [[2], [7], [7], [9], [25]]
    got = suppress_secondary(table, mask_of((5, 1), [(0, 0)]), "column_totals")
    assert got[:, 0].tolist() == [True, True, False, False, False]


def test_secondary_row_totals_only() -> None:
    # row 0: [4*, 6, 6, 0 | 16] -> the first 6 (tie by position)
    # row 1: [5, 5, 10, 2* | 22] -> the first 5
    # No column totals, so columns are not relations.
    table = with_margins([[4, 6, 6, 0], [5, 5, 10, 2]], "row_totals")
    assert table[:, -1].tolist() == [16, 22]
    primary = mask_of((2, 5), [(0, 0), (1, 3)])
    got = suppress_secondary(table, primary, "row_totals")
    assert (got == mask_of((2, 5), [(0, 0), (0, 1), (1, 0), (1, 3)])).all()
    assert recoverable_cells(table, got, "row_totals") == []


def test_secondary_both_margins_gives_a_rectangle() -> None:
    #        c0  c1  c2 | tot
    # r0  [  3* 10  12 | 25 ]
    # r1  [  8   6  20 | 34 ]
    # r2  [ 15   9  11 | 35 ]
    # tot [ 26  25  43 | 94 ]
    # Rows first: r0 has one * -> smallest of 10, 12 -> (0,1).
    # Columns: c0 has one * -> smallest of 8, 15 -> (1,0);
    #          c1 has one * -> smallest of 6, 9 -> (1,1).
    # Second pass: every line has 0 or 2 *. The 2x2 block is safe: +d, -d, -d, +d
    # on its corners leaves all margins unchanged.
    table = with_margins([[3, 10, 12], [8, 6, 20], [15, 9, 11]], "both")
    assert table[-1].tolist() == [26, 25, 43, 94]
    got = suppress_secondary(table, mask_of((4, 4), [(0, 0)]), "both")
    assert (got == mask_of((4, 4), [(0, 0), (0, 1), (1, 0), (1, 1)])).all()
    assert recoverable_cells(table, got, "both") == []


def test_secondary_suppresses_a_total_when_no_part_is_left() -> None:
    #        c0  c1 | tot
    # r0  [ 20   3* | 23 ]
    # r1  [  0   6  |  6 ]
    # r2  [  7   8  | 15 ]
    # tot [ 27  17  | 44 ]
    # Pass 1, rows: r0 one * -> (0,0)=20.  Columns: c0 one * -> 7 (0 is not a
    #   candidate) -> (2,0); c1 one * -> smallest of 6, 8 -> (1,1).
    # Pass 2, rows: r1 has one * and its only other part is 0 -> its total (1,2)=6;
    #   r2 one * -> (2,1)=8.  Columns: the row-total column has one * ->
    #   smallest of 23, 15 -> (2,2).
    # Pass 3: no line has exactly one *.
    # By hand, with a = x00 and b = x11 free: x01 = 23-a, x20 = 27-a, T1 = b,
    # T2 = 21-b, x21 = a-b-6, so no suppressed cell is determined.
    table = with_margins([[20, 3], [0, 6], [7, 8]], "both")
    assert table.tolist() == [[20, 3, 23], [0, 6, 6], [7, 8, 15], [27, 17, 44]]
    got = suppress_secondary(table, mask_of((4, 3), [(0, 1)]), "both")
    expected = mask_of((4, 3), [(0, 0), (0, 1), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)])
    assert (got == expected).all()
    assert recoverable_cells(table, got, "both") == []


# The primary cells (values 1-4) form two separate 2x2 blocks joined by cell (1,2).
# Every line has 0 or >= 2 *, yet (1,2) is a "bridge": summing rows 0-1 and
# subtracting columns 0-1 leaves x12 = 34+13 - 9-20-6 - (32-15-11) - (30-12-14) = 2.
#        c0  c1  c2  c3 | tot
# r0  [  2*  3*  9  20 | 34 ]
# r1  [  4*  1*  2*  6 | 13 ]
# r2  [ 15  12   3*  4*| 34 ]
# r3  [ 11  14   1*  2*| 28 ]
# tot [ 32  30  15  32 |109 ]
BRIDGE_INNER = [[2, 3, 9, 20], [4, 1, 2, 6], [15, 12, 3, 4], [11, 14, 1, 2]]
BRIDGE_PRIMARY = [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)]


def test_solver_finds_a_bridge_cell_that_the_two_per_line_rule_misses() -> None:
    table = with_margins(BRIDGE_INNER, "both")
    assert table[-1].tolist() == [32, 30, 15, 32, 109]
    assert table[:, -1].tolist() == [34, 13, 34, 28, 109]
    primary = mask_of((5, 5), BRIDGE_PRIMARY)
    assert primary_suppression(table, policy="suppress_lt5").tolist() == primary.tolist()
    assert recoverable_cells(table, primary, "both") == [RecoverableCell(1, 2, pytest.approx(2.0))]


def test_secondary_repairs_the_bridge() -> None:
    # Step 2 adds nothing (every line has 0 or >= 2 *). Step 3 finds (1,2); the
    # members of its lines that are not *, smallest first: (1,3)=6, (0,2)=9, row
    # total 13, column total 15. Suppressing (1,3) closes the cycle
    # r1-c2-r2-c3-r1, so (1,2) is no longer determined.
    table = with_margins(BRIDGE_INNER, "both")
    got = suppress_secondary(table, mask_of((5, 5), BRIDGE_PRIMARY), "both")
    assert (got == mask_of((5, 5), [*BRIDGE_PRIMARY, (1, 3)])).all()
    assert recoverable_cells(table, got, "both") == []


def test_secondary_step_3_when_a_zero_links_the_lines() -> None:
    #        c0  c1  c2 | tot
    # r0  [  2*  6   9  | 17 ]
    # r1  [  0   0   7  |  7 ]
    # r2  [  5   0   8  | 13 ]
    # tot [  7   6  24  | 37 ]
    # Step 2, pass 1: rows: r0 -> (0,1)=6.  Columns: c0 -> (2,0)=5 (0 is no
    #   candidate); c1 has one * and only zeros -> its total (3,1)=6.
    # Pass 2: rows: r2 -> (2,2)=8; margin row -> (3,0)=7.  Columns: c2 -> smallest
    #   of 9, 7 -> (1,2)=7.
    # Pass 3: rows: r1 has one * and only zeros -> its total (1,3)=7.  Columns:
    #   the row-total column -> smallest of 17, 13 -> (2,3)=13.  Pass 4: stable.
    # Step 3: with a = x00: x01 = 17-9-a = 8-a, C1 = x01 (column 1), C0 = 37-24-C1
    #   = 5+a (margin row), x20 = C0 - x00 - x10 = 5: (2,0) is recovered although
    #   every line has 0 or >= 2 *. Its lines' other published members are the
    #   zeros (1,0) and (2,1); the first by position, (1,0), makes x20 = 5 - x10.
    table = with_margins([[2, 6, 9], [0, 0, 7], [5, 0, 8]], "both")
    assert table.tolist() == [[2, 6, 9, 17], [0, 0, 7, 7], [5, 0, 8, 13], [7, 6, 24, 37]]
    step_2 = [(0, 0), (0, 1), (1, 2), (1, 3), (2, 0), (2, 2), (2, 3), (3, 0), (3, 1)]
    assert recoverable_cells(table, mask_of((4, 4), step_2), "both") == [
        RecoverableCell(2, 0, pytest.approx(5.0))
    ]
    got = suppress_secondary(table, mask_of((4, 4), [(0, 0)]), "both")
    assert (got == mask_of((4, 4), [*step_2, (1, 0)])).all()
    assert recoverable_cells(table, got, "both") == []


def test_solver_recovers_a_lone_suppressed_cell() -> None:
    # Row [3*, 10, 12 | 25]: x = 25 - 10 - 12 = 3.
    table = with_margins([[3, 10, 12]], "row_totals")
    found = recoverable_cells(table, mask_of((1, 4), [(0, 0)]), "row_totals")
    assert found == [RecoverableCell(0, 0, pytest.approx(3.0))]
    # In 2-D: only the primary cell of the rectangle example; row 0 gives it back.
    table = with_margins([[3, 10, 12], [8, 6, 20], [15, 9, 11]], "both")
    found = recoverable_cells(table, mask_of((4, 4), [(0, 0)]), "both")
    assert found == [RecoverableCell(0, 0, pytest.approx(3.0))]
    # A suppressed total with all its parts published is recovered as well.
    found = recoverable_cells(table, mask_of((4, 4), [(3, 3)]), "both")
    assert found == [RecoverableCell(3, 3, pytest.approx(94.0))]


def test_table_whose_totals_do_not_add_up_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"table\[0, 2\] must be the total of its parts \(3\)"):
        recoverable_cells([[1, 2, 4]], [[False, False, False]], "row_totals")


def test_control_count_table_suppress_lt5() -> None:
    # The rectangle example through the DataFrame API: 3, 10, 8, 6 become *,
    # nothing is rounded.
    inner = pd.DataFrame(with_margins([[3, 10, 12], [8, 6, 20], [15, 9, 11]], "both"))
    out = control_count_table(inner, policy="suppress_lt5", margins="both")
    assert out.table.to_numpy().tolist() == [
        [S, S, 12, 25],
        [S, S, 20, 34],
        [15, 9, 11, 35],
        [26, 25, 43, 94],
    ]
    assert out.watermark is None


# ---------------------------------------------------------------- property test (S-4 step 3)


@st.composite
def tables_with_margins(draw: st.DrawFn) -> tuple[np.ndarray, Margins]:
    """A small table of counts, many of them 1-4, with its margins."""
    margins: Margins = draw(st.sampled_from(["both", "row_totals", "column_totals"]))
    # a line needs >= 2 parts (a lone part equals its total)
    n_rows = draw(st.integers(2 if margins != "row_totals" else 1, 4))
    n_cols = draw(st.integers(2 if margins != "column_totals" else 1, 4))
    # zeros and 1-4 are what make suppression patterns interesting
    cell = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 40))
    inner = draw(
        st.lists(st.lists(cell, min_size=n_cols, max_size=n_cols), min_size=n_rows, max_size=n_rows)
    )
    return with_margins(inner, margins), margins


@settings(max_examples=150, deadline=None)
@given(case=tables_with_margins())
def test_property_suppress_lt5_leaves_nothing_recoverable(case: tuple[np.ndarray, Margins]) -> None:
    table, margins = case
    primary = (table >= 1) & (table <= 4)
    got = suppress_secondary(table, primary, margins)
    assert (got | ~primary).all(), "primary cells stay suppressed"
    assert recoverable_cells(table, got, margins) == []
    # In 2-D every line (a row or column that ends in a total) has 0 or >= 2 *.
    lines = []
    if margins in ("both", "row_totals"):
        lines += list(got)
    if margins in ("both", "column_totals"):
        lines += list(got.T)
    assert all(line.sum() != 1 for line in lines)


# ---------------------------------------------------------------- per-unit tables (S-1, S-3)

STATISTICS = [
    "contact_hours",
    "total_cost",
    "mean_cost_per_woman",
    "sd",
    "median",
    "q1",
    "q3",
    "lower",
    "upper",
]
SITES = ["birmingham", "leeds", "london", "manchester", "all"]


def per_unit(women: list[int], contacts: list[int], zero: list[int]) -> pd.DataFrame:
    """A per_unit table; ``zero`` = women with zero cost (share_zero_cost = zero / women)."""
    n = len(women)
    return pd.DataFrame(
        {
            "site": [*SITES[: n - 1], "all"],
            "women": women,
            "contacts": contacts,
            "contact_hours": [250.5, 30.0, 110.25, 170.0, 560.75][:n],
            "total_cost": [42700.0, 3000.0, 18400.0, 26000.0, 90100.0][:n],
            "mean_cost_per_woman": [700.0, 500.0, 800.0, 650.0, 693.1][:n],
            "sd": [310.0, 120.0, 400.0, 280.0, 330.0][:n],
            "median": [610.0, 480.0, 700.0, 600.0, 620.0][:n],
            "q1": [400.0, 410.0, 450.0, 390.0, 405.0][:n],
            "q3": [900.0, 560.0, 1000.0, 850.0, 905.0][:n],
            "lower": [625.0, 420.0, 640.0, 565.0, 640.0][:n],
            "upper": [780.0, 590.0, 970.0, 740.0, 750.0][:n],
            "share_zero_cost": [
                z / w if w else float("nan") for z, w in zip(zero, women, strict=True)
            ],
            "min": [0.0] * n,
            "max": [2500.0, 800.0, 2900.0, 2000.0, 2900.0][:n],
        }
    )


def control(df: pd.DataFrame, policy: Policy) -> ControlledTable:
    return control_table(
        df,
        policy=policy,
        counts=["women", "contacts"],
        statistics=STATISTICS,
        shares={"share_zero_cost": "women"},
    )


# women 61, 6, 23, 40 (total 130); contacts 303, 43, 133, 212 (total 691);
# women with zero cost 5, 1, 12, 13 (total 31).
TABLE_P = per_unit([61, 6, 23, 40, 130], [303, 43, 133, 212, 691], [5, 1, 12, 13, 31])


def test_per_unit_nhsd2018() -> None:
    out = control(TABLE_P, "nhsd2018")
    t = out.table
    # S-1/S-2 on counts; the total row from unrounded values:
    assert list(t["women"]) == [60, S, 25, 40, 130]
    # 691 -> 690, although the rounded units sum to 305 + 45 + 135 + 210 = 695
    assert list(t["contacts"]) == [305, 45, 135, 210, 690]
    # Statistics: leeds has 6 women (1-7) -> *. The 'all' row is published, so
    # leeds's total_cost would be 90100 - 42700 - 18400 - 26000; the smallest
    # other unit by women (london, 23) is suppressed too (S-4).
    stat_rows = [False, True, True, False, False]
    for column in STATISTICS:
        assert out.suppressed[column].tolist() == stat_rows, column
    assert list(t["mean_cost_per_woman"]) == [700.0, S, S, 650.0, 693.1]
    assert list(t["total_cost"]) == [42700.0, S, S, 26000.0, 90100.0]
    # Shares from the controlled numerator / denominator:
    #   birmingham 5 -> * ; leeds and london: statistics suppressed;
    #   manchester 13 -> 15 over 40 -> 0.375 (not 13/40 = 0.325);
    #   all 31 -> 30 over 130 -> 3/13.
    share = t["share_zero_cost"]
    assert list(share[:3]) == [S, S, S]
    assert share[3] == pytest.approx(0.375, rel=1e-12)
    assert share[4] == pytest.approx(3 / 13, rel=1e-12)
    # Min and max are one person's value: dropped.
    assert "min" not in t.columns
    assert "max" not in t.columns
    assert list(t.columns) == [c for c in TABLE_P.columns if c not in ("min", "max")]
    assert out.watermark is None
    assert out.policy == "nhsd2018"


@pytest.mark.parametrize("policy", ["nhsd2018", "suppress_lt5"])
def test_per_unit_ci_is_suppressed_with_the_mean(policy: Policy) -> None:
    out = control(TABLE_P, policy)
    mean = out.suppressed["mean_cost_per_woman"]
    assert mean.any()
    assert out.suppressed["lower"].equals(mean)
    assert out.suppressed["upper"].equals(mean)
    assert ((out.table["lower"] == S) == (out.table["mean_cost_per_woman"] == S)).all()


def test_per_unit_suppress_lt5() -> None:
    out = control(TABLE_P, "suppress_lt5")
    t = out.table
    # No count of women or contacts is 1-4: all shown exactly.
    assert list(t["women"]) == [61, 6, 23, 40, 130]
    assert list(t["contacts"]) == [303, 43, 133, 212, 691]
    # Statistics: leeds (6 women) and, secondarily, london, as under nhsd2018.
    assert list(t["median"]) == [610.0, S, S, 600.0, 620.0]
    # Zero-cost numerators [5, 1, 12, 13 | 31]: 1 is primary; smallest other is 5
    # (birmingham), so birmingham's share is * too; leeds, london: statistics *.
    # manchester 13/40 = 0.325 and all 31/130, unrounded.
    share = t["share_zero_cost"]
    assert list(share[:3]) == [S, S, S]
    assert share[3] == pytest.approx(0.325, rel=1e-12)
    assert share[4] == pytest.approx(31 / 130, rel=1e-12)


def test_per_unit_suppress_lt5_hides_statistics_where_n_is_hidden() -> None:
    # women [61, 3, 23, 40 | 127]: 3 is primary; smallest other is london (23).
    # Both rows then have * statistics (leeds: 3 women; london: its n is *, and
    # total_cost / mean would give it back). Two rows of * statistics: stable.
    df = per_unit([61, 3, 23, 40, 127], [303, 13, 133, 212, 661], [5, 1, 12, 13, 31])
    out = control(df, "suppress_lt5")
    assert list(out.table["women"]) == [61, S, S, 40, 127]
    assert list(out.table["contacts"]) == [303, 13, 133, 212, 661]
    assert out.suppressed["mean_cost_per_woman"].tolist() == [False, True, True, False, False]
    women = df["women"].to_numpy().reshape(-1, 1)
    assert recoverable_cells(women, out.suppressed[["women"]].to_numpy(), "column_totals") == []


def test_per_unit_total_row_with_1_to_7_women_is_suppressed() -> None:
    # women [3, 2 | 5]: every count is 1-7, and so are the statistics' n.
    df = per_unit([3, 2, 5], [10, 4, 14], [0, 0, 0])
    out = control(df, "nhsd2018")
    assert list(out.table["women"]) == [S, S, S]
    assert list(out.table["contacts"]) == [10, S, 15]
    assert list(out.table["sd"]) == [S, S, S]


def test_per_unit_zero_women_is_not_suppressed() -> None:
    # women [0, 30, 12 | 42]: 0 stays 0, no unit has 1-7 women, nothing is *.
    df = per_unit([0, 30, 12, 42], [0, 150, 61, 211], [0, 3, 0, 3])
    df.loc[0, STATISTICS[2:]] = float("nan")
    out = control(df, "nhsd2018")
    assert list(out.table["women"]) == [0, 30, 10, 40]
    assert not out.suppressed["mean_cost_per_woman"].any()
    assert np.isnan(out.table["mean_cost_per_woman"][0])
    # Share: birmingham 0/0 is not defined; leeds 3 -> * ; london 0/10 = 0; all 3 -> *.
    share = out.table["share_zero_cost"]
    assert np.isnan(share[0])
    assert [share[1], share[2], share[3]] == [S, 0.0, S]


def test_policy_none_returns_the_table_with_a_watermark() -> None:
    out = control(TABLE_P, "none")
    pd.testing.assert_frame_equal(out.table, TABLE_P)
    assert not out.suppressed.to_numpy().any()
    assert out.watermark == WATERMARK == "not disclosure-controlled: internal use only"
    assert out.suppressed_cells() == []


def test_json_view_nulls_and_cell_list() -> None:
    out = control(TABLE_P, "nhsd2018")
    cells = out.suppressed_cells()
    assert len(cells) == int(out.suppressed.to_numpy().sum())
    assert {"row": "leeds", "column": "women"} in cells
    assert {"row": "london", "column": "upper"} in cells
    assert {"row": "birmingham", "column": "share_zero_cost"} in cells
    assert {"row": "birmingham", "column": "women"} not in cells
    typed = out.with_nulls()
    assert str(typed["women"].dtype) == "Int64"
    assert typed["women"].isna().tolist() == [False, True, False, False, False]
    assert typed["women"][0] == 60
    assert typed["mean_cost_per_woman"].dtype == np.float64
    assert np.isnan(typed["mean_cost_per_woman"][1])
    assert typed["mean_cost_per_woman"][0] == 700.0
    assert list(typed["site"]) == SITES


def test_table_is_not_modified() -> None:
    before = TABLE_P.copy()
    control(TABLE_P, "suppress_lt5")
    pd.testing.assert_frame_equal(TABLE_P, before)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"statistics": STATISTICS[1:]}, "'contact_hours' is not classified"),
        ({"passthrough": ["sd"]}, "'sd' is listed as statistics and passthrough"),
        ({"passthrough": ["currency"]}, "'currency' is not a column"),
        ({"passthrough": ["min"]}, "'min' is a minimum or maximum"),
        ({"n_column": "patients"}, "n_column 'patients' must be one of the counts"),
        ({"policy": "round3"}, "'policy' parameter must be one of"),
    ],
)
def test_bad_classification_is_rejected(change: dict[str, object], message: str) -> None:
    kwargs: dict[str, object] = {
        "policy": "nhsd2018",
        "counts": ["women", "contacts"],
        "statistics": STATISTICS,
        "shares": {"share_zero_cost": "women"},
    }
    kwargs.update(change)
    with pytest.raises(ValueError, match=message):
        control_table(TABLE_P, **kwargs)  # type: ignore[arg-type]


def test_total_row_must_add_up() -> None:
    df = TABLE_P.copy()
    df.loc[4, "women"] = 131
    df.loc[4, "share_zero_cost"] = 31 / 131
    with pytest.raises(ValueError, match="'all' row must be the total of the units in 'women'"):
        control(df, "nhsd2018")


def test_share_must_be_a_whole_number_of_women() -> None:
    df = TABLE_P.copy()
    df.loc[0, "share_zero_cost"] = 0.1  # 0.1 x 61 = 6.1 women
    with pytest.raises(ValueError, match="'share_zero_cost': share × 'women' must be a whole"):
        control(df, "nhsd2018")


# ---------------------------------------------------------------- property test, per-unit


@settings(max_examples=60, deadline=None)
@given(
    women=st.lists(st.integers(0, 30), min_size=2, max_size=4),
    policy=st.sampled_from(["nhsd2018", "suppress_lt5"]),
)
def test_property_per_unit_rules(women: list[int], policy: Policy) -> None:
    n = [*women, sum(women)]
    df = per_unit(n, [3 * w for w in n], [0] * len(n))
    out = control(df, policy)
    hidden = out.suppressed["mean_cost_per_woman"].to_numpy()
    # S-3: statistics are * wherever n is 1-7 ...
    assert all(hidden[i] for i, w in enumerate(n) if 1 <= w <= 7)
    # ... and wherever the count of women is *.
    assert (hidden | ~out.suppressed["women"].to_numpy()).all()
    # A share is * wherever the row's statistics are *.
    assert (out.suppressed["share_zero_cost"].to_numpy() | ~hidden).all()
    # With the total row published, no single unit row of statistics is hidden alone.
    if not hidden[-1]:
        assert hidden[:-1].sum() != 1
    if policy == "suppress_lt5":
        column = np.array(n).reshape(-1, 1)
        mask = out.suppressed[["women"]].to_numpy()
        assert recoverable_cells(column, mask, "column_totals") == []
