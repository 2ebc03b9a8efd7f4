"""The design matrix of a subgroup comparison and every bad-input rule (M-76).

Each bad input must raise ``UsageError`` (exit 2) with a problem that names the column
(``field``) and the file, and a message that says the rule and the way out.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from rapport_cost.core.analyses.subgroups import (
    NOT_RECORDED,
    build_design,
    compare_subgroups,
    level_labels,
)
from rapport_cost.core.publish import sdc
from rapport_cost.errors import ExitCode, UsageError

FILE = "logs/women.csv"
NONE = functools.partial(sdc.control_table, policy="none")


def women(n_per: int = 10) -> pd.DataFrame:
    """Two sites, three groups, an age group that varies within every group."""
    groups = ["White"] * (3 * n_per) + ["Asian"] * (2 * n_per) + ["Black"] * n_per
    n = len(groups)
    return pd.DataFrame(
        {
            "woman_id": [f"W{i:03}" for i in range(n)],
            "site": ["A", "B"] * (n // 2),
            "ethnicity": groups,
            "age_group": ["<25", "25-34", "35+"] * (n // 3),
            "stay_days": np.arange(n, dtype=float) % 7 + 1.0,
        }
    )


def costs(n: int) -> np.ndarray:
    return np.where(np.arange(n) % 4 == 0, 0.0, 100.0 + 10.0 * (np.arange(n) % 9))


def problems_of(excinfo: pytest.ExceptionInfo[UsageError]) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


def run(frame: pd.DataFrame, y: np.ndarray | None = None, **kw: object) -> object:
    kw.setdefault("by", "ethnicity")
    kw.setdefault("n_resamples", 19)
    return compare_subgroups(
        costs(len(frame)) if y is None else y,
        frame,
        rng=np.random.default_rng(0),
        disclosure=NONE,
        file=FILE,
        **kw,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------- the design itself


def test_reference_is_the_largest_group_and_dummies_follow_in_sort_order() -> None:
    design = build_design(women(), by="ethnicity", adjust=["age_group"])
    # White has 30 women, Asian 20, Black 10: White is the reference, then Asian, Black.
    assert design.groups == ("White", "Asian", "Black")
    # Age groups have 20 women each and sites 30 each: a tie goes to the first level in
    # sort order ("25-34" < "35+" < "<25" as text; "A" < "B").
    assert design.terms == (
        "Intercept",
        "ethnicity[T.Asian]",
        "ethnicity[T.Black]",
        "age_group[T.35+]",
        "age_group[T.<25]",
        "site[T.B]",
    )
    x = design.x
    assert x.shape == (60, len(design.terms))
    assert_array_equal(x[:, 0], 1.0)
    # The first 30 women are White: no group dummy.
    assert_array_equal(x[:30, 1:3], 0.0)
    assert_array_equal(x[30:50, 1], 1.0)
    assert_array_equal(x[50:, 2], 1.0)
    assert design.covariates == ("age_group", "site")


def test_age_group_reference_is_its_largest_level() -> None:
    frame = women()
    frame.loc[:5, "age_group"] = "35+"  # 35+ now has the most women
    design = build_design(frame, by="ethnicity", adjust=["age_group"])
    age_terms = [t for t in design.terms if t.startswith("age_group")]
    assert age_terms == ["age_group[T.25-34]", "age_group[T.<25]"]


def test_given_reference_comes_first() -> None:
    design = build_design(women(), by="ethnicity", reference="Black")
    assert design.groups == ("Black", "Asian", "White")
    assert design.reference == "Black"


def test_blank_values_are_a_level_never_dropped() -> None:
    frame = women()
    frame["ethnicity"] = frame["ethnicity"].astype(object)
    frame.loc[[0, 1], "ethnicity"] = None
    frame.loc[2, "ethnicity"] = "   "
    design = build_design(frame, by="ethnicity")
    assert NOT_RECORDED in design.groups
    assert design.groups[-1] == NOT_RECORDED  # listed last
    assert design.x.shape[0] == 60
    code = design.groups.index(NOT_RECORDED)
    assert_array_equal(np.flatnonzero(design.group.codes == code), [0, 1, 2])


def test_level_labels_print_whole_numbers_without_a_decimal_point() -> None:
    s = pd.Series([1.0, 2.0, np.nan, 2.5])
    assert level_labels(s) == ["1", "2", NOT_RECORDED, "2.5"]


def test_numeric_covariate_enters_as_is_and_site_is_included_by_default() -> None:
    frame = women()
    design = build_design(frame, by="ethnicity", adjust=["stay_days"])
    j = design.terms.index("stay_days")
    assert_array_equal(design.x[:, j], frame["stay_days"].to_numpy())
    assert "site[T.B]" in design.terms
    no_site = build_design(frame, by="ethnicity", adjust=["stay_days"], include_site=False)
    assert "site[T.B]" not in no_site.terms


def test_one_unit_skips_site_with_a_note() -> None:
    frame = women().assign(site="A")
    design = build_design(frame, by="ethnicity")
    assert design.covariates == ()
    assert any("one unit" in n for n in design.notes)


# ---------------------------------------------------------------- bad input


def test_unknown_by_column_lists_the_columns_and_the_closest_name() -> None:
    with pytest.raises(UsageError) as excinfo:
        run(women(), by="ethnicty")
    (problem,) = excinfo.value.problems
    assert problem.field == "ethnicty"
    assert problem.file == FILE
    assert "did you mean 'ethnicity'?" in problem.message
    assert "'site'" in problem.message
    assert "'age_group'" in problem.message
    assert excinfo.value.exit_code == ExitCode.INVALID_INPUT


def test_unknown_adjust_column_and_bad_reference_are_reported_together() -> None:
    with pytest.raises(UsageError) as excinfo:
        run(women(), adjust=["agegroup"], reference="white")
    messages = problems_of(excinfo)
    assert len(messages) == 2
    assert any("agegroup" in m and "did you mean 'age_group'?" in m for m in messages)
    assert any(
        "reference level 'white' is not a level of 'ethnicity'; did you mean 'White'?" in m
        for m in messages
    )
    assert all(m.startswith(FILE) for m in messages)


def test_by_with_one_level() -> None:
    frame = women().assign(ethnicity="White")
    with pytest.raises(UsageError) as excinfo:
        run(frame)
    (message,) = problems_of(excinfo)
    assert message == (
        f"{FILE}: ethnicity: has one level ('White') for every woman: there are no subgroups "
        "to compare"
    )


def test_adjust_column_with_one_level() -> None:
    frame = women().assign(parity="0")
    with pytest.raises(UsageError) as excinfo:
        run(frame, adjust=["parity"])
    (problem,) = excinfo.value.problems
    assert problem.field == "parity"
    assert "one level ('0')" in problem.message
    assert "nothing to adjust for" in problem.message


def test_identifier_as_subgroup() -> None:
    with pytest.raises(UsageError) as excinfo:
        run(women(), by="woman_id")
    (problem,) = excinfo.value.problems
    assert problem.field == "woman_id"
    assert "a different value for every woman" in problem.message
    assert "W00" not in problem.message


def test_subgroup_listed_in_adjust() -> None:
    with pytest.raises(UsageError) as excinfo:
        run(women(), adjust=["ethnicity"])
    assert "do not list it in --adjust" in problems_of(excinfo)[0]


def test_gamma_on_data_with_zeros_says_to_use_twopart_or_poisson() -> None:
    frame = women()
    with pytest.raises(UsageError) as excinfo:
        run(frame, model="gamma")
    (problem,) = excinfo.value.problems
    # costs() gives a zero to every 4th woman: 60 / 4 = 15 zeros.
    assert "--model gamma needs every cost > 0, but 15 women have a zero cost" in problem.message
    assert "--model twopart" in problem.message
    assert "--model poisson" in problem.message
    assert problem.code == "gamma_zeros"


def test_negative_costs_need_ols() -> None:
    frame = women()
    y = costs(len(frame))
    y[[3, 7]] = -5.0
    with pytest.raises(UsageError) as excinfo:
        run(frame, y, model="poisson")
    (problem,) = excinfo.value.problems
    # rows as a spreadsheet numbers them: index 3 -> row 5, index 7 -> row 9.
    assert "2 women have a negative cost (rows 5, 9)" in problem.message
    assert "--model ols" in problem.message


def test_twopart_level_without_a_positive_cost() -> None:
    frame = women()
    y = costs(len(frame))
    y[frame["ethnicity"] == "Black"] = 0.0
    with pytest.raises(UsageError) as excinfo:
        run(frame, y)
    (problem,) = excinfo.value.problems
    assert problem.field == "ethnicity"
    assert "no woman with ethnicity = 'Black' has a cost > 0" in problem.message
    assert "--model poisson" in problem.message


def test_covariate_constant_within_each_subgroup() -> None:
    frame = women()
    frame["region"] = frame["ethnicity"].map({"White": "north", "Asian": "south", "Black": "south"})
    with pytest.raises(UsageError) as excinfo:
        run(frame, adjust=["region"])
    (problem,) = excinfo.value.problems
    assert problem.field == "region"
    assert "is constant within each 'ethnicity' group" in problem.message
    assert "leave it out" in problem.message


def test_site_constant_within_each_subgroup_names_the_default() -> None:
    frame = women()
    frame["site"] = frame["ethnicity"].map({"White": "A", "Asian": "B", "Black": "B"})
    with pytest.raises(UsageError) as excinfo:
        run(frame)
    (problem,) = excinfo.value.problems
    assert problem.field == "site"
    assert "(site is adjusted for by default)" in problem.message


def test_covariate_collinear_with_the_subgroup_but_not_constant_within_it() -> None:
    frame = women()
    # 'band' is 'x' exactly for White, so its dummy for 'x' equals the White indicator,
    # a combination of the intercept and the group dummies; elsewhere it varies (y/z).
    band = np.where(frame["ethnicity"] == "White", "x", np.where(frame.index % 2 == 0, "y", "z"))
    frame["band"] = band
    with pytest.raises(UsageError) as excinfo:
        run(frame, adjust=["band"])
    (problem,) = excinfo.value.problems
    assert problem.field == "band"
    assert "is perfectly collinear with 'ethnicity'" in problem.message


def test_two_covariates_collinear_with_each_other() -> None:
    frame = women()
    frame["age_copy"] = frame["age_group"].map({"<25": "young", "25-34": "mid", "35+": "old"})
    with pytest.raises(UsageError) as excinfo:
        run(frame, adjust=["age_group", "age_copy"])
    (problem,) = excinfo.value.problems
    assert problem.field == "age_copy"
    assert "is perfectly collinear with 'ethnicity', 'age_group'" in problem.message


def test_blank_numeric_covariate_names_the_rows() -> None:
    frame = women()
    frame.loc[[4, 10], "stay_days"] = np.nan
    with pytest.raises(UsageError) as excinfo:
        run(frame, adjust=["stay_days"])
    (problem,) = excinfo.value.problems
    assert problem.field == "stay_days"
    assert "rows 6, 12" in problem.message
    assert "not recorded" in problem.message


def test_unknown_model_and_bad_resamples() -> None:
    with pytest.raises(UsageError) as excinfo:
        run(women(), model="tobit", n_resamples=0)
    messages = problems_of(excinfo)
    assert "--model: must be one of twopart, gamma, poisson, ols, got 'tobit'" in messages
    assert "--resamples: must be >= 1, got 0" in messages


def test_every_problem_is_reported_in_one_run() -> None:
    frame = women().assign(parity="1")
    frame.loc[[4], "stay_days"] = np.nan
    with pytest.raises(UsageError) as excinfo:
        run(frame, adjust=["parity", "stay_days", "nope"])
    fields = [p.field for p in excinfo.value.problems]
    assert fields == ["nope", "parity", "stay_days"]


def test_messages_never_contain_a_womans_id() -> None:
    frame = women()
    frame.loc[[4, 10], "stay_days"] = np.nan
    with pytest.raises(UsageError) as excinfo:
        run(frame, adjust=["stay_days"])
    assert not any(w in str(p) for p in excinfo.value.problems for w in frame["woman_id"])


@pytest.mark.parametrize("model", ["twopart", "poisson", "ols"])
def test_every_cost_zero(model: str) -> None:
    frame = women()
    with pytest.raises(UsageError) as excinfo:
        run(frame, np.zeros(len(frame)), model=model)
    (problem,) = excinfo.value.problems
    assert problem.message == "every cost is zero: there is nothing to compare"


def test_identifier_with_a_reference_never_lists_ids() -> None:
    with pytest.raises(UsageError) as excinfo:
        run(women(), by="woman_id", reference="W9999")
    (problem,) = excinfo.value.problems
    assert problem.code == "identifier"
    assert "W00" not in problem.message
