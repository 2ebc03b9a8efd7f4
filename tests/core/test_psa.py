"""PSA numerics (core/psa.py): design, chunks, quantiles, convergence, warnings, tables.

Expected numbers come from the PSA test vectors (quoted) or are worked out by hand in the
comment next to them. Stochastic assertions hold for every seed 0–99
(``global_random_seed``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import special

from rapport_cost.config import Bound, Dirichlet, Gamma, Normal, Uniform
from rapport_cost.core.analyses import psa
from rapport_cost.core.analyses.bootstrap import quantiles
from rapport_cost.core.params.parameters import ParameterSpec, ParameterTable
from rapport_cost.errors import ConfigError, ModelError

NON_NEGATIVE = Bound(ge=0)


def table(*specs: ParameterSpec) -> ParameterTable:
    return ParameterTable(list(specs))


def gamma(name: str, mean: float, se: float, **kw: object) -> ParameterSpec:
    return ParameterSpec(name, mean, dist=Gamma(type="gamma", mean=mean, se=se), **kw)  # type: ignore[arg-type]


def shares() -> list[ParameterSpec]:
    dist = Dirichlet(type="dirichlet", counts={"one": 10, "two": 30, "three": 60})
    return [
        ParameterSpec(f"mix.{c}", v, dist=dist, group="mix", category=c)
        for c, v in (("one", 0.1), ("two", 0.3), ("three", 0.6))
    ]


# --------------------------------------------------------------------------- chunks


def test_chunk_sizes_are_even() -> None:
    # 50,001 draws in chunks of at most 20,000 need ⌈50,001/20,000⌉ = 3 chunks;
    # 50,001 = 3 × 16,667, so all three are 16,667 (never 20,000 + 20,000 + 10,001).
    assert psa.chunk_sizes(50_001, 20_000) == [16_667] * 3
    # 10 in chunks of 4: 3 chunks, 10 = 4 + 3 + 3
    assert psa.chunk_sizes(10, 4) == [4, 3, 3]
    assert psa.chunk_sizes(7, 100) == [7]
    assert psa.chunk_sizes(0, 5) == []
    with pytest.raises(ValueError, match="chunk_size"):
        psa.chunk_sizes(10, 0)


# --------------------------------------------------------------------------- quantiles


def test_order_quantiles_t22() -> None:
    # M-51: θ* = 1..999 (B = 999); (B + 1)α = 25 and 975 are integer ranks.
    x = np.arange(999.0, 0.0, -1.0)  # any order
    assert order(x, [0.025, 0.975]) == [25.0, 975.0]
    # T22, BCa with â = 0: α₁ = 0.024853713, α₂ = 0.974852992 give the norm.inter
    # endpoints (24.855833, 974.850915); α is given to 9 digits and the endpoint moves
    # about 1000 per unit of α, hence the 5e-6 tolerance.
    got = psa.order_quantiles(x, [0.024853713, 0.974852992])
    assert_allclose(got, [24.855833, 974.850915], rtol=0, atol=5e-6)


def order(x: np.ndarray, p: list[float]) -> list[float]:
    return [float(v) for v in psa.order_quantiles(x, p)]


@pytest.mark.parametrize("b", [1, 2, 3, 38, 39, 40, 999, 1000, 1999, 4321])
def test_order_quantiles_match_the_bootstrap_convention(b: int, global_random_seed: int) -> None:
    # One convention (G-4) in the project: selection must give exactly the numbers of
    # bootstrap.quantiles, which sorts, including ties, levels 0 and 1 and ranks that
    # fall outside [1, B].
    rng = np.random.default_rng(global_random_seed)
    x = np.round(rng.normal(size=b), 1)  # ties on purpose
    p = [0.0, 0.01, 0.025, 0.05, 0.3333, 0.5, 0.95, 0.975, 0.99, 1.0]
    assert np.array_equal(psa.order_quantiles(x, p), quantiles(x, p))


def test_batch_quantile_mcse_by_hand() -> None:
    # 20 batches of 39 draws, batch g holding g + 1, ..., g + 39. In a batch of 39 the
    # rank (39 + 1) × 0.025 = 1 is the minimum g + 1 and 40 × 0.975 = 39 the maximum
    # g + 39. Over g = 0..19 each has variance 20 × 21 / 12 = 35 (ddof 1), so the MCSE is
    # √35 / √20 = 1.3228757.
    x = np.concatenate([g + np.arange(1.0, 40.0) for g in range(20)])
    assert_allclose(psa.batch_quantile_mcse(x, [0.025, 0.975]), [math.sqrt(35 / 20)] * 2)
    # 20 batches of 38: rank 39 × 0.025 = 0.975 < 1, too few draws for the 2.5% level
    # (and 39 × 0.975 = 38.025 > 38 for the 97.5%), while the median is fine.
    got = psa.batch_quantile_mcse(np.arange(20 * 38.0), [0.025, 0.5, 0.975])
    assert math.isnan(got[0])
    assert math.isnan(got[2])
    # batch g holds 38g .. 38g + 37: medians 38g + 18.5 (rank 19.5, an exact midpoint by
    # symmetry), SD 38 √35 over g, MCSE 38 √(35/20)
    assert got[1] == pytest.approx(38 * math.sqrt(35 / 20))
    # the draws left over by ⌊N/G⌋ are not used: 7 more draws change nothing
    more = np.concatenate([x, np.full(7, 1e9)])
    assert_allclose(psa.batch_quantile_mcse(more, [0.025]), [math.sqrt(35 / 20)])


def test_running_mean_by_hand() -> None:
    # x = 1, 2, 3, 4: running means 1, 1.5, 2, 2.5; SD of (1, 2) is √0.5, MCSE √0.5/√2 = 0.5;
    # SD of (1, 2, 3) is 1, MCSE 1/√3; SD of 1..4 is √(5/3), MCSE √(5/3)/2.
    n, mean, mcse = psa.running_mean(np.array([1.0, 2.0, 3.0, 4.0]))
    assert n.tolist() == [1, 2, 3, 4]
    assert_allclose(mean, [1, 1.5, 2, 2.5])
    assert_allclose(mcse, [0, 0.5, 1 / math.sqrt(3), math.sqrt(5 / 3) / 2], atol=1e-15)
    n, mean, _ = psa.running_mean(np.arange(10_000.0), n_points=50)
    assert n[0] == 1
    assert n[-1] == 10_000
    assert n.size <= 50
    assert_allclose(mean, (n - 1) / 2)  # mean of 0..n−1


# --------------------------------------------------------------------------- design


def test_design_blocks_and_price_year_factors() -> None:
    t = table(
        ParameterSpec("ni_rate", 0.138),  # no distribution: stays at base
        gamma("salary", 24000 * 1.1, 1200, factor=1.1),
        *shares(),
        ParameterSpec("hours", 1574, dist=Normal(type="normal", mean=1574, se=30)),
    )
    d = psa.psa_design(t)
    assert [b.names for b in d.blocks] == [
        ("salary",),
        ("mix.one", "mix.two", "mix.three"),
        ("hours",),
    ]
    assert d.columns.tolist() == [1, 2, 3, 4, 5]
    assert d.factors.tolist() == [1.1, 1.0, 1.0, 1.0, 1.0]
    assert d.correlation is None


def test_correlation_problems_are_located() -> None:
    t = table(gamma("psw_salary", 24000, 1200), gamma("hours", 30, 6), *shares())
    t = table(*t, ParameterSpec("ni_rate", 0.138))
    correlations = [
        ("psw_salry", "hours", 0.5),  # typo
        ("psw_salary", "mix.one", 0.3),  # a Dirichlet share
        ("psw_salary", "hours", 0.5),
        ("hours", "psw_salary", 0.2),  # the same pair again
    ]
    with pytest.raises(ConfigError) as info:
        psa.psa_design(t, correlations)
    problems = info.value.problems
    assert [p.field for p in problems] == ["correlations[0]", "correlations[1]", "correlations[3]"]
    assert "unknown parameter 'psw_salry'; did you mean 'psw_salary'?" in problems[0].message
    assert "share of the Dirichlet parameter 'mix'" in problems[1].message
    assert "already given at correlations[2]" in problems[2].message


def test_correlation_with_a_fixed_parameter_is_a_note() -> None:
    t = table(gamma("a", 10, 1), gamma("b", 20, 2), ParameterSpec("ni_rate", 0.138))
    d = psa.psa_design(t, [("a", "ni_rate", 0.4), ("a", "b", -0.3)])
    assert d.notes == (
        "correlations[0]: ni_rate has no distribution, so the correlation between a and "
        "ni_rate has no effect",
    )
    assert [(p.index, p.a, p.b, p.target) for p in d.pairs] == [(1, "a", "b", -0.3)]
    assert d.correlation is not None
    assert d.correlation.tolist() == [[1.0, -0.3], [-0.3, 1.0]]


def test_correlation_not_positive_definite() -> None:
    # a–b 0.9, b–c 0.9, a–c −0.9: the Pearson matrix 2 sin(π ρ / 6) has R = ±0.9078, and
    # [[1, R, −R], [R, 1, R], [−R, R, 1]] has eigenvalue 1 − 2R = −0.8157 < 0.
    t = table(gamma("a", 10, 1), gamma("b", 10, 1), gamma("c", 10, 1))
    r = 2 * math.sin(math.pi * 0.9 / 6)
    with pytest.raises(ConfigError, match=rf"smallest eigenvalue {1 - 2 * r:.6g}") as info:
        psa.psa_design(t, [("a", "b", 0.9), ("b", "c", 0.9), ("a", "c", -0.9)])
    assert info.value.problems[0].field == "correlations"


# --------------------------------------------------------------------------- warnings


def test_bound_warnings_p2() -> None:
    t = table(
        # P(X < 0) = Φ(−1/0.5) = Φ(−2) = 0.02275 > 0.001: warn
        ParameterSpec("ratio", 1.0, dist=Normal(type="normal", mean=1, se=0.5), bound=NON_NEGATIVE),
        # Φ(−10/2) = Φ(−5) = 2.9e−7 ≤ 0.001: no warning
        ParameterSpec("hours", 10, dist=Normal(type="normal", mean=10, se=2), bound=NON_NEGATIVE),
        # a uniform on [−1, 3] draws negative values a quarter of the time
        ParameterSpec("rate", 1.0, dist=Uniform(type="uniform", min=-1, max=3), bound=NON_NEGATIVE),
        # a gamma is positive, also for a strict bound > 0
        gamma("venue", 30, 6, bound=Bound(gt=0)),
        # no bound: a normal may be negative
        ParameterSpec("diff", 0.0, dist=Normal(type="normal", mean=0, se=1)),
    )
    warnings = psa.bound_warnings(psa.psa_design(t))
    assert len(warnings) == 2
    assert warnings[0].startswith("ratio: normal(mean=1, sd=0.5) gives P(X < 0) = 0.023 > 0.001")
    assert f"{special.ndtr(-2.0):.2g}" == "0.023"
    assert warnings[1].startswith("rate: uniform(min=-1, max=3) can draw values < 0")


def summary_frame(rows: list[tuple[str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"site": s, "quantity": "total_cost", "deterministic": d, "mean": m} for s, d, m in rows]
    )


def test_divergence_warning_p6() -> None:
    # (105.1 − 100)/100 = 5.1% > 5%: warn; (95.5 − 100)/100 = −4.5%: no; det 0: not judged
    frame = summary_frame([("a", 100.0, 105.1), ("b", 100.0, 95.5), ("c", 0.0, 3.0)])
    (warning,) = psa.divergence_warnings(frame)
    assert "total_cost for a (+5.1%)" in warning
    assert " for b " not in warning
    # relative to |deterministic|: (−195 − (−200)) / 200 = +2.5%, no; (−211 + 200) / 200 = −5.5%
    assert psa.divergence_warnings(summary_frame([("a", -200.0, -195.0)])) == []
    (negative,) = psa.divergence_warnings(summary_frame([("a", -200.0, -211.0)]))
    assert "total_cost for a (-5.5%)" in negative


# --------------------------------------------------------------------------- outputs


def outputs_from(values: np.ndarray) -> psa.PsaOutputs:
    """PsaOutputs of one site (plus all) with both quantities equal to ``values``."""
    d = psa.psa_design(table())
    out = psa.PsaOutputs(d, values.size, 2)
    both = np.column_stack([values, values])
    out.add(0, np.empty((values.size, 0)), both, both)
    return out


def test_convergence_by_hand() -> None:
    # 2000 draws alternating 99, 101: mean 100, SD ≈ 1.00025, MCSE = SD/√2000 = 0.02237,
    # relative 0.000224 ≤ 0.005; first-half mean 100 (drift 0); each batch of 100 holds 50
    # of each value, so both batch quantiles are 99 and 101 exactly: MCSE 0.
    x = np.tile([99.0, 101.0], 1000)
    conv = psa.convergence_table(
        psa.describe_outputs(outputs_from(x)), ["a", "all"], mcse_rel_tol=0.005
    )
    row = conv.iloc[0]
    sd = math.sqrt(2000 / 1999)
    assert row["mcse"] == pytest.approx(sd / math.sqrt(2000))
    assert row["mcse_rel"] == pytest.approx(sd / math.sqrt(2000) / 100)
    assert row["drift"] == 0.0
    assert row["mcse_q025"] == 0.0
    assert bool(row["converged"])
    # A trend: the first half is 0..999, the second 1000..1999 plus nothing else. Mean
    # 999.5, first-half mean 499.5, drift 500/999.5 = 0.50 > 0.005: not converged.
    y = np.arange(2000.0)
    conv = psa.convergence_table(
        psa.describe_outputs(outputs_from(y)), ["a", "all"], mcse_rel_tol=0.005
    )
    assert conv["drift"].iloc[0] == pytest.approx(500 / 999.5)
    assert not conv["converged"].any()
    warnings = psa.convergence_warnings(conv, mcse_rel_tol=0.005, n_draws=2000)
    assert any("first half" in w and "total_cost for all (0.5)" in w for w in warnings)
    # Every draw equal: converged, even with mean 0
    zero = psa.convergence_table(
        psa.describe_outputs(outputs_from(np.zeros(50))), ["a", "all"], mcse_rel_tol=0.005
    )
    assert zero["converged"].all()
    assert psa.convergence_warnings(zero, mcse_rel_tol=0.005, n_draws=50) == []


def test_summary_by_hand() -> None:
    # 1..999 in any order: mean 500, SD √(999 × 1000 / 12) = 288.675 (ddof 1), median 500,
    # 2.5% and 97.5% quantiles 25 and 975 (T22), MCSE SD/√999.
    x = np.random.default_rng(0).permutation(np.arange(1.0, 1000.0))
    out = outputs_from(x)
    summary = psa.summary_table(psa.describe_outputs(out), np.array([[1, 2], [3, 4]]), ["a", "all"])
    row = summary.iloc[0]
    assert list(summary.columns) == [
        "site", "quantity", "deterministic", "mean", "sd", "median", "q025", "q975", "mcse"
    ]  # fmt: skip
    assert (row["site"], row["quantity"], row["deterministic"]) == ("a", "mean_cost_per_woman", 1)
    sd = math.sqrt(999 * 1000 / 12)
    assert_allclose(
        [row["mean"], row["sd"], row["median"], row["q025"], row["q975"], row["mcse"]],
        [500, sd, 500, 25, 975, sd / math.sqrt(999)],
    )
    assert summary["quantity"].tolist() == ["mean_cost_per_woman"] * 2 + ["total_cost"] * 2
    assert summary["deterministic"].tolist() == [1, 2, 3, 4]


def test_chunks_must_arrive_in_order() -> None:
    out = psa.PsaOutputs(psa.psa_design(table()), 10, 2)
    with pytest.raises(ValueError, match="in order"):
        out.add(5, np.empty((5, 0)), np.zeros((5, 2)), np.zeros((5, 2)))


def test_non_finite_draws_are_a_model_error() -> None:
    x = np.ones(10)
    x[3] = np.inf
    out = outputs_from(x)
    with pytest.raises(ModelError, match="1 of 10 PSA draws gave a non-finite"):
        psa.check_outputs(out, np.ones((2, 2)), ["a", "all"])
    # a site without women has no mean per woman in any draw: not an error
    psa.check_outputs(outputs_from(np.full(10, np.nan)), np.full((2, 2), np.nan), ["a", "all"])


# --------------------------------------------------------------------------- tables


def test_parameter_table_cheers_22() -> None:
    t = table(
        ParameterSpec("ni_rate", 0.138, source="HMRC"),
        # raw value 100 in another price year, factor 1.1: the draws are 1.1 × gamma with
        # shape 100²/10² = 100 and scale 10²/100 = 1, so mean 110 and SD 11
        ParameterSpec(
            "venue",
            110.0,
            dist=Gamma(type="gamma", mean=100, se=10),
            factor=1.1,
            price_year="2019/20",
            low=99.0,
            high=121.0,
            source="assumed",
            label="Venue",
        ),
        *shares(),
        ParameterSpec("roles.psw.capital", 0.0, literal=True),  # a plain number: listed too
    )
    p = psa.parameter_table(t)
    names = ["ni_rate", "venue", "mix.one", "mix.two", "mix.three", "roles.psw.capital"]
    assert p["name"].tolist() == names
    assert p["kind"].iloc[-1] == "literal"
    assert p["distribution"].iloc[-1] == "fixed"
    ni = p.iloc[0]
    assert (ni["distribution"], ni["parameters"], ni["sd"]) == ("fixed", "value=0.138", 0.0)
    venue = p.iloc[1]
    assert venue["distribution"] == "gamma"
    assert venue["parameters"] == "shape=100, scale=1"
    assert venue["given_as"] == "gamma(mean=100, se=10)"
    assert venue["mean"] == pytest.approx(110)
    assert venue["sd"] == pytest.approx(11)
    assert (venue["factor"], venue["price_year"], venue["low"], venue["high"]) == (
        1.1,
        "2019/20",
        99.0,
        121.0,
    )
    # T9: Dirichlet (10, 30, 60): means 0.1, 0.3, 0.6; variance of the first 0.000891089
    mix = p.iloc[2]
    assert mix["distribution"] == "dirichlet"
    assert mix["parameters"] == "one=10, two=30, three=60"
    assert mix["mean"] == pytest.approx(0.1)
    assert mix["sd"] ** 2 == pytest.approx(0.000891089, abs=5e-10)
