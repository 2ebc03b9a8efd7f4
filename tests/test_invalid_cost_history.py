"""The corpus of bad cost histories in tests/invalid/cost_history (R ccostr's layout).

Each case folder holds a ``history.csv`` (none for ``missing_file``) and ``expect.txt`` with one
expected message per line (``{dir}`` is the case's folder). Reading and checking the file must
raise an input error (exit code 2) listing every expected problem with its row, and never
quote a person's id. This runs at the API level of the file reader and the check
(``read_cost_history`` then ``validate_cost_history``): there is no command for cost histories yet.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rapport_cost.core.inputs.cost_history import CostHistory, validate_cost_history
from rapport_cost.errors import ExitCode, InputError
from rapport_cost.fileio.cost_history import read_cost_history

HERE = Path(__file__).parent


def load_cost_history(path: Path) -> CostHistory:
    """Read and check a cost history, as the API will."""
    file = read_cost_history(path)
    return validate_cost_history(file.frame, file.source, file.rows)


CASES = sorted(p for p in (HERE / "invalid" / "cost_history").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_bad_cost_history_lists_every_problem(case: Path, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    shutil.copytree(case, folder)
    path = folder / "history.csv"
    with pytest.raises(InputError) as err:
        load_cost_history(path)
    assert err.value.exit_code == ExitCode.INVALID_INPUT
    text = " ".join(" ".join([str(err.value), *err.value.lines()]).split())
    for line in (case / "expect.txt").read_text(encoding="utf-8").strip().splitlines():
        expected = " ".join(line.replace("{dir}", str(folder)).split())
        assert expected in text, f"missing {expected!r} in:\n" + "\n".join(err.value.lines())
    # Never an id in a message: the rows say which person.
    lines = path.read_text(encoding="utf-8").splitlines()[1:] if path.exists() else []
    for pid in {row.split(",")[0].strip() for row in lines} - {""}:
        assert pid not in text, f"id {pid!r} quoted in a message"
