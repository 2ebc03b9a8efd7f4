"""The hand-worked reference (data/published/hand_worked): its arithmetic, and the tool on it.

The CSVs were written by hand from docs/methods.md; this test checks that they are
consistent with themselves (every line is its product, every total the sum of its lines,
every overhead spread in full), so that `reproduce hand-worked` compares the tool with a
reference that adds up.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rapport_cost import api

HAND = Path(__file__).resolve().parents[2] / "data" / "published" / "hand_worked"


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    return pd.read_csv(HAND / "costing.csv", keep_default_na=False)


def test_every_line_is_its_product(lines: pd.DataFrame) -> None:
    product = lines["quantity"] * lines["unit_cost"] * lines["share"] * lines["discount_factor"]
    assert lines["cost"].to_numpy() == pytest.approx(product.to_numpy(), abs=1e-8)
    # the one discount factor: year 2 at 3.5%, timing start
    factors = lines["discount_factor"]
    assert ((factors == 1.0) | ((factors - 1 / 1.035).abs() < 1e-12)).all()


def test_every_share_adds_up(lines: pd.DataFrame) -> None:
    # each contact's shares and the supervision's (undiscounted) shares sum to 1
    shares = lines.groupby(["item", "driver"])["share"].sum()
    assert shares.to_numpy() == pytest.approx([1.0] * len(shares), abs=1e-11)


def test_the_totals_are_the_sums_of_the_lines(lines: pd.DataFrame) -> None:
    by_line = lines.groupby("line")["cost"].sum()
    pw = pd.read_csv(HAND / "per_woman.csv").set_index("woman_id")["total_cost"]
    assert pw.to_dict() == pytest.approx(by_line[["W1", "W2"]].to_dict(), abs=1e-8)
    ul = pd.read_csv(HAND / "unit_level_lines.csv")
    assert ul["total_cost"].item() == pytest.approx(by_line["unit_a:non_participants"], abs=1e-8)
    pu = pd.read_csv(HAND / "per_unit.csv").set_index("site")
    for site in ("unit_a", "all"):
        row = pu.loc[site]
        assert row["women_cost"] == pytest.approx(pw.sum(), abs=1e-8)
        assert row["total_cost"] == pytest.approx(by_line.sum(), abs=1e-8)
        assert row["mean_cost_per_woman"] == pytest.approx(pw.mean(), abs=1e-8)
        assert row["cost_per_admission"] == pytest.approx(by_line.sum() / 2, abs=1e-8)
    # everything spent, undiscounted: C1 65, C2 118, C3 20, C4 64, 12 x £60 of supervision
    undiscounted = (lines["cost"] / lines["discount_factor"]).sum()
    assert undiscounted == pytest.approx(65 + 118 + 20 + 64 + 720, abs=1e-8)


def test_the_tool_reproduces_the_hand_worked_totals() -> None:
    result = api.reproduce(["hand-worked"])
    assert result.tables["differences"].empty
    assert len(result.tables["reproduced"]) == 4


@pytest.mark.parametrize("woman", ["W1", "W2"])
def test_explain_gives_the_hand_worked_lines(lines: pd.DataFrame, woman: str) -> None:
    """``explain --woman`` line by line against the spreadsheet (the supervision share of W2,
    two rows by hand, is one row with its mean discount factor in ``explain``)."""
    t = api.explain(HAND / "config.yaml", woman=woman).tables["explanation"].iloc[:-1]
    got = t.assign(item=t["contact_id"].where(t["contact_id"] != "", t["component"]))
    got = got.groupby(["item", "component"])["cost"].sum()
    hers = lines[lines["line"] == woman]
    component = hers["driver"].str.replace(" working hours", "", regex=False)
    want = hers.assign(component=component).groupby(["item", "component"])["cost"].sum()
    assert got.to_dict() == pytest.approx(want.to_dict(), abs=1e-8)
