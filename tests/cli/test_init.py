"""init writes a study every command runs on; absent sections are skipped with a note."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.helpers import invoke

ROOT = Path(__file__).parents[2]

#: Seeded: a tiny study's resamples can lack a level (a refit fails in about 1 seed in 12).
COMMANDS = [
    ["validate"],
    ["estimate"],
    ["unit-costs"],
    ["psa", "--draws", "64", "--seed", "1"],
    ["bootstrap", "--resamples", "99", "--method", "percentile", "--seed", "1"],
    ["dsa"],
    ["scenarios"],
    ["scale-up"],
    ["follow-up", "--resamples", "19", "--seed", "1"],
    ["subgroups", "--by", "parity", "--model", "ols", "--resamples", "19", "--seed", "1"],
]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "study"
    invoke(["init", str(folder)], code=0)
    return folder


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_command_runs_on_the_init_study(study: Path, command: list[str]) -> None:
    result = invoke([*command, "-c", str(study / "config.yaml")], code=0)
    assert "Traceback" not in result.stderr


def test_init_writes_the_files_and_an_xlsx_template_with_drop_downs(study: Path) -> None:
    for name in ("config.yaml", "contacts.csv", "attendance.csv", "women.csv", "logs.xlsx"):
        assert (study / name).stat().st_size > 0, name
    book = load_workbook(study / "logs.xlsx")
    sheet = book["contacts"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["contact_id", "site", "date", "contact_type"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    lists = {str(dv.formula1) for dv in sheet.data_validations.dataValidation}
    assert any(f.startswith("lists!$A$") for f in lists)  # the sites
    assert book["lists"]["A2"].value == "unit_a"


def test_init_refuses_a_folder_with_files(study: Path) -> None:
    result = invoke(["init", str(study)], code=2)
    assert "is not empty" in result.stderr


def test_a_config_with_only_the_required_sections(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    for name in ("contacts.csv", "attendance.csv", "women.csv"):
        (case / name).write_bytes((ROOT / "tests" / "cases" / "small" / name).read_bytes())
    contacts = (case / "contacts.csv").read_text(encoding="utf-8").splitlines()
    # no miles (a mileage resource is then needed), as a config without resources has none
    rows = [line.split(",") for line in contacts]
    miles = rows[0].index("miles")
    for row in rows[1:]:
        row[miles] = "0"
    (case / "contacts.csv").write_text("\n".join(",".join(r) for r in rows) + "\n")
    (case / "config.yaml").write_text(
        "roles:\n  psw: {payer: charity, hourly_rate: 30}\n  volunteer: {payer: volunteer, "
        "hourly_rate: 0}\ncontact_types:\n  one_to_one: {}\n  group: {shared: true}\n"
        "logs: {contacts: contacts.csv, attendance: attendance.csv, women: women.csv, "
        "policies: {group_without_attendees: unit}}\n",
        encoding="utf-8",
    )
    config = str(case / "config.yaml")
    for command in (["estimate"], ["scenarios"], ["scale-up"], ["psa", "--draws", "16"]):
        result = invoke([*command, "-c", config], code=0)
        assert "Traceback" not in result.stderr
    assert "skipped" in invoke(["scale-up", "-c", config], code=0).stderr
    assert "no parameter has a distribution" in invoke(["psa", "-c", config, "--draws", "16"],
                                                       code=0).stderr  # fmt: skip
