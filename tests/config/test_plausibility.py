"""Plausibility as data: an error where a value cannot be right, a warning where it may be.

Each case edits tests/cases/small (two units: a with W1, W2 admitted in January 2025;
b with W3, W4) or its config, and states the expected message, worked out by hand:
the NHSCII table (data/nhscii.csv) has rows 2015/16 to 2024/25, so it converts prices
between 2014/15 (its base) and 2024/25.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.helpers import invoke

from rapport_cost.config.plausibility import LOGS, RULES
from rapport_cost.errors import ConfigError
from rapport_cost.fileio.config_file import load_config
from rapport_cost.fileio.reference import nhscii_years

CASE = Path(__file__).parents[1] / "cases" / "small"


@pytest.fixture
def case(tmp_path: Path) -> Path:
    shutil.copytree(CASE, tmp_path / "case")
    return tmp_path / "case"


def _config(case: Path, old: str, new: str) -> Path:
    path = case / "config.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _errors(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_config(path)
    return [str(p) for p in err.value.problems]


def test_the_price_index_covers_2014_15_to_2024_25() -> None:
    years = nhscii_years()
    assert (years[0], years[-1], len(years)) == ("2014/15", "2024/25", 11)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a share of salary plus on-costs written as a percent: 22.3 for 0.223
        ("psw: {payer: charity, hourly_rate: 30, indirect_time_ratio: 1.0}",
         "psw: {payer: charity, salary: 24000, working_hours: 1574, "
         "overheads: {management: 22.3}}",
         "config.yaml:5: roles.psw.overheads.management: must be between 0 and 1: a share "
         "of salary plus on-costs"),
        ('price_year: "2023/24"', 'price_year: "2023/25"',
         "config.yaml:2: price_year: '2023/25' is not a financial year (they run 2023/24); "
         "did you mean '2023/24'?"),
        ('price_year: "2023/24"', 'price_year: "1990/91"',
         "config.yaml:2: price_year: 1990/91 is outside the price index (the NHS Cost "
         "Inflation Index covers 2014/15 to 2024/25)"),
        ('price_year: "2023/24"', 'price_year: "2099/00"',
         "config.yaml:2: price_year: 2099/00 is outside the price index"),
        ("discounting: {rate: 0.035, timing: start}", "discounting: {rate: 3.5, timing: start}",
         "config.yaml:17: discounting.rate: must be <= 1, got 3.5; did you mean 0.035?"),
        ("psw: {payer: charity, hourly_rate: 30, indirect_time_ratio: 1.0}",
         "psw: {payer: charity, salary: 24000, working_hours: 10000}",
         "config.yaml:5: roles.psw.working_hours: must be between 0 and 8,784: working hours "
         "a year; got 10,000"),
    ],
)  # fmt: skip
def test_a_value_that_cannot_be_right_is_a_located_error(
    case: Path, old: str, new: str, expected: str
) -> None:
    found = _errors(_config(case, old, new))
    assert any(p.endswith(expected) or expected in p for p in found), found


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("psw: {payer: charity, hourly_rate: 30, indirect_time_ratio: 1.0}",
         "psw: {payer: charity, salary: 24000, working_hours: 37.5}",
         "roles.psw.working_hours: 37.5 is unusual for working hours a year (usually between "
         "500 and 2,500)"),
        ("discounting: {rate: 0.035, timing: start}", "discounting: {rate: 0.2, timing: start}",
         "discounting.rate: 0.2 is unusual for an annual discount rate (usually at most 0.1)"),
        ('price_year: "2023/24"', 'price_year: "2025/26"',
         "price_year: 2025/26 is past the last year of the price index"),
    ],
)  # fmt: skip
def test_a_value_that_may_be_right_is_a_located_warning(
    case: Path, old: str, new: str, expected: str
) -> None:
    loaded = load_config(_config(case, old, new))
    assert any(expected in w for w in loaded.warnings), loaded.warnings
    assert all(w.startswith(str(case / "config.yaml")) for w in loaded.warnings)


def test_correlations_name_declared_parameters_once_per_pair(case: Path) -> None:
    path = _config(
        case,
        "roles:\n",
        "parameters:\n  p: {value: 1, dist: {type: gamma, mean: 1, se: 0.1}}\n"
        "  q: {value: 2, dist: {type: gamma, mean: 2, se: 0.1}}\n"
        "correlations:\n  - [p, q, 0.3]\n  - [q, p, 0.5]\n  - [p, nope, 0.2]\n  - [q, p, 0.3]\n"
        "roles:\n",
    )
    found = " ".join(_errors(path))
    # lines: a comment, price_year, perspective; parameters: 4, p 5, q 6; correlations: 7,
    # items 8 to 11
    assert f"{path}:9: correlations[1]: the pair q, p is already given at correlations[0] " in (
        found
    )
    assert f"{path}:10: correlations[2]: unknown parameter 'nope'" in found
    assert f"{path}:11: correlations[3]: the pair q, p is already given at correlations[0]" in (
        found
    )


def test_a_duplicate_key_is_reported_with_the_other_problems(case: Path) -> None:
    path = _config(case, 'price_year: "2023/24"', 'price_year: "2023/24"\nprice_year: "x"')
    found = _errors(_config(case, "perspective: societal", "perspective: everyone"))
    assert f"{path}:3: price_year: duplicate key 'price_year' (first at line 2)" in found
    assert any(p.startswith(f"{path}:4: perspective: must be one of") for p in found), found


@pytest.mark.parametrize(
    ("log", "edit", "expected"),
    [
        ("contacts.csv", ("W2,psw,30,", "W2,psw,1000000000,"),
         "contacts.csv:4: duration_min: must be at most 1,440 minutes (a day), got "
         "1,000,000,000"),
        ("contacts.csv", ("C1,a,2025-01-05,", "C1,a,2099-01-05,"),
         "contacts.csv:2: date: 2099-01-05 is 74 years after the admission it follows (at "
         "most 10)"),
        ("contacts.csv", ("C5,b,2025-02-10,", "C5,b,1925-02-10,"),
         "contacts.csv:6: date: 1925-02-10 is before 1990-01-01: check the year"),
        ("women.csv", ("W3,b,2025-02-01,2025-03-20", "W3,b,2025-02-01,2028-03-20"),
         "women.csv:4: discharge_date: is 1,143 days after the admission_date"),
    ],
)  # fmt: skip
def test_a_log_value_that_cannot_be_right_is_an_error(
    case: Path, log: str, edit: tuple[str, str], expected: str
) -> None:
    path = case / log
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(*edit), encoding="utf-8")
    result = invoke(["estimate", "-c", str(case / "config.yaml")], code=2)
    assert f"{case / expected}" in " ".join(result.stderr.split())


def test_the_log_limits_are_stated_as_data() -> None:
    # 2099-01-05 minus 2025-01-01: 74 years and 4 days; the limits the messages state
    assert (LOGS.max_minutes, LOGS.max_years_after_admission, LOGS.earliest) == (
        1440,
        10,
        "1990-01-01",
    )
    assert any(pattern == "roles.*.overheads.management" for pattern, _ in RULES)


@pytest.mark.parametrize("admissions", [0, 1])
def test_fewer_admissions_than_women_is_an_error(case: Path, admissions: int) -> None:
    # unit a has W1 and W2 in the women log: 2 women, so at least 2 admissions
    path = _config(case, "admissions: 4", f"admissions: {admissions}")
    result = invoke(["estimate", "-c", str(path)], code=2)
    err = " ".join(result.stderr.split())
    assert (
        f"{path}:15: sites.a.admissions: {admissions} admission(s), but the women log has 2 "
        "women at this unit" in err
    )


def test_validate_runs_the_checks_of_psa(case: Path) -> None:
    # correlations that are each in range but not jointly possible (not positive definite):
    # rho(p,q) = rho(q,r) = 0.9 and rho(p,r) = -0.9; psa rejects them, so validate must.
    # p, q and r price the PSW, the volunteer and the room, so the costing uses them.
    _config(case, "hourly_rate: 30", "hourly_rate: p")
    _config(case, "hourly_rate: 10", "hourly_rate: q")
    _config(case, "unit_cost: 20", "unit_cost: r")
    path = _config(
        case,
        "roles:\n",
        "parameters:\n"
        + "".join(f"  {n}: {{value: 1, dist: {{type: gamma, mean: 1, se: 0.1}}}}\n" for n in "pqr")
        + "correlations:\n  - [p, q, 0.9]\n  - [q, r, 0.9]\n  - [p, r, -0.9]\n"
        "roles:\n",
    )
    psa = invoke(["psa", "-c", str(path), "--draws", "100"], code=2)
    validate = invoke(["validate", "-c", str(path)], code=1)
    assert "positive definite" in psa.stderr
    assert "positive definite" in validate.stderr


def test_a_warning_is_counted_in_the_output(case: Path, tmp_path: Path) -> None:
    path = _config(case, "discounting: {rate: 0.035,", "discounting: {rate: 0.2,")
    doc = json.loads(invoke(["estimate", "-c", str(path), "-f", "json"], code=0).stdout)
    assert any("discounting.rate: 0.2 is unusual" in w for w in doc["warnings"])
    invoke(["estimate", "-c", str(path), "-o", str(tmp_path / "out")], code=0)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert any("discounting.rate: 0.2 is unusual" in w for w in manifest["warnings"])
    result = invoke(["validate", "-c", str(path)], code=0)
    assert "(1 warning(s))" in result.stderr
