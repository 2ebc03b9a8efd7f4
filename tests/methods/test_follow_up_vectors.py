"""The worked examples of docs/methods.md §17 and M-80, through the product's front doors.

Five women followed for 2 months in intervals of 1 month (§17 "Worked example by hand"):

    A  followed to 2        10 at 0.5, 20 at 1.75
    B  dies at 0.5           8 at 0.25
    C  censored at 1.5      20 at 0.5,  5 at 1.25
    D  followed to 2                   10 at 1.75
    E  censored at 1.0       6 at 0.5

Every expected value is worked out by hand in the comments (and in the document). The
kernel is checked on the same vector in tests/core/test_follow_up.py; here the same women
go in as a cost history (``follow-up --costs``, times in months), which also checks the
analytic SEs the document works out, and as logs with dates (times × 30 days, withdrawals
and a death in the women log), which also runs ``subgroups --horizon`` (M-80).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from rapport_cost import api

# (id, follow-up, death?, [(time in months, £)]) of the five women.
WOMEN = [
    ("A", 2.0, False, [(0.5, 10.0), (1.75, 20.0)]),
    ("B", 0.5, True, [(0.25, 8.0)]),
    ("C", 1.5, False, [(0.5, 20.0), (1.25, 5.0)]),
    ("D", 2.0, False, [(1.75, 10.0)]),
    ("E", 1.0, False, [(0.5, 6.0)]),
]
PARITY = {"A": "first", "B": "later", "C": "first", "D": "later", "E": "later"}

# Observation: X = 2, 0.5, 1.5, 2, 1; complete A, B, D; censored C, E; one death (B).
# Ŝ = 4/5 from 0.5 (B dies, 5 at risk); K̂ = 3/4 from 1.0 (E, 4 at risk), 1/2 from 1.5 (C,
# 3 at risk). Observed costs within the horizon: A 30, B 8, C 25, D 10, E 6.
EXPECTED = {
    # (30 + 8 + 25 + 10 + 6) / 5
    "ad": 79 / 5,
    # complete A, B, D: (30 + 8 + 10) / 3
    "cc": 16.0,
    # (30 / K̂(2−) + 8 / K̂(0.5−) + 10 / K̂(2−)) / 5 = (60 + 8 + 20) / 5
    "bt": 88 / 5,
    # interval 1: (10 + 8 + 20 + 0 + 6) / 5 / K̂(1−) = 8.8; interval 2: (20 + 10) / (1/2) / 5 = 12
    "btp": 8.8 + 12.0,
    # BT + (1/5)[(6 − 9)/(3/4) + (25 − 35/3)/(1/2)] = 88/5 + (−4 + 80/3)/5
    "zt": 332 / 15,
    # Ŝ(0−) Ē₁ + Ŝ(1) Ē₂ = 44/5 + (4/5)(20 + 10)/2
    "lin": 8.8 + 0.8 * 15.0,
}


def _rows(result: api.Result, site: str = "all") -> pd.DataFrame:
    table = result.tables["follow_up_summary"]
    return table[table["site"] == site].set_index("estimator")


def _check_estimates(result: api.Result, site: str = "all") -> None:
    rows = _rows(result, site)
    for name, value in EXPECTED.items():
        assert rows.loc[name, "mean_cost"] == pytest.approx(value, rel=1e-12), name
    # the counts: 5 women, A, B, D complete, C, E censored, B's death within the horizon
    assert rows[["women", "complete", "censored", "died"]].drop_duplicates().values.tolist() == [
        [5, 3, 2, 1]
    ]
    curve = result.tables["cumulative_cost"]
    curve = curve[curve["site"] == site]
    # the running sum of BTP's terms, 8.8 then 8.8 + 12
    assert curve["mean_cumulative_cost"].tolist() == pytest.approx([8.8, 20.8], rel=1e-12)
    # under observation (X ≥ t): at 1 month A, C, D, E; at 2 months A, D
    assert curve["at_risk"].tolist() == [4, 2]


@pytest.fixture(scope="module")
def history_result(tmp_path_factory: pytest.TempPathFactory) -> api.Result:
    """The five women as a cost history in months: a death is a complete history (delta 1)."""
    rows = [
        {"id": w, "start": u, "stop": u, "cost": c, "delta": int(died), "surv": surv}
        for w, surv, died, costs in WOMEN
        for u, c in costs
    ]
    path = tmp_path_factory.mktemp("history") / "history.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return api.run_follow_up(costs=path, horizon=2, interval=1, resamples=19, seed=1)


def test_the_estimators_from_a_cost_history(history_result: api.Result) -> None:
    _check_estimates(history_result)


def test_the_analytic_standard_errors_worked_by_hand(history_result: api.Result) -> None:
    rows = _rows(history_result)
    # AD: 30, 8, 25, 10, 6 around 15.8: Σ squares 476.8, s² = 119.2, SE = √(119.2 / 5)
    assert rows.loc["ad", "se"] == pytest.approx(math.sqrt(23.84), rel=1e-12)
    # CC: 30, 8, 10 around 16: Σ squares 296, s² = 148, SE = √(148 / 3)
    assert rows.loc["cc", "se"] == pytest.approx(math.sqrt(148 / 3), rel=1e-12)
    # BT: Σ Δ(M − BT)²/K = 12.4²·2 + 9.6²·1 + 7.6²·2 = 515.2. For E (C 1.0, Ŝ 4/5, K̂ 3/4) and
    # C (C 1.5, Ŝ 4/5, K̂ 1/2) the complete women with X ≥ C are A and D:
    # GA = (900 + 100)·2 / (5·4/5) = 500, GB = (30 + 10)·2 / 4 = 20, GA − GB² = 100, over K̂²:
    # 1600/9 (E) and 400 (C). var = (515.2/5 + (1600/9 + 400)/5)/5 = 49184/1125.
    assert rows.loc["bt", "se"] == pytest.approx(math.sqrt(49184 / 1125), rel=1e-12)
    # ZT: gm = (10·2 + 0)/4 = 5 (A's cost to 1.0 and to 1.5 is 10, D's 0), gmm = 30·10·2/4 =
    # 150, gmm − GB·gm = 50, over K̂²: 800/9 (E), 200 (C). Spread of M(c) among X ≥ c: at 1.0
    # (10, 20, 0, 6) 134 − 81 = 53, at 1.5 (10, 25, 0) 725/3 − (35/3)² = 950/9; over K̂²:
    # 848/9 and 3800/9. var = 49184/1125 − (2/25)(800/9 + 200) + (1/25)(848/9 + 3800/9)
    # = 49184/1125 − 5200/225 + 4648/225 = 46424/1125.
    assert rows.loc["zt", "se"] == pytest.approx(math.sqrt(46424 / 1125), rel=1e-12)
    # no analytic SE for the partitioned estimators
    assert rows.loc[["btp", "lin"], "se"].isna().all()


# ------------------------------------------------------------------- from the logs

#: £1 a minute, no discounting; horizon 60 days in intervals of 30 (the months × 30).
CONFIG = """\
price_year: "2023/24"
perspective: societal
roles:
  psw: {payer: charity, hourly_rate: 60}
