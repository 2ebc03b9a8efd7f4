"""The bundled example is synth's output at its documented seed and size, and the
default config costs it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.helpers import invoke

from rapport_cost import api

EXAMPLE = Path(__file__).parents[2] / "data" / "example"


def test_bundled_example_is_synth_output(tmp_path: Path) -> None:
    out = tmp_path / "example"
    api.synth(out, n_women=api.EXAMPLE_WOMEN, seed=api.EXAMPLE_SEED)
    for name in ("contacts.csv", "attendance.csv", "women.csv", "staff_time.csv", "config.yaml"):
        assert (out / name).read_bytes() == (EXAMPLE / name).read_bytes(), name


def test_synth_config_costs_its_logs(tmp_path: Path) -> None:
    out = tmp_path / "s"
    api.synth(out, n_women=40, seed=3)
    result = api.estimate(out / "config.yaml")
    pu = result.tables["per_unit"].set_index("site")
    assert pu.loc["all", "women"] == 40
    assert pu.loc["all", "total_cost"] > 0


def test_default_estimate_runs_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(["estimate", "-f", "csv"], code=0)
    assert result.stdout.splitlines()[0].startswith("site,women,admissions,contacts")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--women", "5", "--contacts", "5"], "give exactly one of --women N or --contacts N"),
        ([], "give exactly one of --women N or --contacts N"),
        (["--women", "0"], "must be at least 1, got 0"),
    ],
)
def test_synth_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke(["synth", "-o", str(tmp_path / "x"), *args], code=2)
    assert message in result.stderr
    assert not (tmp_path / "x").exists()


def test_synth_cutoff_follows_the_last_logged_date(tmp_path: Path) -> None:
    # A larger cohort logs later than the example (its last contact is on 2028-08-18, so
    # the example's cut-off is 2028-08-31): the cut-off is the last day of the month of
    # the latest date, so no logged activity falls after it and follow-up accepts the logs.
    out = tmp_path / "big"
    api.synth(out, n_women=3000, seed=5)
    config = (out / "config.yaml").read_text(encoding="utf-8")
    (cutoff,) = (line.split()[1] for line in config.splitlines() if "data_cutoff:" in line)
    latest = max(
        pd.read_csv(out / "contacts.csv")["date"].max(),
        pd.read_csv(out / "women.csv")["discharge_date"].max(),
    )
    assert cutoff[:7] == latest[:7]
    assert cutoff >= latest
    assert api.run_follow_up(out / "config.yaml").tables
