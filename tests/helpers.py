"""Test helpers: run the CLI in-process and re-raise crashes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from rapport_cost.cli.main import app

runner = CliRunner()


def invoke(args: Sequence[str], *, code: int | None = None) -> Result:
    """Run ``rapport-cost ARGS``; any exception other than SystemExit is re-raised.

    A crash must never pass as an exit code (sqlfluff's ``invoke_assert_code``).
    """
    result = runner.invoke(app, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if code is not None:
        assert result.exit_code == code, (
            f"exit {result.exit_code}, expected {code}\n--- stdout\n{result.stdout}"
            f"\n--- stderr\n{result.stderr}"
        )
    return result


def assert_case_reported(result: Result, case: Path, folder: Path, out: Path) -> None:
    """A bad-input case from a corpus: every line of its ``expect.txt`` is in stderr
    (``{dir}`` standing for ``folder``), no traceback, and nothing left at ``out``."""
    err = " ".join(result.stderr.split())
    expected = (case / "expect.txt").read_text(encoding="utf-8").strip().splitlines()
    for line in expected:
        text = " ".join(line.replace("{dir}", str(folder)).split())
        assert text in err, f"missing {text!r} in:\n{result.stderr}"
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}*")), "a temporary output was left behind"
