"""subgroups: the API and the command on the engine's per-woman costs (M-75 to M-81)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.helpers import invoke

from rapport_cost import api

ROOT = Path(__file__).parents[2]


def test_unadjusted_means_are_the_estimates_per_woman_costs() -> None:
    # an independent route to the same numbers: estimate's per_woman table, grouped
    per_woman = api.estimate(by=["ethnicity"]).tables["per_woman"]
    women = pd.read_csv(ROOT / "data" / "example" / "women.csv")
    joined = per_woman.merge(women[["woman_id", "ethnicity"]], on="woman_id")
    means = joined.groupby("ethnicity")["total_cost"].mean()
    r = api.run_subgroups(by="ethnicity", resamples=199, seed=1)
    summary = r.tables["subgroup_summary"].set_index("group")
    for group, value in means.items():
        assert summary.loc[group, "mean"] == pytest.approx(value, rel=1e-12)
    diff = r.tables["subgroup_difference"]
    unadjusted = diff[diff["kind"] == "unadjusted"].set_index("group")
    reference = str(unadjusted["reference"].iloc[0])
    assert reference == "white"  # the largest group by default (SG-1)
    for group in unadjusted.index:
        assert unadjusted.loc[group, "difference"] == pytest.approx(
            means[group] - means[reference], rel=1e-12
        )
        assert unadjusted.loc[group, "ratio"] == pytest.approx(
            means[group] / means[reference], rel=1e-12
        )


def test_a_horizon_with_nobody_censored_changes_nothing(tmp_path: Path) -> None:
    # IPCW weights are all 1 when every woman is followed past the horizon, and a horizon
    # beyond every cost keeps every cost: the same tables as without a horizon
    config = tmp_path / "config.yaml"
    text = (ROOT / "configs" / "rapport.yaml").read_text(encoding="utf-8")
    text = text.replace("../data/example/", str(ROOT / "data" / "example") + "/")
    config.write_text(text.replace("data_cutoff: 2028-08-31", "data_cutoff: 2040-01-01"))
    plain = api.run_subgroups(config, by="parity", resamples=19, seed=1)
    within = api.run_subgroups(config, by="parity", horizon="10 years", resamples=19, seed=1)
    for name in ("subgroup_summary", "subgroup_difference", "subgroup_model"):
        a, b = plain.tables[name], within.tables[name]
        numeric = a.select_dtypes("number").columns
        np.testing.assert_allclose(a[numeric], b[numeric], rtol=1e-9, atol=1e-9, err_msg=name)


def test_disclosure_control_suppresses_small_groups_everywhere() -> None:
    r = api.run_subgroups(by="ethnicity", resamples=19, seed=1, sdc_policy="nhsd2018")
    summary = r.tables["subgroup_summary"].set_index("group")
    women = pd.read_csv(ROOT / "data" / "example" / "women.csv")
    small = [g for g, n in women["ethnicity"].value_counts().items() if n <= 7]
    assert small  # the example has groups of 1-7 women
    for group in small:
        assert summary.loc[group, "mean"] == "*"
    diff = r.tables["subgroup_difference"].set_index("group")
    assert (diff.loc[small, "difference"] == "*").all()
    assert r.disclosure is not None
    assert r.disclosure["policy"] == "nhsd2018"


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--by", "religion"], "religion"),
        (["--by", "ethnicity", "--reference", "purple"], "purple"),
        (["--by", "ethnicity", "--model", "gamma"], "twopart"),
        (["--by", "ethnicity", "--model", "logit"], "--model must be one of"),
    ],
)
def test_bad_input_is_exit_2_with_no_output(args: list[str], text: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(["subgroups", *args, "--resamples", "9", "-o", str(out)], code=2)
    assert text in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_cli_writes_tables_and_the_forest_plot_and_reproduces(tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke(["subgroups", "--by", "age_group", "--resamples", "19", "--seed", "2",
            "--sdc", "nhsd2018", "-o", str(out)], code=0)  # fmt: skip
    for name in ("subgroup_summary", "subgroup_difference", "subgroup_model",
                 "subgroup_diagnostics"):  # fmt: skip
        assert (out / f"{name}.csv").exists(), name
    assert (out / "subgroup_forest.png").stat().st_size > 0
    invoke(["reproduce", "--from", str(out)], code=0)
