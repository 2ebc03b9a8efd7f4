"""Scenarios: every ready-made scenario runs, equals a full re-estimate, and bad overrides fail.

The deltas of a scenario are worked out by hand in tests/api/test_sensitivity_small.py; here
each scenario's row is compared with an independent full run of ``estimate`` on the
scenario's config (logs read and validated again, usage matrix rebuilt), which checks that
re-using the base model where the scenario allows gives the same numbers.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from tests.helpers import invoke

from rapport_cost import api
from rapport_cost.errors import ConfigError

ROOT = Path(__file__).parents[2]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))
SMALL = ROOT / "tests" / "cases" / "small_dsa"


def _with_scenarios(config: Path) -> bool:
    return bool((yaml.safe_load(config.read_text()) or {}).get("scenarios"))


@pytest.mark.parametrize("config", [c for c in CONFIGS if _with_scenarios(c)], ids=lambda p: p.name)
def test_every_ready_made_scenario_runs_and_matches_a_full_estimate(config: Path) -> None:
    built = api.build(config)
    result = api.scenarios(built)
    table = result.tables["scenarios"].set_index(["scenario", "site"])
    names = list(yaml.safe_load(config.read_text())["scenarios"])
    assert list(dict.fromkeys(result.tables["scenarios"]["scenario"])) == ["base", *names]
    variants = api.scenario_configs(built)
    for name in names:
        pu = api.estimate(variants[name]).tables["per_unit"].set_index("site")
        for site in pu.index:
            row = table.loc[(name, site)]
            assert row["total_cost"] == pytest.approx(pu.loc[site, "total_cost"], rel=1e-9)
            assert row["mean_cost_per_woman"] == pytest.approx(
                pu.loc[site, "mean_cost_per_woman"], rel=1e-9
            )


def test_bundled_scenarios_cover_the_methods_d5_choices() -> None:
    cfg = yaml.safe_load((ROOT / "configs" / "rapport.yaml").read_text())
    overrides = {k: v for s in cfg["scenarios"].values() for k, v in s["set"].items()}
    assert overrides["roles.volunteer.valued_as"] == "psw"  # replacement
    assert overrides["costing.group_split"] in ("time_weighted", "capacity")
    assert overrides["programme_costs.training.annuitise"] is None  # expensed
    assert overrides["costing.staff_time"] == "contact_rate"
    assert overrides["costing.dna"] == "unit"
    assert overrides["allocation_key"] == "women"
    rates = {s["set"].get("discounting.rate") for s in cfg["scenarios"].values()}
    assert {0.0, 0.015} <= rates
    splits = {s["set"].get("costing.group_split") for s in cfg["scenarios"].values()}
    assert {"time_weighted", "capacity"} <= splits


def _case(tmp_path: Path, scenarios: dict[str, object]) -> Path:
    folder = tmp_path / "small_dsa"
    shutil.copytree(SMALL, folder)
    shutil.copytree(SMALL.parent / "small", tmp_path / "small")
    cfg = yaml.safe_load((folder / "config.yaml").read_text())
    cfg["scenarios"] = scenarios
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def _line_of(path: Path, text: str) -> int:
    """1-based line of the first line containing ``text`` (found independently of the code)."""
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return i
    raise AssertionError(text)


def test_unknown_path_is_exit_2_naming_scenario_path_and_line(tmp_path: Path) -> None:
    path = _case(
        tmp_path, {"typo": {"set": {"roles.volunter.hourly_rate": 20, "costing.grup_split": "x"}}}
    )
    result = invoke(["scenarios", "-c", str(path)], code=2)
    err = result.stderr
    line = _line_of(path, "roles.volunter.hourly_rate")
    assert f"config.yaml:{line}: scenario 'typo': roles.volunter.hourly_rate: " in err
    assert "did you mean 'volunteer'" in err
    # every problem at once: the second override too
    line2 = _line_of(path, "costing.grup_split")
    assert re.search(
        rf"config.yaml:{line2}: scenario 'typo': costing.grup_split: .*group_split", err
    )


def test_validate_checks_the_scenarios_too(tmp_path: Path) -> None:
    path = _case(tmp_path, {"typo": {"set": {"roles.volunter.hourly_rate": 20}}})
    result = invoke(["validate", "-c", str(path)], code=1)
    line = _line_of(path, "roles.volunter.hourly_rate")
    assert f"config.yaml:{line}: scenario 'typo': roles.volunter.hourly_rate: " in result.stderr
    invoke(["validate", "-c", str(_case(tmp_path / "ok", {"ok": {"set": {}}}))], code=0)


def test_valid_path_absent_from_the_file_is_accepted(tmp_path: Path) -> None:
    # the small case has no costing section: costing.group_split is still a valid path
    path = _case(tmp_path, {"tw": {"set": {"costing.group_split": "time_weighted"}}})
    t = api.scenarios(path).tables["scenarios"]
    assert t["scenario"].tolist()[-1] == "tw"


def test_wrong_type_is_exit_2_naming_scenario_path_and_line(tmp_path: Path) -> None:
    path = _case(tmp_path, {"bad_rate": {"set": {"discounting.rate": "high"}}})
    result = invoke(["scenarios", "-c", str(path)], code=2)
    line = _line_of(path, "discounting.rate")
    assert f"config.yaml:{line}: scenario 'bad_rate': discounting.rate: must be a number" in (
        result.stderr
    )


def test_removal_that_leaves_an_invalid_role_is_located(tmp_path: Path) -> None:
    # removing the hourly rate without giving valued_as leaves a role with no basis
    path = _case(tmp_path, {"no_rate": {"set": {"roles.volunteer.hourly_rate": None}}})
    with pytest.raises(ConfigError) as info:
        api.scenarios(path)
    (problem,) = info.value.problems
    assert problem.line == _line_of(path, "roles.volunteer.hourly_rate")
    assert "scenario 'no_rate'" in problem.message
    assert "give exactly one of salary" in problem.message


def test_scenarios_file_replaces_the_config_section(tmp_path: Path) -> None:
    f = tmp_path / "more.yaml"
    f.write_text("scenarios:\n  cheap_room:\n    set: {resources.room_hire.unit_cost: 10}\n")
    t = api.scenarios(SMALL / "config.yaml", scenarios_file=f).tables["scenarios"]
    assert list(dict.fromkeys(t["scenario"])) == ["base", "cheap_room"]
    # room £10 instead of £20: dY/dr = 1/4, so the mean falls by 2.5
    row = t[(t["scenario"] == "cheap_room") & (t["site"] == "all")]
    assert row["delta"].iloc[0] == pytest.approx(-2.5)


def test_scenarios_file_errors_are_located(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("scenarios:\n  x:\n    set: {roles.nobody.hourly_rate: 1}\nextra: 1\n")
    result = invoke(["scenarios", "-c", str(SMALL / "config.yaml"), "--scenarios", str(f)], code=2)
    assert "bad.yaml:4: extra: unknown key" in result.stderr
    f.write_text("scenarios:\n  x:\n    set: {roles.nobody.hourly_rate: 1}\n")
    result = invoke(["scenarios", "-c", str(SMALL / "config.yaml"), "--scenarios", str(f)], code=2)
    assert "bad.yaml:3: scenario 'x': roles.nobody.hourly_rate: roles has no entry" in (
        result.stderr
    )


def test_only_unknown_scenario_is_a_usage_error() -> None:
    result = invoke(
        ["scenarios", "-c", str(SMALL / "config.yaml"), "--only", "volunter_20"], code=2
    )
    assert "did you mean 'volunteer_20'" in result.stderr


def test_scenarios_give_the_undiscounted_total_beside_the_discounted(tmp_path: Path) -> None:
    # M-41. tests/cases/small: every cost falls in the first year after admission
    # but C4's 30 (W3, 393 days on): total 181 + 30/1.035 + 50 discounted at 3.5%,
    # 181 + 30 + 50 = 261 undiscounted (tests/api/test_estimate_small.py); at rate 0 both 261
    spec = tmp_path / "scenarios.yaml"
    spec.write_text("scenarios:\n  rate_0: {set: {discounting.rate: 0.0}}\n")
    config = ROOT / "tests" / "cases" / "small" / "config.yaml"
    result = api.scenarios(config, scenarios_file=spec)
    table = result.tables["scenarios"].set_index(["scenario", "site"])
    assert table.loc[("base", "all"), "total_cost"] == pytest.approx(181 + 30 / 1.035 + 50)
    assert table.loc[("base", "all"), "total_cost_undiscounted"] == pytest.approx(261)
    assert table.loc[("rate_0", "all"), "total_cost"] == pytest.approx(261)
    assert table.loc[("rate_0", "all"), "total_cost_undiscounted"] == pytest.approx(261)
