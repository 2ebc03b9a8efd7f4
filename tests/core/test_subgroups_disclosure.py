"""Disclosure control of the subgroup tables (M-81, M-60).

The expected cells follow from the rules of S-1 to S-4 applied by hand: counts 1–7 are
``*``, other counts rounded to the nearest 5; a group of 1–7 women has its statistics
``*`` in every table, and a further group is ``*`` so that a hidden one cannot be worked
back from the total row.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from rapport_cost.core.analyses.subgroups import (
    OTHER,
    SUPPRESSED,
    compare_subgroups,
    merge_levels,
    small_levels,
)
from rapport_cost.core.publish import sdc
from rapport_cost.errors import UsageError

NHSD = functools.partial(sdc.control_table, policy="nhsd2018")
NONE = functools.partial(sdc.control_table, policy="none")

# Group sizes: White 60, Asian 23, Black 12, Mixed 5 (too few to publish). 100 women.
SIZES = {"White": 60, "Asian": 23, "Black": 12, "Mixed": 5}


def population() -> tuple[np.ndarray, pd.DataFrame]:
    groups = [g for g, k in SIZES.items() for _ in range(k)]
    n = len(groups)
    i = np.arange(n)
    frame = pd.DataFrame({"site": np.where(i % 2 == 0, "U1", "U2"), "ethnicity": groups})
    y = np.where(i % 3 == 0, 0.0, 200.0 + 37.0 * (i % 11))
    return y, frame


def run(**kw: object) -> object:
    y, frame = population()
    kw.setdefault("disclosure", NHSD)
    return compare_subgroups(
        y,
        frame,
        by="ethnicity",
        rng=np.random.default_rng(2),
        n_resamples=99,
        max_failed=0.0,
        **kw,  # type: ignore[arg-type]
    )


def test_the_symbol_is_the_one_sdc_uses() -> None:
    assert SUPPRESSED == sdc.SUPPRESSED


def test_small_levels_follow_the_policy() -> None:
    labels = ["a"] * 8 + ["b"] * 7 + ["c"] * 1 + ["d"] * 20
    w = np.ones(len(labels))
    assert small_levels(labels, w, NHSD) == ["b", "c"]  # 1-7 under nhsd2018
    lt5 = functools.partial(sdc.control_table, policy="suppress_lt5")
    # suppress_lt5 suppresses counts 1-4, but statistics over 1-7 individuals (S-3).
    assert small_levels(labels, w, lt5) == ["b", "c"]
    assert small_levels(labels, w, NONE) == []
    # A woman with weight 0 does not count: 'a' drops to 7.
    w[0] = 0.0
    assert small_levels(labels, w, NHSD) == ["a", "b", "c"]
    assert merge_levels(["a", "b", "c", "d"], ["b", "c"]) == ["a", OTHER, OTHER, "d"]


def test_a_small_group_is_suppressed_in_every_table() -> None:
    result = run()
    summary = result.tables["subgroup_summary"].set_index("group")  # type: ignore[attr-defined]
    # Counts: 60 -> 60, 23 -> 25, 12 -> 10, 5 -> *, total 100 -> 100 (nearest 5).
    assert summary["n"].tolist() == [60, 25, 10, SUPPRESSED, 100]
    # Mixed (5 women) is hidden; then Black (12, the smallest other group) too, because
    # Mixed's total could be worked out from the total row and the other groups (S-4).
    assert summary.loc["Mixed", "mean"] == SUPPRESSED
    assert summary.loc["Black", "mean"] == SUPPRESSED
    assert summary.loc["White", "mean"] != SUPPRESSED
    assert result.hidden_groups == ("Black", "Mixed")  # type: ignore[attr-defined]
    diff = result.tables["subgroup_difference"]  # type: ignore[attr-defined]
    hidden_rows = diff[diff["group"].isin(["Black", "Mixed"])]
    assert len(hidden_rows) == 4  # unadjusted and adjusted
    assert (hidden_rows.drop(columns=["group", "reference", "kind"]) == SUPPRESSED).all().all()
    shown = diff[diff["group"] == "Asian"]
    assert (shown["mean"] != SUPPRESSED).all()
    model = result.tables["subgroup_model"].set_index(["part", "term"])  # type: ignore[attr-defined]
    for part in ("any", "positive"):
        assert model.loc[(part, "ethnicity[T.Mixed]"), "coefficient"] == SUPPRESSED
        assert model.loc[(part, "ethnicity[T.Black]"), "se"] == SUPPRESSED
        assert model.loc[(part, "ethnicity[T.Asian]"), "coefficient"] != SUPPRESSED
    notes = " ".join(result.notes)  # type: ignore[attr-defined]
    assert "'Black', 'Mixed'" in notes
    assert "not dropped" in notes
    cells = result.suppressed["subgroup_difference"]  # type: ignore[attr-defined]
    assert {"row": "Mixed (adjusted)", "column": "ratio_q975"} in cells
    # Mixed is still in the model: its dummy is estimated, only hidden.
    raw = result.raw["subgroup_model"]  # type: ignore[attr-defined]
    assert "ethnicity[T.Mixed]" in set(raw["term"])


def test_merge_small_puts_small_groups_in_other_before_fitting() -> None:
    result = run(merge_small=True)
    assert result.merged == ("Mixed",)  # type: ignore[attr-defined]
    assert "Mixed" not in result.groups  # type: ignore[attr-defined]
    assert OTHER in result.groups  # type: ignore[attr-defined]
    assert any("merged into 'other'" in n and "'Mixed'" in n for n in result.notes)  # type: ignore[attr-defined]
    # 'other' has the 5 Mixed women only: still too few, so still hidden (and says so).
    assert OTHER in result.hidden_groups  # type: ignore[attr-defined]


def test_a_small_reference_is_refused() -> None:
    with pytest.raises(UsageError) as excinfo:
        run(reference="Mixed")
    (problem,) = excinfo.value.problems
    assert problem.field == "ethnicity"
    assert "reference level 'Mixed' has too few women" in problem.message
    assert "choose a larger group" in problem.message


def test_policy_none_shows_everything_with_the_watermark() -> None:
    result = run(disclosure=NONE)
    assert result.hidden_groups == ()  # type: ignore[attr-defined]
    assert result.watermark == sdc.WATERMARK  # type: ignore[attr-defined]
    summary = result.tables["subgroup_summary"]  # type: ignore[attr-defined]
    assert summary["n"].tolist() == [60, 23, 12, 5, 100]


def test_covariate_levels_with_few_women_hide_their_coefficients() -> None:
    y, frame = population()
    i = np.arange(len(frame))
    frame["parity"] = np.where(i < 6, "3+", np.where((i // 3) % 2, "0", "1"))
    result = compare_subgroups(
        y,
        frame,
        by="ethnicity",
        adjust=["parity"],
        rng=np.random.default_rng(2),
        n_resamples=99,
        disclosure=NHSD,
        merge_small=True,
    )
    model = result.tables["subgroup_model"].set_index(["part", "term"])
    # 6 women have parity 3+: its coefficient is a statistic over 6 women.
    assert model.loc[("any", "parity[T.3+]"), "coefficient"] == SUPPRESSED
    assert model.loc[("any", "parity[T.0]"), "coefficient"] != SUPPRESSED


def test_weighted_share_is_a_statistic_and_the_zero_count_is_rounded() -> None:
    y, frame = population()
    w = np.where(np.arange(len(y)) % 5 == 0, 0.5, 1.5)  # e.g. censoring weights
    result = compare_subgroups(
        y,
        frame,
        by="ethnicity",
        weights=w,
        rng=np.random.default_rng(2),
        n_resamples=99,
        disclosure=NHSD,
        merge_small=True,
    )
    summary = result.tables["subgroup_summary"].set_index("group")
    raw = result.raw["subgroup_summary"].set_index("group")
    # With weights the share with zero cost is a weighted mean, shown as computed (it is a
    # statistic over >= 8 women), not rebuilt from rounded counts.
    assert summary.loc["White", "share_zero"] == pytest.approx(raw.loc["White", "share_zero"])
    # Every third woman has a zero cost: 34 of 100 -> 35 under nhsd2018 (nearest 5).
    diagnostics = result.tables["subgroup_diagnostics"]
    assert result.raw["subgroup_diagnostics"]["zeros"].tolist() == [34, 34]
    assert diagnostics["zeros"].tolist() == [35, 35]


def test_a_small_reference_with_merge_small_is_one_clear_problem() -> None:
    with pytest.raises(UsageError) as excinfo:
        run(reference="Mixed", merge_small=True)
    (problem,) = excinfo.value.problems
    assert "reference level 'Mixed' has too few women" in problem.message
    assert "merged into 'other'" in problem.message
