"""``explain``: every line of a woman's, a unit's and a role's cost, summing to ``estimate``.

The totals are checked against ``estimate`` (another path through the engine) for every
woman and unit of the example; the lines themselves against hand-worked figures of
tests/cases/small (see tests/api/test_estimate_small.py) and of docs/methods.md §16.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from rapport_cost import api
from rapport_cost.api.base import Built
from rapport_cost.api.explain import cost_lines
from rapport_cost.errors import UsageError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "configs" / "rapport.yaml"
SMALL = REPO / "tests" / "cases" / "small"


@pytest.fixture(scope="module")
def example() -> tuple[Built, api.Result]:
    built = api.build(EXAMPLE, ledger=True)
    return built, api.estimate(built)


def test_every_woman_of_the_example_adds_up_to_her_estimate(
    example: tuple[Built, api.Result],
) -> None:
    """Every woman's lines (the table explain prints for her) sum to her per_woman cost.

    All 300 at once through the function ``explain --woman`` tables her lines with, and
    one in ten end to end (each builds its tables: 300 would take seconds).
    """
    built, est = example
    per_woman = est.tables["per_woman"].set_index("woman_id")["total_cost"]
    n = len(per_woman)
    lines = cost_lines(built, built.costs(), np.arange(n))
    np.testing.assert_allclose(
        lines.groupby("line")["cost"].sum().reindex(per_woman.index, fill_value=0.0),
        per_woman,
        rtol=1e-9,
        atol=1e-9,
    )
    # every line is units x unit price x share x discount factor
    product = lines["units"] * lines["unit_price"] * lines["share"] * lines["discount_factor"]
    np.testing.assert_allclose(lines["cost"], product, rtol=1e-12, atol=1e-12)
    for woman, cost in per_woman.iloc[::10].items():
        t = api.explain(built, woman=str(woman)).tables["explanation"]
        total = t.iloc[-1]
        assert total["component"] == "total"
        assert total["cost"] == pytest.approx(cost, rel=1e-9, abs=1e-9), woman


def test_every_unit_of_the_example_adds_up_to_its_estimate(
    example: tuple[Built, api.Result],
) -> None:
    built, est = example
    per_unit = est.tables["per_unit"].set_index("site")
    for unit in built.usage.sites:
        r = api.explain(built, unit=unit)
        t = r.tables["explanation"]
        assert t.iloc[-1]["cost"] == pytest.approx(per_unit.loc[unit, "total_cost"], rel=1e-9)
        women = t[t["line"].str.endswith("women")]
        assert women["cost"].sum() == pytest.approx(per_unit.loc[unit, "women_cost"], rel=1e-9)
        assert len(r.tables["per_woman"]) == per_unit.loc[unit, "women"]


def test_w00003_as_docs_methods_works_her_out(example: tuple[Built, api.Result]) -> None:
    """docs/methods.md §16: her four sessions £235.130507 and her overheads at 3.0 hours."""
    built, _ = example
    r = api.explain(built, woman="W00003")
    t = r.tables["explanation"].iloc[:-1]
    contacts = t[t["contact_id"] != ""]
    assert sorted(set(contacts["contact_id"])) == ["C0000006", "C0000050", "C0000067", "C0000215"]
    assert contacts["cost"].sum() == pytest.approx(235.130507, abs=5e-7)
    # C0000050: PSW 90 + 30 + 28 min = 2.466667 h at £35.595076, a fifth of it
    psw = contacts[(contacts["contact_id"] == "C0000050") & (contacts["component"] == "psw")]
    assert psw["units"].item() == pytest.approx(148 / 60)
    assert psw["unit_price"].item() == pytest.approx(35.595076, abs=5e-7)
    assert psw["share"].item() == pytest.approx(0.2)
    # training: Lancashire's 1 worker-year at 1,846 / A(3, 3.5%), her 3.0 of 499.5 hours
    eac = 1846 / ((1 - 1.035**-3) / 0.035)
    training = t[t["component"] == "training"]
    assert training["units"].item() == pytest.approx(1.0)
    assert training["unit_price"].item() == pytest.approx(eac)
    assert training["share"].item() == pytest.approx(3.0 / 499.5)
    assert training["cost"].item() == pytest.approx(3.957360, abs=5e-7)
    summary = r.tables["summary"].iloc[0]
    assert (summary["attended_hours"], summary["allocation_hours"]) == pytest.approx((5.0, 3.0))


def small_case(tmp_path: Path, edit: dict[str, object] | None = None, **files: str) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(SMALL, folder)
    cfg = yaml.safe_load((folder / "config.yaml").read_text())
    cfg.update(edit or {})
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg))
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text)
    return folder / "config.yaml"


def test_the_small_case_line_by_line(tmp_path: Path) -> None:
    """W1 of tests/cases/small: C1 and a third of C2 (tests/api/test_estimate_small.py)."""
    t = api.explain(small_case(tmp_path), woman="W1").tables["explanation"]
    lines = t.iloc[:-1].set_index(["contact_id", "component"])
    expected = {
        # C1: 60 + 15 + 15 min of PSW at £30; 10 miles at £0.50; all hers
        ("C1", "psw"): (1.5, 30.0, 1.0),
        ("C1", "mileage"): (10.0, 0.5, 1.0),
        # C2: PSW and volunteer 90 + 30 min each, room 1.5 h, 3 refreshments; W1, W2 and
        # one other attendee: a third each
        ("C2", "psw"): (2.0, 30.0, 1 / 3),
        ("C2", "volunteer"): (2.0, 10.0, 1 / 3),
        ("C2", "room_hire"): (1.5, 20.0, 1 / 3),
        ("C2", "refreshments"): (3.0, 2.0, 1 / 3),
    }
    assert sorted(lines.index) == sorted(expected)
    for key, (units, price, share) in expected.items():
        row = lines.loc[key]
        assert (row["units"], row["unit_price"], row["share"]) == pytest.approx(
            (units, price, share)
        ), key
        assert row["discount_factor"] == 1.0  # within her first year
    assert t.iloc[-1]["cost"] == pytest.approx(50 + 116 / 3)


def test_a_woman_at_another_units_session_takes_that_units_overheads(tmp_path: Path) -> None:
    """The case of docs/methods.md M-26 (tests/methods/test_recost_example.py): W1 of
    unit a at unit b's C5 takes 1.5 of a's 2.5 session hours of a's £100 licence and 1 of
    b's 2 hours of b's: 60 + 50."""
    path = small_case(
        tmp_path,
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
    t = api.explain(path, woman="W1").tables["explanation"]
    licence = t[t["component"] == "licence"].set_index("basis")
    assert licence["cost"].to_dict() == pytest.approx(
        {"1.5 of a's 2.5 session hours": 60.0, "1 of b's 2 session hours": 50.0}
    )
    assert t.iloc[-1]["cost"] == pytest.approx(50 + 116 / 3 + 52 + 110)


def test_a_role_its_build_up_and_where_its_hours_go(example: tuple[Built, api.Result]) -> None:
    built, est = example
    bc = est.tables["by_component"]
    bc = bc[bc["site"] == "all"].set_index("component")
    # the coordinator: 527.466667 logged hours and 30 h a month of coordination (12 months)
    r = api.explain(built, role="coordinator")
    total = r.tables["hours"].iloc[-1]
    assert total["hours"] == pytest.approx(bc.loc["coordinator", "quantity"] + 12 * 30)
    assert total["cost"] == pytest.approx(
        bc.loc["coordinator", "cost"] + bc.loc["coordination", "cost"], rel=1e-9
    )
    # the PSW's build-up by hand (docs/methods.md M-7 to M-11)
    steps = api.explain(built, role="psw").tables["build_up"].set_index("step")["figure"]
    on_costs = 0.138 * (23716 - 12570) + 0.237 * 23716
    annual = (23716 + on_costs) * (1 + 0.2230 + 0.3426) + 7689
    assert steps["employer NI"] == pytest.approx(1538.148)
    assert steps["on-costs"] == pytest.approx(7158.84)
    assert steps["annual cost"] == pytest.approx(annual)
    assert steps["cost per working hour"] == pytest.approx(annual / 1574)
    assert steps["cost per contact hour"] == pytest.approx(annual / 1574 * 1.91)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"unit": "lancs"}, "--unit 'lancs' is not a unit"),
        ({"unit": "Lancashire"}, "did you mean 'lancashire'?"),
        ({"role": "pws"}, "did you mean 'psw'?"),
        ({"woman": "W99999"}, "--woman 'W99999' is not a woman_id of the women log"),
        ({"woman": "w00003"}, "did you mean 'W00003'?"),
        ({}, "give exactly one of --woman, --unit and --role"),
        ({"woman": "W00003", "unit": "lancashire"}, "exactly one"),
    ],
)
def test_unknown_names(example: tuple[Built, api.Result], kw: dict[str, str], message: str) -> None:
    built, _ = example
    with pytest.raises(UsageError) as err:
        api.explain(built, **kw)
    assert message in str(err.value)
    ids = set(built.usage.women["woman_id"])
    typed = kw.get("woman", "")
    # no woman's id but the one typed (up to case) is ever named
    named = {w for w in ids if w in str(err.value)}
    assert named <= {w for w in ids if w.casefold() == typed.casefold()}


def test_the_ledger_is_built_when_missing() -> None:
    built = api.build(SMALL / "config.yaml")
    assert built.usage.ledger is None
    t = api.explain(built, unit="b").tables["explanation"]
    # unit b: W3's C4 (30 / 1.035, year 2), W4 nothing, the unattended C5 (PSW 1 h x 30 +
    # room 1 h x 20 = 50)
    assert t.iloc[-1]["cost"] == pytest.approx(30 / 1.035 + 50)
    assert isinstance(t, pd.DataFrame)


def test_an_overhead_of_a_unit_without_contacts_is_unallocated(tmp_path: Path) -> None:
    """docs/methods.md M-26: unit b has no delivered contact (C4 removed, C5 unattended), so
    its £100 licence stays on its line ``unallocated``: units 1, share 1, £100."""
    contacts = (SMALL / "contacts.csv").read_text().splitlines()
    path = small_case(
        tmp_path,
        {"programme_costs": {"licence": {"amount": 100, "per": "once", "site_counts": {"b": 1}}}},
        contacts="\n".join(r for r in contacts if not r.startswith("C4,")) + "\n",
    )
    t = api.explain(path, unit="b").tables["explanation"]
    row = t[(t["component"] == "licence") & (t["line"] == "b:unallocated")].iloc[0]
    assert (row["units"], row["share"], row["discount_factor"], row["cost"]) == pytest.approx(
        (1.0, 1.0, 1.0, 100.0)
    )
    assert row["method"] == "M-26"
    # and C5, unattended: PSW 1 h x 30 + room 1 h x 20 = 50 on unattended_sessions
    assert t.iloc[-1]["cost"] == pytest.approx(150.0)
    est = api.estimate(path).tables["per_unit"].set_index("site")
    assert est.loc["b", "total_cost"] == pytest.approx(150.0)
