"""``bootstrap``: the API and CLI on cost tables worked by hand and on the bundled example.

Expected values come from the bootstrap rules M-49 to M-53 and their test vectors or are
worked out in the comments; Monte Carlo checks use tolerances of at least four Monte Carlo
standard errors, so they hold for every seed (``global_random_seed``;
``RAPPORT_TEST_SEEDS=all`` runs 0-99).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tests.helpers import invoke

import rapport_cost
from rapport_cost import api
from rapport_cost.core.analyses.bootstrap import METHODS
from rapport_cost.errors import ExitCode, InputError, ModelError, UsageError

SMALL = Path(__file__).parents[1] / "cases" / "small"
Z975 = 1.959963984540054  # Φ⁻¹(0.975)

# The small case's costs per woman, worked by hand in tests/api/test_estimate_small.py:
# W1 = 50 + 116/3, W2 = 116/3 + 15 (site a); W3 = 30/1.035, W4 = 0 (site b).
SMALL_COSTS = {"W1": 50 + 116 / 3, "W2": 116 / 3 + 15, "W3": 30 / 1.035, "W4": 0.0}


def write_costs(
    path: Path, costs: list[float], sites: list[str] | None = None, **extra: list[str]
) -> Path:
    data: dict[str, list[object]] = {"woman_id": [f"P{i + 1}" for i in range(len(costs))]}
    if sites is not None:
        data["site"] = list(sites)
    data["total_cost"] = list(costs)
    data.update(extra)
    pd.DataFrame(data).to_csv(path, index=False)
    return path


def ci(result: api.Result, site: str = "all", **labels: str) -> pd.Series:
    t = result.tables["bootstrap_ci"]
    mask = t["site"] == site
    for col, value in labels.items():
        mask &= t[col] == value
    assert mask.sum() == 1, t
    return t[mask].iloc[0]


# --------------------------------------------------------------------- hand-worked data


def test_exhaustive_se_of_1_2_3_4(tmp_path: Path, global_random_seed: int) -> None:
    # M-50: x = (1, 2, 3, 4); the ideal (all 4^4 resamples) SE of the mean is
    # √(Σ(x − x̄)²)/n = √5/4 = 0.5590170. With B = 20,000 the SD of θ* has a relative MC
    # error of about √((κ − 1)/(4B)) ≈ 0.5% (κ ≈ 2.66 for a mean of four such draws), so
    # 3% is over five MC standard errors; the bias has MC SE 0.559/√B ≈ 0.004.
    f = write_costs(tmp_path / "c.csv", [1, 2, 3, 4])
    r = api.bootstrap(
        costs=f, resamples=20_000, seed=global_random_seed, method="percentile", scheme="ordinary"
    )
    row = ci(r)
    assert row["n"] == 4
    assert row["mean"] == 2.5
    assert row["se"] == pytest.approx(math.sqrt(5) / 4, rel=0.03)
    assert abs(row["bias"]) < 0.02
    # No site column: one group, reported as `all` only.
    assert r.tables["bootstrap_ci"]["site"].tolist() == ["all"]


def test_percentile_interval_of_a_two_point_sample(tmp_path: Path, global_random_seed: int) -> None:
    # x = (3, 7): a resample mean is 3, 5 or 7 with probability 1/4, 1/2, 1/4.
    # B = 9999 and the D&H rank (B+1)α: at level 0.8, α = 0.1 → rank 1000 and 9000; about
    # 2500 replicates are 3 and 2500 are 7 (binomial SD 43), so rank 1000 is a 3 and rank
    # 9000 a 7: (3, 7). At level 0.4, α = 0.3 → ranks 3000 and 7000, both inside the block
    # of 5s (ranks ≈ 2501 to 7500): (5, 5).
    f = write_costs(tmp_path / "c.csv", [3, 7])
    wide = ci(api.bootstrap(costs=f, method="percentile", level=0.8, seed=global_random_seed))
    assert (wide["lower"], wide["upper"]) == (3.0, 7.0)
    narrow = ci(api.bootstrap(costs=f, method="percentile", level=0.4, seed=global_random_seed))
    assert (narrow["lower"], narrow["upper"]) == (5.0, 5.0)
    assert wide["level"] == 0.8
    assert narrow["level"] == 0.4


def test_small_case_from_the_logs(tmp_path: Path, global_random_seed: int) -> None:
    # Site means by hand: a (W1 + W2)/2 = (88.6667 + 53.6667)/2 = 71.1667,
    # b (W3 + W4)/2 = 28.9855/2 = 14.4928; all 171.3188/4 = 42.8297.
    # Stratified ideal SE = √(Σ_s Σ_i (x − x̄_s)²)/N: a ± 17.5, b ± 14.4928 →
    # √(2·17.5² + 2·14.4928²)/4 = √(612.5 + 420.0823)/4 = √1032.5823/4 = 32.13382/4 = 8.03345.
    r = api.bootstrap(
        SMALL / "config.yaml", resamples=20_000, seed=global_random_seed, method="percentile"
    )
    a = (SMALL_COSTS["W1"] + SMALL_COSTS["W2"]) / 2
    b = (SMALL_COSTS["W3"] + SMALL_COSTS["W4"]) / 2
    assert ci(r, "a")["mean"] == pytest.approx(a, rel=1e-12)
    assert ci(r, "b")["mean"] == pytest.approx(b, rel=1e-12)
    assert ci(r)["mean"] == pytest.approx(sum(SMALL_COSTS.values()) / 4, rel=1e-12)
    assert ci(r)["scheme"] == "stratified"
    se = math.sqrt(2 * 17.5**2 + 2 * (SMALL_COSTS["W3"] / 2) ** 2) / 4
    assert se == pytest.approx(8.03345, abs=1e-5)
    assert ci(r)["se"] == pytest.approx(se, rel=0.03)
    # A site of two women: the resample mean is one of the two costs or their mean, so the
    # 95% percentile interval runs from the smaller cost to the larger (each has 1/4).
    assert (ci(r, "a")["lower"], ci(r, "a")["upper"]) == pytest.approx(
        (SMALL_COSTS["W2"], SMALL_COSTS["W1"]), rel=1e-12
    )


def test_stratified_keeps_unit_sizes(tmp_path: Path, global_random_seed: int) -> None:
    # Costs constant within each site: a = 10, 10, 10 and b = 20, 20, so θ̂ = 70/5 = 14.
    # With unit sizes fixed every stratified resample has three 10s and two 20s: θ* = 14
    # exactly, SE 0. The ordinary bootstrap lets the sizes vary: its ideal SE is
    # √(3·4² + 2·6²)/5 = √120/5 = 2.19089.
    f = write_costs(tmp_path / "c.csv", [10, 10, 20, 10, 20], ["a", "a", "b", "a", "b"])
    kw = {"costs": f, "resamples": 4000, "seed": global_random_seed, "method": "percentile"}
    strat = ci(api.bootstrap(**kw, scheme="stratified"))
    assert strat["mean"] == 14.0
    assert (strat["se"], strat["lower"], strat["upper"]) == (0.0, 14.0, 14.0)
    # MC error of the SD at B = 4000: ≈ 1.2%; 6% is five of them.
    assert ci(api.bootstrap(**kw, scheme="ordinary"))["se"] == pytest.approx(
        math.sqrt(120) / 5, rel=0.06
    )


# ------------------------------------------------------------------- the one costing path


def test_config_path_costs_are_estimates_per_woman_costs(tmp_path: Path) -> None:
    per_woman = api.estimate().tables["per_woman"]
    r = api.bootstrap(resamples=199, method="percentile")
    for site, group in per_woman.groupby("site", sort=False):
        row = ci(r, str(site))
        assert row["n"] == len(group)
        assert row["mean"] == group["total_cost"].to_numpy().mean()  # exactly
    assert ci(r)["mean"] == per_woman["total_cost"].to_numpy().mean()
    # The per-woman costs written by `estimate -o` bootstrapped as a costs file give the same
    # table bit for bit: the same costs, in the same order, resampled with the same seed.
    invoke(["estimate", "-o", str(tmp_path / "est"), "-q"], code=0)
    from_file = api.bootstrap(costs=tmp_path / "est" / "per_woman.csv", seed=20261127)
    from_logs = api.bootstrap()  # the bundled config: seed 20261127, BCa, 9999 resamples
    pd.testing.assert_frame_equal(
        from_file.tables["bootstrap_ci"], from_logs.tables["bootstrap_ci"], check_exact=True
    )


def test_xlsx_and_parquet_read_like_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "woman_id": ["A", "B", "C", "D"],
            "site": ["x", "x", "y", "y"],
            "total_cost": [0.0, 12.5, 3.25, 40.0],
        }
    )
    frame.to_csv(tmp_path / "c.csv", index=False)
    frame.to_excel(tmp_path / "c.xlsx", index=False)
    frame.to_parquet(tmp_path / "c.parquet", index=False)
    tables = [
        api.bootstrap(
            costs=tmp_path / f"c.{ext}", resamples=500, seed=1, method="percentile"
        ).tables["bootstrap_ci"]
        for ext in ("csv", "xlsx", "parquet")
    ]
    pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=True)
    pd.testing.assert_frame_equal(tables[0], tables[2], check_exact=True)


def test_parquet_problems_have_rows(tmp_path: Path) -> None:
    frame = pd.DataFrame({"woman_id": ["A", "B", "C"], "total_cost": [1.0, -2.0, np.nan]})
    frame.to_parquet(tmp_path / "c.parquet", index=False)
    with pytest.raises(InputError) as info:
        api.bootstrap(costs=tmp_path / "c.parquet")
    lines = info.value.lines()
    assert any(line.endswith("c.parquet:3: total_cost: must be >= 0, got '-2.0'") for line in lines)
    assert any(line.endswith("c.parquet:4: total_cost: is missing (required)") for line in lines)


# ------------------------------------------------------------------------- reproducible


def test_same_seed_same_table_and_entropy_is_recorded(tmp_path: Path) -> None:
    f = write_costs(tmp_path / "c.csv", [0, 0, 5, 9, 40, 3, 0, 12], list("aabbabab"))
    one = api.bootstrap(costs=f, seed=7, resamples=999, method="all")
    two = api.bootstrap(costs=f, seed=7, resamples=999, method="all")
    pd.testing.assert_frame_equal(
        one.tables["bootstrap_ci"], two.tables["bootstrap_ci"], check_exact=True
    )
    other = api.bootstrap(costs=f, seed=8, resamples=999, method="all")
    assert not other.tables["bootstrap_ci"]["se"].equals(one.tables["bootstrap_ci"]["se"])
    # No seed (no config): fresh entropy, recorded, and it reproduces the run.
    fresh = api.bootstrap(costs=f, resamples=999)
    seed = fresh.settings["seed"]
    assert isinstance(seed, int)
    assert fresh.args["seed"] == seed
    again = api.bootstrap(costs=f, resamples=999, seed=seed)
    pd.testing.assert_frame_equal(
        fresh.tables["bootstrap_ci"], again.tables["bootstrap_ci"], check_exact=True
    )


def test_site_rows_do_not_depend_on_by_rows() -> None:
    plain = api.bootstrap(resamples=499, method="percentile").tables["bootstrap_ci"]
    with_by = api.bootstrap(resamples=499, method="percentile", by=["ethnicity"])
    first = with_by.tables["bootstrap_ci"].iloc[: len(plain)].drop(columns="ethnicity")
    pd.testing.assert_frame_equal(first, plain, check_exact=True)


# -------------------------------------------------------------------------- table shape


def test_by_rows_match_estimates_subgroups() -> None:
    r = api.bootstrap(by=["ethnicity"], resamples=499, method="percentile")
    groups = api.estimate(by=["ethnicity"]).tables["by_ethnicity"]
    t = r.tables["bootstrap_ci"]
    assert list(t.columns[:2]) == ["site", "ethnicity"]
    sites = t[t["ethnicity"] == "all"]
    assert sites["site"].tolist() == ["birmingham", "lancashire", "manchester", "all"]
    sub = t[t["ethnicity"] != "all"]
    assert (sub["site"] == "all").all()
    assert (sub["scheme"] == "stratified").all()
    assert sub["ethnicity"].tolist() == sorted(groups["ethnicity"].tolist())
    for _, g in groups.iterrows():
        row = ci(r, "all", ethnicity=g["ethnicity"])
        assert row["n"] == g["women"]
        assert row["mean"] == pytest.approx(g["mean_cost_per_woman"], rel=1e-12)
    # Sites with a single woman of a subgroup are flagged (the example has some).
    assert any(w.startswith("W-SMALL-STRATUM: ethnicity=") for w in r.warnings)


def test_method_all_rows_obey_the_b3_formulas() -> None:
    r = api.bootstrap(method="all", resamples=1999)
    t = r.tables["bootstrap_ci"]
    assert len(t) == 4 * 5
    for site, rows in t.groupby("site", sort=False):
        assert rows["method"].tolist() == list(METHODS), site
        # One set of replicates per site: the same θ̂, SE, bias and ẑ0 in every method.
        for col in ("mean", "se", "bias", "z0", "acceleration", "resamples"):
            assert rows[col].nunique() == 1, (site, col)
        by = rows.set_index("method")
        theta, se, bias = by.loc["bca", ["mean", "se", "bias"]]
        # Normal: θ̂ − bias ∓ z₀.₉₇₅·se. Basic: 2θ̂ − the percentile endpoints, swapped.
        assert by.loc["normal", "lower"] == pytest.approx(theta - bias - Z975 * se, rel=1e-12)
        assert by.loc["normal", "upper"] == pytest.approx(theta - bias + Z975 * se, rel=1e-12)
        assert by.loc["basic", "lower"] == pytest.approx(
            2 * theta - by.loc["percentile", "upper"], rel=1e-12
        )
        assert by.loc["basic", "upper"] == pytest.approx(
            2 * theta - by.loc["percentile", "lower"], rel=1e-12
        )
        for m in METHODS:
            assert by.loc[m, "lower"] < theta < by.loc[m, "upper"], (site, m)
        # The acceleration of a mean in closed form (B-3): Σd³/(6(Σd²)^1.5), d = x − x̄.
    per_woman = api.estimate().tables["per_woman"]["total_cost"].to_numpy()
    d = per_woman - per_woman.mean()
    assert ci(r, method="bca")["acceleration"] == pytest.approx(
        np.sum(d**3) / (6 * np.sum(d**2) ** 1.5), rel=1e-9
    )


def test_clusters_table_and_few_clusters_warning() -> None:
    r = api.bootstrap(resamples=199, method="percentile")
    c = r.tables["clusters"].set_index("site")
    per_woman = api.estimate().tables["per_woman"]
    per_woman = per_woman.assign(site=per_woman["site"].astype(str))
    means = per_woman.groupby("site", sort=False)["total_cost"].mean()
    sizes = per_woman.groupby("site", sort=False).size()
    assert c.index.tolist() == ["birmingham", "lancashire", "manchester", "all"]
    for s in means.index:
        assert c.loc[s, "n"] == sizes[s]
        assert c.loc[s, "mean"] == pytest.approx(means[s], rel=1e-12)
    k, big_n = 3, int(sizes.sum())
    assert c.loc["all", "k"] == k
    # B-7: t interval on the K unit means with K − 1 df, centred on their unweighted mean.
    half = stats.t.ppf(0.975, k - 1) * means.std(ddof=1) / math.sqrt(k)
    assert c.loc["all", "t_lower"] == pytest.approx(means.mean() - half, rel=1e-12)
    assert c.loc["all", "t_upper"] == pytest.approx(means.mean() + half, rel=1e-12)
    # B-6/B-7 ANOVA: n0 = (N − Σn²/N)/(K − 1); σw² = SS_W/(N − K); σb² = SS_B/(K−1) − σw²/n0;
    # ICC = max(σb², 0)/(max(σb², 0) + σw²).
    n0 = (big_n - (sizes**2).sum() / big_n) / (k - 1)
    within = per_woman["total_cost"] - per_woman["site"].map(means)
    s2w = (within**2).sum() / (big_n - k)
    s2b = ((means - means.mean()) ** 2).sum() / (k - 1) - s2w / n0
    assert c.loc["all", "n0"] == pytest.approx(n0, rel=1e-12)
    assert c.loc["all", "sigma2_within"] == pytest.approx(s2w, rel=1e-9)
    assert c.loc["all", "sigma2_between"] == pytest.approx(s2b, rel=1e-6)
    assert c.loc["all", "icc"] == pytest.approx(max(s2b, 0) / (max(s2b, 0) + s2w), abs=1e-12)
    assert c.loc["all", "recommended_schemes"] == "stratified"
    assert sum(w.startswith("W-FEW-CLUSTERS: only 3 units") for w in r.warnings) == 1


def test_cluster_scheme_runs_and_is_flagged() -> None:
    r = api.bootstrap(scheme="cluster", method="percentile", resamples=999)
    assert ci(r)["scheme"] == "cluster"
    assert ci(r, "birmingham")["scheme"] == "ordinary"  # a site's row: within that site
    assert sum(w.startswith("W-FEW-CLUSTERS") for w in r.warnings) == 1


# ----------------------------------------------------------------------------- edge cases


def test_all_costs_equal_exit_3_or_percentile_fallback(tmp_path: Path) -> None:
    # Every cost 100: the jackknife variance is 0, so the BCa acceleration is undefined
    # (B-3); every replicate is 100, so the percentile interval is (100, 100).
    f = write_costs(tmp_path / "c.csv", [100.0] * 6, list("aaabbb"))
    with pytest.raises(ModelError) as info:
        api.bootstrap(costs=f, resamples=999, seed=1)
    assert info.value.exit_code == ExitCode.MODEL_FAILED
    text = "\n".join(info.value.lines())
    for name in ("site=a", "site=b", "all"):
        assert f"{name}: the bca bootstrap interval cannot be computed" in text
    assert "bca_acceleration_undefined" in text
    r = api.bootstrap(costs=f, resamples=999, seed=1, fallback=True)
    row = ci(r)
    assert (row["method"], row["lower"], row["upper"]) == ("percentile", 100.0, 100.0)
    assert any(
        w.startswith("W-CI-FALLBACK: site=a, site=b, all: the bca interval") for w in r.warnings
    )
    # The CLI: exit 3 naming the reason, no traceback, nothing written.
    out = tmp_path / "out"
    res = invoke(["bootstrap", "--costs", str(f), "--resamples", "999", "-o", str(out)], code=3)
    assert "bca_acceleration_undefined" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()
    invoke(
        ["bootstrap", "--costs", str(f), "--resamples", "999", "--fallback", "-f", "json"], code=0
    )


def test_site_of_one_woman_in_the_logs_is_bad_input(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    shutil.copytree(SMALL, folder)
    women = (folder / "women.csv").read_text().splitlines()
    (folder / "women.csv").write_text("\n".join(w for w in women if not w.startswith("W4")) + "\n")
    with pytest.raises(InputError) as info:
        api.bootstrap(folder / "config.yaml", resamples=99)
    # W3, the only woman of site b, is on row 4 of women.csv.
    assert any("women.csv:4: site: site 'b' has 1 woman" in line for line in info.value.lines())
    api.bootstrap(folder / "config.yaml", resamples=99, scheme="ordinary", method="percentile")


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"resamples": 0}, "--resamples must be a whole number >= 1, got 0"),
        ({"level": 1.5}, "--level must be a number between 0 and 1"),
        ({"scheme": "bogus"}, "--scheme must be one of ordinary, stratified, cluster, two-stage"),
        ({"method": "bogus"}, "--method must be one of"),
        ({"ties": "bogus"}, "--ties must be one of half, boot"),
        ({"seed": -1}, "--seed must be a whole number >= 0"),
        ({"draws": 10}, "--draws sets the PSA draws of --with-psa"),
        ({"by": ["nope"]}, "'nope' is not a subgroup column of the women log"),
        ({"with_psa": True, "method": "bca"}, "--with-psa reports the normal, percentile, basic"),
        ({"with_psa": True, "resamples": 10}, "set their number with --draws"),
        ({"with_psa": True, "scheme": "cluster"}, "--with-psa supports --scheme ordinary or"),
    ],
)
def test_bad_options_are_usage_errors(kwargs: dict[str, object], text: str) -> None:
    with pytest.raises(InputError) as info:
        api.bootstrap(**kwargs)  # type: ignore[arg-type]
    assert info.value.exit_code == ExitCode.INVALID_INPUT
    assert text in "\n".join(info.value.lines())


# ------------------------------------------------------------------------------ joint mode


def test_joint_mode_adds_the_two_variances(global_random_seed: int) -> None:
    # Law of total variance, with resample and draw independent: the joint mean Ȳ*(p) has
    # Var = Var_p(Ȳ(p)) + E_p[Var*(Ȳ*(p) | p)] = Var(PSA) + E_p[sampling var at p]. So the
    # joint variance is at least the PSA's, exactly. The sampling variance at p is pᵀAp
    # (A positive semidefinite), whose mean over p is p̄ᵀAp̄ + tr(AΣp) ≥ sampling variance at
    # p̄; at the point values p₀ ≠ p̄ (prices are not linear in θ), so "joint ≥ sampling
    # alone" is not guaranteed in general, and intervals are MC quantiles. What holds here:
    # se_joint² ≈ se_sampling² + se_parameters² (the tr term is ~cv² ≈ 0.3% of the sampling
    # variance on the example), within MC error (each variance ~ √(2/N) ≈ 2.2% at N = 4000;
    # 12% is about four SEs of the difference); and on the example both parts are of the
    # same size, so the joint interval is the widest by a clear margin (√2 in the `all` row).
    r = api.bootstrap(with_psa=True, draws=4000, seed=global_random_seed)
    t = r.tables["bootstrap_ci"]
    assert t["method"].eq("percentile").all()
    assert t["resamples"].eq(4000).all()
    for site in ("birmingham", "lancashire", "manchester", "all"):
        rows = t[t["site"] == site].set_index("uncertainty")
        assert rows.index.tolist() == ["sampling", "parameters", "joint"]
        se = rows["se"]
        assert se["joint"] ** 2 == pytest.approx(
            se["sampling"] ** 2 + se["parameters"] ** 2, rel=0.12
        )
        width = rows["upper"] - rows["lower"]
        # Expected ratios √(s² + p²)/max(s, p) from the widths: 1.13 (lancashire) to 1.41 (all).
        assert width["joint"] > max(width["sampling"], width["parameters"]), site
        if site == "all":
            assert width["joint"] > 1.25 * max(width["sampling"], width["parameters"])
    assert ci(r, uncertainty="parameters")["scheme"] == "none"
    assert ci(r, uncertainty="joint")["scheme"] == "stratified"
    # The sampling-only part is the stratified bootstrap at the point values: its SE is
    # close to the ideal √(Σ_s Σ_i (x − x̄_s)²)/N (B-4), MC error ≈ 1.1% at N = 4000.
    pw = api.estimate().tables["per_woman"]
    within = pw["total_cost"] - pw.groupby("site")["total_cost"].transform("mean")
    ideal = math.sqrt((within**2).sum()) / len(pw)
    assert ci(r, uncertainty="sampling")["se"] == pytest.approx(ideal, rel=0.05)


def test_joint_parameter_rows_are_the_psa() -> None:
    # The same seed and number of draws give the PSA's own draws: its interval and SD.
    r = api.bootstrap(with_psa=True, draws=2000, seed=11)
    psa = api.run_psa(draws=2000, seed=11).tables["psa_summary"]
    for site in ("birmingham", "lancashire", "manchester", "all"):
        p = psa[(psa["site"] == site) & (psa["quantity"] == "mean_cost_per_woman")].iloc[0]
        row = ci(r, site, uncertainty="parameters")
        assert row["lower"] == pytest.approx(p["q025"], rel=1e-9)
        assert row["upper"] == pytest.approx(p["q975"], rel=1e-9)
        assert row["se"] == pytest.approx(p["sd"], rel=1e-9)
        assert row["mean"] == pytest.approx(p["deterministic"], rel=1e-12)


def test_joint_mode_method_all_and_the_config_default() -> None:
    r = api.bootstrap(with_psa=True, draws=500, method="all", seed=3)
    assert r.tables["bootstrap_ci"]["method"].unique().tolist() == ["normal", "percentile", "basic"]
    # The config's bootstrap.method is bca, which joint mode cannot compute: percentile.
    d = api.bootstrap(with_psa=True, draws=500, seed=3)
    assert d.tables["bootstrap_ci"]["method"].unique().tolist() == ["percentile"]
    assert any("joint mode cannot compute" in w for w in d.warnings)


# ------------------------------------------------------------------------- outputs, CLI


def test_cli_writes_replicates_and_histogram_and_reproduces(tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke(["bootstrap", "--resamples", "999", "--by", "parity", "-o", str(out), "-q"], code=0)
    names = {p.name for p in out.iterdir()}
    assert {"bootstrap_ci.csv", "clusters.csv", "manifest.json", "bootstrap_histogram.png",
            "bootstrap_replicates.csv", "bootstrap_replicates.parquet"} <= names  # fmt: skip
    reps = pd.read_parquet(out / "bootstrap_replicates.parquet")
    assert reps["resample"].tolist() == list(range(1, 1000))
    table = pd.read_csv(out / "bootstrap_ci.csv")
    assert reps.columns[1:5].tolist() == [
        "site=birmingham",
        "site=lancashire",
        "site=manchester",
        "all",
    ]
    # Each row's SE is the SD (divisor B − 1) of its replicates.
    everyone = table[(table["site"] == "all") & (table["parity"] == "all")].iloc[0]
    assert reps["all"].std(ddof=1) == pytest.approx(everyone["se"], rel=1e-12)
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "bootstrap_replicates.csv"), reps, check_exact=False, rtol=1e-15
    )
    assert (out / "bootstrap_histogram.png").read_bytes().startswith(b"\x89PNG")
    invoke(["reproduce", "--from", str(out)], code=0)


def test_reproduce_from_a_costs_only_run(tmp_path: Path) -> None:
    f = write_costs(tmp_path / "c.csv", [0, 4, 9, 1, 2, 30], list("ababab"))
    out = tmp_path / "out"
    invoke(["bootstrap", "--costs", str(f), "--resamples", "999", "-o", str(out), "-q"], code=0)
    invoke(["reproduce", "--from", str(out)], code=0)


def test_progress_reaches_the_total() -> None:
    seen: list[tuple[int, int]] = []
    api.bootstrap(resamples=100, method="percentile", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (400, 400)  # 4 rows × 100 resamples
    seen.clear()
    api.bootstrap(with_psa=True, draws=300, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (300, 300)


def test_top_level_api() -> None:
    assert rapport_cost.bootstrap is api.bootstrap
    assert "bootstrap" in rapport_cost.__all__


def test_usage_error_class() -> None:
    with pytest.raises(UsageError):
        api.bootstrap(resamples=0)
