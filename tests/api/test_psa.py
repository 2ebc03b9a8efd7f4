"""``psa`` on the hand-worked small case (tests/cases/small): API, CLI, files, bad inputs.

The small case's costs are worked out in tests/api/test_estimate_small.py. Per site:

* site a: W1 50 + 38.6667 = 88.6667 and W2 38.6667 + 15 = 53.6667 (women 142.3333), the
  non-participants' share of C2 38.6667 on a unit line: total 181, mean per woman 71.1667.
* site b: W3 30 / 1.035 = 28.985507 and W4 0 (women 28.985507), the unattended group C5
  50 on a unit line: total 78.985507, mean per woman 14.492754.
* all: total 259.985507, mean per woman 171.318841 / 4 = 42.829710.

PSW hours at the £30 hourly rate, which the linear case varies (staff time explicit, so
every logged PSW minute is costed at the hourly rate):

* site a: C1 1.5 h (W1), C2 2 h shared three ways (2/3 h each to W1, W2 and the
  non-participants), C3 0.5 h (W2): women 1.5 + 2/3 + 2/3 + 0.5 = 10/3 h, site 4 h.
* site b: C4 1 h discounted once, 1/1.035 h (W3); C5 1 h on the unit line: women
  1/1.035 h, site 1 + 1/1.035 h.

So each output is linear in the rate r: output = base + c·(r − 30), with c the hours
below (per woman: divided by the site's women, 2, 2 and 4).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from numpy.testing import assert_allclose
from PIL import Image
from scipy import stats
from tests.helpers import invoke

import rapport_cost
from rapport_cost import api
from rapport_cost.errors import ExportError

CASE = Path(__file__).parents[1] / "cases" / "small"
HOURS_A, HOURS_B_WOMEN = 10 / 3, 1 / 1.035
#: (site, quantity) -> (deterministic value at £30 an hour, PSW hours c)
LINEAR: dict[tuple[str, str], tuple[float, float]] = {
    ("a", "mean_cost_per_woman"): (142.333333333333 / 2, HOURS_A / 2),
    ("b", "mean_cost_per_woman"): (28.985507246377 / 2, HOURS_B_WOMEN / 2),
    ("all", "mean_cost_per_woman"): (171.318840579710 / 4, (HOURS_A + HOURS_B_WOMEN) / 4),
    ("a", "total_cost"): (181.0, 4.0),
    ("b", "total_cost"): (78.985507246377, 1 + HOURS_B_WOMEN),
    ("all", "total_cost"): (259.985507246377, 5 + HOURS_B_WOMEN),
}
RATE = {"value": 30, "dist": {"type": "gamma", "mean": 33, "se": 3}}
ROOM = {"value": 20, "dist": {"type": "gamma", "mean": 20, "se": 4}}
CORRELATED = [["roles.psw.hourly_rate", "resources.room_hire.unit_cost", 0.6]]


def make_case(tmp_path: Path, name: str, edit: dict[str, Any] | None = None) -> Path:
    """A copy of the small case with config entries replaced by dotted path."""
    folder = tmp_path / name
    shutil.copytree(CASE, folder)
    cfg = yaml.safe_load((folder / "config.yaml").read_text())
    for key, value in (edit or {}).items():
        *parents, last = key.split(".")
        node = cfg
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return folder / "config.yaml"


@pytest.fixture(scope="module")
def fixed_case(tmp_path_factory: pytest.TempPathFactory) -> api.Built:
    return api.build(make_case(tmp_path_factory.mktemp("psa"), "fixed"))


@pytest.fixture(scope="module")
def linear_case(tmp_path_factory: pytest.TempPathFactory) -> api.Built:
    path = make_case(tmp_path_factory.mktemp("psa"), "linear", {"roles.psw.hourly_rate": RATE})
    return api.build(path)


@pytest.fixture(scope="module")
def correlated_case(tmp_path_factory: pytest.TempPathFactory) -> api.Built:
    edit = {
        "roles.psw.hourly_rate": RATE,
        "resources.room_hire.unit_cost": ROOM,
        "correlations": CORRELATED,
    }
    return api.build(make_case(tmp_path_factory.mktemp("psa"), "correlated", edit))


def rows(result: api.Result) -> dict[tuple[str, str], pd.Series]:
    s = result.tables["psa_summary"]
    return {(r["site"], r["quantity"]): r for _, r in s.iterrows()}


# --------------------------------------------------------------------------- one costing path


def test_psa_with_nothing_varied_equals_estimate(fixed_case: api.Built) -> None:
    result = api.run_psa(fixed_case, draws=50, seed=1)
    est = api.estimate(fixed_case).tables["per_unit"].set_index("site")
    got = rows(result)
    for (site, quantity), (value, _) in LINEAR.items():
        r = got[site, quantity]
        # the engine at θ₀ is the estimate (one costing path), and both are the hand-worked figure
        assert r["deterministic"] == pytest.approx(est.loc[site, quantity], rel=1e-12, abs=0)
        assert r["deterministic"] == pytest.approx(value, rel=1e-9)
        # every draw is the base case
        for col in ("mean", "median", "q025", "q975"):
            assert r[col] == pytest.approx(value, rel=1e-12), col
        assert r["sd"] <= 1e-12 * value
    assert result.tables["psa_convergence"]["converged"].all()
    assert any("no parameter has a distribution" in w for w in result.warnings)


# --------------------------------------------------------------------------- a linear case


def test_linear_case_moments(linear_case: api.Built, global_random_seed: int) -> None:
    # The rate is gamma with mean 33 and SE 3, so each output has mean base + 3c and SD 3c.
    n = 4000
    got = rows(api.run_psa(linear_case, draws=n, seed=global_random_seed, sampling="mc"))
    for key, (base, c) in LINEAR.items():
        r = got[key]
        # |mean − (base + 3c)| within 4 Monte Carlo SEs, 4 · 3c / √n
        assert abs(r["mean"] - (base + 3 * c)) <= 4 * 3 * c / math.sqrt(n), key
        # the SD of a gamma sample of 4000 has a relative SE ≈ √(2.05 / (4n)) = 1.1%
        assert r["sd"] == pytest.approx(3 * c, rel=0.05), key
        assert r["mcse"] == pytest.approx(r["sd"] / math.sqrt(n))


def test_linear_case_quantiles_under_lhs(linear_case: api.Built) -> None:
    # With one varied parameter, a Latin hypercube of N = 3999 puts exactly one rate in
    # each stratum [k/N, (k+1)/N), and the G-4 2.5% quantile is the ((N + 1) 0.025) = 100th
    # smallest: its uniform lies in [99/N, 100/N), within 1/N of 0.025. The output is
    # base + c·(Q(u) − 30), with Q the gamma quantile (shape 33²/3² = 121, scale
    # 9/33); Q' = 1/f ≈ 51 at the 2.5% and 97.5% levels, so the error is at most
    # c·51/3999 ≈ 0.013c.
    n = 3999
    shape, scale = 121.0, 9 / 33
    q = stats.gamma.ppf([0.025, 0.5, 0.975], shape, scale=scale)
    result = api.run_psa(linear_case, draws=n, seed=7, sampling="lhs")
    for key, (base, c) in LINEAR.items():
        r = rows(result)[key]
        want = base + c * (q - 30)
        assert_allclose([r["q025"], r["median"], r["q975"]], want, rtol=0, atol=0.02 * c)
    # the probabilistic mean is 3c above the base case: 5/71.1667 = +7.0% for site a
    (p6,) = [w for w in result.warnings if "M-47" in w]
    assert "mean_cost_per_woman for a (+7.0%)" in p6
    # total for all: 3 (5 + 1/1.035) / 259.9855 = +6.9%
    assert "total_cost for all (+6.9%)" in p6


def test_price_year_factor_multiplies_every_draw(tmp_path: Path) -> None:
    # The rate is written in 2021/22 prices: NHSCII pay & prices 2021/22 → 2023/24 is
    # 1.09970804 (M-36). The gamma (mean 30, SE 3) describes the value as
    # written, so every draw is multiplied by f: site a's total (4 PSW hours) has base
    # 181 + 4·(30f − 30) = 192.96498 and SD 4 · 3f = 13.196496.
    f = 1.09970804
    rate = {"value": 30, "price_year": "2021/22", "dist": {"type": "gamma", "mean": 30, "se": 3}}
    path = make_case(tmp_path, "uplift", {"roles.psw.hourly_rate": rate})
    result = api.run_psa(path, draws=3999, seed=2, sampling="lhs")
    params = result.tables["psa_parameters"].set_index("name").loc["roles.psw.hourly_rate"]
    assert params["factor"] == pytest.approx(f, abs=5e-9)
    assert params["sd"] == pytest.approx(3 * f, rel=1e-8)
    r = rows(result)["a", "total_cost"]
    assert r["deterministic"] == pytest.approx(181 + 4 * (30 * f - 30), rel=1e-8)
    # a Latin hypercube of one parameter pins its SD and mean far inside 1% and 0.1%
    assert r["sd"] == pytest.approx(4 * 3 * f, rel=0.01)
    assert r["mean"] == pytest.approx(r["deterministic"], rel=0.001)


def test_same_seed_same_tables(linear_case: api.Built) -> None:
    a = api.run_psa(linear_case, draws=500, seed=11)
    b = api.run_psa(linear_case, draws=500, seed=11)
    for name, table in a.tables.items():
        pd.testing.assert_frame_equal(table, b.tables[name], check_exact=True)
    assert a.settings == b.settings
    c = api.run_psa(linear_case, draws=500, seed=12)
    assert not a.tables["psa_summary"].equals(c.tables["psa_summary"])


def test_fresh_entropy_is_recorded_and_reproduces(linear_case: api.Built) -> None:
    # The small case has no psa.seed: the entropy drawn is the seed to rerun with.
    a = api.run_psa(linear_case, draws=300)
    seed = a.settings["seed"]
    assert isinstance(seed, int)
    b = api.run_psa(linear_case, draws=300, seed=seed)
    pd.testing.assert_frame_equal(a.tables["psa_summary"], b.tables["psa_summary"])


def test_chunking(tmp_path: Path) -> None:
    # What is true: a Sobol' sequence persists across chunks and the copula acts row by
    # row, so sobol + copula gives the same draws whatever the chunk size. Monte Carlo
    # draws parameter by parameter within a chunk (and Iman–Conover and each Latin
    # hypercube work within a chunk), so mc and lhs results depend on the chunk size:
    # the same seed and chunk size reproduce them, other chunk sizes give a different,
    # equally valid sample.
    edit = {
        "roles.psw.hourly_rate": RATE,
        "resources.room_hire.unit_cost": ROOM,
        "correlations": CORRELATED,
        "psa": {"correlation_method": "copula"},
    }
    built = api.build(make_case(tmp_path, "copula", edit))
    whole = api.run_psa(built, draws=1024, seed=3, sampling="sobol", chunk_size=1024)
    parts = api.run_psa(built, draws=1024, seed=3, sampling="sobol", chunk_size=100)
    assert parts.settings["chunks"] == 11
    pd.testing.assert_frame_equal(
        whole.tables["psa_summary"], parts.tables["psa_summary"], rtol=1e-12
    )
    small = rows(api.run_psa(built, draws=4000, seed=3, sampling="mc", chunk_size=400))
    large = rows(api.run_psa(built, draws=4000, seed=3, sampling="mc", chunk_size=4000))
    for key in LINEAR:
        a, b = small[key], large[key]
        # two independent samples of 4000: means within 5 SEs of their difference
        assert abs(a["mean"] - b["mean"]) <= 5 * math.hypot(a["mcse"], b["mcse"]), key


def test_correlation_reaches_the_spearman_target(correlated_case: api.Built) -> None:
    result = api.run_psa(correlated_case, draws=5000, seed=5, sampling="lhs")
    corr = result.tables["psa_correlations"]
    assert corr[["parameter_a", "parameter_b"]].values.tolist() == [
        ["roles.psw.hourly_rate", "resources.room_hire.unit_cost"]
    ]
    assert corr["draws"].tolist() == [5000]
    assert abs(corr["achieved"].iloc[0] - 0.6) <= 0.03  # T25's tolerance at N = 5000


def test_progress_and_top_level_api(linear_case: api.Built) -> None:
    seen: list[tuple[int, int]] = []
    result = rapport_cost.run_psa(
        linear_case, draws=1000, seed=1, chunk_size=300, progress=lambda d, t: seen.append((d, t))
    )
    # 1000 draws in ⌈1000/300⌉ = 4 even chunks of 250, after a first call at 0
    assert seen == [(0, 1000), (250, 1000), (500, 1000), (750, 1000), (1000, 1000)]
    assert result.command == "psa"
    assert set(result.tables) == {"psa_summary", "psa_convergence", "psa_parameters"}
    params = result.tables["psa_parameters"].set_index("name")
    # shape 33²/3² = 121, scale 3²/33 = 0.272727
    assert params.loc["roles.psw.hourly_rate", "parameters"] == "shape=121, scale=0.272727"
    assert params.loc["roles.psw.hourly_rate", "value"] == 30


def test_parameter_table_lists_every_number_with_unit_and_use(tmp_path: Path) -> None:
    # a named rate used by the PSW role, a plain room-hire price, and a declared parameter
    # that nothing uses (a warning, not an error: it may be a leftover of an edit)
    path = make_case(
        tmp_path,
        "every",
        {
            "parameters": {"rate": {"value": 30}, "spare": {"value": 1}},
            "roles.psw.hourly_rate": "rate",
        },
    )
    result = api.run_psa(path, draws=10, seed=1)
    p = result.tables["psa_parameters"].set_index("name")
    assert (p.loc["rate", "kind"], p.loc["rate", "unit"]) == ("named", "£ an hour")
    assert p.loc["rate", "used_by"] == "roles.psw.hourly_rate"
    room = p.loc["resources.room_hire.unit_cost"]
    assert (room["kind"], room["unit"], room["value"]) == ("literal", "£ per hour", 20)
    assert p.loc["resources.mileage.unit_cost", "unit"] == "£ per mile"
    assert p.loc["roles.psw.indirect_time_ratio", "unit"] == (
        "hours of other work per contact hour"
    )
    assert "spare" not in p.index
    assert any(w.startswith("parameters.spare: declared but no number") for w in result.warnings)


def test_sobol_balance_is_a_warning_not_an_exception(linear_case: api.Built) -> None:
    result = api.run_psa(linear_case, draws=1000, seed=1, sampling="sobol")
    assert any("power of two" in w for w in result.warnings)


# --------------------------------------------------------------------------- bad inputs


def clean(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draws", "0"], "error: --draws must be a whole number >= 1, got 0"),
        (["--sampling", "halton"], "error: --sampling must be one of mc, lhs, sobol; got 'halton'"),
        (["--seed", "-1"], "error: --seed must be a whole number >= 0, got -1"),
    ],
)
def test_bad_options_exit_2(args: list[str], message: str) -> None:
    result = invoke(["psa", "-c", str(CASE / "config.yaml"), *args], code=2)
    assert message in clean(result.stderr)
    assert "Traceback" not in result.stderr + result.stdout


SMALL = (CASE / "config.yaml").read_text()


def bad_case(tmp_path: Path, extra: str) -> tuple[Path, list[str]]:
    folder = tmp_path / "bad"
    shutil.copytree(CASE, folder)
    text = SMALL.replace(
        "hourly_rate: 30,", "hourly_rate: {value: 30, dist: {type: gamma, mean: 30, se: 3}},"
    )
    text = text.replace(
        "{unit_cost: 20,", "{unit_cost: {value: 20, dist: {type: gamma, mean: 20, se: 4}},"
    )
    text = text.replace(
        "{unit_cost: 2,", "{unit_cost: {value: 2, dist: {type: gamma, mean: 2, se: 0.2}},"
    )
    path = folder / "config.yaml"
    path.write_text(text + extra)
    return path, (text + extra).splitlines()


def test_unknown_parameter_in_a_correlation(tmp_path: Path) -> None:
    path, lines = bad_case(
        tmp_path,
        "correlations:\n"
        "  - [roles.psw.hourly_rate, resources.room_hire.unit_cost, 0.5]\n"
        "  - [roles.psw.hourly_rat, resources.room_hire.unit_cost, 0.5]\n",
    )
    line = lines.index("  - [roles.psw.hourly_rat, resources.room_hire.unit_cost, 0.5]") + 1
    result = invoke(["psa", "-c", str(path)], code=2)
    assert (
        f"{path}:{line}: correlations[1]: unknown parameter 'roles.psw.hourly_rat'; did you "
        "mean 'roles.psw.hourly_rate'?"
    ) in clean(result.stderr)
    assert "Traceback" not in result.stderr


def test_correlations_not_positive_definite(tmp_path: Path) -> None:
    # rate–room 0.9, room–refreshments 0.9, rate–refreshments −0.9: impossible together
    # (see tests/core/test_psa.py for the eigenvalue)
    path, lines = bad_case(
        tmp_path,
        "correlations:\n"
        "  - [roles.psw.hourly_rate, resources.room_hire.unit_cost, 0.9]\n"
        "  - [resources.room_hire.unit_cost, resources.refreshments.unit_cost, 0.9]\n"
        "  - [roles.psw.hourly_rate, resources.refreshments.unit_cost, -0.9]\n",
    )
    line = lines.index("correlations:") + 1
    result = invoke(["psa", "-c", str(path)], code=2)
    assert f"{path}:{line}: correlations: the correlations are not positive definite" in clean(
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_impossible_distribution_exit_2() -> None:
    case = Path(__file__).parents[1] / "invalid" / "config" / "impossible_beta.yaml"
    result = invoke(["psa", "-c", str(case)], code=2)
    assert "impossible beta" in clean(result.stderr)
    assert "Traceback" not in result.stderr


def test_existing_output_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = invoke(["psa", "-c", str(CASE / "config.yaml"), "-o", str(out)], code=4)
    assert "already exists; use --force to replace it" in clean(result.stderr)


# --------------------------------------------------------------------------- files


def test_out_folder_has_draws_plots_and_manifest(tmp_path: Path) -> None:
    path = make_case(tmp_path, "linear", {"roles.psw.hourly_rate": RATE})
    out = tmp_path / "out"
    n = 200
    invoke(["psa", "-c", str(path), "--draws", str(n), "--seed", "4", "-o", str(out)], code=0)
    names = {p.name for p in out.iterdir()}
    assert names == {
        "psa_summary.csv",
        "psa_convergence.csv",
        "psa_parameters.csv",
        "psa_draws.parquet",
        "psa_draws.csv",
        "psa_histogram.png",
        "psa_running_mean.png",
        "manifest.json",
    }
    # nothing is left beside the folder (the draws' temporary folder is gone)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["linear", "out"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["draws"] == n
    assert manifest["settings"]["seed"] == 4
    assert set(manifest["files"]) == names - {"manifest.json"}
    for png in ("psa_histogram.png", "psa_running_mean.png"):
        with Image.open(out / png) as img:
            assert img.format == "PNG"
            assert img.size == (700, 450)  # 7 × 4.5 inches at 100 dpi
            img.verify()
    draws = pd.read_parquet(out / "psa_draws.parquet")
    assert draws["draw"].tolist() == list(range(n + 1))
    assert list(draws.columns) == [
        "draw",
        "roles.psw.hourly_rate",
        *(f"mean_cost_per_woman.{s}" for s in ("a", "b", "all")),
        *(f"total_cost.{s}" for s in ("a", "b", "all")),
    ]
    # draw 0 is the base case; every draw's outputs are linear in its rate
    assert draws["roles.psw.hourly_rate"].iloc[0] == 30
    for (site, quantity), (base, c) in LINEAR.items():
        col = draws[f"{quantity}.{site}"]
        assert_allclose(col, base + c * (draws["roles.psw.hourly_rate"] - 30), rtol=1e-12)
    # the CSV holds the same numbers (shortest round-trip text)
    pd.testing.assert_frame_equal(pd.read_csv(out / "psa_draws.csv"), draws, check_exact=True)
    # and the summary of the draws file is the summary table
    summary = pd.read_csv(out / "psa_summary.csv")
    row = summary[(summary["site"] == "a") & (summary["quantity"] == "total_cost")].iloc[0]
    assert row["mean"] == pytest.approx(draws["total_cost.a"].iloc[1:].mean(), rel=1e-12)


def test_draws_file_shows_the_correlation(tmp_path: Path) -> None:
    edit = {
        "roles.psw.hourly_rate": RATE,
        "resources.room_hire.unit_cost": ROOM,
        "correlations": CORRELATED,
    }
    path = make_case(tmp_path, "corr", edit)
    result = api.run_psa(path, draws=5000, seed=9, sampling="mc", out_draws=tmp_path / "out")
    assert set(result.plots) >= {"psa_draws.parquet", "psa_draws.csv"}
    result.plots["psa_draws.parquet"](tmp_path / "draws.parquet")
    result.plots["psa_draws.csv"](tmp_path / "draws.csv")
    # once both files are placed, the temporary folder is gone and they cannot be placed again
    assert not any(p.name.startswith(".out.draws.") for p in tmp_path.iterdir())
    with pytest.raises(ExportError, match="each draws file can be written once"):
        result.plots["psa_draws.csv"](tmp_path / "again.csv")
    draws = pd.read_parquet(tmp_path / "draws.parquet").iloc[1:]
    rho = stats.spearmanr(draws["roles.psw.hourly_rate"], draws["resources.room_hire.unit_cost"])
    assert abs(rho.statistic - 0.6) <= 0.03
    # the draws follow their gammas: mean 33 and 20 within 4 SEs (3/√5000, 4/√5000)
    assert abs(draws["roles.psw.hourly_rate"].mean() - 33) <= 4 * 3 / math.sqrt(5000)
    assert abs(draws["resources.room_hire.unit_cost"].mean() - 20) <= 4 * 4 / math.sqrt(5000)


def test_draws_folder_that_cannot_be_made_is_exit_4(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("not a folder")
    out = tmp_path / "file.txt" / "out"
    result = invoke(
        ["psa", "-c", str(CASE / "config.yaml"), "--draws", "10", "-o", str(out)], code=4
    )
    assert f"{out}: cannot write" in clean(result.stderr)
    assert "Traceback" not in result.stderr


def test_json_to_stdout() -> None:
    result = invoke(
        ["psa", "-c", str(CASE / "config.yaml"), "--draws", "20", "--seed", "1", "-f", "json"],
        code=0,
    )
    doc = json.loads(result.stdout)
    assert doc["command"] == "psa"
    assert list(doc["tables"])[:3] == ["psa_summary", "psa_convergence", "psa_parameters"]
    assert len(doc["tables"]["psa_summary"]) == 6  # 2 quantities × (2 sites + all)


def test_table_on_the_terminal() -> None:
    result = invoke(["psa", "-c", str(CASE / "config.yaml"), "--draws", "20"], code=0)
    assert "psa_summary" in result.stdout
    assert "psa_convergence" not in result.stdout
    assert "━" not in result.stderr  # no progress bar when not on a terminal
