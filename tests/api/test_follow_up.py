"""follow-up: costs within a horizon from the logs and from a cost history (M-65 to M-74)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.helpers import invoke

from rapport_cost import api

ROOT = Path(__file__).parents[2]
CASE = ROOT / "tests" / "cases" / "follow_up"
CCOSTR = ROOT / "tests" / "reference" / "ccostr"


def _row(result: api.Result, site: str, estimator: str) -> pd.Series:
    table = result.tables["follow_up_summary"]
    rows = table[(table["site"] == site) & (table["estimator"] == estimator)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_hand_worked_case() -> None:
    # £1 a minute, no discounting; cut-off 1 Mar 2025, horizon 2 months = 60.875 days,
    # intervals of 30.4375 days. Days since admission to the cut-off (C): WA (1 Jan) 59,
    # WB (1 Dec) 90, WC (15 Dec) 76: WA is censored within the horizon, no one dies.
    # Costs: WA day 10 £30 (interval 1), day 40 £26 (interval 2); WB day 5 £10 (1), day 45
    # £40 (2), day 70 £50 (after the horizon); WC day 20 £25 (1).
    # K̂: one censoring, at 59 with 3 at risk → 2/3 after 59; K̂(t1−) = 1, K̂(t2−) = K̂(τ−) = 2/3.
    r = api.run_follow_up(CASE / "config.yaml", resamples=99, seed=1)
    expected = {
        # AD: observed costs within min(X, τ): (56 + 50 + 25) / 3
        "ad": 131 / 3,
        # CC: the complete women WB, WC: (50 + 25) / 2
        "cc": 37.5,
        # BT: (50 / (2/3) + 25 / (2/3)) / 3
        "bt": 37.5,
        # BTP: interval 1 (30 + 10 + 25) / 3 / 1 + interval 2 (WB 40 + WC 0) / (2/3) / 3
        "btp": 65 / 3 + 20,
        # Lin equals BTP with no deaths (F-6)
        "lin": 65 / 3 + 20,
        # ZT: BT + (1/3)(M_A(59) − M̄(59)) / K̂(59): M̄(59) = (56 + 50 + 25) / 3, K̂(59) = 2/3
        "zt": 37.5 + (56 - 131 / 3) / (2 / 3) / 3,
    }
    for name, value in expected.items():
        row = _row(r, "all", name)
        assert row["mean_cost"] == pytest.approx(value, rel=1e-12), name
        assert row["women"] == 3
        assert row["complete"] == 2
        assert row["censored"] == 1
        assert row["died"] == 0
    curve = r.tables["cumulative_cost"]
    everyone = curve[curve["site"] == "all"]
    np.testing.assert_allclose(everyone["mean_cumulative_cost"], [65 / 3, 65 / 3 + 20], rtol=1e-12)
    np.testing.assert_allclose(everyone["interval_end_months"], [1.0, 2.0], rtol=1e-12)
    # under observation at t1 = 30.44: all three; at t2 = 60.875: WB and WC
    assert everyone["at_risk"].tolist() == [3, 2]
    assert r.settings["data_cutoff"] == "2025-03-01"


def test_origin_discharge_moves_every_cost(tmp_path: Path) -> None:
    # From discharge (WA 20 Jan, WB 30 Dec, WC 10 Jan) the cut-off leaves WA 40 days, WB 61,
    # WC 50: within 2 months WA and WC are censored (40, 50 < 60.875), WB complete.
    # Costs since discharge: WA day 10 → 0 (before discharge: time 0), day 40 → 21;
    # WB day 5 → 0, day 45 → 16, day 70 → 41 (all within 60.875); WC day 20 → 0.
    # Censoring K̂: at 40 (3 at risk) 2/3, at 50 (2 at risk) 1/3. BT: only WB is complete,
    # M_B(τ) = 100 over K̂(60.875−) = 1/3: BT = 100 · 3 / 3 = 100.
    r = api.run_follow_up(CASE / "config.yaml", origin="discharge", resamples=99, seed=1)
    assert _row(r, "all", "bt")["mean_cost"] == pytest.approx(100.0, rel=1e-12)
    assert _row(r, "all", "btp")["complete"] == 1
    # AD: everything observed within min(X, τ): WA 56, WB 100, WC 25
    assert _row(r, "all", "ad")["mean_cost"] == pytest.approx(181 / 3, rel=1e-12)


def test_no_censoring_every_estimator_is_the_estimate(tmp_path: Path) -> None:
    # A cut-off long after every cost and a horizon beyond every cost: nobody is censored
    # within the horizon, every cost is within it, so every estimator is the plain mean of
    # the women's costs, which is estimate's mean cost per woman (the same engine).
    config = tmp_path / "config.yaml"
    text = (ROOT / "configs" / "rapport.yaml").read_text(encoding="utf-8")
    text = text.replace("../data/example/", str(ROOT / "data" / "example") + "/")
    text = text.replace("data_cutoff: 2028-08-31", "data_cutoff: 2040-01-01")
    config.write_text(text)
    mean = api.estimate(config).tables["per_unit"].set_index("site")["mean_cost_per_woman"]
    r = api.run_follow_up(config, horizon="10 years", resamples=19, seed=1)
    table = r.tables["follow_up_summary"]
    for site, value in mean.items():
        rows = table[table["site"] == site]
        np.testing.assert_allclose(rows["mean_cost"], value, rtol=1e-9)
        assert (rows["censored"] == 0).all()


def test_the_example_censors_the_women_admitted_within_three_years_of_the_cut_off() -> None:
    # configs/rapport.yaml: horizon 36 months = 36 × 365.25/12 = 1095.75 days, cut-off
    # 2028-08-31. A woman is complete when cut-off − admission ≥ 1095.75 days (no deaths):
    # counted here from women.csv alone.
    women = pd.read_csv(ROOT / "data" / "example" / "women.csv", parse_dates=["admission_date"])
    followed = (pd.Timestamp("2028-08-31") - women["admission_date"]).dt.days
    complete = int((followed >= 36 * 365.25 / 12).sum())
    r = api.run_follow_up(ROOT / "configs" / "rapport.yaml", resamples=19, seed=1)
    btp = _row(r, "all", "btp")
    assert (btp["complete"], btp["censored"]) == (complete, 300 - complete)
    assert 0 < complete < 300
    # every logged cost is within three years of admission, so the available-data mean is
    # estimate's mean cost per woman (docs/methods.md §16: £679.651136)
    assert _row(r, "all", "ad")["mean_cost"] == pytest.approx(679.651136, abs=5e-7)


def test_ccostr_simulated_history_at_6_years() -> None:
    # ccostr's SAS-similarity test values (tests/reference/ccostr/README.md), data uu, τ = 6
    # years, with ccostr's span interpolation (addInterPol = 1)
    r = api.run_follow_up(costs=CCOSTR / "uu.csv", horizon=6, resamples=19, seed=1, span_offset=1)
    bt = _row(r, "all", "bt")
    assert bt["mean_cost"] == pytest.approx(32793.79, abs=0.005)
    assert bt["se"] == pytest.approx(1438.65, abs=0.005)
    assert _row(r, "all", "zt")["mean_cost"] == pytest.approx(32394.49, abs=0.005)


def test_ccostr_toy_beyond_every_follow_up_is_refused() -> None:
    # the toy at τ = 1000 days: nobody is under observation there and B is censored at
    # 903, the longest follow-up, so the mean within 1000 days is refused (M-72)
    result = invoke(["follow-up", "--costs", str(CCOSTR / "toy.csv"), "--horizon", "1000"], code=2)
    assert "the longest is 903 time units" in " ".join(result.stderr.split())


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    config = str(CASE / "config.yaml")
    cases = [
        (["--horizon", "0"], "--horizon must be a length of time > 0, got '0'"),
        (["--horizon", "6 months", "--interval", "1 year"],
         "--interval (1 year) must not be longer than the horizon (6 months)"),
        (["--horizon", "5 years"], "a: the horizon (60 months) is beyond every woman's follow-up"),
        (["--estimator", "mean"], "--estimator must be one of ad, cc, bt, btp, zt, lin"),
        (["--origin", "birth"], "--origin must be one of admission, discharge"),
    ]  # fmt: skip
    for args, text in cases:
        out = tmp_path / "out"
        result = invoke(["follow-up", "-c", config, *args, "-o", str(out)], code=2)
        assert text in " ".join(result.stderr.split()), args
        assert "Traceback" not in result.stderr
        assert not out.exists()
    result = invoke(["follow-up", "--costs", str(CCOSTR / "toy.csv")], code=2)
    assert "--horizon is required with --costs" in result.stderr


def test_cli_writes_tables_and_the_plot_and_reproduces(tmp_path: Path) -> None:
    case = tmp_path / "case"
    shutil.copytree(CASE, case)
    out = tmp_path / "out"
    invoke(["follow-up", "-c", str(case / "config.yaml"), "--resamples", "99", "--seed", "3",
            "-o", str(out)], code=0)  # fmt: skip
    for name in ("follow_up_summary.csv", "cumulative_cost.csv", "cumulative_cost.png"):
        assert (out / name).stat().st_size > 0, name
    invoke(["reproduce", "--from", str(out)], code=0)


def test_psa_horizon_prices_each_draw_through_the_engine() -> None:
    # psa --horizon: each draw's estimate is the follow-up estimator on that draw's costs
    built = api.build(CASE / "config.yaml", timeline=True)
    r = api.run_psa(built, draws=64, seed=5, horizon="2 months")
    table = r.tables["psa_follow_up"].set_index("site")
    fu_result = api.run_follow_up(built, resamples=9, seed=1)
    assert table.loc["all", "deterministic"] == pytest.approx(
        _row(fu_result, "all", "btp")["mean_cost"], rel=1e-12
    )
    # the case has one hourly rate and no uncertainty: every draw is the point value
    assert table.loc["all", "mean"] == pytest.approx(65 / 3 + 20, rel=1e-12)


def test_psa_horizon_draw_by_draw_on_the_example() -> None:
    from rapport_cost.api import follow_up as fu_api  # noqa: PLC0415
    from rapport_cost.api.draws import psa_chunks, streams  # noqa: PLC0415
    from rapport_cost.api.psa import Horizon  # noqa: PLC0415
    from rapport_cost.core.analyses import follow_up as fu  # noqa: PLC0415

    built = api.build(None, timeline=True)
    h = Horizon.of(built, "24 months", 8)
    _, chunks, _ = psa_chunks(built, streams=streams(3), n_draws=8)
    chunk = next(iter(chunks))
    h.add(chunk.start, chunk.costs)
    everyone, _ = fu_api.cohort_from_logs(built, h.settings)
    obs = fu.observe(everyone.censoring, everyone.death, h.settings.horizon)
    layout = fu.lay_out(obs, fu.make_intervals(h.settings.horizon, h.settings.interval),
                        everyone.woman, everyone.start, everyone.stop)  # fmt: skip
    for row in range(chunk.n):
        direct = fu.estimate(layout, chunk.costs.timeline(row), se=False).estimates["BTP"]
        assert h.values[-1, row] == pytest.approx(direct, rel=1e-9)


def test_few_at_the_horizon_warns_in_the_horizon_as_given() -> None:
    # Lancashire women admitted by 2025-04-30 are followed 40 months (1217.5 days) to the
    # cut-off 2028-08-31: counted from women.csv, fewer than 10% of the unit's 83.
    women = pd.read_csv(ROOT / "data" / "example" / "women.csv", parse_dates=["admission_date"])
    lanc = women[women["site"] == "lancashire"]
    followed = (pd.Timestamp("2028-08-31") - lanc["admission_date"]).dt.days
    at_tau = int((followed >= 40 * 365.25 / 12).sum())
    assert at_tau < 0.1 * len(lanc)
    r = api.run_follow_up(horizon="40 months", resamples=19, seed=1)
    (w,) = [w for w in r.warnings if w.startswith("lancashire: W-FEW-AT-HORIZON")]
    assert f"only {at_tau} of {len(lanc)} women" in w
    assert "at the horizon (40 months)" in w
