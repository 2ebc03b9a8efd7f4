"""`rapport-cost estimate` re-costed by hand from docs/methods.md (issue 14).

The oracle is ``tests/methods/recost.py``: a plain pandas/NumPy costing written from the
methods document alone (it imports nothing of the project). Agreement to 1e-9 on every
woman, every per-unit row and every unit-level line of the bundled example, the small case
and four variants that take the other branches is evidence that the document says all that
is needed to reproduce the tool. The rules are 0.2's; 0.1's are kept to show what the
decisions of 0.2 moved.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from rapport_cost import api
from tests.methods.recost import Recosting
from tests.methods.recost import recost as _recost
from tests.methods.variants import EXAMPLE, SMALL, VARIANTS, write_config

REL = 1e-9
ABS = 1e-9  # £; for components that are 0 in one costing and 1e-15 in the other


@functools.cache
def recost(path: Path, *, rules: str = "0.2") -> Recosting:
    """The re-costing of ``path``, once per config and rules (tests only read it)."""
    return _recost(path, rules=rules)


PER_UNIT = (
    "women",
    "admissions",
    "contacts",
    "contact_hours",
    "total_cost",
    "women_cost",
    "unit_level_cost",
    "mean_cost_per_woman",
    "sd",
    "median",
    "q1",
    "q3",
    "share_zero_cost",
    "cost_per_admission",
    "mean_contact_minutes",
)


def assert_same(name: str, oracle: pd.DataFrame, tool: pd.DataFrame, key: list[str]) -> None:
    """Every row and every column of ``oracle`` equal in ``tool`` (numbers to 1e-9 relative)."""
    a, b = oracle.set_index(key), tool.set_index(key)
    assert sorted(map(str, a.index)) == sorted(map(str, b.index)), f"{name}: rows differ"
    b = b.loc[a.index]
    problems = []
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_bool_dtype(x) or not pd.api.types.is_numeric_dtype(x):
            bad = x.astype(str).to_numpy() != y.astype(str).to_numpy()
        else:
            xf, yf = x.to_numpy(float), y.to_numpy(float)
            ok = np.isclose(yf, xf, rtol=REL, atol=ABS) | (np.isnan(xf) & np.isnan(yf))
            bad = ~ok
        if bad.any():
            rows = list(a.index[bad][:3])
            problems.append(
                f"{col}: {int(bad.sum())} row(s), e.g. {rows[0]}: oracle "
                f"{x[bad].iloc[0]!r}, tool {y[bad].iloc[0]!r}"
            )
    assert not problems, f"{name}: " + "; ".join(problems)


def check(oracle: Recosting, result: api.Result) -> None:
    """The tables of ``estimate`` against the re-costing."""
    t = result.tables
    assert_same("per_woman", oracle.per_woman, t["per_woman"], ["woman_id"])
    assert_same("per_unit", oracle.per_unit, t["per_unit"], ["site"])
    assert_same(
        "unit_level_lines", oracle.unit_level_lines, t["unit_level_lines"], ["site", "line"]
    )


def check_more(oracle: Recosting, result: api.Result) -> None:
    """``unit_costs``, ``by_component`` and ``by_contact_type`` against the re-costing."""
    t = result.tables
    assert_same("unit_costs", oracle.unit_costs, t["unit_costs"], ["role"])
    bc = t["by_component"].copy()
    bc["driver"] = np.where(bc["measure"] == "contact hours x residual ratio", "residual", "main")
    assert_same("by_component", oracle.by_component, bc, ["site", "component", "driver"])
    assert_same(
        "by_contact_type", oracle.by_contact_type, t["by_contact_type"], ["site", "contact_type"]
    )


# --------------------------------------------------------------------------- cases


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recost")


CASES = ["example", "small", *VARIANTS]


def case_path(name: str, folder: Path) -> Path:
    if name == "example":
        return EXAMPLE
    if name == "small":
        return SMALL
    return write_config(folder / name, VARIANTS[name])


@pytest.fixture(scope="module")
def runs(folder: Path) -> dict[str, tuple[Path, api.Result]]:
    """``estimate`` of every case, once."""
    out = {}
    for name in CASES:
        path = case_path(name, folder)
        out[name] = (path, api.estimate(path))
    return out


@pytest.mark.parametrize("case", CASES)
def test_every_woman_unit_and_line(case: str, runs: dict[str, tuple[Path, api.Result]]) -> None:
    """Each woman's total and components, each per_unit row, each unit-level line."""
    path, result = runs[case]
    check(recost(path), result)


@pytest.mark.parametrize("case", CASES)
def test_unit_costs_components_and_types(
    case: str, runs: dict[str, tuple[Path, api.Result]]
) -> None:
    path, result = runs[case]
    check_more(recost(path), result)


