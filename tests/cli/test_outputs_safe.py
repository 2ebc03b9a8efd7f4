"""Inputs are sacred, outputs verifiable: no output replaces an input; outputs are
byte-identical for the same inputs and seed in every format; reproduce --from checks every
file's hash and reads a folder of any format; a second run into an output being written
stops at once."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from tests.helpers import invoke

from rapport_cost.fileio.export import XLSX_EPOCH

CASE = Path(__file__).parents[1] / "cases" / "small"


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(CASE, folder)
    (folder / "costs.csv").write_text("woman_id,total_cost\nW1,10\nW2,20\nW3,0\n")
    (folder / "scenarios.yaml").write_text("scenarios:\n  r0: {set: {discounting.rate: 0}}\n")
    (folder / "units.csv").write_text("unit,admissions_per_year\nx,3\n")
    monkeypatch.chdir(tmp_path)
    return folder


DESTROYERS = [  # each once wrote over (or deleted) an input of its own run
    ["estimate", "-c", "in/config.yaml", "-o", "in", "--force"],
    ["estimate", "-c", "in/config.yaml", "-o", "in/contacts.csv", "--force"],
    ["estimate", "-c", "in/config.yaml", "-o", "in/women.csv", "-f", "csv", "--force"],
    ["estimate", "-c", "in/config.yaml", "-o", ".", "--force"],
    ["report", "-c", "in/config.yaml", "-o", "in/config.yaml", "--force"],
    ["bootstrap", "--costs", "in/costs.csv", "-o", "in/costs.csv", "--force"],
    ["scenarios", "-c", "in/config.yaml", "--scenarios", "in/scenarios.yaml", "-f", "csv",
     "-o", "in/scenarios.yaml", "--force"],
    ["scale-up", "-c", "in/config.yaml", "--admissions", "in/units.csv", "-o", "in/units.csv",
     "--force"],
    ["unit-costs", "-c", "in/config.yaml", "-o", "in/sub/out", "--force"],  # inside: fine
]  # fmt: skip


@pytest.mark.parametrize("args", DESTROYERS, ids=lambda a: f"{a[0]}-{a[a.index('-o') + 1]}")
def test_no_output_replaces_an_input(args: list[str], case: Path) -> None:
    before = _digests(case)
    result = invoke(args)
    if args[-2] == "in/sub/out":  # a new folder inside the inputs' folder holds no input
        assert result.exit_code == 0, result.stderr
        shutil.rmtree(case / "sub")
    else:
        assert result.exit_code == 2, result.stderr
        assert "input of this run" in result.stderr
        assert "Traceback" not in result.stderr
    assert _digests(case) == before
    assert not [p for p in case.parent.iterdir() if p.name.startswith(".")]


def test_a_hard_or_symbolic_link_to_an_input_is_the_input(case: Path) -> None:
    os.link(case / "contacts.csv", "hard.csv")
    os.symlink(case / "women.csv", "soft.csv")
    for name in ("hard.csv", "soft.csv"):
        result = invoke(["estimate", "-c", "in/config.yaml", "-o", name, "--force"], code=2)
        assert "is an input of this run" in result.stderr
    assert (case / "contacts.csv").read_bytes() == (CASE / "contacts.csv").read_bytes()


def test_a_folder_rapport_cost_did_not_write_is_never_replaced(case: Path) -> None:
    docs = case.parent / "docs"
    docs.mkdir()
    (docs / "thesis.tex").write_text("years of work")
    result = invoke(["estimate", "-c", "in/config.yaml", "-o", "docs", "--force"], code=2)
    assert "is a folder that rapport-cost did not write" in result.stderr
    assert (docs / "thesis.tex").read_text() == "years of work"
    # an output folder it wrote is replaced with --force, and keeps the umask's mode
    invoke(["estimate", "-c", "in/config.yaml", "-o", "out"], code=0)
    invoke(["estimate", "-c", "in/config.yaml", "-o", "out", "--force"], code=0)
    mask = os.umask(0)
    os.umask(mask)
    assert (Path("out").stat().st_mode & 0o777) == 0o777 & ~mask
    assert (Path("out/per_unit.csv").stat().st_mode & 0o777) == 0o666 & ~mask


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "md", "parquet"])
@pytest.mark.parametrize("single", [False, True], ids=["folder", "file"])
def test_same_inputs_give_the_same_bytes(case: Path, fmt: str, single: bool) -> None:
    name = f"est.{fmt}" if single else "est"
    args = ["estimate", "-c", "in/config.yaml", "--by", "ethnicity", "-f", fmt, "-q"]
    invoke([*args, "-o", f"a/{name}"], code=0)
    invoke([*args, "-o", f"b/{name}"], code=0)
    assert _digests(Path("a")) == _digests(Path("b"))
    if fmt == "xlsx":  # the workbook's clock is fixed, so a later run cannot differ either
        book = Path("a") / name / "estimate.xlsx" if not single else Path("a") / name
        with zipfile.ZipFile(book) as z:
            assert {i.date_time for i in z.infolist()} == {XLSX_EPOCH}
            core = z.read("docProps/core.xml").decode()
        assert core.count("1980-01-01T00:00:00Z") == 2  # created and modified


def test_same_inputs_and_seed_give_the_same_psa_draws_and_plots(case: Path) -> None:
    args = ["psa", "-c", "in/config.yaml", "--draws", "200", "--seed", "5", "-q"]
    invoke([*args, "-o", "a"], code=0)
    invoke([*args, "-o", "b"], code=0)
    assert {"psa_draws.parquet", "psa_histogram.png"} <= set(_digests(Path("a")))
    assert _digests(Path("a")) == _digests(Path("b"))


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "md", "parquet"])
def test_reproduce_reads_a_folder_of_any_format(case: Path, fmt: str) -> None:
    by = ["--by", "ethnicity"]
    invoke(["estimate", "-c", "in/config.yaml", *by, "-f", fmt, "-o", "out"], code=0)
    invoke(["reproduce", "--from", "out"], code=0)
    edits = {  # unit a's admissions, 4 (sites.a.admissions), made 5: that cell differs
        "csv": ("per_unit.csv", "a,2,4,3,", "a,2,5,3,"),
        "json": ("estimate.json", '"admissions": 4,', '"admissions": 5,'),
        "md": ("estimate.md", "| a | 2 | 4 |", "| a | 2 | 5 |"),
    }
    if fmt in edits:
        name, old, new = edits[fmt]
        path = Path("out") / name
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
        result = invoke(["reproduce", "--from", "out"], code=1)
        out = " ".join(result.stdout.split())
        assert "per_unit │ 0 │ admissions │ 5" in out, out
        assert f"files │ {name} │ sha256" in out


def test_reproduce_names_every_changed_or_missing_file(case: Path) -> None:
    invoke(["psa", "-c", "in/config.yaml", "--draws", "300", "--seed", "2", "-o", "out"], code=0)
    draws = Path("out/psa_draws.csv")
    lines = draws.read_text().splitlines()
    draws.write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n")  # reordered
    Path("out/psa_summary.csv").unlink()
    Path("out/psa_convergence.csv").unlink()
    with Path("out/psa_histogram.png").open("ab") as f:
        f.write(b"\0")
    result = invoke(["reproduce", "--from", "out"], code=1)
    out = " ".join(result.stdout.split())
    for name in ("psa_draws.csv", "psa_summary.csv", "psa_convergence.csv", "psa_histogram.png"):
        assert f"files │ {name} │ sha256" in out, out
    assert out.count("│ missing │") == 2


def test_reproduce_refuses_a_manifest_argument_it_cannot_pass(case: Path) -> None:
    invoke(["estimate", "-c", "in/config.yaml", "-o", "out"], code=0)
    manifest = Path("out/manifest.json")
    doc = json.loads(manifest.read_text())
    doc["args"]["out_draws"] = "/tmp/elsewhere"
    doc["args"]["colour"] = "red"
    manifest.write_text(json.dumps(doc))
    result = invoke(["reproduce", "--from", "out"], code=2)
    assert "estimate takes no argument 'colour', 'out_draws' (it takes by)" in result.stderr


def test_subgroup_sheets_whose_names_share_31_characters_stay_apart(case: Path) -> None:
    women = case / "women.csv"
    long = "ethnicity_as_recorded_at_admission"  # by_<it> is longer than a sheet name
    frame = pd.read_csv(women)
    frame[f"{long}_a"] = frame["ethnicity"]
    frame[f"{long}_b"] = ["x", "y", "x", "y"]
    frame["site:code"] = frame["site"]
    frame.to_csv(women, index=False)
    by = ["--by", f"{long}_a", "--by", f"{long}_b", "--by", "site:code"]
    invoke(["estimate", "-c", "in/config.yaml", *by, "-o", "out.xlsx"], code=0)
    sheets = pd.read_excel("out.xlsx", sheet_name=None)
    assert len(sheets) == len({s.casefold() for s in sheets})
    assert set(sheets[f"by_{long}"[:31]][f"{long}_a"]) == {"White", "Asian", "Black"}
    assert set(next(v for k, v in sheets.items() if k.endswith("~2"))[f"{long}_b"]) == {"x", "y"}
    assert "by_site_code" in sheets


def test_a_second_run_into_an_output_being_written_stops_at_once(case: Path) -> None:
    with Path(".out.lock").open("w") as held:  # another process's lock, as flock sees it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = invoke(["estimate", "-c", "in/config.yaml", "-o", "out"], code=4)
    assert "another rapport-cost run is writing this output now" in result.stderr
    assert not Path("out").exists()
    invoke(["estimate", "-c", "in/config.yaml", "-o", "out"], code=0)
    assert not Path(".out.lock").exists()  # removed by the run that held it