contact_types:
  one_to_one: {label: One-to-one}
sites:
  a: {label: Unit A}
discounting: {rate: 0.0}
follow_up: {data_cutoff: 2025-03-02, horizon: 60, interval: 30}
logs:
  contacts: contacts.csv
  attendance: attendance.csv
  women: women.csv
"""
ADMISSION = pd.Timestamp("2025-01-01")
COPIES = 5


def _write_case(folder: Path) -> Path:
    """The women ×30 days, each five times (a copy is a frequency weight: no estimate moves).

    Admitted 1 Jan 2025; cut-off 2 Mar 2025, day 60: A and D are followed to the horizon; B
    dies on day 15 (16 Jan); C withdraws on day 45 (15 Feb), E on day 30 (31 Jan).
    """
    women, contacts = [], []
    for k in range(COPIES):
        for w, months, died, costs in WOMEN:
            wid = f"{w}{k}"
            end = (ADMISSION + pd.Timedelta(days=round(months * 30))).date().isoformat()
            women.append(
                {
                    "woman_id": wid,
                    "site": "a",
                    "admission_date": ADMISSION.date().isoformat(),
                    "discharge_date": "2025-01-05",
                    "parity": PARITY[w],
                    "withdrawal_date": "" if died or months >= 2 else end,
                    "death_date": end if died else "",
                }
            )
            for u, cost in costs:
                day = ADMISSION + pd.Timedelta(days=int(u * 30))  # 7, 15, 37 or 52 days
                contacts.append(
                    {
                        "contact_id": f"C{len(contacts) + 1}",
                        "site": "a",
                        "date": day.date().isoformat(),
                        "contact_type": "one_to_one",
                        "woman_id": wid,
                        "facilitators": "psw",
                        "duration_min": int(cost),  # £1 a minute
                    }
                )
    pd.DataFrame(women).to_csv(folder / "women.csv", index=False)
    pd.DataFrame(contacts).to_csv(folder / "contacts.csv", index=False)
    (folder / "attendance.csv").write_text("contact_id,woman_id\n", encoding="utf-8")
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return folder / "config.yaml"


@pytest.fixture(scope="module")
def logs_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_case(tmp_path_factory.mktemp("logs"))


def test_the_estimators_from_dated_logs(logs_case: Path) -> None:
    # Days 7 and 15 are in interval 1 (0, 30], days 37 and 52 in interval 2 (30, 60]; E is
    # followed to exactly t₁ = 30, so she is observed through interval 1, as in months.
    result = api.run_follow_up(logs_case, resamples=19, seed=1)
    for site in ("a", "all"):
        rows = _rows(result, site)
        for name, value in EXPECTED.items():
            assert rows.loc[name, "mean_cost"] == pytest.approx(value, rel=1e-12), (site, name)
        # five copies of each woman
        assert rows[["women", "complete", "censored", "died"]].iloc[0].tolist() == [25, 15, 10, 5]
    assert result.settings["data_cutoff"] == "2025-03-02"


def test_subgroups_within_the_horizon_are_weighted_by_the_censoring_curve(
    logs_case: Path,
) -> None:
    # Weights Δ/K̂(min(T, τ)−): A 1/(1/2) = 2, B 1/1 = 1, D 2, censored C and E 0. Costs within
    # the horizon A 30, B 8, D 10. first = {A, C}, later = {B, D, E}.
    result = api.run_subgroups(logs_case, by="parity", horizon=60, resamples=99, seed=1)
    summary = result.tables["subgroup_summary"].set_index("group")
    # n counts the women with a weight > 0, five copies each: first 5 (A), later 10 (B, D)
    assert summary["n"].to_dict() == {"later": 10, "first": 5, "all women": 15}
    # first: A's 30. later: (1·8 + 2·10) / (1 + 2) = 28/3 (the unweighted mean of B, D is 9).
    # all: (2·30 + 8 + 2·10) / 5 = 17.6 = BT (the weights sum to n here).
    assert summary.loc["first", "mean"] == pytest.approx(30.0, rel=1e-12)
    assert summary.loc["later", "mean"] == pytest.approx(28 / 3, rel=1e-12)
    assert summary.loc["all women", "mean"] == pytest.approx(17.6, rel=1e-12)
    # later's SD with the frequency-weight divisor Σw − 1 = 15 − 1 over five copies:
    # 5·(1·(8 − 28/3)² + 2·(10 − 28/3)²) = 5·24/9 = 40/3; √((40/3) / 14) = √(20/21)
    assert summary.loc["later", "sd"] == pytest.approx(math.sqrt(20 / 21), rel=1e-12)
    diff = result.tables["subgroup_difference"].set_index("kind")
    assert (diff["reference"] == "later").all()  # the larger weighted group
    # unadjusted: 30 − 28/3 = 62/3, ratio 30/(28/3) = 45/14
    assert diff.loc["unadjusted", "difference"] == pytest.approx(62 / 3, rel=1e-12)
    assert diff.loc["unadjusted", "ratio"] == pytest.approx(45 / 14, rel=1e-12)
    # adjusted: no weighted zero cost (the two-part model is its gamma part) and one unit (no
    # site term), so the gamma GLM fits each group's weighted mean: the same numbers, to the
    # fit's tolerance
    assert diff.loc["adjusted", "mean"] == pytest.approx(30.0, rel=1e-7)
    assert diff.loc["adjusted", "reference_mean"] == pytest.approx(28 / 3, rel=1e-7)
    assert diff.loc["adjusted", "difference"] == pytest.approx(62 / 3, rel=1e-7)
    assert result.settings["horizon"] == "60 days"