def test_the_example_is_the_published_one() -> None:
    """The figures the issue quotes: mean cost per woman £679.59 over 300 women (0.1).

    0.2 counts the study year as 12 calendar months (M-6): £679.65, the table published.
    """
    before = recost(EXAMPLE, rules="0.1").per_unit.set_index("site")
    assert before.loc["all", "women"] == 300
    assert round(before.loc["all", "mean_cost_per_woman"], 2) == 679.59
    pu = recost(EXAMPLE).per_unit.set_index("site")
    assert round(pu.loc["all", "mean_cost_per_woman"], 2) == 679.65
    published = pd.read_csv(EXAMPLE.parents[1] / "data/published/example/per_unit.csv")
    assert_same(
        "published per_unit",
        pu.reset_index()[["site", *PER_UNIT]],
        published[["site", *PER_UNIT]],
        ["site"],
    )


def test_the_oracle_on_hand_figures() -> None:
    """The oracle itself against the hand-worked small case (tests/api/test_estimate_small.py).

    W1: C1 (1.5 h x 30 + 10 miles x 0.5 = 50) + a third of C2 (PSW 2 h x 30 + volunteer
    2 h x 10 + room 1.5 h x 20 + 3 refreshments x 2 = 116); W2: a third of C2 + her
    did-not-attend C3 (0.5 h x 30 = 15); W3: C4 in year 2, 30 / 1.035; W4 nothing.
    """
    pw = recost(SMALL).per_woman.set_index("woman_id")["total_cost"]
    assert pw.to_dict() == pytest.approx(
        {"W1": 50 + 116 / 3, "W2": 116 / 3 + 15, "W3": 30 / 1.035, "W4": 0.0}, rel=1e-12
    )
    lines = recost(SMALL).unit_level_lines.set_index(["site", "line"])["total_cost"]
    assert lines.to_dict() == pytest.approx(
        {("a", "non_participants"): 116 / 3, ("b", "unattended_sessions"): 50.0}
    )


def test_the_example_psw_build_up() -> None:
    """docs/methods.md M-7 to M-11 by hand: salary 23,716, NI above 12,570 at 13.8%, ..."""
    uc = recost(EXAMPLE).unit_costs.set_index("role").loc["psw"]
    on_costs = 0.138 * (23716 - 12570) + 0.237 * 23716  # 1,538.148 + 5,620.692
    annual = (23716 + on_costs) * (1 + 0.2230 + 0.3426) + 7689  # 56,026.649504
    assert uc["on_costs"] == pytest.approx(7158.84, rel=1e-12)
    assert uc["annual_cost"] == pytest.approx(annual, rel=1e-12)
    assert uc["cost_per_working_hour"] == pytest.approx(annual / 1574, rel=1e-12)
    assert uc["cost_per_contact_hour"] == pytest.approx(annual / 1574 * 1.91, rel=1e-12)


# --------------------------------------------------------------------------- 0.2 rules


#: What the 0.2 decisions change in each case (docs/methods.md "Changed in 0.2").
CHANGED_IN_0_2 = {
    "example": "b: the study year counts 12 months, not 365/365.25 years",
    "time_weighted": "b",
    "capacity": "b",
    "exact": "b (study length from the logs in calendar months), d (the coordinator's NI "
    "threshold converted by the role's price year)",
    "provider": "b, e (cost_undiscounted 0 for the NHS room hire the provider excludes)",
}


@pytest.mark.parametrize("case", list(CHANGED_IN_0_2))
def test_rules_0_2_differ_from_0_1(case: str, folder: Path) -> None:
    """The switch does what each decision says, in every case the second round changes."""
    path = case_path(case, folder)
    a, b = recost(path, rules="0.1"), recost(path)
    with pytest.raises(AssertionError):
        assert_same("per_unit", a.per_unit, b.per_unit, ["site"])
    programme = [
        t[t["contact_type"] == "(programme costs)"].set_index("site")["total_cost"]
        for t in (a.by_contact_type, b.by_contact_type)
    ]
    if case != "exact":  # b: the study year is 12 months, 1 year, not 365 / 365.25
        assert (a.extras["years"], b.extras["years"]) == (365 / 365.25, 1.0)
        # every programme quantity is a count x years (x 12), so each unit's programme
        # costs grow by 365.25 / 365 (the contact hours they follow do not change)
        assert programme[1].to_dict() == pytest.approx(
            (programme[0] * 365.25 / 365).to_dict(), rel=1e-12
        )
    else:  # b: 1 Apr 2025 to 18 Aug 2028 is 40 months + 18/31; d: the NI threshold too
        assert b.extras["years"] == pytest.approx((40 + 18 / 31) / 12, rel=1e-12)
        uc = b.unit_costs.set_index("role").loc["coordinator"]
        f = 1.0247  # NHSCII pay & prices 2023/24 (2025 manual): 2022/23 -> 2023/24
        assert uc["on_costs"] == pytest.approx(
            f * (0.138 * (28500 - 12570) + 0.237 * 28500), rel=1e-12
        )
    if case == "provider":  # e: the NHS room hire is not counted by the provider
        und = b.by_component.set_index(["site", "component", "driver"])["cost_undiscounted"]
        assert und.loc[("all", "room_hire", "main")] == 0.0


# --------------------------------------------------------------------------- defects


