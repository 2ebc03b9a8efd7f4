"""Hand-worked one-way, threshold, two-way, scenario and scale-up results on a small linear model.

The case is tests/cases/small (worked out in tests/api/test_estimate_small.py) with its flat
rates as parameters (tests/cases/small_dsa/config.yaml): PSW rate p = 30 (range 24-36),
volunteer rate v = 10 (0-30), room r = 20 (10-50), refreshments f = 2 (gamma, mean 2,
SE 0.5), mileage m = 0.5 (fixed). Societal perspective, so every payer counts.

Per woman, in terms of the parameters (S = 2p + 2v + 1.5r + 3f, the group session C2):

* W1 = 1.5p + 10m + S/3        (C1 and a third of C2)
* W2 = S/3 + 0.5p              (a third of C2 and the did-not-attend C3, dna: assign)
* W3 = p / 1.035               (C4, one year after admission, discounted once at 3.5%)
* W4 = 0

so the mean cost per woman over all four women is

    Y = [ (2 + 1/1.035 + 4/3) p + (4/3) v + r + 2 f + 10 m ] / 4

i.e. dY/dp = (2 + 1/1.035 + 4/3)/4 = 1.0748792, dY/dv = 1/3, dY/dr = 1/4, dY/df = 1/2.
At the base values Y0 = 171.318841 / 4 = 42.829710 (as in test_estimate_small).

The total cost adds the unit lines: non-participants S/3 (unit a) and the unattended group
C5 (unit b: 1 h of PSW and 1 h of room): total = (5 + 1/1.035) p + 2v + 2.5r + 3f + 10m
= 259.985507 at base (181 + 28.985507 + 50).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from rapport_cost import api

CASES = Path(__file__).parents[1] / "cases"
CONFIG = CASES / "small_dsa" / "config.yaml"

DY_DP = (2 + 1 / 1.035 + 4 / 3) / 4
DY_DV = 1 / 3
DY_DR = 1 / 4
DY_DF = 1 / 2
Y0 = DY_DP * 30 + DY_DV * 10 + DY_DR * 20 + DY_DF * 2 + 10 * 0.5 / 4
TOTAL0 = (5 + 1 / 1.035) * 30 + 2 * 10 + 2.5 * 20 + 3 * 2 + 10 * 0.5


def variant(tmp_path: Path, edit: dict[str, Any]) -> Path:
    """A copy of the small_dsa case with top-level sections replaced (None deletes)."""
    folder = tmp_path / "small_dsa"
    if not folder.exists():
        shutil.copytree(CASES / "small_dsa", folder)
        shutil.copytree(CASES / "small", tmp_path / "small")
    cfg = yaml.safe_load(CONFIG.read_text())
    for key, value in edit.items():
        if value is None:
            cfg.pop(key, None)
        else:
            cfg[key] = value
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def test_base_value_is_the_estimate() -> None:
    # Y0 = 42.829710 as worked out above, and the same number estimate reports
    assert pytest.approx(171.318841 / 4, rel=1e-8) == Y0
    r = api.dsa(CONFIG)
    assert r.settings["base_result"] == pytest.approx(Y0, rel=1e-12)
    pu = api.estimate(CONFIG).tables["per_unit"].set_index("site")
    assert r.settings["base_result"] == pytest.approx(
        pu.loc["all", "mean_cost_per_woman"], rel=1e-12
    )


def test_tornado_swings_and_order() -> None:
    t = api.dsa(CONFIG).tables["tornado"].set_index("parameter")
    # refreshments: gamma with k = m²/s² = 16 and θ = s²/m = 0.125 (M-43)
    f_lo, f_hi = stats.gamma.ppf([0.025, 0.975], a=16, scale=0.125)
    expected = {
        "psw_rate": (24, 36, 12 * DY_DP),  # 12 x 1.0748792 = 12.898551
        "room_rate": (10, 50, 40 * DY_DR),  # 40 / 4 = 10
        "volunteer_rate": (0, 30, 30 * DY_DV),  # 30 / 3 = 10, a tie with room_rate
        "refreshments_rate": (f_lo, f_hi, (f_hi - f_lo) * DY_DF),
    }
    assert set(t.index) == set(expected)
    for name, (lo, hi, swing) in expected.items():
        row = t.loc[name]
        assert (row["low_value"], row["high_value"]) == pytest.approx((lo, hi), rel=1e-9)
        assert row["swing"] == pytest.approx(swing, rel=1e-9)
        # each result moves from the base by slope x (value - base value)
        slope = swing / (hi - lo)
        assert row["low_result"] == pytest.approx(Y0 + slope * (lo - row["base_value"]), rel=1e-9)
        assert row["high_result"] == pytest.approx(Y0 + slope * (hi - row["base_value"]), rel=1e-9)
        assert not row["non_monotone"]
    # sorted by swing, the tie of room_rate and volunteer_rate (both 10) broken by name
    assert list(t.index) == ["psw_rate", "room_rate", "volunteer_rate", "refreshments_rate"]
    assert t.loc["refreshments_rate", "range_basis"] == "dist 2.5%/97.5%"
    fixed = api.dsa(CONFIG).tables["fixed_parameters"]
    assert fixed["parameter"].tolist() == ["mileage_rate"]


def test_total_cost_and_one_site() -> None:
    t = api.dsa(CONFIG, output="total_cost").tables["tornado"].set_index("parameter")
    # total: dTotal/dp = 5 + 1/1.035 = 5.9661836, over 24-36: 71.594203
    assert t.loc["psw_rate", "swing"] == pytest.approx(12 * (5 + 1 / 1.035), rel=1e-9)
    assert t.loc["room_rate", "swing"] == pytest.approx(40 * 2.5, rel=1e-9)  # 100
    assert t.loc["psw_rate", "base_result"] == pytest.approx(TOTAL0, rel=1e-9)
    # unit b alone: women W3 = p/1.035 and W4 = 0, mean p/2.07; room and volunteer unused
    b = api.dsa(CONFIG, site="b").tables["tornado"].set_index("parameter")
    assert b.loc["psw_rate", "swing"] == pytest.approx(12 / 2.07, rel=1e-9)
    assert b.loc["room_rate", "swing"] == 0.0
    assert b.loc["volunteer_rate", "swing"] == 0.0


def test_threshold_closed_form() -> None:
    target = 45.0
    t = api.dsa(CONFIG, target=target).tables["threshold"].set_index("parameter")
    # linear in each parameter: x* = base + (target - Y0) / slope
    assert t.loc["psw_rate", "threshold"] == pytest.approx(30 + (target - Y0) / DY_DP, abs=1e-8)
    assert t.loc["volunteer_rate", "threshold"] == pytest.approx(
        10 + (target - Y0) / DY_DV, abs=1e-8
    )
    assert t.loc["room_rate", "threshold"] == pytest.approx(20 + (target - Y0) / DY_DR, abs=1e-8)
    # refreshments move Y by at most about ±0.5: 45 is out of reach
    assert np.isnan(t.loc["refreshments_rate", "threshold"])
    assert t.loc["refreshments_rate", "note"] == "no threshold in range"
    assert t.loc["psw_rate", "note"] == ""


def test_threshold_at_a_range_end() -> None:
    # the output at psw_rate = 24 is exactly a grid point: Y0 - 6 x dY/dp
    target = Y0 - 6 * DY_DP
    t = api.dsa(CONFIG, target=target).tables["threshold"].set_index("parameter")
    assert t.loc["psw_rate", "threshold"] == pytest.approx(24.0, abs=1e-8)


def test_two_way_grid() -> None:
    r = api.dsa(CONFIG, two_way_parameters=("psw_rate", "volunteer_rate"), points=3)
    g = r.tables["two_way"]
    assert len(g) == 9
    assert g["value_a"].tolist() == [24, 24, 24, 30, 30, 30, 36, 36, 36]
    assert g["value_b"].tolist() == [0, 15, 30] * 3
    # Y(p, v) = Y0 + dY/dp (p - 30) + dY/dv (v - 10)
    want = Y0 + DY_DP * (g["value_a"] - 30) + DY_DV * (g["value_b"] - 10)
    np.testing.assert_allclose(g["result"], want, rtol=1e-12)
    assert "two_way.png" in r.plots


def test_non_monotone_parameter(tmp_path: Path) -> None:
    """A parameter used twice, with opposite effects: flagged and drawn min to max.

    h is the working hours of a salaried role 'sup' (salary 30,000, no on-costs) and the
    hours of PSW time of a one-off programme cost; 10 hours of sup time are another
    one-off programme cost. Without discounting (rate 0) the total cost is

        total(h) = 261 + 10 x 30000 / h + 30 h

    where 261 = 6 x 30 + 2 x 10 + 2.5 x 20 + 3 x 2 + 10 x 0.5 is the base total
    undiscounted. On [40, 160]: total(40) = 261 + 7500 + 1200 = 8961,
    total(160) = 261 + 1875 + 4800 = 6936 and, at the grid's midpoint h = 100,
    total(100) = 261 + 3000 + 3000 = 6261, below both ends.
    """
    cfg = yaml.safe_load(CONFIG.read_text())
    cfg["parameters"]["h"] = {"value": 100, "low": 40, "high": 160}
    cfg["roles"]["sup"] = {"payer": "charity", "salary": 30000, "working_hours": "h"}
    cfg["programme_costs"] = {
        "psw_time": {"role": "psw", "hours": "h", "per": "once"},
        "sup_time": {"role": "sup", "hours": 10, "per": "once"},
    }
    cfg["discounting"] = {"rate": 0.0}
    path = variant(tmp_path, cfg)
    r = api.dsa(path, output="total_cost", target=7000)
    row = r.tables["tornado"].set_index("parameter").loc["h"]
    assert row["non_monotone"]
    assert (row["low_result"], row["high_result"]) == pytest.approx((8961, 6936))
    assert (row["bar_min"], row["bar_max"]) == pytest.approx((6261, 8961))
    assert row["swing"] == pytest.approx(2700)  # not |6936 - 8961| = 2025
    assert any("non-monotone" in w and " h" in w for w in r.warnings)
    # threshold 7000: 30 h² - 6739 h + 300000 = 0, the root in [40, 100]
    root = (6739 - np.sqrt(6739**2 - 4 * 30 * 300000)) / 60  # 61.1793
    th = r.tables["threshold"].set_index("parameter").loc["h"]
    assert th["threshold"] == pytest.approx(root, abs=1e-8)
    assert th["note"] == ""
    # 6900 is crossed twice (6936 at h = 160 is above it): the first crossing is shown
    th2 = api.dsa(path, output="total_cost", target=6900).tables["threshold"]
    note = th2.set_index("parameter").loc["h", "note"]
    assert note.startswith("2 crossings")


def test_scenario_deltas_by_hand() -> None:
    t = api.scenarios(CONFIG).tables["scenarios"]
    assert t["scenario"].iloc[0] == "base"
    rows = t.set_index(["scenario", "site"])
    # volunteer £20: each of W1 and W2 gets 2v/3 of the group session, +20/3 each
    assert rows.loc[("volunteer_20", "all"), "delta"] == pytest.approx(2 * 20 / 3 / 4)  # 3.3333
    assert rows.loc[("volunteer_20", "a"), "delta"] == pytest.approx(2 * 20 / 3 / 2)  # 6.6667
    assert rows.loc[("volunteer_20", "b"), "delta"] == 0.0
    assert rows.loc[("volunteer_20", "all"), "delta_pct"] == pytest.approx(100 * (10 / 3) / Y0)
    # the non-participants' third too: total +2 x 10 = 20
    assert rows.loc[("volunteer_20", "all"), "total_cost"] == pytest.approx(TOTAL0 + 20)
    # valued as the PSW: v = 30 per hour, +(30 - 10)/3 on the mean
    assert rows.loc[("volunteer_as_psw", "all"), "delta"] == pytest.approx(20 / 3)
    # did-not-attend C3 (0.5 h x 30 = 15) moves from W2 to unit a's dna line:
    # mean -15/4, total unchanged (C3 is within the first year, not discounted)
    assert rows.loc[("dna_unit", "all"), "delta"] == pytest.approx(-15 / 4)
    assert rows.loc[("dna_unit", "all"), "total_cost"] == pytest.approx(TOTAL0)
    assert rows.loc[("base", "all"), "mean_cost_per_woman"] == pytest.approx(Y0)


def test_scenarios_total_cost_delta_and_site_filter() -> None:
    t = api.scenarios(CONFIG, output="total_cost", site="all", only=["volunteer_20"]).tables[
        "scenarios"
    ]
    assert t["scenario"].tolist() == ["base", "volunteer_20"]
    assert t["delta"].tolist() == pytest.approx([0.0, 20.0])


def test_scale_up_arithmetic() -> None:
    r = api.scale_up(CONFIG)
    t = r.tables["scale_up"].set_index("unit")
    # admissions: a 4 (sites.a.admissions), b 2 (its women in the log): 6 in all;
    # cost per admission 259.985507 / 6 = 43.330918
    per = TOTAL0 / 6
    assert t.loc["north", "cost_per_admission"] == pytest.approx(per)
    assert t.loc["north", "annual_cost"] == pytest.approx(10 * per)  # 433.309179
    assert t.loc["south", "annual_cost"] == pytest.approx(2.5 * per)  # 108.327295
    assert t.loc["total", "admissions_per_year"] == 12.5
    assert t.loc["total", "annual_cost"] == pytest.approx(12.5 * per)
    assert "annual_cost_low" not in t.columns
    # unit a alone: 181 / 4 = 45.25 per admission
    a = api.scale_up(CONFIG, from_site="a").tables["scale_up"].set_index("unit")
    assert a.loc["north", "annual_cost"] == pytest.approx(452.5)
    # the women's mean instead: Y0 per admission
    m = api.scale_up(CONFIG, basis="mean_cost_per_woman").tables["scale_up"]
    assert m["annual_cost"].iloc[-1] == pytest.approx(12.5 * Y0)


def test_scale_up_admissions_file(tmp_path: Path) -> None:
    f = tmp_path / "units.csv"
    f.write_text("unit,admissions_per_year,label\nx,3,Unit X\ny,0,\n", encoding="utf-8")
    r = api.scale_up(CONFIG, admissions=f)
    t = r.tables["scale_up"]
    assert t["unit"].tolist() == ["x", "y", "total"]
    assert t["annual_cost"].tolist() == pytest.approx([3 * TOTAL0 / 6, 0.0, 3 * TOTAL0 / 6])
    assert [i["role"] for i in r.inputs][-1] == "admissions"


def test_scale_up_psa_interval(tmp_path: Path) -> None:
    r = api.scale_up(CONFIG, draws=400, seed=7)
    t = r.tables["scale_up"].set_index("unit")
    per = TOTAL0 / 6
    # only refreshments vary: total = ... + 3f, so the cost per admission moves by f/2;
    # f's 95% range is (1.14, 3.09) at most, so the interval lies within per ± 0.6
    lo, hi = t.loc["total", "annual_cost_low"], t.loc["total", "annual_cost_high"]
    assert 12.5 * (per - 0.6) < lo < 12.5 * per < hi < 12.5 * (per + 0.6)
    # each unit's interval is its admissions times the same interval per admission
    assert t.loc["north", "annual_cost_low"] / 10 == pytest.approx(lo / 12.5)
    assert r.settings["seed"] == 7
    again = api.scale_up(CONFIG, draws=400, seed=7).tables["scale_up"]
    pd.testing.assert_frame_equal(r.tables["scale_up"], again)


def test_scale_up_psa_collapses_without_uncertainty(tmp_path: Path) -> None:
    cfg = yaml.safe_load(CONFIG.read_text())
    cfg["parameters"]["refreshments_rate"] = {"value": 2}
    path = variant(tmp_path, cfg)
    t = api.scale_up(path, draws=50, seed=1).tables["scale_up"]
    np.testing.assert_allclose(t["annual_cost_low"], t["annual_cost"], rtol=1e-12)
    np.testing.assert_allclose(t["annual_cost_high"], t["annual_cost"], rtol=1e-12)
