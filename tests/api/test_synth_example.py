"""The bundled example is synth's output at its documented seed and size, and the
default config costs it."""

from __future__ import annotations

from pathlib import Path

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