def small_variant(folder: Path, edit: dict[str, Any], **files: str) -> Path:
    """The small case with config sections replaced and log files rewritten."""
    shutil.copytree(SMALL.parent, folder)
    cfg = yaml.safe_load((folder / "config.yaml").read_text())
    cfg.update(edit)
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg))
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text)
    return folder / "config.yaml"


@pytest.mark.parametrize("case", CASES)
def test_every_pound_is_allocated(case: str, tmp_path: Path) -> None:
    """Undiscounted, the units' total is every contact in full plus every overhead.

    The re-costing adds up what was spent without any sharing (each contact's cost, each
    overhead's quantity times its price): a contact's shares sum to 1 and an allocation
    spreads all of an overhead (docs/methods.md M-21, M-26).
    """
    if case == "small":
        path = small_variant(tmp_path / "case", {"discounting": {"rate": 0.0}})
    else:
        path = write_config(tmp_path, {**VARIANTS.get(case, {}), "discounting.rate": 0.0})
    spent = recost(path).extras["spent"]
    total = api.estimate(path).tables["per_unit"].set_index("site").loc["all", "total_cost"]
    assert total == pytest.approx(spent, rel=1e-12)


def test_time_weighted_session_with_no_minutes(tmp_path: Path) -> None:
    """docs/methods.md M-17: a session with no minutes to weight by is shared equally.

    0.1 gave every share 0/0 = 0, so the session's £114 vanished from every table.
    """
    path = small_variant(
        tmp_path / "case",
        {"costing": {"group_split": "time_weighted"}, "discounting": {"rate": 0.0}},
        attendance="contact_id,woman_id,minutes\nC2,W1,0\nC2,W2,0\n",
        contacts=(SMALL.parent / "contacts.csv")
        .read_text()
        .replace("psw;volunteer,90,30,0,0,yes,1,6", "psw;volunteer,90,30,0,0,yes,0,6"),
    )
    result = api.estimate(path)
    # C2 with no other attendee: PSW 2 h x 30 = 60, volunteer 2 h x 10 = 20, room 1.5 h x 20
    # = 30, refreshments 2 x 2 = 4: 114, half each = 57. W1: C1 50 + 57 = 107; W2: 57 +
    # her did-not-attend C3 15 = 72; unit a: 50 + 114 + 15 = 179
    pw = result.tables["per_woman"].set_index("woman_id")["total_cost"]
    assert pw["W1"] == pytest.approx(107.0, rel=1e-12)
    assert pw["W2"] == pytest.approx(72.0, rel=1e-12)
    assert result.tables["per_unit"].set_index("site").loc["a", "total_cost"] == pytest.approx(179)
    check(recost(path), result)


def test_overheads_of_a_woman_at_another_unit(tmp_path: Path) -> None:
    """docs/methods.md M-26: each unit's overheads are spread over that unit's contacts.

    0.1 divided a line's mass at every unit by its own unit's total, so unit a spread 140%
    of its £100 licence and unit b 50%: £10 of £200 was lost.
    """
    path = small_variant(
        tmp_path / "case",
        {
            "discounting": {"rate": 0.0},
            "logs": {
                "contacts": "contacts.csv",
                "attendance": "attendance.csv",
                "women": "women.csv",
                "policies": {"group_without_attendees": "unit", "woman_site_mismatch": "keep"},
            },
            "programme_costs": {
                "licence": {"amount": 100, "per": "once", "site_counts": {"a": 1, "b": 1}}
            },
        },
        attendance="contact_id,woman_id\nC2,W1\nC2,W2\nC5,W1\n",
    )
    result = api.estimate(path)
    # W1 (unit a) is kept at unit b's group C5. Key contact hours, undiscounted (rate 0).
    # Unit a: C1 1 h (W1), C2 1.5 h (W1, W2, 1 other: 0.5 h each), C3 did not attend:
    #   W_a = 2.5; W1 1.5, W2 0.5, non-participants 0.5 -> licence a: 60, 20, 20.
    # Unit b: C4 1 h (W3), C5 1 h (W1 alone): W_b = 2; W3 1, W1 1 -> licence b: 50, 50.
    # Contacts: C5 = PSW 1 h x 30 + room 1 h x 20 + 1 refreshment x 2 = 52, all W1's.
    # W1: 50 + 116/3 + 52 + 60 + 50; W2: 116/3 + 15 + 20; W3: 30 + 50; W4: 0.
    # Units: a = W1 + W2 + non-participants (116/3 + 20) = 383; b = W3 = 80; all 463 =
    # every contact in full (50 + 116 + 15 + 30 + 52) + the two licences (200).
    pw = result.tables["per_woman"].set_index("woman_id")["total_cost"]
    assert pw.to_dict() == pytest.approx(
        {"W1": 50 + 116 / 3 + 52 + 110, "W2": 116 / 3 + 15 + 20, "W3": 80.0, "W4": 0.0},
        rel=1e-12,
    )
    pu = result.tables["per_unit"].set_index("site")["total_cost"]
    assert pu.to_dict() == pytest.approx({"a": 383.0, "b": 80.0, "all": 463.0}, rel=1e-12)
    assert pu["all"] == pytest.approx(recost(path).extras["spent"], rel=1e-12)
    check(recost(path), result)
